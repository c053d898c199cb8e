"""What the container screen can do to the local log-analyzer, named once: the actions (their keys, labels
and help) and what a build can come to. The screen, its messages and the command palette all use these."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Action(enum.StrEnum):
    """A container action; its value names the key binding (`action_<value>`), button id and worker."""

    BUILD = "build"
    PUSH = "push"
    START = "start"
    STOP = "stop"
    RESTART = "restart"
    REMOVE = "remove"
    BACKUP = "backup"
    DELETE_VOLUME = "delete_volume"


@dataclass(frozen=True)
class ContainerAction:
    name: Action
    key: str
    label: str
    help: str


ACTIONS: tuple[ContainerAction, ...] = (
    ContainerAction(Action.BUILD, "b", "Build", "Build the log-analyzer image (docker/Dockerfile)"),
    ContainerAction(
        Action.PUSH,
        "p",
        "Push",
        "Push the service or Lambda image to a registry (ECR or any), building if needed",
    ),
    ContainerAction(Action.START, "s", "Start", "Start the local log-analyzer and wait until it is healthy"),
    ContainerAction(Action.STOP, "x", "Stop", "Stop the local log-analyzer (data is kept)"),
    ContainerAction(Action.RESTART, "r", "Restart", "Restart the local log-analyzer"),
    ContainerAction(Action.REMOVE, "m", "Remove", "Remove the container; the logs stay on the volume"),
    ContainerAction(Action.BACKUP, "u", "Back up", "Copy the database to a file you name"),
    ContainerAction(
        Action.DELETE_VOLUME, "D", "Delete volume", "Delete the stored logs for good (asks twice)"
    ),
)
ACTION_LABELS: dict[str, str] = {a.name: a.label for a in ACTIONS}


class BuildOutcome(enum.Enum):
    """How a build ended well; `text` is what the screen says."""

    BUILT = "Image built."
    UNCHANGED = "Image up to date: every step came from the cache, so nothing changed."
    NOTHING_TO_BUILD = (
        "Nothing to build on the embedded runtime: it runs the log-analyzer from this Python, no Docker "
        "image."
    )

    @property
    def text(self) -> str:
        return self.value
