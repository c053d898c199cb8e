"""`t`: the saved targets. Enter switches, a adds, e edits, d removes, m makes the default; saved at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from logtui.core.config import (
    Config,
    Target,
    add_target,
    edit_target,
    remove_target,
    set_default_target,
)
from logtui.core.errors import ConfigError, ConfigValueError
from logtui.core.urls import public_address
from logtui.ui.screen_commands import Entry, ScreenCommands
from logtui.ui.screens.target_form import TargetForm
from logtui.ui.widgets.confirm import ConfirmDialog

if TYPE_CHECKING:
    from logtui.ui.app import LogtuiApp


class TargetsCommands(ScreenCommands):
    """The targets screen's actions in the command palette, while it is open."""

    def entries(self) -> Iterable[Entry]:
        screen = self.screen
        if not isinstance(screen, TargetsScreen):
            return
        yield "Targets: add", "Add a target (a)", screen.action_add
        yield "Targets: edit", "Edit the selected target (e)", screen.action_edit
        yield "Targets: remove", "Remove the selected target (d)", screen.action_remove
        yield "Targets: make default", "Open it when logtui starts (m)", screen.action_make_default


class TargetsScreen(Screen[None]):
    COMMANDS: ClassVar = {TargetsCommands}
    BINDINGS = [
        Binding("enter", "switch", "Switch to", priority=True),
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("d", "remove", "Remove"),
        Binding("m", "make_default", "Make default"),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    @property
    def shell(self) -> LogtuiApp:
        return cast("LogtuiApp", self.app)

    def compose(self) -> ComposeResult:
        yield Label("Targets", id="targets-title")
        yield DataTable(id="targets-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="targets-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "Name", "Kind", "Address", "Credentials", "Timeout")
        self.refresh_table()
        table.focus()

    def refresh_table(self, select: str | None = None) -> None:
        config = self.shell.config
        current = self.shell.target.name
        table = self.query_one(DataTable)
        table.clear()
        for t in self.rows():
            marks = ("▶" if t.name == current else " ") + ("★" if t.name == config.default_target else " ")
            address = "run by logtui" if t.is_local else public_address(t.url)
            name = t.name if t in config.all_targets else f"{t.name} (unsaved: a saves it)"
            table.add_row(marks, name, t.kind.label, address, _credential_label(t), f"{t.timeout:g} s")
        names = [t.name for t in self.rows()]
        wanted = select or current
        if wanted in names:
            table.move_cursor(row=names.index(wanted))
        if self.shell.config_error is not None:
            self.say(
                f"The config file has a problem, so these are the defaults: {self.shell.config_error.title}"
            )

    def say(self, text: str) -> None:
        self.query_one("#targets-message", Label).update(text)

    def unsaved_current(self) -> Target | None:
        """The target opened with --url, which is in use but not in the config."""
        current = self.shell.target
        return None if current.name in self.shell.config.target_names() else current

    def rows(self) -> list[Target]:
        unsaved = self.unsaved_current()
        return [*self.shell.config.all_targets, *([unsaved] if unsaved else [])]

    def selected(self) -> Target | None:
        rows = self.rows()
        row = self.query_one(DataTable).cursor_row
        return rows[row] if 0 <= row < len(rows) else None

    def _save(self, config: Config, done: str, select: str | None = None) -> bool:
        try:
            self.shell.save_config(config)
        except ConfigError as exc:
            self.say(f"Not saved: {exc.title}" + (f" — {exc.hint}" if exc.hint else ""))
            return False
        self.refresh_table(select)
        self.say(done)
        return True

    def action_switch(self) -> None:
        target = self.selected()
        if target is None:
            return
        self.shell.open_target(target)
        default = self.shell.config.default_target
        if target.name != default and target is not self.unsaved_current():
            # Switching is for this session; the next start opens the default. Say so, and how to change it,
            # rather than rewrite the user's config file on every switch.
            self.app.notify(
                f"Switched to {target.name}. logtui still starts on {default}: press m on this list (t) "
                f"to open {target.name} at start instead.",
                title="Target",
            )
        self.dismiss()

    def action_back(self) -> None:
        self.dismiss()

    def action_add(self) -> None:
        unsaved = self.unsaved_current()

        def added(target: Target | None) -> None:
            if target is None:
                return
            try:
                config = add_target(self.shell.config, target)
            except ConfigValueError as exc:  # checked in the form already; the config may have moved on
                self.say(f"Not added: {exc.field}: {exc.problem}")
                return
            if not self._save(config, f"Added {target.name}. Enter switches to it.", select=target.name):
                return
            if unsaved is not None and self.shell.target is unsaved and target.url == unsaved.url:
                # Saving the --url target in use: it is now that saved target (no "unsaved" twin left).
                self.shell.open_target(target)
                self.refresh_table(target.name)
                self.say(f"Saved the current target as {target.name}.")

        self.app.push_screen(
            TargetForm(unsaved, editing=False, validate=lambda t: add_target(self.shell.config, t)), added
        )

    def action_edit(self) -> None:
        old = self.selected()
        if old is not None and old is self.unsaved_current():
            self.action_add()
            return
        if old is None or old.is_local:
            self.say(
                "The local target is run by logtui and has nothing to edit (see the container screen, c)."
            )
            return

        def edited(target: Target | None) -> None:
            if target is None:
                return
            try:
                config = edit_target(self.shell.config, old.name, target)
            except ConfigValueError as exc:
                self.say(f"Not saved: {exc.field}: {exc.problem}")
                return
            if (
                self._save(config, f"Saved {target.name}.", select=target.name)
                and self.shell.target.name == old.name
            ):
                # The target in use changed (URL, token, timeout): reconnect with the new settings.
                self.shell.open_target(target)
                self.refresh_table(target.name)

        self.app.push_screen(
            TargetForm(old, validate=lambda t: edit_target(self.shell.config, old.name, t)), edited
        )

    def action_remove(self) -> None:
        target = self.selected()
        if target is None or target.is_local or target is self.unsaved_current():
            self.say("Only saved targets can be removed (the local one is always there).")
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            config = remove_target(self.shell.config, target.name)
            if self._save(config, f"Removed {target.name}.") and self.shell.target.name == target.name:
                self.shell.open_target(config.local_target)
                self.refresh_table()

        self.app.push_screen(
            ConfirmDialog(
                f"Remove {target.name}?",
                f"{target.url} is forgotten; its logs are not touched.",
                confirm_label="Remove",
            ),
            confirmed,
        )

    def action_make_default(self) -> None:
        target = self.selected()
        if target is not None and target is not self.unsaved_current():
            self._save(
                set_default_target(self.shell.config, target.name),
                f"{target.name} opens when logtui starts without --url/--profile.",
                select=target.name,
            )


def _credential_label(target: Target) -> str:
    if target.auth == "aws_iam":
        return f"AWS_IAM ({target.aws_profile})" if target.aws_profile else "AWS_IAM"
    return target.token_env or "—"
