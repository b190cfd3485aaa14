"""No Secret value in clear in a stored snapshot: sealed values, plus the manifests encrypted.

A snapshot without Secrets is stored as it is. One with Secrets is stored as ``HEADER``, the
manifests with every Secret ``data``/``stringData`` value replaced by its sealed form
(``sbkube_ci.sealed_values``: plan can still tell changed from unchanged, with no key), and,
when ``SBKUBE_STATE_KEY`` holds an age identity, a last comment line with the original
manifests gzip-compressed and age-encrypted to that identity. Rollback decrypts them; without
the line (no key when it was stored), rollback of that snapshot is refused with what to do.

``SBKUBE_STATE_KEY`` may hold several identities (whitespace-separated): the first encrypts,
all decrypt, so a key is rotated by putting the new one first and running ``state seal``.
"""

from __future__ import annotations

import base64
import gzip
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyrage
import yaml
from pyrage import x25519

from sbkube_ci import sealed_values
from sbkube_ci.errors import StateError

KEY_ENV = "SBKUBE_STATE_KEY"
HEADER = "# sbkube-ci sealed snapshot v2: Secret values are sealed (docs/security.md)\n"
_PAYLOAD = "# age: "
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class Keyring:
    """The age identities of ``SBKUBE_STATE_KEY``: the first encrypts, every one decrypts."""

    identities: tuple[x25519.Identity, ...]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Keyring | None:
        """The keyring in ``SBKUBE_STATE_KEY``; None if unset; StateError if not age keys."""
        text = (os.environ if environ is None else environ).get(KEY_ENV, "")
        lines = identity_lines(text)
        if not lines:
            return None
        try:
            return cls(tuple(x25519.Identity.from_str(w) for w in lines))
        except pyrage.IdentityError:
            raise StateError(
                f"{KEY_ENV}: not an age identity (AGE-SECRET-KEY-1...); set it to the output "
                "of `age-keygen` or `python -m sbkube_ci.state.sealing` (docs/security.md)"
            ) from None

    def encrypt(self, data: bytes) -> bytes:
        return bytes(pyrage.encrypt(data, [self.identities[0].to_public()]))

    def decrypt(self, data: bytes, *, only_first: bool = False) -> bytes | None:
        """The plaintext, or None if none of the identities (or the first) can decrypt."""
        usable = self.identities[:1] if only_first else self.identities
        try:
            return bytes(pyrage.decrypt(data, list(usable)))
        except pyrage.DecryptError:
            return None


def identity_lines(text: str) -> list[str]:
    """The identities in a key file's text: ``age-keygen`` output has ``#`` comment lines."""
    words = (line.split() for line in text.splitlines() if not line.lstrip().startswith("#"))
    return [word for line in words for word in line]


def seal(manifests: str, keyring: Keyring | None) -> str:
    """The text to store for ``manifests``: as is without Secrets, else sealed (see above)."""
    documents = list(yaml.load_all(manifests, Loader=_Loader))
    if not any(True for doc in documents for _ in _secrets(doc)):
        return manifests
    redacted = [_redact(doc) for doc in documents if doc is not None]
    text = HEADER + yaml.dump_all(
        redacted, Dumper=_Dumper, sort_keys=True, explicit_start=True, allow_unicode=True
    )
    if keyring is not None:
        payload = keyring.encrypt(gzip.compress(manifests.encode(), mtime=0))
        text += _PAYLOAD + base64.b64encode(payload).decode("ascii") + "\n"
    return text


def is_sealed(stored: str) -> bool:
    return stored.startswith(HEADER)


def redacted(stored: str) -> str:
    """The stored text without its encrypted line: manifests with sealed Secret values."""
    return stored.rsplit("\n" + _PAYLOAD, 1)[0] + "\n" if is_sealed(stored) else stored


def unseal(stored: str, keyring: Keyring | None, where: str, *, only_first: bool = False) -> str:
    """The original manifests of a stored snapshot; StateError saying what to do if it can't."""
    if not is_sealed(stored):
        return stored
    _, found, payload = stored.rpartition("\n" + _PAYLOAD)
    if not found:
        raise StateError(
            f"{where}: this snapshot keeps Secret values only as digests (no {KEY_ENV} when it "
            "was stored), so it cannot be restored; deploy the wanted commit instead"
        )
    if keyring is None:
        raise StateError(
            f"{where}: the Secret values of this snapshot are encrypted; set {KEY_ENV} to the "
            "state's age key (AGE-SECRET-KEY-1...) in this job's environment"
        )
    try:
        ciphertext = base64.b64decode(payload.strip(), validate=True)
    except ValueError as exc:
        raise StateError(
            f"{where}: the encrypted part is not base64 ({exc}); restore the snapshot from the "
            "store's versions or history"
        ) from None
    plain = keyring.decrypt(ciphertext, only_first=only_first)
    if plain is None:
        raise StateError(
            f"{where}: none of the keys in {KEY_ENV} decrypts this snapshot; add the key it "
            "was sealed with (after a rotation: new key first, old key second)"
        )
    return gzip.decompress(plain).decode()


def _secrets(document: Any) -> Iterator[dict[str, Any]]:
    """The Secrets in a document: itself, or the items of a ``List``."""
    if not isinstance(document, dict):
        return
    if document.get("kind") == "Secret":
        yield document
    items = document.get("items")
    if isinstance(items, list) and str(document.get("kind", "")).endswith("List"):
        for item in items:
            yield from _secrets(item)


def _redact(document: Any) -> Any:
    for secret in _secrets(document):
        for field in ("data", "stringData"):
            values = secret.get(field)
            if isinstance(values, dict):
                secret[field] = {k: _sealed(v) for k, v in values.items()}
            elif values is not None:  # not a mapping: sealed whole
                secret[field] = _sealed(values)
    return document


def _sealed(value: Any) -> str:
    # A snapshot restored without its key (helm rollback records it) is already sealed.
    return value if sealed_values.is_sealed(value) else sealed_values.seal(value)


def main() -> None:
    """``python -m sbkube_ci.state.sealing``: print a new age identity for SBKUBE_STATE_KEY."""
    identity = x25519.Identity.generate()
    print(f"# public key: {identity.to_public()}")
    print(identity)


if __name__ == "__main__":
    main()
