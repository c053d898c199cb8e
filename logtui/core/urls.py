"""URLs as logtui shows them: never a secret in the status bar, the targets list or a screenshot."""

from __future__ import annotations

from urllib.parse import urlsplit


def public_address(url: str) -> str:
    """The URL as given, with its path (a stage or proxy prefix the user must see), but never a user:password
    or a query string, which may carry secrets (the config refuses both; this guards other callers)."""
    parts = urlsplit(url)
    if not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path.rstrip('/')}"
