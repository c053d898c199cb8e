"""Ask where to push an image: the reference (prefilled with the last one pushed), which image, and whether
a missing ECR repository may be created. The reference is checked before the dialog closes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from logtui.core.errors import PushFailed
from logtui.core.publish import IMAGES, parse_reference
from logtui.ui.widgets.confirm import _DIALOG_CSS

BODY = (
    "Builds the image first when it is missing or older than its sources. ECR references "
    "(<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>) log in with your AWS credentials; other "
    "registries use your Docker login."
)


@dataclass(frozen=True)
class PushRequest:
    reference: str
    image: str  # a key of IMAGES
    create_repository: bool


class PushPrompt(ModalScreen[PushRequest | None]):
    DEFAULT_CSS = "PushPrompt { align: center middle; }\n" + _DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, last: Mapping[str, str], image: str = "service") -> None:
        """`last`: the reference last pushed, per image."""
        super().__init__()
        self._last = dict(last)
        self._image = image

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Push the image to a registry", classes="dialog-title")
            yield Static(BODY, classes="dialog-body", markup=False)
            yield Select(
                [(kind.label, name) for name, kind in IMAGES.items()],
                value=self._image,
                allow_blank=False,
                id="push-image",
            )
            yield Input(
                self._last.get(self._image, ""),
                placeholder="123456789012.dkr.ecr.eu-west-1.amazonaws.com/log-analyzer:latest",
                id="push-reference",
            )
            yield Checkbox("Create a missing ECR repository", value=False, id="push-create")
            yield Label("", id="push-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Push", id="confirm", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#push-reference", Input).focus()

    @on(Select.Changed, "#push-image")
    def _image_changed(self, event: Select.Changed) -> None:
        image = str(event.value)
        reference = self.query_one("#push-reference", Input)
        # Follow the image choice with its own last reference, unless the user typed something new.
        if reference.value in ("", self._last.get(self._image, "")):
            reference.value = self._last.get(image, "")
        self._image = image

    @on(Input.Submitted, "#push-reference")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        text = self.query_one("#push-reference", Input).value.strip()
        try:
            parse_reference(text)
        except PushFailed as exc:
            self.query_one("#push-error", Label).update(f"{exc.title}. {exc.hint or ''}".strip())
            self.query_one("#push-reference", Input).add_class("-invalid")
            return
        create = self.query_one("#push-create", Checkbox).value
        self.dismiss(PushRequest(text, self._image, create))

    @on(Input.Changed, "#push-reference")
    def _clear_error(self) -> None:
        self.query_one("#push-error", Label).update("")
        self.query_one("#push-reference", Input).remove_class("-invalid")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
