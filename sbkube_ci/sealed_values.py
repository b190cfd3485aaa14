"""Sealed Secret values: what a state snapshot keeps of a Secret value instead of the value.

A sealed value is ``sbkube-sealed:v1:<salt>:<digest>``, the digest a salted PBKDF2 of the
value. It lets an offline plan tell "changed" from "unchanged" without the value or any key;
the salt is random per value so equal values do not look equal across objects or snapshots,
and the iterations make guessing a weak value slow (not impossible: docs/security.md). Shared
by ``state`` (which seals) and ``diff`` (which compares), so it sits below both.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

PREFIX = "sbkube-sealed:v1:"
_ITERATIONS = 20_000
_SALT_BYTES = 16


def seal(value: object) -> str:
    """The sealed form of ``value`` (a fresh salt each time); non-strings as canonical JSON."""
    salt = secrets.token_hex(_SALT_BYTES)
    return f"{PREFIX}{salt}:{_digest(value, salt)}"


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def matches(sealed: str, value: object) -> bool:
    """Whether ``value`` is the value ``sealed`` was made from (False for a malformed one)."""
    salt, _, digest = sealed.removeprefix(PREFIX).partition(":")
    try:
        return bool(digest) and hmac.compare_digest(digest, _digest(value, salt))
    except ValueError:  # a salt that is not hex: not one of ours
        return False


def same_value(old: object, new: object) -> bool:
    """Equality where either side may be sealed (two sealed sides compare as sealed text)."""
    if is_sealed(old) and not is_sealed(new):
        return matches(str(old), new)
    if is_sealed(new) and not is_sealed(old):
        return matches(str(new), old)
    return old == new


def _digest(value: object, salt: str) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    data = text.encode("utf-8", errors="surrogatepass")
    return hashlib.pbkdf2_hmac("sha256", data, bytes.fromhex(salt), _ITERATIONS).hex()
