"""Just enough of the OCI distribution API to resolve tags: list them, read a manifest digest.

Registries answer 401 with a ``WWW-Authenticate`` challenge: ``Basic`` (distribution with
htpasswd) is answered with the credentials, ``Bearer`` (Docker Hub, GHCR, Harbor) by fetching a
token from the realm first. Pulling the chart itself is left to ``helm pull``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import requests

from sbkube_ci.errors import SourceError

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
MAX_TAG_PAGES = 20


@dataclass(frozen=True)
class Registry:
    host: str  # host[:port]
    plain_http: bool
    auth: tuple[str, str] | None
    where: str
    timeout: float = 60.0

    @property
    def base(self) -> str:
        return f"{'http' if self.plain_http else 'https'}://{self.host}"

    def _send(
        self, method: str, url: str, headers: dict[str, str], *, auth: bool = False
    ) -> requests.Response:
        try:
            return requests.request(
                method,
                url,
                headers=headers,
                auth=self.auth if auth else None,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise SourceError(
                f"{self.where}: cannot reach OCI registry {self.base} ({type(exc).__name__}); "
                "check the registry address and the network"
            ) from exc

    def _token(self, challenge: str) -> str:
        params = dict(_CHALLENGE.findall(challenge))
        realm = params.pop("realm", "")
        if not realm:
            raise SourceError(f"{self.where}: {self.host} sent a Bearer challenge without realm")
        try:
            answer = requests.get(realm, params=params, auth=self.auth, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SourceError(f"{self.where}: cannot reach token service {realm}") from exc
        if answer.status_code != 200:
            raise SourceError(
                f"{self.where}: {self.host} refused a token (HTTP {answer.status_code}); "
                "check username and password in settings.oci_registries"
            )
        body: dict[str, Any] = answer.json()
        return str(body.get("token") or body.get("access_token") or "")

    def get(self, method: str, path: str, headers: dict[str, str] | None = None) -> Any:
        """``method`` on ``/v2/<path>``, answering one auth challenge; the response."""
        url = f"{self.base}/v2/{path}"
        headers = dict(headers or {})
        response = self._send(method, url, headers)
        challenge = response.headers.get("WWW-Authenticate", "")
        if response.status_code == 401 and challenge.lower().startswith("bearer"):
            headers["Authorization"] = f"Bearer {self._token(challenge)}"
            response = self._send(method, url, headers)
        elif response.status_code == 401 and self.auth:
            response = self._send(method, url, headers, auth=True)
        if response.status_code in (401, 403):
            raise SourceError(
                f"{self.where}: {self.host} answered HTTP {response.status_code}; set username "
                "and password for it in settings.oci_registries"
            )
        return response

    def tags(self, repository: str) -> list[str]:
        """Every tag of ``repository`` (following ``Link`` pagination)."""
        found: list[str] = []
        path: str | None = f"{repository}/tags/list?n=1000"
        for _ in range(MAX_TAG_PAGES):
            if path is None:
                break
            response = self.get("GET", path)
            if response.status_code == 404:
                return []
            if response.status_code != 200:
                raise SourceError(
                    f"{self.where}: listing tags of {self.host}/{repository} failed "
                    f"(HTTP {response.status_code})"
                )
            found += response.json().get("tags") or []
            path = _next_page(response.headers.get("Link", ""))
        return found

    def manifest_digest(self, repository: str, tag: str) -> str | None:
        """The digest of ``repository:tag``'s manifest, None when the tag does not exist."""
        response = self.get(
            "HEAD", f"{repository}/manifests/{tag}", headers={"Accept": MANIFEST_TYPES}
        )
        if response.status_code == 404:
            return None
        digest = str(response.headers.get("Docker-Content-Digest", ""))
        if response.status_code != 200 or not digest.startswith("sha256:"):
            raise SourceError(
                f"{self.where}: {self.host}/{repository}:{tag} gave no manifest digest "
                f"(HTTP {response.status_code})"
            )
        return digest


def _next_page(link: str) -> str | None:
    match = re.search(r"<(/v2/[^>]+)>", link)
    return match.group(1)[len("/v2/") :] if match else None
