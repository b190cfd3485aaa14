"""The base of every config model: unknown keys are errors, and the error can list known ones."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator


class Model(BaseModel):
    """A strict config model: ``extra="forbid"``; records its allowed keys for error messages.

    When the loader passes a validation context with an ``allowed_keys`` dict, each mapping that
    reaches a model is remembered by identity with the keys that model accepts, so an
    "unknown key" error can say which keys would have been right.
    """

    # hide_input_in_errors: a ValidationError printed anywhere (a traceback with --debug) must
    # not show a credential written where a ${VAR} reference belongs.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, hide_input_in_errors=True)

    @model_validator(mode="before")
    @classmethod
    def _remember_allowed_keys(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and isinstance(info.context, dict):
            allowed = info.context.get("allowed_keys")
            if isinstance(allowed, dict):
                names = {f.alias or name for name, f in cls.model_fields.items()}
                allowed[id(data)] = sorted(names)
        return data
