"""The one way to build the app, shared by the CLI and the tests (so tests drive exactly what users run)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from logtui.ui.options import AppOptions, utc_now

if TYPE_CHECKING:
    from logtui.ui.app import LogtuiApp

__all__ = ["AppOptions", "create_app", "utc_now"]


def create_app(options: AppOptions | None = None) -> LogtuiApp:
    # Imported here so `logtui --help` and flag errors don't pay for importing Textual.
    from logtui.ui.app import LogtuiApp

    return LogtuiApp(options or AppOptions())
