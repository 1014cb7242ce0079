"""Minting of every IRI the graph contains: `{base}{kind}/{slug}`, the slug taken from a YAML id."""

from __future__ import annotations

import re

# The kinds of thing that get an IRI; the IRI path segment is the kind itself.
KINDS = frozenset(
    {
        "paper",
        "person",
        "authorship",
        "method",
        "model",
        "model-use",
        "environment",
        "benchmark",
        "dataset",
        "domain",
        "venue",
        "source",
        "scheme",
        "concept",
        "graph",
        "listing",
        "correction",
        "curation",
        "report",
        "evidence",
        "defect",
    }
)

# One id segment: lower-case ASCII letters and digits, separated by single hyphens.
SEGMENT = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class IriError(ValueError):
    """An IRI was asked for with a kind or slug that would not make a clean IRI."""


def mint(base: str, kind: str, *segments: str | int) -> str:
    """Return `{base}{kind}/{seg1}/{seg2}...`; every segment must be a valid id.

    Several segments are for things that live inside another (a concept in its scheme, an
    authorship of a paper at a position); they are joined with '/'.
    """
    if kind not in KINDS:
        raise IriError(f"unknown IRI kind {kind!r}")
    if not segments:
        raise IriError(f"an IRI of kind {kind!r} needs a slug")
    parts: list[str] = []
    for segment in segments:
        text = str(segment)
        if not SEGMENT.fullmatch(text):
            raise IriError(f"{text!r} is not a valid id for a {kind} IRI")
        parts.append(text)
    return f"{base}{kind}/{'/'.join(parts)}"


def is_valid_id(text: str) -> bool:
    return bool(SEGMENT.fullmatch(text))
