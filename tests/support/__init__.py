"""Shared test support: object builders, projects, clocks and HTTP receivers."""
