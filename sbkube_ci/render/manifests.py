"""Plain manifest apps: yaml apps' files, and whatever a git or http app's source holds."""

from __future__ import annotations

from pathlib import Path

from sbkube_ci._paths import inside
from sbkube_ci.config.apps import App, GitApp, HttpApp, YamlApp
from sbkube_ci.errors import RenderError
from sbkube_ci.render.normalize import Chunk

MANIFEST_SUFFIXES = (".yaml", ".yml")


def manifest_files(name: str, app: App, prepared: Path) -> list[Path]:
    """The manifest files of ``app`` in its prepared source directory, in a stable order."""
    if isinstance(app, YamlApp):
        files: list[Path] = []
        for index, pattern in enumerate(app.manifests):
            matches = _expand(prepared, pattern)
            if not matches:
                raise RenderError(
                    f"apps.{name}.manifests[{index}]: {pattern} matches no file under {prepared}"
                )
            files += matches
        return _inside(name, prepared, list(dict.fromkeys(files)))
    if isinstance(app, GitApp):
        below = prepared / app.path
        return _inside(name, prepared, _yaml_files(below if below.exists() else prepared))
    if isinstance(app, HttpApp):
        downloaded = prepared / app.dest if prepared.is_dir() else prepared
        return [downloaded] if downloaded.is_file() else _yaml_files(prepared)
    raise RenderError(f"apps.{name}: type {app.type} has no manifests to render")


def _inside(name: str, root: Path, files: list[Path]) -> list[Path]:
    """``files``, refused when one (through ``..`` or a symlink) is outside ``root``."""
    for file in files:
        if not inside(root, file):
            raise RenderError(
                f"apps.{name}: {_relative(file, root)} is outside the app's directory "
                f"{root} (through '..' or a symlink); name files inside it"
            )
    return files


def read_chunks(files: list[Path], base: Path) -> list[Chunk]:
    """Each file as one chunk named by its path relative to ``base``."""
    chunks = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise RenderError(f"{_relative(file, base)}: not UTF-8 text") from exc
        chunks.append(Chunk(_relative(file, base), text))
    return chunks


def _expand(root: Path, pattern: str) -> list[Path]:
    if any(char in pattern for char in "*?["):
        matches = sorted(root.glob(pattern))
    else:
        matches = [root / pattern] if (root / pattern).exists() else []
    files: list[Path] = []
    for match in matches:
        files += _yaml_files(match) if match.is_dir() else [match]
    return files


def _yaml_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES
    )


def _relative(file: Path, base: Path) -> str:
    try:
        return file.relative_to(base).as_posix()
    except ValueError:
        return str(file)
