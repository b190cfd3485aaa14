"""Input digests of the apps a deploy runs but never plans: exec, action and hook apps.

Such an app runs again only when its digest changes, so the digest covers the app as
configured and the files it names.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sbkube_ci.config.apps import ActionApp, ExecApp, HookApp
from sbkube_ci.config.hooks import ManifestsTask
from sbkube_ci.deploy.run.manifests import digest


def action_digest(app: ActionApp, base_dir: Path) -> str:
    """An action app's input: the app as configured and the files its actions name."""
    return digest(app.model_dump(mode="json"), base_dir, [a.path for a in app.actions])


def hook_digest(app: HookApp, base_dir: Path) -> str:
    """A hook app's input: the app as configured and the files its manifests tasks name."""
    files = [f for t in app.tasks if isinstance(t, ManifestsTask) for f in t.files]
    return digest(app.model_dump(mode="json"), base_dir, files)


def exec_digest(app: ExecApp) -> str:
    """An exec app's input digest: its commands; it runs again only when they change."""
    text = json.dumps({"commands": app.commands}, sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
