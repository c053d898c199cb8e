"""Which target the app opens: a --url, a saved --profile, or the local service. Pure logic, no Textual."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from logtui.core.config import LOCAL_TARGET_NAME, Config, Target, target_from_form
from logtui.core.errors import ConfigValueError


@dataclass(frozen=True)
class UrlFlags:
    """What goes with --url: the variable holding the bearer token (its name), the timeout, AWS signing."""

    token_env: str | None = None
    timeout: float | None = None
    aws_iam: bool = False
    aws_profile: str | None = None
    aws_region: str | None = None


def target_from_url(url: str, flags: UrlFlags = UrlFlags()) -> Target:
    """An unsaved target for `--url`, named after its host so the status bar says where we are.

    The kind is guessed from the host (App Runner, Lambda function URL, else HTTP). Raises ConfigValueError
    (with `.field` "url" and `.problem`) for a URL that cannot be a target.
    """
    host = urlsplit(url.strip()).hostname or "url"
    if host in ("::1", LOCAL_TARGET_NAME):
        host = "localhost"  # "local" is the managed service's name; "::1" would come out as "--1"
    # Target names allow letters, digits and _ . @ + -: an IPv6 address keeps its digits, dots for colons.
    name = re.sub(r"[^\w.@+-]", ".", host).strip(".")[:40] or "url"
    return target_from_form(
        name,
        url,
        "",
        flags.token_env or "",
        f"{flags.timeout:g}" if flags.timeout is not None else "10",
        "aws_iam" if flags.aws_iam else "none",
        flags.aws_profile or "",
        flags.aws_region or "",
    )


_FLAGS = {
    "url": "--url",
    "token_env": "--token-env",
    "timeout": "--timeout",
    "aws_profile": "--aws-profile",
    "aws_region": "--aws-region",
}


def url_target_problem(url: str, flags: UrlFlags = UrlFlags()) -> str | None:
    """What is wrong with --url (and its --token-env/--timeout/--aws-*), as "--flag: problem", or None."""
    try:
        target_from_url(url, flags)
    except ConfigValueError as exc:
        flag = _FLAGS.get(exc.field, "--url")
        return f"{flag}: {exc.problem}"
    return None


def find_profile(config: Config, name: str) -> Target | None:
    return next((t for t in config.all_targets if t.name == name), None)


def known_profiles(config: Config) -> list[str]:
    return config.target_names()


def launch_target(
    config: Config, *, url: str | None, profile: str | None, flags: UrlFlags = UrlFlags()
) -> Target:
    """--url beats --profile beats the config's default target beats local. Callers validated url/profile."""
    if url:
        return target_from_url(url, flags)
    for name in (profile, config.default_target):
        if name:
            found = find_profile(config, name)
            if found is not None:
                return found
    return config.local_target
