"""Every byte a state store holds, as an attacker with read access to it would see them.

S3: every version of every object (a versioned bucket keeps the old ones). Git: every blob of
every commit of a mirror clone. Local: every file. Gzip-compressed objects are also given
decompressed, so a test can grep for a secret in what it can read.
"""

from __future__ import annotations

import gzip
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.fixtures.s3_server import S3Server


def readable(data: bytes) -> list[bytes]:
    """``data``, and its decompressed form if it is gzip."""
    try:
        return [data, gzip.decompress(data)]
    except (OSError, EOFError):
        return [data]


def s3_objects(server: S3Server, bucket: str) -> list[bytes]:
    client: Any = server.client()
    found: list[bytes] = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []):
            body = client.get_object(
                Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"]
            )
            found += readable(body["Body"].read())
    return found


def git_objects(url: str, workdir: Path) -> list[bytes]:
    mirror = Path(tempfile.mkdtemp(dir=workdir)) / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", url, str(mirror)], check=True)
    listing = subprocess.run(
        ["git", "rev-list", "--objects", "--all"], cwd=mirror, check=True, capture_output=True
    ).stdout.decode()
    found: list[bytes] = []
    for line in listing.splitlines():
        sha = line.split()[0]
        kind = subprocess.run(
            ["git", "cat-file", "-t", sha], cwd=mirror, check=True, capture_output=True
        ).stdout.strip()
        data = subprocess.run(
            ["git", "cat-file", kind.decode(), sha], cwd=mirror, check=True, capture_output=True
        ).stdout
        found += readable(data)
    return found


def local_objects(root: Path) -> list[bytes]:
    found: list[bytes] = []
    for path in root.rglob("*"):
        if path.is_file():
            found += readable(path.read_bytes())
    return found
