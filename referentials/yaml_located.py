"""YAML read into plain data while remembering the line of every value.

PyYAML's composed node tree carries marks (``node.start_mark.line``, 0-based); converting it
ourselves, instead of ``safe_load``, lets every error say « ligne N » and lets us read codes and
versions as the text the author wrote (``version: 1.10`` stays ``"1.10"``, not ``1.1``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

__all__ = ["Located", "Path", "compose"]

Path = tuple[str | int, ...]


@dataclass
class Located:
    """Plain data (``data``) plus, per path, the 1-based line and the raw scalar text."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    raw: dict[Path, str] = field(default_factory=dict)
    duplicates: list[tuple[int, str]] = field(default_factory=list)

    def line(self, path: Path) -> int | None:
        """The line of ``path``, else of its nearest enclosing value."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def text(self, path: Path) -> str:
        """The scalar at ``path`` as written (for codes and versions)."""
        if path in self.raw:
            return self.raw[path]
        return str(self.value(path))

    def value(self, path: Path) -> Any:
        current = self.data
        for step in path:
            current = current[step]
        return current


_constructor = SafeConstructor()


def compose(text: str) -> Located:
    """Parse ``text``; raise :class:`yaml.YAMLError` on invalid syntax."""
    # libyaml when present (it keeps the marks too), the pure-Python parser otherwise.
    node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    located = Located(None)
    located.data = {} if node is None else _convert(node, (), located)
    return located


def _convert(node: yaml.Node, path: Path, out: Located) -> Any:
    out.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_constructor.construct_object(key_node, deep=True))
            if key in result:
                out.duplicates.append((key_node.start_mark.line + 1, key))
            result[key] = _convert(value_node, (*path, key), out)
            # A key's own line is where the author looks for it (the value may start later).
            out.lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, (*path, i), out) for i, child in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    out.raw[path] = node.value
    value = _constructor.construct_object(node, deep=True)
    if isinstance(value, dt.datetime | dt.date):
        # JSON Schema has no date type: keep the ISO text and parse it where a date is expected.
        return node.value
    return value
