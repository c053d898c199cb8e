"""`log-analyzer ingest FILE`: JSON Lines or `<ISO timestamp> <TAG> <message>` lines into the store.

Good lines are kept (committed in batches); bad lines are reported with their line number and skipped. In a
plain line the message is the rest of the line after the whitespace that follows the tag, kept byte for byte
(inner and trailing spaces and tabs included); only the line ending is removed. A UTF-8 byte-order mark at
the start of the file is ignored.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

import orjson

from log_analyzer.existing import ExistingRecords
from log_analyzer.progress import Progress, upgrade_bar
from log_analyzer.settings import Settings
from log_analyzer.store import LogStore, Row, open_store
from log_analyzer.validation import check_record, fast_record

_TIME_ONLY = re.compile(r"^\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: timestamp, tag, then the message exactly as written (None when the line ends after the tag)
_PLAIN = re.compile(r"(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?\Z", re.DOTALL)
_PLAIN_SPLIT_TIME = re.compile(r"(\S+)[ \t]+(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?\Z", re.DOTALL)
BOM = "\ufeff"
MAX_REPORTED = 50


@dataclass
class IngestResult:
    inserted: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    bad_count: int = 0
    #: lines left out by --skip-existing because their record was already stored
    skipped: int = 0


def parse_line(text: str, line_no: int) -> tuple[Row | None, str | None]:
    """One line -> (row, None), (None, problem), or (None, None) for a blank or `#` comment line."""
    if line_no == 1:
        text = text.removeprefix(BOM)
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None, None
    problems: list[tuple[str, str]] = []
    if stripped.startswith("{"):
        try:
            obj = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            return None, f"not valid JSON ({exc})"
        row = fast_record(obj) or check_record(obj, "", problems)
    else:
        line = text.rstrip("\r\n").lstrip()
        # "2023-04-23 10:00:00 INFO msg": a space instead of the T is common in log files
        split = _PLAIN_SPLIT_TIME.match(line)
        if split and _DATE_ONLY.match(split[1]) and _TIME_ONLY.match(split[2]):
            timestamp, tag, message = f"{split[1]}T{split[2]}", split[3], split[4]
        else:
            plain = _PLAIN.match(line)
            if plain is None:
                return None, "expected '<ISO timestamp> <TAG> <message>' or a JSON object"
            timestamp, tag, message = plain[1], plain[2], plain[3]
        record = {"timestamp": timestamp, "tag": tag, "message": message or ""}
        row = fast_record(record) or check_record(record, "", problems)
    if row is None:
        return None, "; ".join(f"{p}: {m}" for p, m in problems)
    return row, None


def _lines(stream: BinaryIO) -> Iterator[tuple[int, str | None, int]]:
    """(line number, text or None when not UTF-8, bytes consumed)."""
    for n, raw in enumerate(stream, start=1):
        size = len(raw)
        if n == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            yield n, raw.decode("utf-8"), size
        except UnicodeDecodeError:
            yield n, None, size


def ingest_lines(
    store: LogStore,
    lines: Iterable[tuple[int, str | None, int]],
    *,
    batch_size: int = 5000,
    progress: Progress | None = None,
    existing: ExistingRecords | None = None,
) -> IngestResult:
    result = IngestResult()

    def commit(rows: list[Row]) -> int:
        return store.insert(existing.new_rows(rows) if existing is not None else rows)

    batch: list[Row] = []
    consumed = 0
    for line_no, text, size in lines:
        consumed += size
        row: Row | None
        problem: str | None
        if text is None:
            row, problem = None, "is not UTF-8 text"
        else:
            row, problem = parse_line(text, line_no)
        if problem is not None:
            result.bad_count += 1
            if len(result.bad) < MAX_REPORTED:
                result.bad.append((line_no, problem))
        elif row is not None:
            batch.append(row)
            if len(batch) >= batch_size:
                result.inserted += commit(batch)
                batch = []
                if progress:
                    progress.update(consumed)
    if batch:
        result.inserted += commit(batch)
    if existing is not None:
        result.skipped = existing.skipped
    if progress:
        progress.update(consumed, force=True)
    return result


def run_ingest(
    settings: Settings,
    file: Path,
    *,
    batch_size: int = 5000,
    err: TextIO | None = None,
    skip_existing: bool = False,
) -> int:
    """CLI entry: 0 when every line loaded, 1 when some were skipped (the rest kept), 2 on no input."""
    err = err if err is not None else sys.stderr
    from_stdin = str(file) == "-"
    if not from_stdin and not file.is_file():
        why = "it is a directory" if file.is_dir() else "no such file"
        print(
            f"log-analyzer: cannot ingest {file}: {why}; give a file of JSON Lines or "
            "'<ISO timestamp> <TAG> <message>' lines",
            file=err,
        )
        return 2
    try:
        stream: BinaryIO = sys.stdin.buffer if from_stdin else open(file, "rb")
    except OSError as exc:
        print(f"log-analyzer: cannot read {file}: {exc.strerror}", file=err)
        return 2
    total = None if from_stdin else file.stat().st_size
    store = open_store(settings, upgrade_progress=upgrade_bar(err))
    existing = ExistingRecords(settings) if skip_existing else None
    try:
        progress = Progress(total, f"ingesting {file.name if not from_stdin else 'stdin'}", err, unit="bytes")
        result = ingest_lines(
            store, _lines(stream), batch_size=batch_size, progress=progress, existing=existing
        )
    finally:
        if existing is not None:
            existing.close()
        store.close()
        if not from_stdin:
            stream.close()
    for line_no, problem in result.bad:
        print(f"{file}:{line_no}: skipped: {problem}", file=err)
    if result.bad_count > len(result.bad):
        print(f"... and {result.bad_count - len(result.bad)} more bad lines", file=err)
    progress.finish(
        f"ingested {result.inserted} records into {settings.store_name}"
        + (f"; skipped {result.skipped} already stored" if skip_existing else "")
        + (f"; skipped {result.bad_count} bad lines" if result.bad_count else "")
    )
    return 1 if result.bad_count else 0
