"""GitHub Actions workflow commands and environment files, formatted as the runner parses them.

Escaping follows the runner (actions/toolkit ``command.ts``): in the message ``%``, ``\\r`` and
``\\n``; in properties also ``:`` and ``,``. Multi-line outputs use the heredoc form with a
random delimiter that cannot occur in the value.
"""

from __future__ import annotations

import uuid

from sbkube_ci.ci.base import Annotation


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_command(annotation: Annotation) -> str:
    """``::error file=…,line=…,col=…,title=…::message``."""
    props = []
    if annotation.file:
        props.append(f"file={escape_property(annotation.file)}")
    if annotation.line is not None:
        props.append(f"line={annotation.line}")
    if annotation.column is not None:
        props.append(f"col={annotation.column}")
    if annotation.title:
        props.append(f"title={escape_property(annotation.title)}")
    head = annotation.level + (" " + ",".join(props) if props else "")
    return f"::{head}::{escape_data(annotation.message)}"


def mask_commands(value: str) -> list[str]:
    """``::add-mask::`` per line: the runner masks line by line, so multi-line secrets need all."""
    return [f"::add-mask::{escape_data(line)}" for line in value.splitlines() if line.strip()]


def output_entry(name: str, value: str, *, delimiter: str | None = None) -> str:
    """One ``$GITHUB_OUTPUT`` entry: ``name=value``, or the heredoc form for multi-line values."""
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    while delimiter is None or delimiter in value:
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"
