"""Bearer-key checks: writes need the key when one is set; reads too when LOG_ANALYZER_READ_REQUIRES_KEY=1."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from log_analyzer.settings import Settings

bearer = HTTPBearer(auto_error=False, description="LOG_ANALYZER_API_KEY, when the server sets one")


def _check(settings: Settings, creds: HTTPAuthorizationCredentials | None, what: str) -> None:
    key = settings.api_key
    if key is None:
        return
    challenge = {"WWW-Authenticate": "Bearer"}
    if creds is None:
        raise HTTPException(
            401,
            f"This server needs an API key to {what}: send the header 'Authorization: Bearer <key>'.",
            challenge,
        )
    # Constant-time, so response timing does not leak how much of the key matched.
    if not hmac.compare_digest(creds.credentials.encode(), key.encode()):
        raise HTTPException(401, "The API key in the Authorization header is wrong.", challenge)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def require_write(request: Request, creds: Credentials) -> None:
    _check(request.app.state.settings, creds, "write logs")


def require_read(request: Request, creds: Credentials) -> None:
    settings: Settings = request.app.state.settings
    if settings.read_requires_key:
        _check(settings, creds, "read logs")
