"""The diff engine: rendered objects vs the deployed snapshot, per app, into a masked plan.

Pure: it takes plain Kubernetes object dicts and needs neither a cluster nor the disk. Work is
spent only where something may have changed: an app whose input or render digest equals the
deployed one is not even loaded, and an object equal to its old version is not dumped.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sbkube_ci.config.sections import DiffSettings
from sbkube_ci.diff.ignore import CompiledRule, compile_rules
from sbkube_ci.diff.mask import Masker
from sbkube_ci.diff.normalize import normalize_for_diff, object_key, to_yaml
from sbkube_ci.diff.versions import version_changes
from sbkube_ci.errors import RenderError, SbkubeError
from sbkube_ci.k8s import ObjectKey, hook_annotation, split_api_version
from sbkube_ci.plan_model import AppPlan, ClusterPlan, ObjectChange, PlanAction
from sbkube_ci.progress import Outcome, Progress, first_line

Objects = Sequence[dict[str, Any]]
ObjectsSource = Objects | Callable[[], Objects]
"""Objects, or a function loading them: snapshots are read only for apps that need a diff."""


@dataclass(frozen=True)
class DiffOptions:
    context_lines: int = 3
    ignore: tuple[CompiledRule, ...] = ()
    max_object_lines: int = 60
    """Objects created or deleted are listed whole up to this many lines."""

    @classmethod
    def from_settings(cls, settings: DiffSettings) -> DiffOptions:
        return cls(context_lines=settings.context_lines, ignore=compile_rules(settings.ignore))


@dataclass(frozen=True)
class AppRender:
    """The new side of an app: what rendering produced now (or why it failed)."""

    objects: ObjectsSource = ()
    render_digest: str | None = None
    input_digest: str | None = None
    helm_version: str | None = None
    source: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    values: tuple[str, ...] = ()  # names of the values layers on this cluster (helm apps)
    cluster_source: str | None = None  # the chart version or path this cluster sets


@dataclass(frozen=True)
class AppSnapshot:
    """The old side of an app: what the state records as deployed."""

    objects: ObjectsSource = ()
    render_digest: str | None = None
    input_digest: str | None = None
    helm_version: str | None = None


def plan_cluster(
    name: str,
    apps: Mapping[str, tuple[AppRender | None, AppSnapshot | None]],
    *,
    state_revision: str | None,
    options: DiffOptions,
    masker: Masker,
    progress: Progress | None = None,
    label: str = "",
) -> ClusterPlan:
    """Plan every app of a cluster; ``apps`` maps a name to (new render, deployed snapshot).

    ``progress`` sees each app start and end, named ``label`` + app name.
    """
    progress = progress or Progress()
    for render, _ in apps.values():
        # Every Secret of the cluster first: app A's ConfigMap may repeat app B's password.
        if render is not None and not callable(render.objects):
            masker.learn_secrets(render.objects)
    planned: list[AppPlan] = []
    for app, (render, snapshot) in sorted(apps.items()):
        if render is None and snapshot is None:
            continue
        progress.started(label + app)
        planned.append(plan_app(app, render, snapshot, options=options, masker=masker))
        outcome = planned[-1]
        state: Outcome = (
            "failed" if outcome.error else "changed" if outcome.has_changes else "unchanged"
        )
        progress.finished(label + app, state, first_line(outcome.error or ""))
    note = engine_note(apps.values())
    return ClusterPlan(name=name, state_revision=state_revision, apps=planned, engine_note=note)


def engine_note(sides: Iterable[tuple[AppRender | None, AppSnapshot | None]]) -> str | None:
    """One line when helm apps were deployed with another helm major.minor than renders now."""
    changed = [
        (r.helm_version or "", s.helm_version or "")
        for r, s in sides
        if r is not None and s is not None and _helm_note(r, s)
    ]
    if not changed:
        return None
    new = sorted({n for n, _ in changed})
    old = sorted({o for _, o in changed})
    apps = f"{len(changed)} app{'s' if len(changed) != 1 else ''}"
    return (
        f"rendered with Helm {', '.join(new)}, deployed with Helm {', '.join(old)} ({apps}): "
        "objects are compared with null fields as absent, so only real changes show"
    )


def plan_app(
    name: str,
    render: AppRender | None,
    snapshot: AppSnapshot | None,
    *,
    options: DiffOptions,
    masker: Masker,
) -> AppPlan:
    """The plan of one app: created (no snapshot), deleted (no render), or diffed."""
    fields: dict[str, Any] = {"name": name, "helm_version_note": _helm_note(render, snapshot)}
    if render is not None:
        fields |= {
            "render_digest": render.render_digest,
            "input_digest": render.input_digest,
            "source": masker.mask_object(dict(render.source)),  # URLs may carry credentials
            "values": list(render.values),
            "cluster_source": render.cluster_source,
        }
        if render.error:
            return AppPlan(action="unchanged", error=masker.mask(render.error), **fields)
        if snapshot is not None and _same_digest(render, snapshot):
            return AppPlan(action="unchanged", **fields)
    try:
        old = _load(snapshot.objects) if snapshot is not None else []
        new = _load(render.objects) if render is not None else []
        if fields["helm_version_note"]:
            # Helm 4 drops null values that Helm 3 rendered (`minAvailable: null`); applied,
            # a null field and an absent one are the same object, so neither is a change.
            old, new = _without_nulls(old), _without_nulls(new)
        objects = diff_objects(old, new, options=options, masker=masker, where=f"app {name}")
    except SbkubeError as exc:
        return AppPlan(action="unchanged", error=masker.mask(str(exc)), **fields)
    if render is None:
        action: PlanAction = "delete"
    elif snapshot is None:
        action = "create"
    else:
        action = "update" if any(o.action != "unchanged" for o in objects) else "unchanged"
    versions = version_changes(old, new) if action == "update" else []
    return AppPlan(action=action, objects=objects, versions=versions, **fields)


def _same_digest(render: AppRender, snapshot: AppSnapshot) -> bool:
    # Same inputs means unchanged even if templates use randomness (quiet diffs); same render
    # digest means the manifests are byte-identical, so there is nothing to diff.
    if render.input_digest and render.input_digest == snapshot.input_digest:
        return True
    return bool(render.render_digest) and render.render_digest == snapshot.render_digest


def _helm_note(render: AppRender | None, snapshot: AppSnapshot | None) -> str | None:
    new = render.helm_version if render else None
    old = snapshot.helm_version if snapshot else None
    if not new or not old or _major_minor(new) == _major_minor(old):
        return None
    return (
        f"rendered with Helm {new}, deployed with Helm {old}: "
        "some charts render differently across Helm versions"
    )


def _without_nulls(objects: Objects) -> list[dict[str, Any]]:
    return [_drop_nulls(obj) for obj in objects]


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.lstrip("v").split(".")[:2])


def _load(source: ObjectsSource) -> Objects:
    return source() if callable(source) else source


def diff_objects(
    old: Iterable[dict[str, Any]],
    new: Iterable[dict[str, Any]],
    *,
    options: DiffOptions,
    masker: Masker,
    where: str = "manifest",
) -> list[ObjectChange]:
    """One ``ObjectChange`` per object of either side, matched by (group, kind, ns, name)."""
    old_by_key, new_by_key = _index(old, where), _index(new, where)
    masker.learn_secrets([*old_by_key.values(), *new_by_key.values()])
    keys = sorted(old_by_key.keys() | new_by_key.keys(), key=_display_order)
    return [_change(old_by_key.get(key), new_by_key.get(key), options, masker) for key in keys]


def _index(objects: Iterable[dict[str, Any]], where: str) -> dict[ObjectKey, dict[str, Any]]:
    index: dict[ObjectKey, dict[str, Any]] = {}
    for obj in objects:
        key = object_key(obj, where=where)
        if key in index:
            raise RenderError(
                f"{where}: two objects are {key.kind} {key.namespace}/{key.name}; "
                "rename one of them (Kubernetes would keep only the last)"
            )
        index[key] = obj
    return index


def _display_order(key: ObjectKey) -> tuple[str, str, str, str]:
    return (key.kind, key.namespace, key.name, key.group)


def _change(
    old: dict[str, Any] | None, new: dict[str, Any] | None, options: DiffOptions, masker: Masker
) -> ObjectChange:
    current = new if new is not None else old
    assert current is not None  # noqa: S101 - a key comes from at least one side
    key = object_key(current)
    group, version = split_api_version(str(current.get("apiVersion", "")))
    previous = split_api_version(str(old.get("apiVersion", "")))[1] if old and new else None
    head: dict[str, Any] = {
        "group": group,
        "version": version,
        "kind": key.kind,
        "namespace": masker.mask(key.namespace),
        "name": masker.mask(key.name),
        "hook": _masked(hook_annotation(current), masker),
        "previous_version": previous if previous != version else None,
    }
    if old is not None and old == new:  # identical input: no normalizing, dumping or diffing
        return ObjectChange(action="unchanged", **head)
    old_norm = normalize_for_diff(old, options.ignore) if old is not None else None
    new_norm = normalize_for_diff(new, options.ignore) if new is not None else None
    old_masked, new_masked = masker.mask_pair(old_norm, new_norm, copy=False)
    if old_masked is None:
        text = _whole(to_yaml(new_masked), "+", options.max_object_lines)
        return ObjectChange(action="create", diff=masker.mask(text), **head)
    if new_masked is None:
        text = _whole(to_yaml(old_masked), "-", options.max_object_lines)
        return ObjectChange(action="delete", diff=masker.mask(text), **head)
    if old_masked == new_masked:
        return ObjectChange(action="unchanged", **head)
    text = unified(to_yaml(old_masked), to_yaml(new_masked), options.context_lines)
    return ObjectChange(action="update", diff=masker.mask(text), **head)


def _masked(text: str | None, masker: Masker) -> str | None:
    return masker.mask(text) if text else None


def unified(old_text: str, new_text: str, context_lines: int) -> str:
    """A unified diff without the file header lines (the object title says what it is)."""
    lines = difflib.unified_diff(_lines(old_text), _lines(new_text), n=context_lines, lineterm="")
    return "\n".join(itertools.islice(lines, 2, None))  # after the ---/+++ header


def _lines(text: str) -> list[str]:
    # Only "\n" ends a YAML line here; str.splitlines would also split inside values at
    # characters such as U+2028 and make the diff lie about what changed.
    return text.rstrip("\n").split("\n") if text else []


def _whole(text: str, sign: str, max_lines: int) -> str:
    """An object created or deleted, every line signed; collapsed beyond ``max_lines``."""
    lines = _lines(text)
    shown = [sign + line for line in lines[:max_lines]]
    if len(lines) > max_lines:
        shown.append(f"… {len(lines) - max_lines:,} more lines")
    return "\n".join(shown)
