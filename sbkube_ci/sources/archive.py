"""Unpack chart archives safely: every member is checked before anything is written.

A chart archive comes from a server we do not control. Paths with ``..`` or a leading ``/``,
links that point out of the tree, and device or FIFO files are refused, and then nothing is
extracted at all, so a refused archive leaves no partial tree in the cache.
"""

from __future__ import annotations

import posixpath
import tarfile
from pathlib import Path

from sbkube_ci.errors import SourceError

MAX_MEMBERS = 10_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class UnsafeArchive(SourceError):
    """An archive tried to write outside its directory or create special files."""


def _inside(name: str) -> bool:
    normal = posixpath.normpath(name)
    return not (
        name.startswith(("/", "\\"))
        or normal == ".."
        or normal.startswith("../")
        or ":" in name.split("/", maxsplit=1)[0]  # C:\ style drive names
    )


def unsafe_member(member: tarfile.TarInfo) -> str | None:
    """Why ``member`` must not be extracted, or None when it is a plain file or directory."""
    name = member.name
    if not _inside(name):
        return f"{name!r} points outside the chart directory"
    if member.isdev() or member.isfifo():
        return f"{name!r} is a device or FIFO"
    if member.issym():
        target = posixpath.join(posixpath.dirname(name), member.linkname)
        if member.linkname.startswith("/") or not _inside(target):
            return f"symlink {name!r} -> {member.linkname!r} leaves the chart directory"
    if member.islnk() and not _inside(member.linkname):
        return f"hardlink {name!r} -> {member.linkname!r} leaves the chart directory"
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        return f"{name!r} is not a regular file or directory"
    return None


def extract_tgz(
    archive: Path,
    dest: Path,
    *,
    what: str,
    max_members: int = MAX_MEMBERS,
    max_bytes: int = MAX_UNPACKED_BYTES,
) -> None:
    """Extract ``archive`` into ``dest`` after checking every member; ``what`` names it."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            if len(members) > max_members:
                raise UnsafeArchive(f"{what}: more than {max_members} files; refused")
            total = 0
            for member in members:
                problem = unsafe_member(member)
                if problem:
                    raise UnsafeArchive(f"{what}: unsafe archive, {problem}; nothing extracted")
                total += max(member.size, 0)
            if total > max_bytes:
                raise UnsafeArchive(f"{what}: unpacks to more than {max_bytes // 2**20} MiB")
            # The data filter repeats the checks inside tarfile itself and drops modes such
            # as setuid; our own pass above is what guarantees nothing was written on refusal.
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise SourceError(f"{what}: not a readable .tgz archive ({exc})") from exc
