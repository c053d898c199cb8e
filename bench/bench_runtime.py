"""Benchmark of the Docker runtime against the `docker` CLI doing the same thing, in the same run.

    python bench/bench_runtime.py               # 5 rounds of each, interleaved
    python bench/bench_runtime.py --rounds 9

Measures (median of N rounds, logtui / CLI as a ratio; under 1.0 = logtui faster):
  1. start -> healthy for an existing image: DockerRuntime.start() + wait_healthy() on a fresh container vs
     `docker run -d -p 127.0.0.1::8000 -v VOL:/app/data IMAGE` + `docker port` + curl until /health answers;
  2. rebuild with a warm cache, nothing changed: DockerRuntime.build() vs
     `docker build -f docker/Dockerfile .`;
  3. rebuild after a code change (a copy of the build context with one service file touched, so the
     dependency layer is cached and the code layers rebuild): the same two.

Needs a Docker engine (DOCKER_HOST honoured) and the `docker` and `curl` commands. Everything it creates
carries a random suffix and is removed at the end; the image it times is built first if missing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from logtui.core.runtime.base import DockerSettings  # noqa: E402
from logtui.core.runtime.docker_runtime import DockerRuntime, connect  # noqa: E402


def run(cmd: list[str], **kw: object) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False, **kw)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return str(done.stdout)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cli_run_until_healthy(image: str, name: str, volume: str) -> None:
    run(["docker", "run", "-d", "--name", name, "-p", "127.0.0.1::8000", "-v", f"{volume}:/app/data", image])
    port = run(["docker", "port", name, "8000/tcp"]).split()[0].rsplit(":", 1)[1]
    pause = threading.Event()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe = subprocess.run(
            ["curl", "-sf", "-o", "/dev/null", "--max-time", "1", f"http://127.0.0.1:{port}/health"],
            check=False,
        )
        if probe.returncode == 0:
            return
        pause.wait(0.1)
    raise SystemExit(f"{name} did not become healthy")


def build_context_copy(dest: Path) -> Path:
    """The files the image uses (what .dockerignore lets through): a code edit there touches nothing real."""
    (dest / "docker").mkdir(parents=True)
    for name in ("Dockerfile", "requirements-server.txt"):
        shutil.copy2(ROOT / "docker" / name, dest / "docker" / name)
    shutil.copy2(ROOT / ".dockerignore", dest / ".dockerignore")
    shutil.copytree(
        ROOT / "server" / "log_analyzer",
        dest / "server" / "log_analyzer",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return dest


CLI_BUILD = ["docker", "build", "-q", "-t", "{tag}", "-f", "docker/Dockerfile", "."]


def cli_build(tag: str, context: Path) -> None:
    run([part.format(tag=tag) for part in CLI_BUILD], cwd=context)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for tool in ("docker", "curl"):
        if shutil.which(tool) is None:
            raise SystemExit(f"needs the `{tool}` command")

    suffix = uuid.uuid4().hex[:8]
    tag = f"log-analyzer:bench-{suffix}"
    settings = DockerSettings(
        image=tag,
        build_context=ROOT,
        container_name=f"logtui-bench-{suffix}",
        volume=f"logtui-bench-{suffix}",
    )
    client = connect(30)
    results: dict[str, tuple[list[float], list[float]]] = {}
    cli_names: list[str] = []
    made: set[str] = set()

    def note_image() -> None:
        made.add(client.images.get(tag).id)

    tmp = Path(tempfile.mkdtemp(prefix="logtui-bench-"))
    try:
        print(f"engine {client.version()['Version']}, image {tag}, {args.rounds} rounds", flush=True)
        DockerRuntime(settings).build(lambda line: None)  # warm the cache and make the image
        note_image()

        # 1. start -> healthy, a fresh container each round (the volume, already seeded, is reused by both).
        ours: list[float] = []
        theirs: list[float] = []
        for i in range(args.rounds):
            rt = DockerRuntime(settings)
            ours.append(timed(lambda rt=rt: (rt.start(), rt.wait_healthy(60))))  # type: ignore[misc]
            rt.remove()
            rt.close()
            name = f"logtui-bench-cli-{suffix}-{i}"
            cli_names.append(name)
            theirs.append(timed(lambda n=name: cli_run_until_healthy(tag, n, settings.volume)))  # type: ignore[misc]
            run(["docker", "rm", "-f", name])
        results["start -> healthy (existing image)"] = (ours, theirs)

        # 2. warm rebuild, nothing changed.
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(timed(lambda: DockerRuntime(settings).build(lambda line: None)))
            theirs.append(
                timed(
                    lambda: run(
                        ["docker", "build", "-q", "-t", tag, "-f", "docker/Dockerfile", "."], cwd=ROOT
                    )
                )
            )
        results["rebuild, warm cache, no change"] = (ours, theirs)

        # 3. warm rebuild after a code edit (deps layer cached, code layers rebuilt).
        ctx = build_context_copy(tmp / "ctx")
        touched = ctx / "server" / "log_analyzer" / "__init__.py"
        code_settings = replace(settings, build_context=ctx)
        ours, theirs = [], []
        for i in range(args.rounds):
            touched.write_text(touched.read_text() + f"\n# bench edit {i}a\n")
            ours.append(timed(lambda: DockerRuntime(code_settings).build(lambda line: None)))
            note_image()
            touched.write_text(touched.read_text() + f"\n# bench edit {i}b\n")
            theirs.append(
                timed(
                    lambda: run(["docker", "build", "-q", "-t", tag, "-f", "docker/Dockerfile", "."], cwd=ctx)
                )
            )
            note_image()
        results["rebuild, warm cache, code edited"] = (ours, theirs)
    finally:
        for name in cli_names:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        cleanup = DockerRuntime(settings)
        try:
            cleanup.delete_data()
        finally:
            cleanup.close()
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)
        # Only the images this run made (each code-edit rebuild leaves the previous one untagged).
        for image_id in made:
            subprocess.run(["docker", "rmi", image_id], capture_output=True, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
        client.close()

    print()
    print(f"{'operation':<36} {'logtui (s)':>11} {'docker CLI (s)':>15} {'ratio':>7}")
    print("-" * 72)
    for op, (ours, theirs) in results.items():
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"{op:<36} {a:>11.3f} {b:>15.3f} {a / b:>7.2f}")
    print("\nmedians; ratio = logtui / CLI (under 1.0: logtui faster)")


if __name__ == "__main__":
    main()
