"""`log-analyzer serve | seed | ingest | prune | text-index`."""

from __future__ import annotations

import argparse
import copy
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from log_analyzer import __version__
from log_analyzer.settings import RETENTION_DAYS_RANGE, Settings, SettingsError, check_range
from log_analyzer.store import StoreError


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1..65535)")
    return port


def _count(text: str) -> int:
    try:
        n = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{n} must not be negative")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="log-analyzer", description="The log-analyzer service.")
    parser.add_argument("--version", action="version", version=f"log-analyzer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_help = (
        "SQLite file (default: $LOG_ANALYZER_DB, else ./logs.db); "
        "set LOG_ANALYZER_DATABASE_URL=postgresql://… instead to use PostgreSQL"
    )

    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; images pass 0.0.0.0)"
    )
    serve.add_argument("--port", type=_port, default=None, help="port (default: $PORT, else 8000)")
    serve.add_argument("--db", type=Path, help=db_help)

    seed = sub.add_parser("seed", help="load the course's 22-record seed sample, or generated demo data")
    seed.add_argument(
        "--demo", type=_count, metavar="N", help="instead, generate N realistic records ending now"
    )
    seed.add_argument(
        "--days", type=float, default=7.0, help="with --demo: how many days the records span (default 7)"
    )
    seed.add_argument("--db", type=Path, help=db_help)

    ingest = sub.add_parser(
        "ingest", help="load a JSON Lines file or '<ISO timestamp> <TAG> <message>' lines"
    )
    ingest.add_argument("file", type=Path, help="the file to load ('-' for stdin)")
    ingest.add_argument("--db", type=Path, help=db_help)
    ingest.add_argument("--batch", type=_count, default=5000, help="records per transaction (default 5000)")
    ingest.add_argument(
        "--skip-existing",
        action="store_true",
        help="leave out lines whose record (timestamp, tag, message) was already stored: re-running an "
        "interrupted ingest then stores every line once",
    )

    prune = sub.add_parser("prune", help="delete records older than $LOG_ANALYZER_RETENTION_DAYS (or --days)")
    prune.add_argument("--days", type=float, help="retention in days (default: $LOG_ANALYZER_RETENTION_DAYS)")
    prune.add_argument("--db", type=Path, help=db_help)

    text_index = sub.add_parser(
        "text-index",
        help="PostgreSQL: show, or turn on or off, the trigram index that makes q fast (it costs most of an "
        "insert's time; off, q reads every record of its window)",
    )
    text_index.add_argument(
        "state", nargs="?", choices=("on", "off", "status"), default="status", help="default: status"
    )
    text_index.add_argument("--db", type=Path, help=db_help)
    return parser


def _port_from_env() -> int:
    raw = os.environ.get("PORT", "").strip()
    if not raw:
        return 8000
    try:
        return _port(raw)
    except argparse.ArgumentTypeError as exc:
        raise SettingsError(f"PORT={raw!r}: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env().with_db(args.db)
        if args.command == "serve":
            return _serve(settings, args.host, args.port if args.port is not None else _port_from_env())
        if args.command == "seed":
            return _seed(settings, args.demo, args.days)
        if args.command == "ingest":
            from log_analyzer.ingest import run_ingest

            return run_ingest(
                settings, args.file, batch_size=max(args.batch, 1), skip_existing=args.skip_existing
            )
        if args.command == "prune":
            return _prune(settings, args.days)
        if args.command == "text-index":
            return _text_index(settings, args.state)
    except (SettingsError, StoreError) as exc:
        print(f"log-analyzer: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("log-analyzer: interrupted", file=sys.stderr)
        return 130
    return 2


class _QuietHealthChecks:
    """Drops the access-log line of a successful `GET /health`: Docker's HEALTHCHECK and logtui's status
    probe ask every few seconds, which buried startup, error and ingest lines (QA C3). A failing health
    check is still logged."""

    def filter(self, record: object) -> bool:
        args = getattr(record, "args", None)
        # uvicorn's access record: (client, method, path with query, http version, status code)
        if isinstance(args, tuple) and len(args) == 5:
            method, path, status = args[1], str(args[2]), args[4]
            if method in ("GET", "HEAD") and path.split("?", 1)[0] == "/health" and status == 200:
                return False
        return True


def _serve(settings: Settings, host: str, port: int) -> int:
    import logging
    import logging.config

    import uvicorn

    from log_analyzer.app import _log_upgrade, create_app
    from log_analyzer.store import open_store

    # uvicorn's own logging setup, plus our logger on the same handler (seed-on-empty, pruner lines)
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"]["log_analyzer"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    logging.config.dictConfig(log_config)
    logging.getLogger("uvicorn.access").addFilter(_QuietHealthChecks())
    # Open the store once up front: an unusable --db is then one clear line, not a startup traceback, and a
    # mistyped path shows up as "a new, empty database".
    store = open_store(settings, upgrade_progress=_log_upgrade, pool_size=1)
    try:
        bounds = store.bounds()
        if bounds.records:
            what = f"{bounds.records} records, {bounds.first} → {bounds.last}"
        else:
            what = "a new, empty database" if store.created else "an empty database"
    finally:
        store.close()
    logging.getLogger("log_analyzer").info("serving %s (%s)", settings.store_name, what)
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="info", access_log=True, log_config=log_config
    )
    return 0


def _seed(settings: Settings, demo: int | None, days: float) -> int:
    from log_analyzer.progress import upgrade_bar
    from log_analyzer.seed import demo_rows, load_sample, sample_rows
    from log_analyzer.store import open_store

    store = open_store(settings, upgrade_progress=upgrade_bar(), pool_size=2)
    where = settings.store_name
    try:
        if demo is None:
            total = len(sample_rows())
            n = load_sample(store)
            if n == 0:
                said = f"the seed sample is already in {where} ({total} records); nothing added"
            elif n < total:
                said = (
                    f"loaded {n} of the seed sample's {total} records into {where}"
                    f" (the other {total - n} were already there)"
                )
            else:
                said = f"loaded the seed sample: {n} records into {where}"
            print(said, file=sys.stderr)
            return 0
        if not days > 0:
            print("log-analyzer: --days must be greater than 0", file=sys.stderr)
            return 2
        from log_analyzer.progress import Progress

        progress = Progress(demo, "generating")
        done = 0
        for batch in demo_rows(demo, days=days):
            done += store.insert(batch)
            progress.update(done)
        progress.finish(f"generated {done} demo records into {where}")
        return 0
    finally:
        store.close()


def _prune(settings: Settings, days: float | None) -> int:
    from log_analyzer.progress import upgrade_bar
    from log_analyzer.pruner import prune
    from log_analyzer.store import open_store

    from_flag = days is not None
    days = days if days is not None else settings.retention_days
    if days is None:
        print(
            "log-analyzer: nothing to prune: set LOG_ANALYZER_RETENTION_DAYS or pass --days", file=sys.stderr
        )
        return 2
    try:
        name = "--days" if from_flag else "LOG_ANALYZER_RETENTION_DAYS"
        check_range(name, days, RETENTION_DAYS_RANGE, "days")
    except SettingsError as exc:
        print(f"log-analyzer: {exc}", file=sys.stderr)
        return 2
    store = open_store(settings, upgrade_progress=upgrade_bar(), pool_size=2)
    try:
        n = prune(store, days)
    finally:
        store.close()
    print(f"pruned {n} records older than {days:g} days from {settings.store_name}", file=sys.stderr)
    return 0


def _text_index(settings: Settings, state: str) -> int:
    from log_analyzer.store import open_store
    from log_analyzer.store.postgres import PostgresStore

    if not settings.database_url:
        # On SQLite the index (FTS5) is about half of an insert, not five sixths, and POST /logs still takes
        # 50,000+ records/s; a switch would also have to reach every process writing the file at that moment.
        print(
            "log-analyzer: the text index can be turned off only on PostgreSQL "
            "(LOG_ANALYZER_DATABASE_URL); on SQLite it is always on",
            file=sys.stderr,
        )
        return 2
    store = open_store(settings, pool_size=1)
    assert isinstance(store, PostgresStore)
    where = settings.store_name
    try:
        if state != "status":
            if state == "on":
                print(f"building the text index of {where} (writes go on meanwhile)…", file=sys.stderr)
            store.set_text_index(state == "on")
        now = store.text_index()
    finally:
        store.close()
    if now.built:
        said = f"text index: on ({now.size_bytes / 1e6:,.0f} MB); q uses it"
    elif now.wanted:
        said = "text index: on but not built (an interrupted build?): run `log-analyzer text-index on` again"
    else:
        said = "text index: off; q reads every record of its window, inserts skip the index's cost"
    print(f"{said} — {where}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
