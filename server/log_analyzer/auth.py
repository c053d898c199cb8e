"""Bearer-key checks: writes need the key when one is set; reads too when LOG_ANALYZER_READ_REQUIRES_KEY=1."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from log_analyzer.settings import Settings

bearer = HTTPBearer(auto_error=False, description="LOG_ANALYZER_API_KEY, when the server sets one")


CHALLENGE = {"WWW-Authenticate": "Bearer"}


def refusal(key: str | None, credentials: str | None, what: str) -> str | None:
    """Why a request with bearer `credentials` (None: no usable Authorization header) may not `what`, or
    None when it may."""
    if key is None:
        return None
    if credentials is None:
        return f"This server needs an API key to {what}: send the header 'Authorization: Bearer <key>'."
    # Constant-time, so response timing does not leak how much of the key matched.
    if not hmac.compare_digest(credentials.encode(), key.encode()):
        return "The API key in the Authorization header is wrong."
    return None


def bearer_credentials(header: str | None) -> str | None:
    """The key of an `Authorization: Bearer <key>` header (as HTTPBearer reads it), else None."""
    if not header:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials


def _check(settings: Settings, creds: HTTPAuthorizationCredentials | None, what: str) -> None:
    problem = refusal(settings.api_key, creds.credentials if creds else None, what)
    if problem is not None:
        raise HTTPException(401, problem, CHALLENGE)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def require_write(request: Request, creds: Credentials) -> None:
    _check(request.app.state.settings, creds, "write logs")


def require_read(request: Request, creds: Credentials) -> None:
    settings: Settings = request.app.state.settings
    if settings.read_requires_key:
        _check(settings, creds, "read logs")
