"""``sbkube-ci schema``: the JSON Schema of sbkube.yaml, for editors and other tools."""

from __future__ import annotations

import copy
import json
from typing import Any

import click

from sbkube_ci.config.models import Config
from sbkube_ci.config.sections import NOTIFIER_TYPES

SCHEMA_ID = "https://sbkube.github.io/sbkube-ci/schema/sbkube-v1.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the input accepted by ``Config``."""
    schema = Config.model_json_schema(by_alias=True, mode="validation")
    _short_notifier_forms(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def _short_notifier_forms(schema: dict[str, Any]) -> None:
    """``notify: {slack: {...}}`` may leave out ``type``: the key names it (see Config)."""
    defs = schema["$defs"]
    properties: dict[str, Any] = {}
    for kind in NOTIFIER_TYPES:
        name = f"{kind.capitalize()}Notifier"
        short = copy.deepcopy(defs[name])
        short["required"] = [r for r in short.get("required", []) if r != "type"]
        short["title"] = f"{name} (short form: the key is the type)"
        defs[f"{name}ShortForm"] = short
        properties[kind] = {"$ref": f"#/$defs/{name}ShortForm"}
    schema["properties"]["notify"]["properties"] = properties


def schema() -> int:
    """Print the JSON Schema; exit code 0."""
    click.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
    return 0
