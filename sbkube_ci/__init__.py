"""sbkube-ci: the CI-native runner for SBKube deployments."""

__version__ = "0.1.0"
