"""CI platform adapters: GitHub Actions, GitLab CI, and a plain shell.

``registry.detect(environ)`` picks one from the environment the job runs in; ``context`` reads
who and what the job is. This package imports nothing itself, so state/ and notify/ can read
the job's context without loading the adapters and their HTTP client.
"""
