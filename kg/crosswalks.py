"""Export crosswalks: the graph in the formats other tools read, each from a query in
queries/exports/ (`vrlkg export --crosswalk NAME`).

    schema-org                schema-org.rq       schema.org as JSON-LD (or any RDF format)
    wikidata-quickstatements  works.rq            QuickStatements V1 commands creating the works
    bibtex                    works.rq            BibTeX entries
    csl-json                  works.rq            CSL-JSON (citation managers: Zotero, pandoc)
    source-markdown           source-markdown.rq  each source list as Markdown, in its order
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import namespaces as ns
from kg.query import local_rows

Row = dict[str, str]


@dataclass(frozen=True)
class Crosswalk:
    name: str
    query: str  # file name in queries/exports/
    description: str
    # Rows (strings) -> text; None for a CONSTRUCT crosswalk, which is serialized as RDF.
    render: Callable[..., str] | None = None


# ---- works -------------------------------------------------------------------------------------


@dataclass
class Work:
    iri: str
    id: str
    type: str
    title: str
    wikidata_class: str | None = None
    issued: str | None = None
    abstract: str | None = None
    url: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    code: str | None = None
    venue: str | None = None
    venue_acronym: str | None = None
    venue_type: str | None = None
    venue_note: str | None = None
    authors: list[tuple[str, str | None, bool]] = field(default_factory=list)


def works(rows: list[Row]) -> list[Work]:
    found: dict[str, Work] = {}
    positions: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        iri = row["work"]
        work = found.get(iri)
        if work is None:
            work = found[iri] = Work(
                iri=iri,
                id=iri.rstrip("/").rsplit("/", 1)[-1],
                type=row["type"].removeprefix(ns.VRLKG),
                title=row["title"],
                wikidata_class=row.get("wikidataClass"),
                issued=row.get("issued"),
                abstract=row.get("abstract"),
                url=row.get("url"),
                arxiv=row.get("arxiv"),
                doi=row.get("doi"),
                code=row.get("code"),
                venue=row.get("venueLabel"),
                venue_acronym=row.get("venueAcronym"),
                venue_type=(row.get("venueType") or "").removeprefix(ns.VRLKG) or None,
                venue_note=row.get("venueNote"),
            )
        pos = row.get("pos")
        if pos and pos not in positions[iri]:
            positions[iri].add(pos)
            work.authors.append(
                (row["authorName"], row.get("authorWikidata"), row.get("organization") == "true")
            )
    return sorted(found.values(), key=lambda w: w.id)


def _year_month_day(issued: str | None) -> list[int]:
    if not issued:
        return []
    return [int(part) for part in issued.split("-")]


SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def split_name(name: str) -> dict[str, str]:
    """A person's name as CSL's family/given (and suffix); the last word is the family name."""
    words = name.split()
    suffix = ""
    if len(words) > 2 and words[-1].lower() in SUFFIXES:
        suffix = words.pop()
    if len(words) < 2:
        return {"literal": name}
    parts = {"family": words[-1], "given": " ".join(words[:-1])}
    if suffix:
        parts["suffix"] = suffix
    return parts


# -- BibTeX --

_BIBTEX_SPECIAL = re.compile(r"([&%$#_])")


def _bib(text: str) -> str:
    """Escape what BibTeX treats specially (& % $ # _ and braces)."""
    text = _BIBTEX_SPECIAL.sub(r"\\\1", text)
    return text.replace("{", "\\{").replace("}", "\\}")


def bibtex(rows: list[Row], **_: object) -> str:
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    entries = []
    for w in works(rows):
        date = _year_month_day(w.issued)
        if w.type == "Book":
            kind = "book"
        elif w.venue and w.venue_type in ("conference", "workshop"):
            kind = "inproceedings"
        elif w.venue and w.venue_type == "journal":
            kind = "article"
        else:
            kind = "misc"
        fields: list[tuple[str, str]] = [("title", "{" + _bib(w.title) + "}")]
        if w.authors:
            names = [("{" + _bib(n) + "}") if org else _bib(n) for n, _wd, org in w.authors]
            fields.append(("author", " and ".join(names)))
        if date:
            fields.append(("year", str(date[0])))
        if len(date) > 1:
            fields.append(("month", months[date[1] - 1]))
        if kind == "inproceedings" and w.venue:
            fields.append(("booktitle", _bib(w.venue)))
        if kind == "article" and w.venue:
            fields.append(("journal", _bib(w.venue)))
        if w.venue_note:
            fields.append(("note", _bib(w.venue_note)))
        if w.arxiv:
            fields += [("eprint", w.arxiv), ("archiveprefix", "arXiv")]
        if w.doi:
            fields.append(("doi", w.doi))
        url = w.url or (f"https://arxiv.org/abs/{w.arxiv}" if w.arxiv else None)
        if url:
            fields.append(("url", url))
        if w.type == "BlogPost":
            fields.append(("howpublished", "Blog post"))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@{kind}{{{w.id},\n{body}\n}}\n")
    return "\n".join(entries)


# -- CSL-JSON --


def csl_json(rows: list[Row], **_: object) -> str:
    items = []
    for w in works(rows):
        if w.type == "BlogPost":
            kind = "post-weblog"
        elif w.type == "Book":
            kind = "book"
        elif w.type == "Software":
            kind = "software"
        elif w.type == "Course":
            kind = "document"
        elif w.venue and w.venue_type in ("conference", "workshop"):
            kind = "paper-conference"
        elif w.venue and w.venue_type == "journal":
            kind = "article-journal"
        else:
            kind = "article"  # a preprint
        item: dict[str, object] = {"id": w.id, "type": kind, "title": w.title}
        if w.authors:
            item["author"] = [
                {"literal": n} if org else split_name(n) for n, _wd, org in w.authors
            ]
        date = _year_month_day(w.issued)
        if date:
            item["issued"] = {"date-parts": [date]}
        if w.venue:
            item["container-title"] = w.venue
        if w.doi:
            item["DOI"] = w.doi
        url = w.url or (f"https://arxiv.org/abs/{w.arxiv}" if w.arxiv else None)
        if url:
            item["URL"] = url
        if w.arxiv:
            item["number"] = f"arXiv:{w.arxiv}"
            item["publisher"] = "arXiv"
        if w.abstract:
            item["abstract"] = w.abstract
        if w.venue_note:
            item["note"] = w.venue_note
        item["source"] = "VRL-KG"
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


# -- QuickStatements --


def _qs_string(text: str) -> str:
    return '"' + text.replace('"', "'").replace("\t", " ").replace("\n", " ") + '"'


def _qs_time(issued: str) -> str:
    parts = issued.split("-")
    if len(parts) == 3:
        return f"+{issued}T00:00:00Z/11"
    return f"+{parts[0]}-{parts[1]}-00T00:00:00Z/10"


def quickstatements(rows: list[Row], skipped: list[str] | None = None, **_: object) -> str:
    """QuickStatements V1: one CREATE block per work whose class has a Wikidata class in the
    ontology (skos:closeMatch wd:...). Authors are author name strings (P2093) with their
    position (P1545), or the author's item (P50) where a person has a curated Wikidata match."""
    lines = []
    for w in works(rows):
        if not w.wikidata_class:
            if skipped is not None:
                skipped.append(w.id)
            continue
        qclass = w.wikidata_class.rsplit("/", 1)[-1]
        title = w.title[:250]
        lines += ["CREATE", f"LAST\tLen\t{_qs_string(title)}", f"LAST\tP31\t{qclass}",
                  f"LAST\tP1476\ten:{_qs_string(title)}"]
        if w.arxiv:
            lines.append(f"LAST\tP818\t{_qs_string(w.arxiv)}")
        if w.doi:
            lines.append(f"LAST\tP356\t{_qs_string(w.doi.upper())}")
        if w.issued:
            lines.append(f"LAST\tP577\t{_qs_time(w.issued)}")
        for position, (name, wikidata, _org) in enumerate(w.authors, start=1):
            if wikidata:
                qid = wikidata.rsplit("/", 1)[-1]
                lines.append(f'LAST\tP50\t{qid}\tP1545\t"{position}"')
            else:
                lines.append(f'LAST\tP2093\t{_qs_string(name)}\tP1545\t"{position}"')
        if w.url:
            lines.append(f"LAST\tP953\t{_qs_string(w.url)}")
        if w.code:
            lines.append(f"LAST\tP1324\t{_qs_string(w.code)}")
        lines.append("")
    return "\n".join(lines)


# ---- source lists as Markdown ------------------------------------------------------------------


def _int(value: str | None, default: int = 1 << 30) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def source_markdown(rows: list[Row], source: str | None = None, **_: object) -> str:
    """Each source list (or only `source`, an id or IRI) as Markdown: its categories as headings
    in the order of their lines in the list, each entry under the section it stands in, in line
    order, with the authors, and the keywords and environments that list itself gave."""
    sources: dict[str, Row] = {}
    categories: dict[str, list[Row]] = defaultdict(list)
    entries: dict[str, dict[str, Row]] = defaultdict(dict)
    entry_categories: dict[tuple[str, str], set[str]] = defaultdict(set)
    authors: dict[str, dict[int, str]] = defaultdict(dict)
    keywords: dict[tuple[str, str], set[str]] = defaultdict(set)
    testbeds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        section = row.get("section")
        if section == "source":
            sources[row["source"]] = row
        elif section == "category":
            categories[row["source"]].append(row)
        elif section == "entry":
            key = row["listing"]
            entries[row["source"]].setdefault(key, row)
            if row.get("concept"):
                entry_categories[(row["source"], key)].add(row["concept"])
        elif section == "author":
            authors[row["work"]][_int(row["line"])] = row["label"]
        elif section == "keyword":
            keywords[(row["source"], row["work"])].add(row["label"])
        elif section == "testbed":
            testbeds[(row["source"], row["work"])].add(row["label"])
    wanted = None
    if source:
        wanted = source if "://" in source else next(
            (s for s in sources if s.rstrip("/").rsplit("/", 1)[-1] == source), None
        )
        if wanted is None:
            raise KeyError(source)
    out: list[str] = []
    for iri in sorted(sources, key=lambda s: sources[s].get("file", s)):
        if wanted and iri != wanted:
            continue
        if not entries.get(iri):
            continue
        info = sources[iri]
        out += [f"# {info['label']}", ""]
        origin = f" ({info['homepage']})" if info.get("homepage") else ""
        out += [f"Regenerated from VRL-KG: the entries of source `{iri.rsplit('/', 1)[-1]}`"
                f"{origin}, in the list's own order.", ""]
        concepts = {c["concept"]: c for c in categories.get(iri, [])}

        def depth(concept: str, concepts: dict = concepts) -> int:
            level, seen = 0, set()
            while concepts.get(concept, {}).get("broader") and concept not in seen:
                seen.add(concept)
                concept = concepts[concept]["broader"]
                level += 1
            return level

        def section_of(
            listing: str, line: int, iri: str = iri, concepts: dict = concepts
        ) -> str | None:
            # The section an entry stands in: of its categories, the one whose heading comes
            # last before the entry's line (the list's physical layout), else the first.
            mine = [c for c in entry_categories.get((iri, listing), ()) if c in concepts]
            before = [c for c in mine if _int(concepts[c].get("line"), 0) <= line]
            pool = before or mine
            return max(pool, key=lambda c: _int(concepts[c].get("line"), 0)) if pool else None

        placed: dict[str | None, list[tuple[int, Row]]] = defaultdict(list)
        for listing, row in entries[iri].items():
            line = _int(row.get("line"))
            placed[section_of(listing, line)].append((line, row))
        ordered = sorted(concepts, key=lambda c: (_int(concepts[c].get("line")), c))
        # Headings with no entries anywhere below them are left out.
        def has_entries(concept: str, placed: dict = placed, concepts: dict = concepts) -> bool:
            return bool(placed.get(concept)) or any(
                concepts[c].get("broader") == concept and has_entries(c) for c in concepts
            )

        sections: list[str | None] = [c for c in ordered if has_entries(c)]
        if placed.get(None):
            sections.append(None)
        for concept in sections:
            if concept is None:
                out += ["## Other entries", ""]
            else:
                c = concepts[concept]
                number = f"{c['notation']} " if c.get("notation") else ""
                out += [f"{'#' * min(2 + depth(concept), 6)} {number}{c['label']}", ""]
            for _line, row in sorted(placed.get(concept, []), key=lambda p: (p[0], p[1]["label"])):
                work = row["work"]
                url = row.get("url") or (
                    f"https://arxiv.org/abs/{row['arxiv']}" if row.get("arxiv") else None
                )
                title = row["label"].replace("[", "\\[").replace("]", "\\]")
                out.append(f"- [{title}]({url})" if url else f"- {title}")
                names = [authors[work][p] for p in sorted(authors.get(work, {}))]
                if names:
                    out.append(f"  - {', '.join(names)}")
                words = sorted(keywords.get((iri, work), ()))
                if words:
                    out.append(f"  - Keyword: {', '.join(words)}")
                beds = sorted(testbeds.get((iri, work), ()))
                if beds:
                    out.append(f"  - ExpEnv: {', '.join(beds)}")
                out.append("")
    return "\n".join(out).rstrip() + "\n"


CROSSWALKS: dict[str, Crosswalk] = {
    c.name: c
    for c in (
        Crosswalk("schema-org", "schema-org.rq", "schema.org JSON-LD of the works"),
        Crosswalk("wikidata-quickstatements", "works.rq",
                  "Wikidata QuickStatements (V1) creating the works", quickstatements),
        Crosswalk("bibtex", "works.rq", "BibTeX entries of the works", bibtex),
        Crosswalk("csl-json", "works.rq", "CSL-JSON of the works", csl_json),
        Crosswalk("source-markdown", "source-markdown.rq",
                  "each source list as Markdown, in its own section order", source_markdown),
    )
}


def run(store: ox.Store, queries_dir: Path, name: str, **options: object) -> str | list:
    """The crosswalk's text, or for a CONSTRUCT crosswalk its triples."""
    crosswalk = CROSSWALKS[name]
    query = (queries_dir / "exports" / crosswalk.query).read_text(encoding="utf-8")
    if crosswalk.render is None:
        result = store.query(query)
        return sorted(set(result), key=str)  # type: ignore[arg-type]
    return crosswalk.render(local_rows(store, query), **options)
