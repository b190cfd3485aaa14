"""Property: whatever the secret, no output of a plan contains it, raw or base64-encoded.

Secrets are generated (printable, any unicode, YAML-special characters), placed everywhere a
chart can put one, run through the real engine and every renderer, and looked for with an
oracle that does not share the masker's code (tests/diff/leaks.py).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sbkube_ci.diff.engine import AppRender, AppSnapshot, DiffOptions, plan_cluster
from sbkube_ci.diff.markdown import GITHUB_COMMENT, render_comment, render_markdown
from sbkube_ci.diff.mask import MIN_EMBEDDED, Masker
from sbkube_ci.diff.text import render_text
from sbkube_ci.plan_model import Plan
from tests.diff.leaks import base64_leaks, json_strings, whole_base64_forms
from tests.diff.objects import b64, config_map, deployment, secret
from tests.diff.scenarios import CREATED

YAML_SPECIAL = list(":#-?'\"&*!|>%@`{}[],\\\n\r\t \u2028\x85")
# Lone surrogates cannot be in a manifest or a UTF-8 report; test_mask covers them in values.
_chars = st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(YAML_SPECIAL))
SECRETS = st.text(_chars, min_size=4, max_size=40).filter(lambda s: len(s.strip()) >= 4)


def _objects(values: list[str], short: str, generation: int) -> list[dict[str, Any]]:
    """Objects of one app carrying every secret; ``generation`` rotates values between sides."""
    rotated = values[generation:] + values[:generation]
    main = rotated[0]
    data = {f"k{i}": v for i, v in enumerate(rotated)} | {"pin": short + str(generation)}
    dep = deployment(env={"DB_PASSWORD": main, "API_TOKEN": rotated[-1], "N": str(generation)})
    dep["metadata"]["annotations"] = {
        "note": f"token={main}",
        "auth": b64(f"user:{main}"),
        "whole": b64(main),
    }
    cm = config_map("settings", DB_PASSWORD=main, url=f"postgres://u:{main}@db/shop")
    cm["data"]["docker.json"] = json.dumps({"auths": {"r": {"auth": b64(f"bot:{main}")}}})
    return [
        secret("db", data=data, string_data={"raw": main, "pin": short}),
        dep,
        cm,
        config_map(f"only-{generation}", value=f"[{main}]", other=b64(rotated[-1])),
    ]


def _outputs(values: list[str], short: str) -> list[str]:
    masker = Masker.from_settings(["DB_PASSWORD"], {"DB_PASSWORD": values[0]})
    for value in values:  # as CI-masked values and ${ENV} credentials would be registered
        masker.register(value)
    apps = {
        "shop": (AppRender(_objects(values, short, 1)), AppSnapshot(_objects(values, short, 0))),
        "broken": (AppRender(error=f"helm template: bad value {values[-1]!r}"), None),
        "new": (AppRender(_objects(values, short, 2)), None),
        "old": (None, AppSnapshot(_objects(values, short, 3))),
    }
    cluster = plan_cluster(
        "prod", apps, state_revision="r1", options=DiffOptions(context_lines=2), masker=masker
    )
    plan = Plan(created_at=CREATED, commit="c0ffee", clusters=[cluster])
    plan_json = plan.to_json()
    return [
        plan_json,
        json_strings(plan_json),
        render_markdown(plan, masker=masker),
        render_comment(plan, "prod", GITHUB_COMMENT, "artifact", masker),
        render_comment(plan, "prod", 2_000, "artifact", masker),
        render_text(plan, masker=masker),
        render_text(plan, color=True, masker=masker),
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(SECRETS, min_size=1, max_size=3, unique=True),
    short=st.text(_chars, min_size=1, max_size=3),
)
def test_no_output_contains_a_secret_raw_or_base64(values: list[str], short: str) -> None:
    baseline = "\n".join(_outputs([f"placeholder-{i}-value" for i in range(len(values))], "x"))
    for value in values:  # a value that is plain vocabulary of the report cannot be a leak
        assume(value not in baseline)
        assume(not any(form in baseline for form in whole_base64_forms(value)))
        assume("*" not in value)  # the mask itself is made of asterisks
    outputs = _outputs(values, short)
    for text in outputs:
        for value in values:
            assert value not in text
            for form in whole_base64_forms(value):
                assert form not in text
            if len(value.encode()) >= MIN_EMBEDDED:
                assert not base64_leaks(text, value)
    assert "<masked: changed>" in outputs[0]
