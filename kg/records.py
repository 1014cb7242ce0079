"""Typed models of the curated YAML records (the format is documented in data/README.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PositiveInt, StringConstraints

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# A concept of another scheme, written `scheme/concept`.
QualifiedId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$")
]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"{}|\\^`]+$")]
ArxivId = Annotated[
    str, StringConstraints(pattern=r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$")
]
Doi = Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")]
# xsd:gYearMonth or xsd:date.
Date = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
]
WikidataId = Annotated[str, StringConstraints(pattern=r"^Q[1-9]\d*$")]
Orcid = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

# The paper fields a listing can say it gave, or that provenance and corrections can be about.
PaperField = Literal[
    "type",
    "title",
    "arxiv",
    "doi",
    "date",
    "venue",
    "venue_note",
    "url",
    "authors",
    "abstract",
    "keywords",
    "code",
    "project_page",
    "domains",
    "introduces",
    "uses_methods",
    "evaluated_on",
    "models",
    "rl_components",
    "metrics",
]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# How a link from a work to a testbed, method or model was found.
Derivation = Literal["listed", "abstract", "title", "curated"]


class LinkRecord(Record):
    """A link to another record, with the text it was found in and how."""

    id: Id
    evidence: Text | None = None
    derived: Derivation | None = None


def _as_link(value: object) -> object:
    return {"id": value} if isinstance(value, str) else value


Link = Annotated[LinkRecord, BeforeValidator(_as_link)]
Links = Annotated[list[Link], Field(default_factory=list)]


class ModelUseRecord(Record):
    model: Id
    role: Id
    fine_tuned: bool | None = None
    fine_tuned_as_written: Text | None = None
    evidence: Text | None = None
    derived: Derivation | None = None


class ListingRecord(Record):
    source: Id
    line: PositiveInt
    categories: list[Id] = Field(default_factory=list)
    gives: list[PaperField] = Field(default_factory=list)
    # The source has the entry inside an HTML comment: kept, but hidden on the rendered page.
    in_html_comment: bool = False


class CorrectionRecord(Record):
    field: PaperField
    source: Id
    line: PositiveInt | None = None
    as_written: str
    reason: Text


class PaperRecord(Record):
    id: Id
    type: Literal["paper", "blog-post", "course", "book", "software"] = "paper"
    title: Text
    arxiv: ArxivId | None = None
    doi: Doi | None = None
    date: Date | None = None
    venue: Id | None = None
    venue_note: Text | None = None
    url: Url | None = None
    authors: list[Id] = Field(default_factory=list)
    abstract: Text | None = None
    keywords: list[Text] = Field(default_factory=list)
    code: list[Url] = Field(default_factory=list)
    project_page: Url | None = None
    domains: list[Id] = Field(default_factory=list)
    introduces: list[Id] = Field(default_factory=list)
    # Each item is an id, or {id, evidence, derived} when we know where the link was found.
    uses_methods: Links
    evaluated_on: Links
    models: list[ModelUseRecord] = Field(default_factory=list)
    rl_components: list[Id] = Field(default_factory=list)
    metrics: list[Id] = Field(default_factory=list)
    listings: list[ListingRecord] = Field(default_factory=list)
    provenance: dict[PaperField, Text] = Field(default_factory=dict)
    corrections: list[CorrectionRecord] = Field(default_factory=list)


class PersonRecord(Record):
    id: Id
    name: Text
    type: Literal["person", "organization"] = "person"
    orcid: Orcid | None = None
    dblp: Url | None = None
    wikidata: WikidataId | None = None


class MethodRecord(Record):
    id: Id
    label: Text
    name: Text | None = None
    type: Literal["algorithm", "method"] = "method"
    alt_labels: list[Text] = Field(default_factory=list)
    builds_on: list[Id] = Field(default_factory=list)
    description: Text | None = None
    wikidata: WikidataId | None = None
    # False when the names also mean something else in abstracts: `vrlkg link` then leaves them.
    link_by_name: bool = True


class ModelRecord(Record):
    id: Id
    label: Text
    type: Literal["llm", "vlm", "vision-encoder", "vla", "diffusion", "other"]
    developer: Text | None = None
    alt_labels: list[Text] = Field(default_factory=list)
    builds_on: list[Id] = Field(default_factory=list)
    description: Text | None = None
    homepage: Url | None = None
    wikidata: WikidataId | None = None
    link_by_name: bool = True


Modality = Literal[
    "pixels", "proprioception", "state", "language", "depth", "point-cloud", "audio", "video"
]


class TestbedRecord(Record):
    id: Id
    label: Text
    type: Literal["environment", "benchmark", "dataset"]
    kind: Literal["simulator", "suite", "task", "game", "real-robot", "benchmark", "dataset"]
    part_of: Id | None = None
    domains: list[Id] = Field(default_factory=list)
    modalities: list[Modality] = Field(default_factory=list)
    homepage: Url | None = None
    alt_labels: list[Text] = Field(default_factory=list)
    description: Text | None = None
    wikidata: WikidataId | None = None
    link_by_name: bool = True


class DomainRecord(Record):
    id: Id
    label: Text
    description: Text | None = None
    broader: Id | None = None
    wikidata: WikidataId | None = None


class VenueRecord(Record):
    id: Id
    label: Text
    acronym: Text | None = None
    type: Literal["conference", "journal", "workshop", "preprint-server"]
    homepage: Url | None = None
    dblp: Url | None = None
    wikidata: WikidataId | None = None


class SourceRecord(Record):
    id: Id
    label: Text
    file: Text
    homepage: Url | None = None
    maintainer: Text | None = None
    scheme: Id | None = None
    survey: Id | None = None
    license: Text | None = None


class ConceptRecord(Record):
    id: Id
    label: Text
    definition: Text | None = None
    notation: Text | None = None
    broader: Id | None = None
    line: PositiveInt | None = None
    in_html_comment: bool = False
    close_match: list[QualifiedId] = Field(default_factory=list)
    broad_match: list[QualifiedId] = Field(default_factory=list)
    narrow_match: list[QualifiedId] = Field(default_factory=list)


class SchemeRecord(Record):
    id: Id
    label: Text
    source: Id | None = None
    description: Text | None = None
    concepts: list[ConceptRecord] = Field(default_factory=list)
