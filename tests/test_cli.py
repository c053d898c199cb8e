"""The `logtui` command line: flags documented, bad values exit 2 with one clear line (no traceback), good
ones become the AppOptions the shared factory builds the app from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from logtui import __version__
from logtui.cli import build_parser, options_from_args
from logtui.core.config import Config, Target, TargetKind, save_config


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logtui", *args], capture_output=True, text=True, timeout=60)


def test_help_documents_every_flag_and_the_time_syntax() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for flag in (
        "--url",
        "--start",
        "--end",
        "--profile",
        "--runtime",
        "--config",
        "--version",
        "--token-env",
        "--timeout",
    ):
        assert flag in result.stdout
    for example in ("now-15m", "-2h", "yesterday", "2023-04-23T10:00", "awsapprunner.com"):
        assert example in result.stdout


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"logtui {__version__}"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--start", "tomorrowish"), "--start 'tomorrowish'"),
        (("--end", "now-5x"), "--end 'now-5x'"),
        (("--start", "2023-04-23T11:00", "--end", "2023-04-23T10:00"), "is before the start"),
        (("--url", "ftp://example.com"), "--url: "),
        (("--url", "example.com"), "http:// or https://"),
        (("--url", "http://127.0.0.1:8000/logs"), "without /logs"),
        (("--runtime", "kubernetes"), "invalid choice"),
        (("--url", "http://127.0.0.1:8000", "--token-env", "my-secret-value"), "--token-env: "),
        (("--url", "http://127.0.0.1:8000", "--timeout", "0"), "--timeout: must be between"),
        (("--token-env", "TOKEN"), "go with --url"),
    ],
)
def test_bad_flags_exit_2_with_one_line(args: tuple[str, ...], expected: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    if args[0] != "--runtime":  # argparse's own errors add a usage line; ours are one line
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("logtui: error: ")


def test_bad_start_names_what_is_accepted() -> None:
    result = run_cli("--start", "noon")
    assert "now-15m" in result.stderr and "yesterday" in result.stderr


def test_unknown_profile_lists_the_known_ones(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    save_config(
        Config(targets=[Target("prod", "https://a.eu-west-1.awsapprunner.com", TargetKind.APPRUNNER)]), config
    )
    result = run_cli("--config", str(config), "--profile", "staging")
    assert result.returncode == 2
    assert "no target named 'staging'" in result.stderr
    assert "known: local, prod" in result.stderr


def test_profile_with_a_broken_config_says_what_is_wrong(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("follow_interval = 'fast'\n")
    result = run_cli("--config", str(config), "--profile", "prod")
    assert result.returncode == 2
    assert "follow_interval" in result.stderr
    assert "Traceback" not in result.stderr


def test_url_and_profile_are_exclusive() -> None:
    result = run_cli("--url", "http://127.0.0.1:8000", "--profile", "x")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_good_flags_become_app_options(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    save_config(
        Config(targets=[Target("prod", "https://a.eu-west-1.awsapprunner.com", TargetKind.APPRUNNER)]), config
    )
    options = options_from_args(
        [
            "--profile",
            "prod",
            "--config",
            str(config),
            "--start",
            "-2h",
            "--end",
            "now",
            "--runtime",
            "embedded",
        ]
    )
    assert (options.profile, options.config_path, options.start, options.end, options.runtime) == (
        "prod",
        config,
        "-2h",
        "now",
        "embedded",
    )
    options = options_from_args(["--url", "http://127.0.0.1:8000"])
    assert options.url == "http://127.0.0.1:8000" and options.profile is None
    options = options_from_args(
        ["--url", "http://127.0.0.1:8000", "--token-env", "LOGTUI_TOKEN", "--timeout", "30"]
    )
    assert (options.token_env, options.timeout) == ("LOGTUI_TOKEN", 30.0)


def test_parser_is_the_documented_one() -> None:
    # The README's usage section is generated from this parser's help; keep its program name stable.
    assert build_parser().prog == "logtui"


def test_files_without_a_terminal_are_loaded_and_summarised(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2023-04-23T10:00:00 INFO a\n2023-04-23T10:00:01 ERROR b\n  detail\nno time here\n")
    store = tmp_path / "own.db"
    result = run_cli(str(log), "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert "loaded 3 records (4 lines" in result.stderr
    assert "1 without a time (previous time used)" in result.stderr
    assert str(store) in result.stderr
    again = run_cli(str(log), "--store", str(store))
    assert "already loaded up to byte 77; reading what was appended" in again.stderr
    assert "loaded 0 records" in again.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("nothing-*.log",), "nothing-*.log: no file matches this pattern"),
        (("missing.log",), "missing.log: no such file"),
        (("app.log", "--url", "http://127.0.0.1:8000"), "don't go with --url"),
        (("app.log", "--runtime", "docker"), "don't go with --url, --profile or --runtime"),
        (("--no-follow",), "go with FILE"),
        (("--store", "missing.db"), "--store missing.db: no such file"),
    ],
)
def test_file_flag_errors(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    (tmp_path / "app.log").write_text("2023-04-23T10:00:00 INFO a\n")
    result = subprocess.run(
        [sys.executable, "-m", "logtui", *args], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
