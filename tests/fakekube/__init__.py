"""A stateful fake Kubernetes API server for tests, spoken to over real HTTP.

Use the ``fake_kube`` fixture (``from tests.fakekube.fixture import fake_kube`` in a
conftest.py, or ``pytest_plugins = ["tests.fakekube.fixture"]`` in the root conftest.py):
``fake_kube.kubeconfig_path`` (context ``fake``), ``fake_kube.url``, ``fake_kube.objects`` /
``get`` / ``require`` / ``names`` for assertions, ``set_status`` to play a controller,
``auto_ready()`` to have workloads roll out on their own, ``forbid`` for RBAC denials,
``stop`` / ``blackhole`` / ``hang`` for an unreachable, firewalled or silent server,
``set_crd_established_delay`` for slow CRDs, and ``requests`` for what clients sent.
"""
