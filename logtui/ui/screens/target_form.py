"""Add or edit one saved target. Checked by the core's rules — and by the caller's (a name already taken)
— before the dialog closes, so a mistake is marked on its field and nothing typed is lost. The token itself is
never typed here: only the name of its env variable."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from logtui.core.config import Target, TargetKind, target_from_form
from logtui.core.errors import ConfigValueError

FIELDS = ("name", "url", "kind", "token_env", "timeout", "auth", "aws_profile", "aws_region")
KIND_CHOICES = [("guess from the URL", ""), *((k.label, k.value) for k in TargetKind)]
AUTH_CHOICES = [("none, or the token env below", "none"), ("AWS_IAM (SigV4, needs logtui[aws])", "aws_iam")]
_SELECTS = ("kind", "auth")

#: Raises ConfigValueError (with `.field`) when the target cannot be saved as it is.
Validator = Callable[[Target], object]


class TargetForm(ModalScreen[Target | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, target: Target | None = None, *, editing: bool = True, validate: Validator | None = None
    ) -> None:
        """`target` fills the fields; `editing=False` uses it only as a starting point for a new target."""
        super().__init__()
        self._target = target
        self._editing = editing and target is not None
        self._validate = validate

    def _row(self, label: str, field: Input | Select[str]) -> Horizontal:
        return Horizontal(Label(label, classes="form-label"), field, classes="form-row")

    def compose(self) -> ComposeResult:
        t = self._target
        with Vertical(id="target-form"):
            yield Label("Edit target" if self._editing else "Add a target", id="target-form-title")
            yield self._row(
                "Name", Input(t.name if t else "", placeholder="prod", id="field-name", compact=True)
            )
            yield self._row(
                "URL",
                Input(
                    t.url if t else "",
                    placeholder="https://abc123.eu-west-1.awsapprunner.com (the base URL)",
                    id="field-url",
                    compact=True,
                ),
            )
            yield self._row(
                "Kind",
                Select(
                    KIND_CHOICES,
                    value=t.kind.value if t and self._editing else "",
                    allow_blank=False,
                    id="field-kind",
                    compact=True,
                ),
            )
            yield self._row(
                "Token env",
                Input(
                    (t.token_env or "") if t else "",
                    placeholder="name of the variable holding the token (optional)",
                    id="field-token_env",
                    compact=True,
                ),
            )
            yield self._row(
                "Timeout (s)", Input(f"{t.timeout:g}" if t else "10", id="field-timeout", compact=True)
            )
            yield self._row(
                "Auth",
                Select(
                    AUTH_CHOICES,
                    value=t.auth if t else "none",
                    allow_blank=False,
                    id="field-auth",
                    compact=True,
                ),
            )
            yield self._row(
                "AWS profile",
                Input(
                    (t.aws_profile or "") if t else "",
                    placeholder="with AWS_IAM: profile name (optional)",
                    id="field-aws_profile",
                    compact=True,
                ),
            )
            yield self._row(
                "AWS region",
                Input(
                    (t.aws_region or "") if t else "",
                    placeholder="with AWS_IAM: e.g. eu-west-1 (optional for function URLs)",
                    id="field-aws_region",
                    compact=True,
                ),
            )
            yield Label("", id="target-form-error", markup=False)
            with Horizontal(id="target-form-buttons"):
                yield Button("Save", variant="primary", id="target-save", compact=True)
                yield Button("Cancel", id="target-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#field-name", Input).focus()

    def _value(self, field: str) -> str:
        if field in _SELECTS:
            value = self.query_one(f"#field-{field}", Select).value
            return value if isinstance(value, str) else ""
        return self.query_one(f"#field-{field}", Input).value

    @on(Button.Pressed, "#target-save")
    @on(Input.Submitted)
    def save(self) -> None:
        for field in FIELDS:
            self.query_one(f"#field-{field}").remove_class("-invalid")
        try:
            target = target_from_form(*(self._value(f) for f in FIELDS))
            if self._validate is not None:
                self._validate(target)
        except ConfigValueError as exc:
            self.show_error(exc)
            return
        self.dismiss(target)

    def show_error(self, exc: ConfigValueError) -> None:
        if exc.field in FIELDS:
            self.query_one(f"#field-{exc.field}").add_class("-invalid")
        self.query_one("#target-form-error", Label).update(f"{exc.field}: {exc.problem}")

    @on(Button.Pressed, "#target-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
