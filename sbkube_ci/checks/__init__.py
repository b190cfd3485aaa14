"""Checks over rendered manifests: API schemas, deprecated APIs, project rules, random fields.

``run`` runs them for one cluster and caches what depends only on an app's render; the other
modules are the checks themselves and what they read (OpenAPI, CRDs, the deprecation table).
"""
