"""Config tests run as on a laptop unless they set CI themselves.

validate warns about notification variables missing from a CI job only when CI=true; the
project's own CI sets CI=true, which must not change what these tests expect.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
