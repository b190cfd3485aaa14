"""The real Kubernetes control plane the ``cluster`` tests run against (see controlplane.py)."""
