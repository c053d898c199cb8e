"""The test harness's own server launcher: a port taken by another process between picking it and binding it
(parallel test runs) must not make a test talk to that other process."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.helpers import ServerProcess


def test_a_port_taken_before_the_bind_moves_the_server_to_another(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        server = ServerProcess(tmp_path / "logs.db")
        server.port, server.url = taken, f"http://127.0.0.1:{taken}"  # as if taken after free_port()
        server.start()
        try:
            assert server.port != taken
            assert f"running on {server.url}" in server.log_path.read_text()
        finally:
            server.stop()
