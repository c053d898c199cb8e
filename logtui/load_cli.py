"""`logtui FILE…`: start loading the files into the store, open the app on it once the first batch is in.

Without a terminal on stdout (a script, a pipe) the files are loaded whole and a summary is printed instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import IO, NoReturn

from logtui.core.errors import LogtuiError
from logtui.core.file_loader import FileLoader, LoadProgress, expand_sources
from logtui.core.line_formats import FieldNames
from logtui.core.runtime.embedded import EmbeddedRuntime
from logtui.ui.factory import AppOptions, create_app

#: How long the CLI waits for the first batch before opening the app anyway (a slow pipe on stdin).
FIRST_BATCH_WAIT = 10.0
#: Longest pause of the loader after its first batch, while the app draws its first screen.
FIRST_SCREEN_HOLD = 10.0


def _take_stdin(interactive: bool) -> IO[bytes]:
    """The log data on stdin, as its own stream; fd 0 then reads the terminal (for the app's keys)."""
    data = os.fdopen(os.dup(0), "rb")
    if interactive:
        try:
            tty = os.open("/dev/tty", os.O_RDONLY)
        except OSError as exc:
            raise LogtuiError(
                f"stdin carries the logs, and there is no terminal to read keys from ({exc.strerror})",
                "Run logtui from a terminal, or give the file's name instead of -.",
            ) from None
        os.dup2(tty, 0)
        os.close(tty)
    return data


def _start_quietly(runtime: EmbeddedRuntime) -> None:
    # A failure here is met again, and shown, when the app brings the service up.
    with contextlib.suppress(Exception):
        runtime.start()


def report(progress: LoadProgress, store: object, out: IO[str]) -> None:
    for note in progress.notes:
        print(f"logtui: {note}", file=out)
    verb = "loaded" if progress.error is None and progress.loaded else "stopped after"
    print(f"logtui: {verb} {progress.records:,} records ({progress.summary()}) into {store}", file=out)
    if progress.continued:
        print(
            f"logtui: {progress.continued:,} continuation lines (tracebacks) joined their records", file=out
        )
    if progress.clipped:
        print(f"logtui: {progress.clipped:,} records were cut to 64 KiB or had a NUL replaced", file=out)
    if progress.error is not None:
        print(f"logtui: error: {progress.error}", file=out)


def open_files(options: AppOptions, fail: Callable[[str], NoReturn]) -> int:
    assert options.store is not None
    interactive = sys.stdout.isatty()
    try:
        sources = expand_sources(options.files)
        stdin = _take_stdin(interactive) if any(s.path is None for s in sources) else None
        loader = FileLoader(
            sources,
            options.store,
            fields=FieldNames.with_overrides(*options.json_fields),
            follow=options.follow and interactive,
            stdin=stdin,
            hold_after_first_batch=FIRST_SCREEN_HOLD if interactive else 0.0,
        ).start()
    except LogtuiError as exc:
        fail(exc.title if exc.hint is None else f"{exc.title}; {exc.hint}")
    if not interactive:
        loader.wait_loaded()
        loader.stop()
        progress = loader.progress()
        report(progress, options.store, sys.stderr)
        return 1 if progress.error else 0
    # The local service over the store starts now, in its own process, while this one imports the UI.
    runtime = EmbeddedRuntime(options.store, demo_records=0, course_sample=False)
    threading.Thread(
        target=_start_quietly, args=(runtime,), name="logtui-embedded-start", daemon=True
    ).start()
    loader.wait_first_batch(FIRST_BATCH_WAIT)
    try:
        create_app(replace(options, loader=loader, local_runtime=runtime)).run()
    finally:
        loader.stop()
        with contextlib.suppress(OSError):
            report(loader.progress(), options.store, sys.stderr)
    return 0
