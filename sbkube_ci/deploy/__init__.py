"""Deploy: the dependency DAG, the Kubernetes applier, readiness, helm release mode."""
