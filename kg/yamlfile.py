"""Reading YAML with the line of every value, so errors can point at them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.errors import DataError, DataErrors

Path_ = tuple[str | int, ...]


# libyaml's parser when PyYAML was built with it (the wheels are), else the pure-Python one.
_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader that keeps dates as text: `2023-10-05` is an xsd:date string, not a datetime."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDoc:
    """A parsed YAML file with the 1-based line of each value, by its path of keys and indices."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int:
        """The line of the value at `path`, or of its nearest enclosing value that has one."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def _walk(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], errors: list[DataError], file: str
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                errors.append(
                    DataError(file, line, key, f"duplicate key (first on line {seen[key]})")
                )
            seen[key] = line
            _walk(value_node, (*path, key), lines, errors, file)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, errors, file)


def read_yaml(path: Path, display_name: str) -> YamlDoc:
    """Parse one YAML file; a syntax error or a duplicate key raises DataErrors."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataErrors([DataError(display_name, 1, "", f"not UTF-8 text: {exc}")]) from None
    try:
        loader = _Loader(text)
        try:
            # One parse: the node tree gives the lines, and the data is constructed from it.
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        raise DataErrors(
            [DataError(display_name, line, "", f"YAML syntax error: {problem}")]
        ) from None
    lines: dict[Path_, int] = {}
    errors: list[DataError] = []
    if node is not None:
        _walk(node, (), lines, errors, display_name)
    if errors:
        raise DataErrors(errors)
    return YamlDoc(display_name, data, lines)
