"""The S3 backend: conditional PUTs (``If-Match`` on the ETag, ``If-None-Match: *``).

Credentials come from boto3's standard chain (environment, web identity / OIDC, profile,
instance role), never from sbkube.yaml. ``endpoint_url`` points at S3-compatible stores. This is
the only module that imports boto3.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from sbkube_ci.config.loader import Project
from sbkube_ci.config.sections import S3State
from sbkube_ci.errors import StateError
from sbkube_ci.state.base import Conflict, KeyByKeyStore, Versioned

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
"""Seconds; botocore's defaults are 60/60, and a hung endpoint must not hold a deploy's lock."""
MAX_ATTEMPTS = 5
_WRITE_ID = "sbkube-write-id"

# 412: the condition failed; 409 ConditionalRequestConflict: a concurrent conditional write
# to the same key is in flight (AWS asks to retry); NoSuchKey on If-Match: it was removed.
_LOST_RACE = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409", "NoSuchKey"}


class S3Store(KeyByKeyStore):
    def __init__(self, settings: S3State, client: S3Client | None = None) -> None:
        self.settings = settings
        self.prefix = settings.prefix.strip("/")
        self.description = f"s3://{settings.bucket}/{self.prefix}".rstrip("/")
        self.client = client or _client(settings)

    @classmethod
    def from_project(cls, project: Project) -> S3Store:
        settings = project.config.state.s3
        if settings is None:
            raise StateError("sbkube.yaml: state.s3: missing; add state.s3.bucket")
        return cls(settings)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> Versioned | None:
        try:
            response = self.client.get_object(Bucket=self.settings.bucket, Key=self._key(key))
            return Versioned(response["Body"].read(), response["ETag"])
        except ClientError as exc:
            if _code(exc) in {"NoSuchKey", "404"}:
                return None
            raise self._error(key, "read", exc) from exc
        except BotoCoreError as exc:
            raise self._error(key, "read", exc) from exc

    def _put_one(self, key: str, data: bytes, expect: str | None) -> str:
        extra: dict[str, Any] = {"IfMatch": expect} if expect else {"IfNoneMatch": "*"}
        write_id = secrets.token_hex(12)  # botocore's retries of this PUT carry it too
        extra["Metadata"] = {_WRITE_ID: write_id}
        if self.settings.sse:
            extra["ServerSideEncryption"] = self.settings.sse
        if self.settings.kms_key_id:
            extra["SSEKMSKeyId"] = self.settings.kms_key_id
        try:
            response = self.client.put_object(
                Bucket=self.settings.bucket, Key=self._key(key), Body=data, **extra
            )
        except ClientError as exc:
            if _code(exc) in _LOST_RACE:
                if (ours := self._own_write(key, write_id)) is not None:
                    return ours
                raise Conflict(f"{self.description}/{key}: changed since it was read") from exc
            raise self._error(key, "write", exc) from exc
        except BotoCoreError as exc:
            raise self._error(key, "write", exc) from exc
        return response["ETag"]

    def _own_write(self, key: str, write_id: str) -> str | None:
        """The version of ``key`` if this very write (its id in the metadata) is stored.

        botocore retries a PUT whose answer was lost (a timeout, a 5xx from a proxy after S3
        stored it); the retry's condition then fails against our own write, which must count
        as done, not as a conflict (that would re-run the mutation on top of itself).
        """
        try:
            head = self.client.head_object(Bucket=self.settings.bucket, Key=self._key(key))
        except (ClientError, BotoCoreError):
            return None  # cannot tell: report the conflict, the caller re-reads
        stored = head.get("Metadata", {}).get(_WRITE_ID)
        return str(head["ETag"]) if stored == write_id else None

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        cut = len(self.prefix) + 1 if self.prefix else 0
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.settings.bucket, Prefix=self._key(prefix)):
                keys += [item["Key"][cut:] for item in page.get("Contents", [])]
        except (ClientError, BotoCoreError) as exc:
            raise self._error(prefix, "list", exc) from exc
        return sorted(keys)

    def warnings(self, *, online: bool) -> list[str]:
        if not online:
            return []
        bucket = self.settings.bucket
        try:
            status = self.client.get_bucket_versioning(Bucket=bucket).get("Status")
        except (ClientError, BotoCoreError) as exc:
            return [f"state.s3.bucket: cannot read the versioning of {bucket}: {exc}"]
        if status != "Enabled":
            return [
                f"state.s3.bucket: versioning is not enabled on {bucket}; enable it so a bad "
                "state write can be undone (aws s3api put-bucket-versioning)"
            ]
        return []

    def _error(self, key: str, action: str, exc: Exception) -> StateError:
        return StateError(
            f"{self.description}/{key}: cannot {action}: {exc}; check the bucket, region, "
            "endpoint_url and the credentials in the environment (see docs/state.md)"
        )


def _code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(error.get("Code") or status)


def _client(settings: S3State) -> S3Client:
    config = BotoConfig(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
    )
    session = boto3.session.Session()
    return session.client(
        "s3", region_name=settings.region, endpoint_url=settings.endpoint_url, config=config
    )
