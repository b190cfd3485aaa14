"""The build and template stages: charts built with overrides and merged values, rendered by
helm, kustomize or read as manifests, normalized, cached by input digest, in parallel."""

from sbkube_ci.render.pipeline import build_project, render_project
from sbkube_ci.render.result import RenderedApp, RenderFailure, RenderResult

__all__ = ["RenderFailure", "RenderResult", "RenderedApp", "build_project", "render_project"]
