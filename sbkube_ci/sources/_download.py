"""HTTP(S) downloads for sources: streamed, size-limited, hashed, with one-line errors."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import requests

from sbkube_ci._urls import origin, safe_url, same_host
from sbkube_ci.config.credentials import is_credential_header
from sbkube_ci.errors import SourceError

CHUNK = 1 << 16
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class Client:
    """How to talk to one server: credentials, TLS settings, extra headers."""

    auth: tuple[str, str] | None = None
    verify: bool | str = True
    cert: tuple[str, str] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0

    def get(self, url: str, *, where: str, stream: bool = False) -> requests.Response:
        """GET ``url``; a failure is a ``SourceError`` naming ``where`` and the URL.

        Redirects are followed here, not by requests: requests keeps custom headers
        (``X-Api-Key``, ``Private-Token``) on a redirect to another host. Once the
        redirect chain leaves the first URL's host (or drops from https to http), the
        basic auth and every credential header stay behind.
        """
        first, trusted = url, True
        response = self._get(url, where=where, stream=stream, trusted=trusted)
        for _ in range(MAX_REDIRECTS):
            location = response.headers.get("Location")
            if not response.is_redirect or not location:
                return response
            response.close()
            url = urljoin(response.url or url, location)
            # once the chain has left the first host, no later hop gets the credentials
            trusted = trusted and (same_host(url, first) or _upgraded(first, url))
            response = self._get(url, where=where, stream=stream, trusted=trusted)
        response.close()
        raise SourceError(f"{where}: {safe_url(url)} redirects more than {MAX_REDIRECTS} times")

    def _get(self, url: str, *, where: str, stream: bool, trusted: bool) -> requests.Response:
        shown = safe_url(url)
        headers = self.headers
        if not trusted:
            headers = {k: v for k, v in headers.items() if not is_credential_header(k)}
        try:
            response = requests.get(
                url,
                auth=self.auth if trusted else None,
                verify=self.verify,
                cert=self.cert,
                headers=headers,
                timeout=self.timeout,
                stream=stream,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            raise SourceError(
                f"{where}: TLS failed for {shown}; set ca_file (or insecure_skip_tls_verify) "
                f"for this repository ({_reason(exc)})"
            ) from exc
        except requests.RequestException as exc:
            raise SourceError(
                f"{where}: cannot reach {shown} ({_reason(exc)}); check the URL and the network"
            ) from exc
        if response.status_code in (401, 403):
            response.close()
            raise SourceError(
                f"{where}: {shown} answered HTTP {response.status_code}; check the repository's "
                "username and password (settings.helm_repos / oci_registries / headers)"
            )
        if response.status_code >= 400:
            response.close()
            raise SourceError(f"{where}: {shown} answered HTTP {response.status_code}")
        return response

    def download(self, url: str, dest: Path, *, where: str, max_bytes: int) -> str:
        """Stream ``url`` into ``dest`` (atomically); returns ``sha256:<hex>`` of the content."""
        response = self.get(url, where=where, stream=True)
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            response.close()
            raise SourceError(_too_big(where, url, max_bytes))
        digest = hashlib.sha256()
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
        size = 0
        try:
            with os.fdopen(fd, "wb") as out, response:
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise SourceError(_too_big(where, url, max_bytes))
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(tmp_name, dest)
        except requests.RequestException as exc:
            raise SourceError(
                f"{where}: download of {safe_url(url)} broke off ({_reason(exc)})"
            ) from exc
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
        return "sha256:" + digest.hexdigest()


def _upgraded(url: str, target: str) -> bool:
    """http://host -> https://host (same host, default ports): still the same server."""
    (scheme, host, port), (new_scheme, new_host, new_port) = origin(url), origin(target)
    return (scheme, new_scheme, port, new_port) == ("http", "https", 80, 443) and host == new_host


def _too_big(where: str, url: str, max_bytes: int) -> str:
    limit = f"{max_bytes / 2**20:g} MiB" if max_bytes >= 2**20 else f"{max_bytes} byte"
    return f"{where}: {safe_url(url)} is larger than the {limit} download limit; refused"


def _reason(exc: BaseException) -> str:
    """The innermost cause, shortened: requests nests urllib3 errors several levels deep."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    text = str(exc) or type(exc).__name__
    return text.split(": ", 1)[-1][:160]
