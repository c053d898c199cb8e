from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from logtui.core import paths
from logtui.core.config import (
    EXAMPLE_CONFIG,
    Config,
    Target,
    TargetKind,
    add_target,
    edit_target,
    guess_kind,
    load_config,
    parse_config,
    remove_target,
    render_config,
    save_config,
    set_default_target,
    target_from_form,
)
from logtui.core.errors import ConfigError, ConfigValueError
from logtui.core.runtime.base import DockerSettings, default_image

PROD = Target("prod", "https://abc.eu-west-1.awsapprunner.com", TargetKind.APPRUNNER, "PROD_TOKEN", 15.0)


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nope.toml")
    assert config == Config()
    assert config.default_target == "local"
    assert config.runtime == "auto"
    assert config.page_size == 1000
    assert config.docker == DockerSettings()
    assert [t.name for t in config.all_targets] == ["local"]


def test_load_config_defaults_to_the_user_config_file() -> None:
    paths.ensure_dir(paths.config_dir())
    paths.config_file().write_text('page_size = 500\n[[targets]]\nname = "a"\nurl = "http://h:1"\n')
    config = load_config()
    assert config.page_size == 500
    assert config.get_target("a").url == "http://h:1"


def test_example_config_is_accepted_and_documents_every_field() -> None:
    config = parse_config(EXAMPLE_CONFIG)
    assert [t.name for t in config.targets] == ["prod", "lambda"]
    assert config.get_target("prod").token_env == "LOGTUI_PROD_TOKEN"
    assert config.get_target("lambda").kind is TargetKind.LAMBDA
    data = tomllib.loads(EXAMPLE_CONFIG)
    lines = EXAMPLE_CONFIG.splitlines()
    # Top-level and [docker] fields: a comment right above each. Target fields: documented in the
    # comment block above the first [[targets]] (they repeat per target).
    for key in [k for k in data if k != "targets"] + list(data["docker"]):
        line_no = next(i for i, line in enumerate(lines) if line.startswith((f"{key} =", f"[{key}]")))
        assert lines[line_no - 1].startswith("# "), f"{key} is not documented in EXAMPLE_CONFIG"
    for key in data["targets"][0]:
        assert f"# {key}: " in EXAMPLE_CONFIG, f"targets.{key} is not documented in EXAMPLE_CONFIG"
    # The example never carries a secret, only the variable's name.
    assert "Bearer" not in EXAMPLE_CONFIG


def test_default_render_is_valid_and_shows_a_commented_target_example() -> None:
    text = render_config(Config())
    assert parse_config(text) == Config()
    assert parse_config("demo_records = 0").demo_records == 0
    assert "demo_records = 50000" in text
    assert "# [[targets]]" in text


def test_display_settings_are_read_normalised_and_default_to_utc_and_the_usual_keys() -> None:
    assert Config().display_tz == "UTC"
    assert Config().display_zone.is_utc
    assert Config().json_summary_keys == ("event", "msg", "message", "level", "request_id")
    assert parse_config('display_tz = "utc"').display_tz == "UTC"
    assert parse_config('display_tz = "Local"').display_zone.is_local
    config = parse_config('display_tz = " Asia/Kolkata "\njson_summary_keys = ["evt", "lvl"]')
    assert config.display_tz == "Asia/Kolkata"
    assert config.display_zone.name == "Asia/Kolkata"
    assert config.json_summary_keys == ("evt", "lvl")
    assert parse_config("json_summary_keys = []").json_summary_keys == ()
    with pytest.raises(ConfigValueError, match="at most 32"):
        parse_config(f"json_summary_keys = {[f'k{i}' for i in range(33)]!r}".replace("'", '"'))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    config = Config(
        targets=[PROD, Target("dev", "http://127.0.0.1:8000", TargetKind.LOCAL, None, 5.0)],
        default_target="prod",
        runtime="embedded",
        page_size=250,
        follow_interval=0.5,
        display_tz="America/New_York",
        json_summary_keys=("evt", "a key with spaces", 'quote"d'),
        docker=DockerSettings(host_port=8123, bind="0.0.0.0", image="mine:1", build_context=tmp_path),
    )
    path = tmp_path / "sub" / "config.toml"
    assert save_config(config, path) == path
    assert load_config(path) == config
    assert (path.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left behind


def test_save_is_atomic_and_refuses_an_invalid_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_config(Config(targets=[PROD]), path)
    before = path.read_text()
    bad = Config(targets=[PROD], default_target="ghost")
    with pytest.raises(ConfigValueError, match="default_target"):
        save_config(bad, path)
    assert path.read_text() == before


def test_saving_over_a_broken_file_keeps_a_copy_of_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    broken = '[[targets]]\nname = "mine"\nurl = "http://h"\npage_sise = 3\n'
    path.write_text(broken)
    with pytest.raises(ConfigError):
        load_config(path)
    save_config(Config(targets=[PROD]), path)
    assert load_config(path).targets == [PROD]
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("config.toml.broken-")]
    assert len(backups) == 1 and backups[0].read_text() == broken
    save_config(Config(), path)  # the file on disk is valid now: no further copies
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("config.toml.broken-")]) == 1


def test_save_failure_is_a_config_error_and_leaves_nothing(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):  # running as root: permissions are not enforced
            pytest.skip("permissions are not enforced for this user (root)")
        with pytest.raises(ConfigError, match="Cannot write"):
            save_config(Config(), ro / "config.toml")
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)


def test_docker_defaults_map_to_docker_settings() -> None:
    config = parse_config('[docker]\nhost_port = 0\nimage = ""\n')
    assert config.docker.host_port is None
    assert config.docker.image == default_image()
    config = parse_config('[docker]\nhost_port = 8080\nbind = "0.0.0.0"\nvolume = "v2"\n')
    assert config.docker == DockerSettings(host_port=8080, bind="0.0.0.0", volume="v2")


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("page_size = 50", "page_size", "between 100 and 10000"),
        ("page_size = 20000", "page_size", "between 100 and 10000"),
        ('page_size = "big"', "page_size", "whole number"),
        ("page_size = 1.5", "page_size", "whole number"),
        ("follow_interval = 0", "follow_interval", "between 0.5 and 3600"),
        ("follow_interval = true", "follow_interval", "must be a number"),
        ("demo_records = -1", "demo_records", "between 0 and 10000000"),
        ('demo_records = "lots"', "demo_records", "whole number"),
        ('runtime = "podman"', "runtime", "must be one of 'auto', 'docker', 'embedded'"),
        ('default_target = "ghost"', "default_target", "'ghost' is not a target"),
        ("page_sise = 100", "page_sise", "did you mean 'page_size'"),
        ('display_tz = "Mars/Olympus"', "display_tz", "'Mars/Olympus' is not a time zone"),
        ('display_tz = "/etc/localtime"', "display_tz", "is not a time zone"),
        ('display_tz = ""', "display_tz", 'must be "UTC", "local" or a zone name'),
        ("display_tz = 2", "display_tz", "must be a string"),
        ('json_summary_keys = "event"', "json_summary_keys", "must be an array of strings"),
        ('json_summary_keys = ["event", 3]', "json_summary_keys", "entry #2 must be a string"),
        ('json_summary_keys = [""]', "json_summary_keys", "entry #1 is empty"),
        ("[docker]\nhost_port = 70000", "docker.host_port", "between 0 and 65535"),
        ("[docker]\nport = 1", "docker.port", "unknown field"),
        ('[docker]\nvolume = "a b"', "docker.volume", "not a valid Docker name"),
        ('[docker]\nbind = ""', "docker.bind", "host address"),
        ("docker = 3", "docker", "[docker] table"),
        ('[[targets]]\nurl = "http://h"', "[[targets]] #1.name", "missing"),
        ('[[targets]]\nname = "a"', "[[targets]] 'a'.url", "missing"),
        ('[[targets]]\nname = "a"\nurl = "ftp://h"', "[[targets]] 'a'.url", "http:// or https://"),
        ('[[targets]]\nname = "a"\nurl = "h:8000"', "[[targets]] 'a'.url", "http:// or https://"),
        ('[[targets]]\nname = "a"\nurl = "http://h/logs"', "[[targets]] 'a'.url", "without /logs"),
        ('[[targets]]\nname = "a"\nurl = "http://u:p@h"', "[[targets]] 'a'.url", "user or password"),
        ('[[targets]]\nname = "a"\nurl = "http://h:x"', "[[targets]] 'a'.url", "not a URL"),
        ('[[targets]]\nname = "local"\nurl = "http://h"', "[[targets]] 'local'.name", "reserved"),
        ('[[targets]]\nname = "a"\nurl = "http://h"\nkind = "gcp"', "[[targets]] 'a'.kind", "one of"),
        ('[[targets]]\nname = "a"\nurl = "http://h"\ntimeout = 0', "[[targets]] 'a'.timeout", "between"),
        ('[[targets]]\nname = "a"\nurl = "http://h"\ntoken = "s3cr3t"', "[[targets]] 'a'.token", "unknown"),
        (
            '[[targets]]\nname = "a"\nurl = "http://h"\ntoken_env = "abc-123-secret"',
            "[[targets]] 'a'.token_env",
            "not an environment variable name",
        ),
        (
            '[[targets]]\nname = "a"\nurl = "http://h"\n[[targets]]\nname = "a"\nurl = "http://i"',
            "[[targets]] 'a'.name",
            "unique",
        ),
    ],
)
def test_validation_errors_name_file_field_and_problem(text: str, field: str, problem: str) -> None:
    source = Path("/home/u/.config/logtui/config.toml")
    with pytest.raises(ConfigValueError) as info:
        parse_config(text, source=source)
    err = info.value
    assert err.field == field
    assert problem in err.problem
    assert str(err).startswith(f"{source}: {field}: ")


def test_a_token_pasted_as_token_env_is_never_repeated() -> None:
    text = '[[targets]]\nname = "a"\nurl = "http://h"\ntoken_env = "sk-live-9f8e7d6c5b4a"'
    with pytest.raises(ConfigValueError) as info:
        parse_config(text, source="c.toml")
    assert "9f8e7d6c5b4a" not in str(info.value)
    assert "if you pasted the token" in str(info.value)
    with pytest.raises(ConfigValueError) as form_info:
        target_from_form("a", "http://h", token_env="sk-live-9f8e7d6c5b4a")
    assert "9f8e7d6c5b4a" not in str(form_info.value)


def test_a_directory_given_as_the_config_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "is a directory" in info.value.title
    assert info.value.hint and str(tmp_path / "config.toml") in info.value.hint


def test_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("page_size = 100\nthis is not toml\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value) and "line 2" in str(info.value)


def test_unreadable_or_binary_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)
    with pytest.raises(ConfigError, match="Cannot read"):
        load_config(path / "config.toml")  # below a file: ENOTDIR


def test_kind_is_guessed_from_the_url() -> None:
    assert guess_kind("https://abc.eu-west-1.awsapprunner.com") is TargetKind.APPRUNNER
    assert guess_kind("https://abcdef.lambda-url.us-east-1.on.aws/") is TargetKind.LAMBDA
    assert guess_kind("http://127.0.0.1:8000") is TargetKind.LOCAL
    assert guess_kind("http://localhost:8000") is TargetKind.LOCAL
    assert guess_kind("https://logs.example.com") is TargetKind.HTTP
    config = parse_config('[[targets]]\nname = "l"\nurl = "https://x.lambda-url.eu-west-1.on.aws"\n')
    assert config.get_target("l").kind is TargetKind.LAMBDA


def test_token_is_read_from_the_named_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROD_TOKEN", raising=False)
    assert PROD.token() is None
    monkeypatch.setenv("PROD_TOKEN", "s3cr3t")
    assert PROD.token() == "s3cr3t"
    assert "s3cr3t" not in repr(PROD)
    assert "s3cr3t" not in render_config(Config(targets=[PROD]))
    monkeypatch.setenv("PROD_TOKEN", "")
    assert PROD.token() is None
    assert Target("x", "http://h").token() is None


def test_target_from_form_marks_the_field() -> None:
    t = target_from_form(" prod ", "https://abc.eu-west-1.awsapprunner.com/", "", " PROD_TOKEN ", "15")
    assert t == Target(
        "prod", "https://abc.eu-west-1.awsapprunner.com", TargetKind.APPRUNNER, "PROD_TOKEN", 15.0
    )
    for args, field in [
        (("", "http://h"), "name"),
        (("a", "nope"), "url"),
        (("a", "http://h", "cloud"), "kind"),
        (("a", "http://h", "", "my token"), "token_env"),
        (("a", "http://h", "", "", "soon"), "timeout"),
        (("a", "http://h", "", "", "9999"), "timeout"),
    ]:
        with pytest.raises(ConfigValueError) as info:
            target_from_form(*args)
        assert info.value.field == field, args
        assert info.value.path is None


def test_add_edit_remove_are_pure_and_validated() -> None:
    base = Config()
    one = add_target(base, PROD)
    assert base.targets == [] and [t.name for t in one.targets] == ["prod"]
    with pytest.raises(ConfigValueError, match="exists already"):
        add_target(one, PROD)
    with pytest.raises(ConfigValueError, match="reserved"):
        add_target(one, Target("local", "http://h"))
    with pytest.raises(ConfigValueError, match="http:// or https://"):
        add_target(one, Target("x", "file:///etc/passwd"))

    two = add_target(one, Target("dev", "http://127.0.0.1:8000", TargetKind.LOCAL))
    two = set_default_target(two, "prod")
    renamed = edit_target(two, "prod", Target("production", PROD.url, PROD.kind, PROD.token_env, 20.0))
    assert [t.name for t in renamed.targets] == ["production", "dev"]
    assert renamed.default_target == "production"
    assert two.default_target == "prod"  # the original is untouched
    with pytest.raises(ConfigValueError, match="exists already"):
        edit_target(renamed, "dev", Target("production", "http://h"))
    with pytest.raises(ConfigValueError, match="no saved target"):
        edit_target(renamed, "ghost", PROD)

    removed = remove_target(renamed, "production")
    assert [t.name for t in removed.targets] == ["dev"]
    assert removed.default_target == "local"
    with pytest.raises(ConfigValueError, match="cannot be removed"):
        remove_target(removed, "local")
    with pytest.raises(ConfigValueError, match="no saved target"):
        remove_target(removed, "ghost")
    with pytest.raises(ConfigValueError, match="no target named 'ghost'"):
        set_default_target(removed, "ghost")


def test_get_target_lists_known_names() -> None:
    config = Config(targets=[PROD])
    assert config.get_target("local").kind is TargetKind.LOCAL
    with pytest.raises(ConfigValueError, match=r"known: local, prod"):
        config.get_target("nope")


def test_docker_token_env_names_the_local_services_key_and_never_holds_it() -> None:
    config = parse_config('[docker]\ntoken_env = "LOGTUI_LOCAL_KEY"\nbind = "0.0.0.0"', source="c.toml")
    assert config.docker.token_env == "LOGTUI_LOCAL_KEY"
    # the local target sends the same variable's value
    assert config.local_target.token_env == "LOGTUI_LOCAL_KEY"
    assert parse_config('[docker]\ntoken_env = ""', source="c.toml").docker.token_env is None
    with pytest.raises(ConfigValueError) as info:
        parse_config('[docker]\ntoken_env = "sk-live-9f8e7d6c5b4a"', source="c.toml")
    assert info.value.field == "docker.token_env"
    assert "9f8e7d6c5b4a" not in str(info.value) and "if you pasted the key" in str(info.value)
    # written back, it stays a name
    assert 'token_env = "LOGTUI_LOCAL_KEY"' in render_config(config)
