"""Deploying to Kubernetes: client, server-side apply with prune, readiness waits."""
