"""An oracle for leaks, independent of how the masker works: raw text and base64 decoding."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

_RUN = re.compile(r"[A-Za-z0-9+/_-]{2,}=*")


def base64_leaks(text: str, secret: str) -> bool:
    """Whether any base64 run in ``text``, read at any of the 4 character offsets, decodes to
    bytes containing ``secret``: catches a secret inside a longer encoded string too."""
    needle = secret.encode("utf-8")
    for run in _RUN.findall(text):
        normal = run.replace("-", "+").replace("_", "/")
        for offset in range(4):
            chunk = normal[offset:].rstrip("=")
            if len(chunk) % 4 == 1:
                chunk = chunk[:-1]
            chunk += "=" * (-len(chunk) % 4)  # a final partial group decodes to its bytes
            try:
                if needle in base64.b64decode(chunk):
                    return True
            except binascii.Error:
                continue
    return False


def whole_base64_forms(secret: str) -> set[str]:
    data = secret.encode("utf-8")
    std = base64.b64encode(data).decode()
    url = base64.urlsafe_b64encode(data).decode()
    return {std, std.rstrip("="), url, url.rstrip("=")}


def strings_of(value: Any) -> list[str]:
    """Every string of parsed JSON (keys and values): JSON escapes cannot hide a secret."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_of(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return [value] if isinstance(value, str) else []


def json_strings(text: str) -> str:
    return "\n".join(strings_of(json.loads(text)))
