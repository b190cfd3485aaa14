"""The S3 backend against a moto server: layout, encryption, versioning warning, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from sbkube_ci.config.loader import load_project
from sbkube_ci.config.sections import S3State
from sbkube_ci.errors import StateError
from sbkube_ci.state import open_backend, state_warnings
from sbkube_ci.state.s3 import S3Store
from tests.fixtures.s3_server import S3Server


def _project(tmp_path: Path, endpoint: str, bucket: str, extra: str = "") -> Path:
    (tmp_path / "sbkube.yaml").write_text(
        "apiVersion: sbkube/v1\n"
        "state:\n"
        "  backend: s3\n"
        f"  s3: {{bucket: {bucket}, prefix: shop, endpoint_url: '{endpoint}'{extra}}}\n"
    )
    return tmp_path


def test_keys_live_under_the_prefix_and_are_encrypted(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.create_bucket("acme-state")
    project = load_project(_project(tmp_path, s3_server.endpoint_url, bucket, ", sse: AES256"))
    backend = open_backend(project)
    backend.update("prod", lambda doc: doc)
    backend.save_snapshot("prod", "kind: List\n")
    client = s3_server.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys[0] == "shop/prod/snapshots/" + keys[0].rsplit("/", 1)[1]
    assert keys[1] == "shop/prod/state.json"
    head = client.head_object(Bucket=bucket, Key="shop/prod/state.json")
    assert head["ServerSideEncryption"] == "AES256"


def test_versioning_warning_only_when_online(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.create_bucket("unversioned-state", versioning=False)
    project = load_project(_project(tmp_path, s3_server.endpoint_url, bucket))
    assert state_warnings(project) == []
    [warning] = state_warnings(project, online=True)
    assert "versioning is not enabled on unversioned-state" in warning
    s3_server.client().put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    assert state_warnings(project, online=True) == []


def test_missing_bucket_is_one_clear_line(s3_server: S3Server) -> None:
    store = S3Store(S3State(bucket="no-such-bucket", endpoint_url=s3_server.endpoint_url))
    with pytest.raises(StateError) as info:
        store.put("prod/state.json", b"{}", expect=None, message="x")
    message = str(info.value)
    assert message.startswith("s3://no-such-bucket/prod/state.json: cannot write")
    assert "NoSuchBucket" in message
    assert "\n" not in message


def test_moto_answers_conditional_writes_with_412(s3_server: S3Server) -> None:
    """The emulator enforces what the backend relies on, as S3 does."""
    client = s3_server.client()
    bucket = s3_server.create_bucket("conditional")
    first = client.put_object(Bucket=bucket, Key="k", Body=b"1", IfNoneMatch="*")["ETag"]
    client.put_object(Bucket=bucket, Key="k", Body=b"2", IfMatch=first)
    for condition in ({"IfNoneMatch": "*"}, {"IfMatch": first}):
        with pytest.raises(ClientError) as info:
            client.put_object(Bucket=bucket, Key="k", Body=b"3", **condition)
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"2"
