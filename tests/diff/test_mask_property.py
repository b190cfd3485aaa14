"""Property: whatever the secret, no output of a plan contains it, raw or base64-encoded.

Secrets are generated (printable, any unicode, YAML-special characters), placed everywhere a
chart can put one, run through the real engine and every renderer, and looked for with an
oracle that does not share the masker's code (tests/diff/leaks.py).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, quote_plus

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


# --- item 6 of issue 10: the value follows its encodings, and nothing is registered by hand --

_LINE = st.text(st.characters(exclude_categories=["Cs", "Zl", "Zp", "Cc"]), min_size=8, max_size=30)
MULTI_LINE = st.lists(
    _LINE.filter(lambda s: s == s.strip() and len(s) >= 8), min_size=2, max_size=4
)


# Shorter values of a Secret are hidden in the Secret only (a username "shop" is no secret).
LEARNED = SECRETS.filter(lambda s: len(s.strip()) >= 8)


def encoded_forms(value: str) -> set[str]:
    """The oracle's own list of how a template can write ``value`` (not the masker's code)."""
    forms = {value, *whole_base64_forms(value)}
    forms |= {quote(value, safe=""), quote(value), quote_plus(value)}
    forms |= {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return {f for f in forms if len(f) >= 4}


def line_forms(value: str) -> set[str]:
    lines = {line.strip() for line in value.splitlines()} if "\n" in value else set()
    lines |= set(base64.encodebytes(value.encode()).decode().split())
    return {line for line in lines if len(line) >= MIN_EMBEDDED}


def _spread(value: str, pem: str, listed: str, whole: str) -> list[dict[str, Any]]:
    """One Secret holding each value, and the rest of the render repeating them encoded."""
    nindented = "\n" + "\n".join("    " + line for line in pem.splitlines())
    holder = secret("db", data={"password": value, "tls.key": pem}, string_data={"raw": value})
    dep = deployment(env={"PASSWORD": value, "KEY": pem})  # no mask_env: learned from the Secret
    cm = config_map(
        "settings",
        dsn=f"postgres://db/shop?sslmode=require&password={quote_plus(value)}",
        url=f"https://api.example/?token={quote(value, safe='')}",
        config_json=json.dumps({"password": value, "key": pem}),
        wrapped=base64.encodebytes(value.encode()).decode(),
        wrapped_key=base64.encodebytes(pem.encode()).decode(),
        key=f"key: |{nindented}\n",
        listed=f"again {listed}",
        whole=f"again {whole}",
    )
    bundle = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "bundle", "namespace": "shop"},
        "data": f"not a mapping {whole}",
    }
    return [holder, dep, cm, bundle]


def _list_of(value: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": [secret("listed", data={"k": value})]}


def _learned_outputs(value: str, pem: str, listed: str, whole: str) -> list[str]:
    masker = Masker()  # nothing registered: every value must be learned from a Secret
    masker.learn_secrets([_list_of(listed)])
    old = _spread("old-value-of-it", "x\ny", listed, whole)
    apps = {"shop": (AppRender(_spread(value, pem, listed, whole)), AppSnapshot(old))}
    cluster = plan_cluster(
        "prod", apps, state_revision="r1", options=DiffOptions(context_lines=2), masker=masker
    )
    plan = Plan(created_at=CREATED, commit="c0ffee", clusters=[cluster])
    return [
        plan.to_json(),
        json_strings(plan.to_json()),
        render_markdown(plan, masker=masker),
        render_text(plan, masker=masker),
        json.dumps(masker.mask_object(_list_of(listed))),
    ]


_PLACEHOLDERS = ("placeholder-0", "a\nb", "placeholder-1", "placeholder-2")
_VOCABULARY = "\n".join([*_learned_outputs(*_PLACEHOLDERS), json.dumps(_spread(*_PLACEHOLDERS))])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=LEARNED, pem_lines=MULTI_LINE, listed=LEARNED, whole=LEARNED)
def test_a_secrets_value_is_masked_through_every_encoding_wherever_it_appears(
    value: str, pem_lines: list[str], listed: str, whole: str
) -> None:
    pem = "\n".join(["-----BEGIN PRIVATE KEY-----", *pem_lines, "-----END PRIVATE KEY-----"])
    values = [value, listed, whole]
    assume(len({*values}) == 3 and all("*" not in v for v in [*values, pem]))
    for v in [*values, pem]:  # plain vocabulary of the report, or part of another value
        others = [o for o in [*values, pem] if o != v]
        for form in encoded_forms(v) | line_forms(v):
            assume(form not in _VOCABULARY and not any(form in o for o in others))
    outputs = _learned_outputs(value, pem, listed, whole)
    for text in outputs:
        for secret_value in [*values, pem]:
            for form in encoded_forms(secret_value) | line_forms(secret_value):
                assert form not in text, (form, text)
    assert "<masked: changed>" in outputs[0]
    assert "<masked>" in outputs[-1]
