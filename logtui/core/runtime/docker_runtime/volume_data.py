"""The data volume's contents: its first data (seeding) and copies of its database out (backup).

The data lives on a named volume mounted at /app/data; only `Lifecycle.delete_data()` deletes it.
"""

from __future__ import annotations

import os
import sqlite3
import tarfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from docker.models.containers import Container
from docker.models.images import Image

from logtui.core.errors import RuntimeFailure
from logtui.core.runtime.base import LABEL_MANAGED, LABEL_ROLE, SEED_SCRIPT, BackupFailed, ImageMissing
from logtui.core.runtime.docker_runtime.engine import CAP_DROP, SECURITY_OPT, Engine, remove_quietly
from logtui.core.runtime.docker_runtime.streams import ChunkReader

DATA_DIR = "/app/data"
DB_IN_CONTAINER = f"{DATA_DIR}/logs.db"

# Run inside a container that mounts the volume: SQLite's online backup API gives a consistent copy of a live
# WAL database (copying logs.db alone could miss the -wal's committed pages). The copy is switched to
# rollback-journal mode so it is one self-contained file.
_BACKUP_SCRIPT = """
import os, sqlite3, sys
src, dst = sys.argv[1], sys.argv[2]
if not os.path.exists(src):
    sys.exit(3)
if os.path.exists(dst):
    os.remove(dst)
s = sqlite3.connect(src, timeout=30)
d = sqlite3.connect(dst)
s.backup(d)
d.execute("PRAGMA journal_mode=DELETE")
d.close()
s.close()
print(os.path.getsize(dst))
"""
_BACKUP_TMP = "/tmp/logtui-backup.db"


class VolumeData:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def _volume(self) -> str:
        return self._engine.settings.volume

    # --- short-lived helper containers on the volume --------------------------------------------------------

    def _run_helper(self, image: Image, role: str, command: list[str], what: str) -> tuple[Container, int]:
        """Run `command` to its end in a short-lived, network-less container of `image` on the volume.

        Returns the exited container (the caller removes it, after copying from it if need be) and its exit
        code.
        """
        client = self._engine.client()
        settings = self._engine.settings
        helper = self._engine.call(
            f"starting a {role} helper container",
            lambda: client.containers.run(
                image,
                command=command,
                entrypoint=[],
                name=f"{settings.container_name}-{role}-{uuid.uuid4().hex[:8]}",
                labels={LABEL_MANAGED: "true", LABEL_ROLE: role},
                volumes={settings.volume: {"bind": DATA_DIR, "mode": "rw"}},
                network_disabled=True,
                detach=True,
                cap_drop=CAP_DROP,
                security_opt=SECURITY_OPT,
            ),
        )
        try:
            result = self._engine.call(what, lambda: helper.wait(timeout=300))
        except BaseException:
            remove_quietly(helper)
            raise
        return helper, int(result.get("StatusCode", -1))

    # --- seeding --------------------------------------------------------------------------------------------

    def seed(self, image: Image, demo_records: int) -> None:
        """Fill a new volume before the server first starts, in a short-lived container of the same image."""
        helper, code = self._run_helper(
            image,
            "seed",
            ["python", "-c", SEED_SCRIPT, str(int(demo_records)), DB_IN_CONTAINER, "1"],
            "loading the first data",
        )
        try:
            if code != 0:
                output = helper.logs(stdout=True, stderr=True).decode("utf-8", "replace")
                # The progress bar redraws with \r: keep each line's last state.
                lines = [line.rsplit("\r", 1)[-1] for line in output.splitlines()]
                raise RuntimeFailure(
                    f"Loading the first data into {self._volume} failed (exit code {code})",
                    "\n".join(lines[-10:]) or None,
                )
        finally:
            remove_quietly(helper)

    # --- backup ---------------------------------------------------------------------------------------------

    def backup(self, dest: Path, on_progress: Callable[[int], None] | None = None) -> Path:
        """Copy the database out of the volume into `dest` (a file, or a directory to put a dated file in).

        A running container makes the copy itself (exec); otherwise a short-lived helper container from the
        same image mounts the volume. The copy leaves through the Docker API (get_archive), never a bind
        mount, so it works with a remote engine too.
        """
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / f"log-analyzer-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.db"
        if not self._engine.volume_exists():
            raise BackupFailed(f"There is no data volume {self._volume} yet", "Start the server first.")
        container = self._engine.container()
        if container is not None and container.status == "running":
            self._backup_in(container)
            try:
                self._extract(container, dest, on_progress)
            finally:
                self._engine.call(
                    "cleaning up the backup copy", lambda: container.exec_run(["rm", "-f", _BACKUP_TMP])
                )
        else:
            helper = self._backup_helper()
            try:
                self._extract(helper, dest, on_progress)
            finally:
                remove_quietly(helper)
        return dest

    def _backup_in(self, container: Container) -> None:
        result = self._engine.call(
            "copying the database inside the container",
            lambda: container.exec_run(["python", "-c", _BACKUP_SCRIPT, DB_IN_CONTAINER, _BACKUP_TMP]),
        )
        _check_backup_exit(result.exit_code, result.output)

    def _backup_helper(self) -> Container:
        image = self._engine.image()
        if image is None:
            raise ImageMissing(self._engine.settings.image)
        helper, code = self._run_helper(
            image,
            "backup",
            ["python", "-c", _BACKUP_SCRIPT, DB_IN_CONTAINER, _BACKUP_TMP],
            "waiting for the backup helper",
        )
        try:
            _check_backup_exit(code, helper.logs(stdout=True, stderr=True))
        except BaseException:
            remove_quietly(helper)
            raise
        return helper

    def _extract(self, container: Container, dest: Path, on_progress: Callable[[int], None] | None) -> None:
        chunks, _stat = self._engine.call(
            "reading the backup copy", lambda: container.get_archive(_BACKUP_TMP)
        )
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        written = 0
        try:
            with tarfile.open(fileobj=ChunkReader(chunks), mode="r|") as tar:
                member = next(iter(tar), None)
                source = tar.extractfile(member) if member is not None else None
                if source is None:
                    raise BackupFailed("The backup copy came back empty", None)
                with open(part, "wb") as out:
                    while block := source.read(1 << 20):
                        out.write(block)
                        written += len(block)
                        if on_progress:
                            on_progress(written)
            verify_sqlite(part)
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)


def _check_backup_exit(code: int | None, output: object) -> None:
    if code == 0:
        return
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
    if code == 3:
        raise BackupFailed("The volume holds no database yet", "Start the server once so it creates it.")
    raise BackupFailed(f"Copying the database failed (exit code {code})", text.strip()[-2000:] or None)


def verify_sqlite(path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("PRAGMA quick_check").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupFailed("The backup copy is not a readable SQLite database", str(exc)) from exc
    if not row or row[0] != "ok":
        raise BackupFailed("The backup copy failed SQLite's check", str(row[0] if row else "no answer"))
