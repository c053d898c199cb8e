"""LOG_ANALYZER_DATABASE_URL: which URLs are PostgreSQL, and how to show one without its password."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")


def mask_url(url: str) -> str:
    """The URL with its password replaced by `***` (what logs, errors, /health and the TUI may show)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<an unparsable URL>"
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def url_problem(url: str) -> str | None:
    """None when `url` names a PostgreSQL database we can try, else what is wrong with it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in SCHEMES:
        shown = f"{parts.scheme}://" if parts.scheme else "no scheme"
        return f"must start with postgresql:// or postgres:// (got {shown})"
    if not parts.hostname and "host=" not in parts.query:
        return "names no host; use postgresql://user:password@host:5432/dbname"
    return None


def scrub(text: str, url: str) -> str:
    """`text` (a driver's error message) with the URL's password removed, in any spelling it may take."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        for form in {password, unquote(password), quote(password, safe="")}:
            if form:
                text = text.replace(form, "***")
    return text
