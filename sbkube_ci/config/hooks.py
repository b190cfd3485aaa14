"""App hooks and hook tasks (SBKube's ``hooks`` on an app and the ``hook`` app's ``tasks``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Tag

from sbkube_ci.config.base import Model
from sbkube_ci.config.types import LIST, MAPPING, TEXT, Duration, by_shape, by_type, type_tag


class Retry(Model):
    max_attempts: int = Field(default=1, ge=1, le=10)
    delay: Duration = 0.0


def _retry_shorthand(value: object) -> object:
    # `retry: 2` means two retries after the first attempt.
    if isinstance(value, int) and not isinstance(value, bool):
        return {"max_attempts": value + 1}
    return value


class _TaskBase(Model):
    name: str
    # SBKube keeps these as free-form mappings too; their runner validates them.
    validation: dict[str, Any] | None = None
    dependency: dict[str, Any] | None = None
    rollback: dict[str, Any] | None = None


class ManifestsTask(_TaskBase):
    type: Literal["manifests"]
    files: list[str] = Field(min_length=1)


class InlineTask(_TaskBase):
    type: Literal["inline"]
    content: Annotated[
        Annotated[dict[str, Any], Tag(MAPPING)] | Annotated[list[dict[str, Any]], Tag(LIST)],
        by_shape("a manifest (mapping) or a list of manifests"),
    ]


class CommandTask(_TaskBase):
    type: Literal["command"]
    command: Annotated[
        Annotated[str, Tag(TEXT)] | Annotated[list[str], Tag(LIST)],
        by_shape("a command line or a list of arguments"),
    ]
    retry: Annotated[
        Retry,
        BeforeValidator(_retry_shorthand, json_schema_input_type=int | Retry),
    ] = Retry()
    on_failure: Literal["fail", "warn", "ignore"] = "fail"


TASK_TYPES = ("manifests", "inline", "command")
HookTask = Annotated[
    Annotated[ManifestsTask, type_tag("manifests")]
    | Annotated[InlineTask, type_tag("inline")]
    | Annotated[CommandTask, type_tag("command")],
    by_type(TASK_TYPES),
]


class AppHooks(Model):
    """Commands, manifests and tasks around the stages of one app."""

    pre_prepare: list[str] = []
    post_prepare: list[str] = []
    pre_build: list[str] = []
    post_build: list[str] = []
    pre_template: list[str] = []
    post_template: list[str] = []
    pre_deploy: list[str] = []
    post_deploy: list[str] = []
    on_deploy_failure: list[str] = []
    pre_deploy_manifests: list[str] = []
    post_deploy_manifests: list[str] = []
    pre_deploy_tasks: list[HookTask] = []
    post_deploy_tasks: list[HookTask] = []
