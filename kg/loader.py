"""Loading the curated data folder into typed records that remember where they were written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from kg.errors import DataError, DataErrors
from kg.records import (
    DomainRecord,
    MethodRecord,
    ModelRecord,
    PaperRecord,
    PersonRecord,
    SchemeRecord,
    SourceRecord,
    TestbedRecord,
    VenueRecord,
)
from kg.yamlfile import Path_, YamlDoc, read_yaml

R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class Located(Generic[R]):
    """A record and the place in its YAML file it was read from."""

    record: R
    doc: YamlDoc
    path: Path_

    @property
    def file(self) -> str:
        return self.doc.file

    def line(self, *sub: str | int) -> int:
        return self.doc.line((*self.path, *sub))

    def error(self, message: str, *sub: str | int) -> DataError:
        return DataError(self.file, self.line(*sub), field_name(sub), message)


@dataclass
class Catalog:
    """Every record of the data folder, by kind and id."""

    papers: dict[str, Located[PaperRecord]] = field(default_factory=dict)
    people: dict[str, Located[PersonRecord]] = field(default_factory=dict)
    methods: dict[str, Located[MethodRecord]] = field(default_factory=dict)
    models: dict[str, Located[ModelRecord]] = field(default_factory=dict)
    testbeds: dict[str, Located[TestbedRecord]] = field(default_factory=dict)
    domains: dict[str, Located[DomainRecord]] = field(default_factory=dict)
    venues: dict[str, Located[VenueRecord]] = field(default_factory=dict)
    sources: dict[str, Located[SourceRecord]] = field(default_factory=dict)
    schemes: dict[str, Located[SchemeRecord]] = field(default_factory=dict)


# The files that hold a list of records of one kind, and the Catalog attribute they fill.
LIST_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "people.yaml": ("people", PersonRecord),
    "methods.yaml": ("methods", MethodRecord),
    "models.yaml": ("models", ModelRecord),
    "environments.yaml": ("testbeds", TestbedRecord),
    "domains.yaml": ("domains", DomainRecord),
    "venues.yaml": ("venues", VenueRecord),
    "sources.yaml": ("sources", SourceRecord),
}
KNOWN_ENTRIES = {*LIST_FILES, "papers", "schemes", "README.md"}


def field_name(path: Iterable[str | int]) -> str:
    """`("models", 0, "role")` -> `models[0].role`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _validate(model: type[R], data: Any, doc: YamlDoc, path: Path_) -> R | list[DataError]:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            # Pydantic reports a wrong-type union member or a Literal with the type in the loc.
            loc = tuple(
                p
                for p in loc
                if not (isinstance(p, str) and p.startswith(("literal[", "function-")))
            )
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown field (see data/README.md for the fields of this kind)"
            elif err["type"] == "missing":
                message = "required field is missing"
            elif "input" in err and err["type"] not in {"model_type", "dict_type", "list_type"}:
                message = f"{message} (got {err['input']!r})"
            errors.append(DataError(doc.file, doc.line((*path, *loc)), field_name(loc), message))
        return errors


def _display(path: Path, data_dir: Path) -> str:
    try:
        return str(path.relative_to(data_dir.parent))
    except ValueError:
        return str(path)


def load_catalog(data_dir: Path) -> Catalog:
    """Read and type-check every file; raise DataErrors listing every problem found."""
    catalog = Catalog()
    errors: list[DataError] = []
    if not data_dir.is_dir():
        raise DataErrors([DataError(str(data_dir), 1, "", "data folder not found")])

    for entry in sorted(data_dir.iterdir()):
        if entry.name not in KNOWN_ENTRIES and not entry.name.startswith("."):
            errors.append(
                DataError(
                    _display(entry, data_dir),
                    1,
                    "",
                    "unexpected file or folder in the data folder (see data/README.md)",
                )
            )

    def add(kind: str, located: Located[Any], record_id: str) -> None:
        table: dict[str, Located[Any]] = getattr(catalog, kind)
        if record_id in table:
            first = table[record_id]
            errors.append(
                located.error(
                    f"duplicate id {record_id!r} (first defined at {first.file}:{first.line()})",
                    "id",
                )
            )
        else:
            table[record_id] = located

    for name, (kind, model) in LIST_FILES.items():
        path = data_dir / name
        if not path.exists():
            continue
        try:
            doc = read_yaml(path, _display(path, data_dir))
        except DataErrors as exc:
            errors.extend(exc.errors)
            continue
        if doc.data is None:
            continue
        if not isinstance(doc.data, list):
            errors.append(DataError(doc.file, 1, "", "expected a list of records"))
            continue
        for index, item in enumerate(doc.data):
            result = _validate(model, item, doc, (index,))
            if isinstance(result, list):
                errors.extend(result)
            else:
                add(kind, Located(result, doc, (index,)), result.id)  # type: ignore[attr-defined]

    for folder, kind, model in (
        ("papers", "papers", PaperRecord),
        ("schemes", "schemes", SchemeRecord),
    ):
        for path in sorted((data_dir / folder).glob("*")):
            display = _display(path, data_dir)
            if path.suffix != ".yaml":
                errors.append(DataError(display, 1, "", "only .yaml files belong here"))
                continue
            try:
                doc = read_yaml(path, display)
            except DataErrors as exc:
                errors.extend(exc.errors)
                continue
            if not isinstance(doc.data, dict):
                errors.append(DataError(display, 1, "", "expected a mapping of fields"))
                continue
            result = _validate(model, doc.data, doc, ())
            if isinstance(result, list):
                errors.extend(result)
                continue
            located = Located(result, doc, ())
            if result.id != path.stem:  # type: ignore[attr-defined]
                errors.append(
                    located.error(f"id {result.id!r} must equal the file name {path.stem!r}", "id")
                )  # type: ignore[attr-defined]
            add(kind, located, result.id)  # type: ignore[attr-defined]

    if errors:
        raise DataErrors(errors)
    return catalog
