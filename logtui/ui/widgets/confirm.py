"""Confirmation and prompt dialogs for actions that destroy or write something.

Self-contained modal screens (their styles live in DEFAULT_CSS so any screen can push them):

- `ConfirmDialog` -> bool: one question, a confirm and a cancel button.
- `TypedConfirmDialog` -> "confirm" | "alternative" | None: the stronger kind; the confirm button stays
  disabled until the user types a given word (the volume name), and an alternative action (back up first)
  is offered next to it.
- `PathPrompt` -> Path | None: asks for a file path, checks it before closing, and says what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

_DIALOG_CSS = """
.dialog {
    width: 72;
    max-width: 100%;
    height: auto;
    max-height: 90%;
    padding: 1 2;
    border: thick $primary;
    background: $surface;
}
.dialog.-danger { border: thick $error; }
.dialog .dialog-title { text-style: bold; width: 100%; margin-bottom: 1; }
.dialog .dialog-body { width: 100%; margin-bottom: 1; }
.dialog .dialog-error { color: $error; width: 100%; height: auto; }
.dialog .dialog-buttons { height: auto; width: 100%; align-horizontal: right; margin-top: 1; }
.dialog .dialog-buttons Button { margin-left: 1; }
.dialog Input { margin-bottom: 0; }
"""


class ConfirmDialog(ModalScreen[bool]):
    """Ask one yes/no question. Enter on the focused button answers; escape means no."""

    DEFAULT_CSS = "ConfirmDialog { align: center middle; }\n" + _DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        body: str,
        *,
        confirm_label: str = "OK",
        cancel_label: str = "Cancel",
        danger: bool = False,
    ) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._confirm_label = confirm_label
        self._cancel_label = cancel_label
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -danger" if self._danger else "dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._body, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._cancel_label, id="cancel")
                yield Button(
                    self._confirm_label, id="confirm", variant="error" if self._danger else "primary"
                )

    def on_mount(self) -> None:
        # Safe default: the destructive button is never pre-focused, so a stray Enter cancels.
        self.query_one("#cancel" if self._danger else "#confirm", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class TypedConfirmDialog(ModalScreen[str | None]):
    """The stronger confirmation: type `word` to arm the confirm button; an alternative (say, "Back up
    first") is offered beside it. Dismisses with "confirm", "alternative" or None."""

    DEFAULT_CSS = "TypedConfirmDialog { align: center middle; }\n" + _DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        body: str,
        *,
        word: str,
        confirm_label: str,
        alternative_label: str | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self.word = word
        self._confirm_label = confirm_label
        self._alternative_label = alternative_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -danger"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._body, classes="dialog-body", markup=False)
            yield Label(f"Type {self.word} to confirm:", markup=False)
            yield Input(placeholder=self.word, id="typed")
            yield Label("", id="typed-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                if self._alternative_label:
                    yield Button(self._alternative_label, id="alternative", variant="primary")
                yield Button(self._confirm_label, id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    @on(Input.Changed, "#typed")
    def _arm(self, event: Input.Changed) -> None:
        typed = event.value.strip()
        self.query_one("#confirm", Button).disabled = typed != self.word
        # Say so as soon as the text cannot become the word, not only when Enter does nothing.
        self._say_wrong(typed if typed and not self.word.startswith(typed) else "")

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed == self.word:
            self.dismiss("confirm")
        else:
            self._say_wrong(typed or " ")

    def _say_wrong(self, typed: str) -> None:
        note = self.query_one("#typed-error", Label)
        if typed.strip():
            note.update(f"{typed!r} is not {self.word}: type the name exactly as shown to confirm.")
        elif typed:
            note.update(f"Type {self.word} to confirm, or Cancel.")
        else:
            note.update("")

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss("confirm")

    @on(Button.Pressed, "#alternative")
    def _alternative(self) -> None:
        self.dismiss("alternative")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def check_destination(text: str) -> Path:
    """Validate a file path the user typed as somewhere to write a new file; ValueError says what is wrong."""
    text = text.strip()
    if not text:
        raise ValueError("Enter a file path.")
    path = Path(text).expanduser()
    if path.is_dir():
        raise ValueError(f"{path} is a directory; add a file name.")
    if path.exists():
        raise ValueError(f"{path} already exists; choose a new name (nothing is overwritten).")
    if not path.parent.is_dir():
        raise ValueError(f"The folder {path.parent} does not exist.")
    return path


class PathPrompt(ModalScreen[Path | None]):
    """Ask for a path to write a new file to. The answer is checked here, so the caller gets a usable path."""

    DEFAULT_CSS = "PathPrompt { align: center middle; }\n" + _DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, body: str, *, default: Path, confirm_label: str = "Save") -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._default = default
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._body, classes="dialog-body", markup=False)
            yield Input(str(self._default), id="path")
            yield Label("", id="path-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm_label, id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        try:
            path = check_destination(self.query_one("#path", Input).value)
        except ValueError as exc:
            self.query_one("#path-error", Label).update(str(exc))
            self.query_one("#path", Input).add_class("-invalid")
            return
        self.dismiss(path)

    @on(Input.Changed, "#path")
    def _clear_error(self) -> None:
        self.query_one("#path-error", Label).update("")
        self.query_one("#path", Input).remove_class("-invalid")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
