"""``sbkube-ci schema``: the JSON Schema of sbkube.yaml, for editors and other tools."""

from __future__ import annotations

import json
from typing import Any

import click

from sbkube_ci.config.models import Config

SCHEMA_ID = "https://sbkube.github.io/sbkube-ci/schema/sbkube-v1.json"


def json_schema() -> dict[str, Any]:
    schema = Config.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def schema() -> int:
    click.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
    return 0
