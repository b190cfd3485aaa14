"""Makes the ``fake_kube`` fixture available to the tests in this directory.

Imported rather than listed in ``pytest_plugins``: pytest refuses ``pytest_plugins`` in a
conftest.py below the root directory when the whole suite is collected.
"""

from tests.fakekube.fixture import fake_kube

__all__ = ["fake_kube"]
