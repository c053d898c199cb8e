"""`logtui` on the command line: parse and check the flags, then run the app built by the shared factory.

Flag errors exit with status 2 and one line on stderr (no traceback), before Textual takes over the terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from logtui import __version__
from logtui.core.errors import ConfigError, TimeParseError
from logtui.core.timerange import parse_window
from logtui.ui.factory import AppOptions, create_app, utc_now

DESCRIPTION = """\
Browse time-ranged logs from a log-analyzer service: the local one (run in Docker when an engine answers,
else embedded in this Python), a saved target from the config file, or any URL (App Runner, a Lambda
function URL, plain HTTP)."""

EPILOG = """\
times (--start/--end and the inputs in the app; in the config's display_tz, UTC by default, unless an
offset such as Z or +02:00 is given):
  2023-04-23T10:00:00   an ISO date and time (seconds and microseconds optional)
  2023-04-23            a date: its first instant as a start, its last as an end
  now, now-15m, -2h     now, or that long ago (units s m h d w; 15m alone = 15 minutes ago)
  today, yesterday      like a date
  Leave --start or --end out for an open end. Without both, logtui opens on the last hour, or on the
  data's last stretch when the store holds nothing that recent.

examples:
  logtui                                    the local service (started if needed)
  logtui app.log                            load a log file into your own store and open it (follows it)
  logtui 'logs/*.log' old.log.gz -          globs, .gz files and stdin (-)
  logtui --store ./my.db                    open a store of your own logs again (no loading)
  logtui collect web db                     keep containers' output in the store (logtui collect --help)
  logtui --url http://127.0.0.1:8000 --start 2023-04-23T10:00 --end 2023-04-23T10:05
  logtui --url https://abc123.eu-west-1.awsapprunner.com --start -2h
  LOGTUI_TOKEN=secret logtui --url https://xyz.lambda-url.eu-west-1.on.aws --token-env LOGTUI_TOKEN
  logtui --url https://xyz.lambda-url.eu-west-1.on.aws --aws-iam --aws-profile course
  logtui push 123456789012.dkr.ecr.eu-west-1.amazonaws.com/log-analyzer:latest [--lambda]
  logtui --profile prod --start yesterday --end today

config: {config}
  TOML with [[targets]] (name, url, kind, token_env, timeout, auth, aws_profile, aws_region),
  default_target, runtime, page_size, follow_interval, display_tz, json_summary_keys and a [docker]
  section; targets can be added and edited in the app (t).

files: {store} is where FILE… and `logtui collect` keep records unless --store names another file; it
  keeps what was loaded, so re-opening a file reads only what was appended. Delete it to clear it.
  Formats: the service's `<ISO time> <TAG> <message>`, JSON Lines, logfmt, syslog (RFC 3164/5424),
  Python logging, nginx/Apache access and error logs. Indented lines and tracebacks join the record above;
  a line with no time takes the previous record's time (and the count of those is shown).

keys: F1 or ? in the app lists them all; ctrl+p opens the command palette.
"""


#: `logtui <name> …` runs the module's main(argv) instead of the app (a FILE with such a name: write ./name).
SUBCOMMANDS = {"collect": "logtui.collect_cli", "push": "logtui.push_cli"}


def build_parser() -> argparse.ArgumentParser:
    from logtui.core import paths

    parser = argparse.ArgumentParser(
        prog="logtui",
        description=DESCRIPTION,
        epilog=EPILOG.format(config=paths.config_file(), store=paths.own_logs_store_path()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="log files to load into your own store and open (globs, .gz, - for stdin); see files below",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--url",
        metavar="URL",
        help="open this log-analyzer (http:// or https://); App Runner and Lambda URLs are recognised",
    )
    where.add_argument(
        "--profile",
        metavar="NAME",
        help="open the saved target NAME from the config file ('local' = the local service)",
    )
    parser.add_argument(
        "--token-env",
        metavar="NAME",
        help="with --url: send the bearer token held in the environment variable NAME (e.g. "
        "LOGTUI_TOKEN=... logtui --url ... --token-env LOGTUI_TOKEN); the token is never shown",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        help="with --url: seconds to wait for an answer (default 10)",
    )
    aws = parser.add_argument_group(
        "AWS_IAM function URLs",
        "sign requests with AWS Signature Version 4 (needs pip install 'logtui[aws]')",
    )
    aws.add_argument(
        "--aws-iam",
        action="store_true",
        help="with --url: sign every request with the standard AWS credential chain (a Lambda function URL "
        "whose auth type is AWS_IAM)",
    )
    aws.add_argument("--aws-profile", metavar="NAME", help="with --aws-iam: sign with this AWS profile")
    aws.add_argument(
        "--aws-region",
        metavar="REGION",
        help="with --aws-iam: region to sign for (default: the one in the function URL, else the profile's)",
    )
    parser.add_argument("--start", metavar="TIME", help="start of the time window (see times below)")
    parser.add_argument("--end", metavar="TIME", help="end of the time window (see times below)")
    parser.add_argument(
        "--runtime",
        choices=("auto", "docker", "embedded"),
        help="how to run the local service: Docker, embedded, or auto (Docker when it answers); "
        "default: the config's runtime, else auto",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        help="use this config file instead of the default (shown below)",
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        type=Path,
        help="with FILE…: the SQLite store to load into; alone: open that store (default shown below)",
    )
    parser.add_argument(
        "--no-follow", action="store_true", help="with FILE…: load what is there, don't watch for new lines"
    )
    for name, what in (("time", "time"), ("level", "level"), ("message", "message")):
        parser.add_argument(
            f"--json-{name}",
            metavar="FIELD",
            help=f"JSON Lines: the field holding the {what} (tried before the common names)",
        )
    parser.add_argument("--version", action="version", version=f"logtui {__version__}")
    return parser


def fail(message: str) -> NoReturn:
    print(f"logtui: error: {message}", file=sys.stderr)
    raise SystemExit(2)


TIME_FLAGS = ("--start", "--end")


def glue_relative_times(argv: Sequence[str]) -> list[str]:
    """`--start -2h` -> `--start=-2h`: argparse would take "-2h" for an unknown flag, yet it is the documented
    syntax for "two hours ago"."""
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if (
            arg in TIME_FLAGS
            and i + 1 < len(args)
            and args[i + 1].startswith("-")
            and args[i + 1][1:2].isdigit()
        ):
            out.append(f"{arg}={args[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def options_from_args(argv: Sequence[str] | None = None) -> AppOptions:
    """Parse and check `argv`; exits with status 2 and one line on stderr when a flag is wrong."""
    args = build_parser().parse_args(glue_relative_times(sys.argv[1:] if argv is None else argv))
    try:
        parse_window(args.start, args.end, now=utc_now())
    except TimeParseError as exc:
        flag = "--end" if exc.field == "end" else "--start"
        fail(f"{flag} {exc.text!r}: {exc.title}; {exc.hint}")
    if args.url is None and (args.token_env is not None or args.timeout is not None):
        fail("--token-env and --timeout go with --url (a saved target keeps its own: see t in the app)")
    _check_aws_flags(args)
    if args.url is not None:
        from logtui.ui.target_choice import UrlFlags, url_target_problem

        flags = UrlFlags(args.token_env, args.timeout, args.aws_iam, args.aws_profile, args.aws_region)
        problem = url_target_problem(args.url, flags)
        if problem:
            example = (
                " (e.g. http://127.0.0.1:8000 or https://xyz.awsapprunner.com)"
                if problem.startswith("--url")
                else ""
            )
            fail(problem + example)
    if args.profile is not None:
        _check_profile(args.profile, args.config)
    if args.files or args.store is not None:
        if args.url is not None or args.profile is not None or args.runtime is not None:
            fail(
                "FILE… and --store open your own store (through the embedded service); "
                "they don't go with --url, --profile or --runtime"
            )
        if args.store is not None and args.store.is_dir():
            fail(f"--store {args.store}: is a directory; give a file path (e.g. {args.store / 'logs.db'})")
        if not args.files and not args.store.is_file():
            fail(f"--store {args.store}: no such file; load something into it first (logtui FILE… --store …)")
    elif args.no_follow or args.json_time or args.json_level or args.json_message:
        fail("--no-follow and --json-* go with FILE… (log files to load)")
    return AppOptions(
        url=args.url,
        start=args.start,
        end=args.end,
        profile=args.profile,
        config_path=args.config,
        runtime=args.runtime,
        token_env=args.token_env,
        timeout=args.timeout,
        store=_store_path(args.store) if (args.files or args.store is not None) else None,
        files=tuple(args.files),
        follow=not args.no_follow,
        json_fields=(args.json_time, args.json_level, args.json_message),
        aws_iam=args.aws_iam,
        aws_profile=args.aws_profile,
        aws_region=args.aws_region,
    )


def _store_path(given: Path | None) -> Path:
    from logtui.core.local_store import default_store_path

    return given if given is not None else default_store_path()


def _check_aws_flags(args: argparse.Namespace) -> None:
    if (args.aws_profile is not None or args.aws_region is not None) and not args.aws_iam:
        fail("--aws-profile and --aws-region go with --aws-iam")
    if args.aws_iam and args.url is None:
        fail('--aws-iam goes with --url (a saved target sets auth = "aws_iam" in the config instead)')
    if args.aws_iam:
        from logtui.core.aws_auth import AWS_INSTALL_HINT, botocore_available

        if not botocore_available():
            fail(f"--aws-iam needs botocore, which is not installed: {AWS_INSTALL_HINT}")


def _check_profile(name: str, config_path: Path | None) -> None:
    from logtui.core import paths
    from logtui.core.config import load_config
    from logtui.ui.target_choice import find_profile, known_profiles

    path = config_path or paths.config_file()
    try:
        config = load_config(path)
    except ConfigError as exc:
        fail(f"--profile {name}: cannot read the config: {exc.title}")
    if find_profile(config, name) is None:
        fail(f"--profile: no target named {name!r} in {path}; known: {', '.join(known_profiles(config))}")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        import importlib

        return int(importlib.import_module(SUBCOMMANDS[args[0]]).main(args[1:]))
    options = options_from_args(args)
    if not options.files:
        create_app(options).run()
        return 0
    from logtui.load_cli import open_files

    return open_files(options, fail)


if __name__ == "__main__":
    sys.exit(main())
