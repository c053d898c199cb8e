"""Every action by name in the command palette (ctrl+p): the app's and the logs screen's; other screens add
their own while they are open (a `screen_commands.ScreenCommands` provider in their `COMMANDS`).

Kept apart from app.py so the app stays a thin shell; each entry names its key, so the palette teaches keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from logtui.ui.container_actions import ACTIONS
from logtui.ui.screens.container import ContainerScreen
from logtui.ui.screens.logs_query import PRESET_KEYS

if TYPE_CHECKING:
    from logtui.ui.app import LogtuiApp


def palette_commands(app: LogtuiApp, screen: Screen[Any]) -> Iterable[SystemCommand]:
    yield SystemCommand("Help", "Keys and time syntax (F1)", app.action_help)
    yield SystemCommand("Targets", "List, add, edit, remove and switch targets (t)", app.action_targets)
    yield SystemCommand(
        "Local service", "Build, start, stop the local log-analyzer (c)", app.action_show_container
    )
    if not isinstance(screen, ContainerScreen):  # there, its own provider lists them with their keys
        for action in ACTIONS:
            yield SystemCommand(
                f"Local service: {action.label}",
                f"{action.help} (c, then {action.key})",
                partial(app.run_local_service_action, action.name),
            )
    for target in app.config.all_targets:
        if target.name != app.target.name:
            yield SystemCommand(
                f"Switch to {target.name}",
                f"Open the target {target.name} ({target.kind.label})",
                partial(app.open_target, target),
            )
    logs = app.logs_screen
    if logs is None or screen is not logs:
        return
    for key, name in enumerate(PRESET_KEYS, start=1):
        label = "everything" if name == "all" else f"the last {name}"
        yield SystemCommand(f"Window: {label}", f"Show {label} ({key})", partial(logs.action_preset, name))
    yield SystemCommand(
        "Window: earlier", "Step the window back by its width ([)", partial(logs.action_step, -1)
    )
    yield SystemCommand(
        "Window: later", "Step the window forward by its width (])", partial(logs.action_step, 1)
    )
    yield SystemCommand("Window: back", "Back to the previous window (Backspace)", logs.action_window_back)
    yield SystemCommand("Window: edit start/end", "Type a start and an end (s)", logs.action_focus_range)
    yield SystemCommand(
        "Jump to the data", "Move the window to where the records are (j)", logs.action_jump_to_data
    )
    yield SystemCommand(
        "Search messages", "Filter by text, sent to the server as q (/)", logs.action_focus_search
    )
    yield SystemCommand("Follow (live tail)", "Toggle polling for new records (f)", logs.action_toggle_follow)
    yield SystemCommand("Go to new records", "Jump to the newest while following (n)", logs.action_show_new)
    yield SystemCommand(
        "Export window", "Write the window's records to CSV or JSON Lines (e)", logs.action_export
    )
    yield SystemCommand(
        "Copy record", "Copy the selected record to the clipboard (y)", logs.action_copy_record
    )
    yield SystemCommand("Wrap messages", "Toggle wrapping long messages (w)", logs.action_toggle_wrap)
    yield SystemCommand(
        "Times: UTC / local",
        "Show times in UTC or in your zone (display_tz, else local) (z)",
        logs.action_toggle_zone,
    )
    yield SystemCommand("Retry", "Repeat the request that failed (r)", logs.action_retry)
    yield SystemCommand("Newest records", "The window's newest records at once (G)", logs.action_newest)
    yield SystemCommand("Oldest records", "Back to paging the window from its start (g)", logs.action_oldest)
    tags = logs.tag_filter
    yield SystemCommand("Tags: all", "Show every tag", partial(tags.show_only, None))
    for tag in tags.known_tags:
        yield SystemCommand(f"Tags: only {tag}", f"Show {tag} records only", partial(tags.show_only, tag))
        yield SystemCommand(f"Tags: toggle {tag}", f"Show or hide {tag} records", partial(tags.toggle, tag))
