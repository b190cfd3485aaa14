"""A real Kubernetes control plane for the ``cluster`` tests, built and started from this repo.

kube-apiserver and kube-controller-manager are built with ``go build`` from the
``k8s.io/kubernetes`` module pinned in ``tests/cluster/go.mod``, together with ``podsim``
(``tests/cluster/podsim``), which stands in for the kubelet. etcd is Debian's ``etcd-server``.
The binaries are cached outside the work tree, under a key of the Go sources and the Go
version, so only the first run on a machine pays for the build (see docs/development.md).

Everything binds 127.0.0.1 on free ports and lives in one temporary directory; the API server
authenticates one admin bearer token and serves a self-signed certificate whose CA goes into
the kubeconfig, so clients verify TLS as they would against a real cluster.
"""

from __future__ import annotations

import base64
import ctypes
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

MODULE_DIR = Path(__file__).resolve().parent
BINARIES = ("kube-apiserver", "kube-controller-manager", "podsim")
SERVICE_CIDR = "10.96.0.0/16"  # allocated into Service objects only; nothing is routed there


class ControlPlaneError(RuntimeError):
    """The control plane could not be built or started; the message says why."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("SBKUBE_CLUSTER_CACHE") or Path(base) / "sbkube-ci" / "cluster")


def build_key() -> str:
    """What the binaries depend on: the module files, podsim's source, Go and the build flags."""
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "podsim/main.go"):
        digest.update(name.encode() + b"\0" + (MODULE_DIR / name).read_bytes())
    go_version = subprocess.run(
        ["go", "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest.update(go_version.encode() + b"\0" + "\0".join(_build_flags()).encode())
    return f"{kubernetes_version()}-{digest.hexdigest()[:16]}"


def _build_flags() -> list[str]:
    """Flags for go build; the version stamp is what `kubectl version` and helm's
    .Capabilities.KubeVersion read (an unstamped build reports v0.0.0-master)."""
    version = kubernetes_version()
    major, minor = version.lstrip("v").split(".")[:2]
    stamp = {"gitVersion": version, "gitMajor": major, "gitMinor": minor, "gitTreeState": "clean"}
    ldflags = ["-s", "-w"] + [
        f"-X k8s.io/{package}/version.{name}={value}"
        for package in ("component-base", "client-go/pkg")
        for name, value in stamp.items()
    ]
    return ["-trimpath", "-ldflags=" + " ".join(ldflags)]


def kubernetes_version() -> str:
    """The pinned k8s.io/kubernetes version, read from go.mod's require line."""
    for line in (MODULE_DIR / "go.mod").read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["require"]:
            parts = parts[1:]
        if len(parts) >= 2 and parts[0] == "k8s.io/kubernetes":
            return parts[1]
    raise ControlPlaneError("tests/cluster/go.mod does not require k8s.io/kubernetes")


def build(*, quiet: bool = False) -> Path:
    """Return the directory holding the three binaries, building them when not cached."""
    if shutil.which("go") is None:
        raise ControlPlaneError("the cluster tests build kube-apiserver: put Go >= 1.26 on PATH")
    target = cache_root() / build_key()
    if all((target / name).is_file() for name in BINARIES):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    packages = [
        "k8s.io/kubernetes/cmd/kube-apiserver",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        "./podsim",
    ]
    argv = ["go", "build", *_build_flags(), "-o", f"{staging}/", *packages]
    started = time.monotonic()
    if not quiet:
        print(f"building the control plane ({kubernetes_version()}) into {target} ...", flush=True)
    result = subprocess.run(argv, cwd=MODULE_DIR, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise ControlPlaneError(f"go build failed ({result.returncode}):\n{result.stderr[-4000:]}")
    with suppress(FileExistsError, OSError):
        staging.rename(target)  # another run may have finished first: its binaries are as good
    shutil.rmtree(staging, ignore_errors=True)
    for stale in target.parent.glob("v*"):  # builds of older sources: 230 MB each
        if stale != target:
            shutil.rmtree(stale, ignore_errors=True)
    if not quiet:
        print(f"built in {time.monotonic() - started:.0f}s", flush=True)
    return target


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ControlPlane:
    """A running control plane; ``kubeconfig`` is an admin kubeconfig for it."""

    workdir: Path
    server: str
    token: str
    ca_file: Path
    kubeconfig: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def request(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        request = urllib.request.Request(
            self.server + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.workdir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def check_running(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ControlPlaneError(
                    f"{name} exited with {process.returncode}:\n{self.log_tail(name)}"
                )

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(list(self.processes.values())):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it when the process that started it dies, so a
    killed test run leaves no API server behind."""
    with suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _start(plane: ControlPlane, name: str, argv: list[str]) -> None:
    log = (plane.workdir / f"{name}.log").open("wb")
    plane.processes[name] = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=plane.workdir,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - the control plane starts before threads
    )
    log.close()


def _wait(plane: ControlPlane, what: str, ready: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        plane.check_running()
        with suppress(OSError):
            if ready():  # type: ignore[operator]
                return
        time.sleep(0.2)
    raise ControlPlaneError(f"timed out after {timeout:.0f}s waiting for {what}")


def _write_kubeconfig(path: Path, server: str, ca_file: Path, token: str) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "sbkube-test",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_file.read_bytes()).decode(),
                },
            }
        ],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [
            {"name": "sbkube-test", "context": {"cluster": "sbkube-test", "user": "admin"}}
        ],
        "current-context": "sbkube-test",
    }
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)


def _start_etcd(plane: ControlPlane) -> str:
    client, peer = _free_port(), _free_port()
    _start(
        plane,
        "etcd",
        [
            shutil.which("etcd") or "etcd",
            "--name=sbkube-test",
            f"--data-dir={plane.workdir / 'etcd'}",
            f"--listen-client-urls=http://127.0.0.1:{client}",
            f"--advertise-client-urls=http://127.0.0.1:{client}",
            f"--listen-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-cluster=sbkube-test=http://127.0.0.1:{peer}",
            "--logger=zap",
            "--log-level=warn",
        ],
    )
    return f"http://127.0.0.1:{client}"


def _start_apiserver(plane: ControlPlane, binaries: Path, etcd_url: str, port: int) -> None:
    key = plane.workdir / "service-account.key"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], capture_output=True, check=True)
    (plane.workdir / "tokens.csv").write_text(f"{plane.token},admin,admin,system:masters\n")
    _start(
        plane,
        "kube-apiserver",
        [
            str(binaries / "kube-apiserver"),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={port}",
            f"--cert-dir={plane.workdir / 'pki'}",
            f"--token-auth-file={plane.workdir / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            f"--service-account-key-file={key}",
            f"--service-account-signing-key-file={key}",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--allow-privileged=true",
            "--endpoint-reconciler-type=none",
            "--profiling=false",
        ],
    )


def _start_controllers(plane: ControlPlane, binaries: Path) -> None:
    key = plane.workdir / "service-account.key"
    _start(
        plane,
        "kube-controller-manager",
        [
            str(binaries / "kube-controller-manager"),
            f"--kubeconfig={plane.kubeconfig}",
            "--leader-elect=false",
            # no kubelet heartbeats here: podsim's node must not be tainted and evicted
            "--controllers=*,-nodelifecycle,-nodeipam",
            "--bind-address=127.0.0.1",
            f"--secure-port={_free_port()}",
            f"--service-account-private-key-file={key}",
            f"--root-ca-file={plane.ca_file}",
            "--use-service-account-credentials=false",
            "--profiling=false",
        ],
    )
    _start(plane, "podsim", [str(binaries / "podsim"), f"--kubeconfig={plane.kubeconfig}"])


def _controllers_ready(plane: ControlPlane) -> bool:
    status, _ = plane.request("/api/v1/namespaces/default/serviceaccounts/default")
    if status != 200:
        return False
    status, body = plane.request("/api/v1/nodes/podsim")
    if status != 200:
        return False
    conditions = json.loads(body).get("status", {}).get("conditions", [])
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def start(workdir: Path, *, timeout: float = 120.0) -> ControlPlane:
    """Build if needed, start etcd, the API server, the controllers and podsim, and wait."""
    binaries = build()
    port = _free_port()
    plane = ControlPlane(
        workdir=workdir,
        server=f"https://127.0.0.1:{port}",
        token=secrets.token_hex(16),
        ca_file=workdir / "pki" / "apiserver.crt",
        kubeconfig=workdir / "kubeconfig",
    )
    try:
        etcd_url = _start_etcd(plane)
        _start_apiserver(plane, binaries, etcd_url, port)
        _wait(plane, "the API server's certificate", plane.ca_file.exists, timeout)
        _wait(plane, "kube-apiserver /readyz", lambda: plane.request("/readyz")[0] == 200, timeout)
        # helm needs the OpenAPI document, which is served a few seconds after /readyz
        _wait(plane, "/openapi/v2", lambda: plane.request("/openapi/v2", 30)[0] == 200, timeout)
        _write_kubeconfig(plane.kubeconfig, plane.server, plane.ca_file, plane.token)
        _start_controllers(plane, binaries)
        _wait(plane, "the controllers and podsim", lambda: _controllers_ready(plane), timeout)
    except BaseException:
        plane.stop()
        raise
    return plane


@contextmanager
def running(*, timeout: float = 120.0) -> Iterator[ControlPlane]:
    """A control plane in a fresh temporary directory, stopped and removed afterwards."""
    base = "/dev/shm" if Path("/dev/shm").is_dir() else None  # etcd fsyncs: keep it in memory
    workdir = Path(tempfile.mkdtemp(prefix="sbkube-cluster-", dir=base))
    try:
        plane = start(workdir, timeout=timeout)
        try:
            yield plane
        finally:
            plane.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    """``build``: build (or find) the binaries; ``up``: run a control plane until interrupted."""
    command = argv[0] if argv else "up"
    if command == "build":
        print(build())
        return 0
    if command != "up":
        print("usage: python -m tests.cluster.controlplane [build|up]")
        return 2
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on TERM too
    started = time.monotonic()
    with running() as plane:
        print(f"control plane ready in {time.monotonic() - started:.1f}s")
        print(f"export KUBECONFIG={plane.kubeconfig}", flush=True)
        with suppress(KeyboardInterrupt):
            while True:
                plane.check_running()
                time.sleep(1)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
