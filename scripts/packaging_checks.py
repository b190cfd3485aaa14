"""Helpers of scripts/check_packaging (stdlib + PyYAML only).

split-gitlab TEMPLATE OUTDIR   write the spec header and the jobs of a GitLab CI template
                               (two YAML documents) to OUTDIR/header.yml and OUTDIR/jobs.yml,
                               so each can be checked against the GitLab CI schema
injection FILE...              fail when an input or event field is pasted into a shell:
                               ``${{ inputs.* }}`` / ``${{ github.event.* }}`` /
                               ``${{ github.head_ref }}`` in a ``run:`` block, or
                               ``$[[ inputs.* ]]`` in a GitLab ``script:``. Pass such
                               values through ``env:``/``variables:`` instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

GITHUB_UNSAFE = re.compile(r"\$\{\{\s*(inputs\.|github\.event\.|github\.head_ref)")
GITLAB_UNSAFE = re.compile(r"\$\[\[\s*inputs\.")
SHELL_KEYS = {
    "run": GITHUB_UNSAFE,
    "script": GITLAB_UNSAFE,
    "before_script": GITLAB_UNSAFE,
    "after_script": GITLAB_UNSAFE,
}


def split_gitlab(template: Path, outdir: Path) -> int:
    documents = template.read_text(encoding="utf-8").split("\n---\n")
    if len(documents) != 2 or "spec:" not in documents[0]:
        print(f"{template}: expected a spec header, ---, then the jobs", file=sys.stderr)
        return 1
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "header.yml").write_text(documents[0] + "\n", encoding="utf-8")
    (outdir / "jobs.yml").write_text(documents[1], encoding="utf-8")
    return 0


def docker_context(outdir: Path) -> int:
    lines = [line.strip() for line in Path(".dockerignore").read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    if not patterns or patterns[0] != "*":
        print(".dockerignore: expected '*' first, then '!path' lines to let in", file=sys.stderr)
        return 1
    for pattern in patterns[1:]:
        if not pattern.startswith("!"):
            continue  # exclusions inside what was let in (caches)
        source = Path(pattern[1:].rstrip("/"))
        target = outdir / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return 0


def wheel_contents(wheel: Path) -> int:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "sbkube_ci"], capture_output=True, text=True, check=True
    ).stdout.split()
    wanted = set(tracked)  # every module and data file the package is made of
    missing = sorted(wanted - names)
    if missing:
        print(f"{wheel.name}: missing {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"{wheel.name}: {len(wanted)} package files present")
    return 0


def _shell_blocks(node: Any, path: str = "") -> Iterator[tuple[str, str, re.Pattern[str]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            pattern = SHELL_KEYS.get(str(key))
            if pattern is not None:
                texts = value if isinstance(value, list) else [value]
                for text in texts:
                    if isinstance(text, str):
                        yield here, text, pattern
            else:
                yield from _shell_blocks(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _shell_blocks(item, f"{path}[{index}]")


def injection(files: list[Path]) -> int:
    found = 0
    for file in files:
        for document in yaml.safe_load_all(file.read_text(encoding="utf-8")):
            for where, text, pattern in _shell_blocks(document):
                for match in pattern.finditer(text):
                    line = text[: match.start()].count("\n") + 1
                    snippet = text.splitlines()[line - 1].strip()
                    print(f"{file}: {where} (line {line} of the block): {snippet}")
                    found += 1
    if found:
        print(
            f"{found} input/event value(s) pasted into a shell; pass them through env: "
            '(GitHub) or variables: (GitLab) and use "$NAME" in the script'
        )
        return 1
    print(f"injection: {len(files)} file(s), no inputs or event fields in run/script blocks")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "split-gitlab":
        return split_gitlab(Path(argv[1]), Path(argv[2]))
    if len(argv) == 2 and argv[0] == "docker-context":
        return docker_context(Path(argv[1]))
    if len(argv) == 2 and argv[0] == "wheel-contents":
        return wheel_contents(Path(argv[1]))
    if len(argv) >= 2 and argv[0] == "injection":
        return injection([Path(a) for a in argv[1:]])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
