"""The runtime's small pure parts: settings, status shape, log line splitting, Docker timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from logtui import __version__
from logtui.core.runtime import docker_settings_from
from logtui.core.runtime.base import DockerSettings, Runtime, RuntimeState, RuntimeStatus
from logtui.core.runtime.docker_runtime import DockerRuntime, LogStream, parse_docker_time
from logtui.core.runtime.embedded import EmbeddedRuntime


def test_settings_defaults_are_safe_and_versioned() -> None:
    s = DockerSettings()
    assert s.bind == "127.0.0.1"
    assert s.host_port is None
    assert s.container_name == "log-analyzer" and s.volume == "log-analyzer-data"
    assert s.image == f"log-analyzer:{__version__}"


@pytest.mark.parametrize("port", [0, None])
def test_zero_or_none_host_port_means_any_free_port(port: int | None) -> None:
    assert DockerSettings(host_port=port).host_port is None


@pytest.mark.parametrize("port", [-1, 65536, 100000])
def test_out_of_range_host_port_is_refused_with_the_range(port: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.65535"):
        DockerSettings(host_port=port)


def test_empty_image_means_the_default_tag() -> None:
    assert DockerSettings(image="").image == f"log-analyzer:{__version__}"


def test_settings_from_a_config_section_or_a_dict() -> None:
    class Section:
        host_port = 8000
        bind = "0.0.0.0"
        image = None
        unrelated = "ignored"

    s = docker_settings_from(Section())
    assert (s.host_port, s.bind, s.image) == (8000, "0.0.0.0", f"log-analyzer:{__version__}")
    assert docker_settings_from({"volume": "v", "nope": 1}).volume == "v"
    assert docker_settings_from(None) == DockerSettings()


def test_both_runtimes_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(DockerRuntime(DockerSettings()), Runtime)
    assert isinstance(EmbeddedRuntime(tmp_path / "x.db"), Runtime)


def test_status_base_url_follows_the_address() -> None:
    assert (
        RuntimeStatus(RuntimeState.HEALTHY, "", address="127.0.0.1:4000").base_url == "http://127.0.0.1:4000"
    )
    assert RuntimeStatus(RuntimeState.EXITED, "").base_url is None


def test_docker_timestamps_keep_microseconds_and_zero_means_never() -> None:
    assert parse_docker_time("2026-11-26T02:27:46.309829123Z") == datetime(
        2026, 11, 26, 2, 27, 46, 309829, tzinfo=UTC
    )
    assert parse_docker_time("2026-11-26T02:27:46Z") == datetime(2026, 11, 26, 2, 27, 46, tzinfo=UTC)
    assert parse_docker_time("0001-01-01T00:00:00Z") is None
    assert parse_docker_time(None) is None


class _Chunks:
    """Stands in for the SDK's CancellableStream: a chunk iterator with close()."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._it = iter(chunks)
        self.closed = False

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> bytes:
        return next(self._it)

    def close(self) -> None:
        self.closed = True


def test_log_stream_splits_lines_across_chunks_and_decodes_badly_encoded_bytes() -> None:
    chunks = _Chunks([b"first li", b"ne\r\nsecond\nthi", b"rd \xff\n", b"no newline at end"])
    stream = LogStream(chunks)
    assert list(stream) == ["first line", "second", "third \ufffd", "no newline at end"]


def test_log_stream_close_stops_iteration_and_releases_the_source() -> None:
    chunks = _Chunks([b"a\n", b"b\n", b"c\n"])
    closed: list[LogStream] = []
    stream = LogStream(chunks, on_close=closed.append)
    assert next(stream) == "a"
    stream.close()
    assert chunks.closed and closed == [stream]
    assert list(stream) == []
