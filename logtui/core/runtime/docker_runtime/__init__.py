"""The local log-analyzer in a Docker container, driven through the Docker SDK.

One module per concern: `engine` (connecting, and the one translator of SDK errors), `build` (the build
context and the build's output), `lifecycle` (the container's life and status), `volume_data` (first-data
seeding and backups) and `streams` (log lines, archive chunks); `runtime` puts them behind the Runtime
interface.

Safety rules kept here:
- logtui only touches containers carrying its label; a container with our name and no label is someone else's
  (NameTaken, nothing changed).
- The data lives on a named volume mounted at /app/data; `remove()` keeps it, only `delete_data()` deletes it.
- The port is published on 127.0.0.1 unless the settings say otherwise.
"""

from logtui.core.runtime.docker_runtime.build import DOCKERFILE, LABEL_SOURCES, PACKAGED_CONTEXT, REQUIREMENTS
from logtui.core.runtime.docker_runtime.engine import connect, engine_address, translate, unavailable
from logtui.core.runtime.docker_runtime.lifecycle import CONTAINER_PORT, parse_docker_time
from logtui.core.runtime.docker_runtime.runtime import DockerRuntime
from logtui.core.runtime.docker_runtime.streams import LogStream

# The names code written against the single docker_runtime.py module imported.
_engine_address = engine_address
_unavailable = unavailable
_parse_docker_time = parse_docker_time

__all__ = [
    "CONTAINER_PORT",
    "DOCKERFILE",
    "LABEL_SOURCES",
    "PACKAGED_CONTEXT",
    "REQUIREMENTS",
    "DockerRuntime",
    "LogStream",
    "connect",
    "engine_address",
    "parse_docker_time",
    "translate",
    "unavailable",
]
