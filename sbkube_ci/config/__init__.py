"""The model of sbkube.yaml (and SBKube's legacy two-file layout) and its loader."""

from sbkube_ci.config.apps import App
from sbkube_ci.config.loader import Project, load_project
from sbkube_ci.config.models import Config

__all__ = ["App", "Config", "Project", "load_project"]
