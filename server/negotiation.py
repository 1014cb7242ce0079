"""Content negotiation: the formats we offer and the choice among them from Accept or `format=`.

Pure Python with no heavy imports: the worker processes use the tables too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kg.namespaces import FORMATS


@dataclass(frozen=True)
class Format:
    key: str
    # The Content-Type we answer with.
    content_type: str
    # Media types a client may ask for to get this format; the first is the canonical one.
    media_types: tuple[str, ...]
    # Member name in pyoxigraph's QueryResultsFormat or RdfFormat.
    oxigraph: str
    # Short names accepted in the `format` URL parameter (besides the media types).
    names: tuple[str, ...]
    # The format's IRI in http://www.w3.org/ns/formats/, for the service description.
    iri: str

    @property
    def media_type(self) -> str:
        return self.media_types[0]


# For SELECT and ASK, in order of preference (the first is the default).
RESULT_FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        ("application/sparql-results+json", "application/json"),
        "JSON",
        ("json", "srj"),
        FORMATS + "SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        "XML",
        ("xml", "srx"),
        FORMATS + "SPARQL_Results_XML",
    ),
    Format(
        "csv",
        "text/csv; charset=utf-8",
        ("text/csv",),
        "CSV",
        ("csv",),
        FORMATS + "SPARQL_Results_CSV",
    ),
    Format(
        "tsv",
        "text/tab-separated-values; charset=utf-8",
        ("text/tab-separated-values",),
        "TSV",
        ("tsv",),
        FORMATS + "SPARQL_Results_TSV",
    ),
)

# For CONSTRUCT and DESCRIBE results and for the service description.
GRAPH_FORMATS: tuple[Format, ...] = (
    Format(
        "turtle",
        "text/turtle; charset=utf-8",
        ("text/turtle", "application/x-turtle"),
        "TURTLE",
        ("turtle", "ttl"),
        FORMATS + "Turtle",
    ),
    Format(
        "ntriples",
        "application/n-triples",
        ("application/n-triples",),
        "N_TRIPLES",
        ("ntriples", "n-triples", "nt"),
        FORMATS + "N-Triples",
    ),
    Format(
        "jsonld",
        "application/ld+json",
        ("application/ld+json", "application/json"),
        "JSON_LD",
        ("jsonld", "json-ld", "json"),
        FORMATS + "JSON-LD",
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        ("application/rdf+xml", "application/xml", "text/xml"),
        "RDF_XML",
        ("rdfxml", "rdf-xml", "rdf", "xml"),
        FORMATS + "RDF_XML",
    ),
)

RESULT_BY_KEY = {f.key: f for f in RESULT_FORMATS}
GRAPH_BY_KEY = {f.key: f for f in GRAPH_FORMATS}


def bare_media_type(value: str) -> str:
    """`Text/CSV; charset=utf-8` -> `text/csv`: media types are compared without parameters."""
    return value.split(";", 1)[0].strip().lower()


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values; no header means `*/*`."""
    if header is None or not header.strip():
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        pieces = part.split(";")
        media_range = pieces[0].strip().lower()
        if not media_range:
            continue
        if "/" not in media_range:
            media_range = "*/*" if media_range == "*" else media_range + "/*"
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 1.0
        ranges.append((media_range, q))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """q-value of the most specific range that matches `media_type`, and that specificity."""
    main = media_type.split("/", 1)[0]
    best: tuple[int, float] | None = None
    for media_range, q in ranges:
        if media_range == media_type:
            specificity = 2
        elif media_range == main + "/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, q)
    if best is None:
        return (0.0, -1)
    return (best[1], best[0])


@lru_cache(maxsize=512)
def choose(formats: tuple[Format, ...], accept: str | None) -> Format | None:
    """The acceptable format with the highest q; ties go to the most specific match, then to a
    format's own media type over an alias, then to our order of preference. None if no format
    is acceptable."""
    ranges = parse_accept(accept)
    best: tuple[tuple[float, int, bool, int], Format] | None = None
    for index, fmt in enumerate(formats):
        # We always answer with the format's own media type, so wildcards count for that one
        # only; an alias (application/json, application/xml) counts when named exactly.
        candidates = [(*_quality(fmt.media_type, ranges), True)]
        for alias in fmt.media_types[1:]:
            q_alias, specificity = _quality(alias, ranges)
            if specificity == 2:
                candidates.append((q_alias, specificity, False))
        q, specificity, canonical = max(candidates)
        if q <= 0:
            continue
        score = (q, specificity, canonical, -index)
        if best is None or score > best[0]:
            best = (score, fmt)
    return best[1] if best else None


def by_name(formats: tuple[Format, ...], name: str) -> Format | None:
    """The format a `format=` parameter names (a short name or a media type), if offered."""
    wanted = name.strip().lower()
    bare = bare_media_type(wanted)
    for fmt in formats:
        if wanted in fmt.names or bare in fmt.media_types:
            return fmt
    return None


def known_name(name: str) -> bool:
    return any(by_name(formats, name) for formats in (RESULT_FORMATS, GRAPH_FORMATS))


def offered(formats: tuple[Format, ...]) -> str:
    return ", ".join(f.media_type for f in formats)
