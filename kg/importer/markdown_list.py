"""Parser for awesome lists in Markdown: nested headings, definitions under headings, bullet
entries with their detail lines and badges, tables of methods, and HTML comments."""

from __future__ import annotations

import re

from kg.importer.entries import (
    URL_OK,
    Entry,
    ParsedList,
    Problem,
    Section,
    arxiv_of,
    slugify,
)

HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*$")
ENTRY = re.compile(r"^ ?[-+*]\s+\[(?P<title>.+?)\]\((?P<url>[^)]*)\)(?P<rest>.*)$")
DETAIL = re.compile(r"^\s{2,}[-+*]\s+(?P<text>.+?)\s*$")
BADGE = re.compile(r"\[!\[(?P<badge>[^\]]*)\]\((?P<image>[^)]*)\)\]\((?P<url>[^)]*)\)")
LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)]*)\)")
DEFINITION = re.compile(r"^\*\*Definition\*\*:\s*(?P<text>.+?)\s*$")
PAREN = re.compile(r"^\s*\((?P<text>[^()]*)\)")
HTML_TAG = re.compile(r"<[^>]+>")
EMOJI_CODE = re.compile(r":[a-z_]+:")
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "jl": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
MONTH_YEAR = re.compile(r"^(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})$")
YEAR = re.compile(r"^(?P<year>\d{4})$")
NOT_CATEGORIES = {"table of contents", "contents"}
LABELS = {"keyword": "keywords", "keywords": "keywords", "key words": "keywords",
          "expenv": "environments"}


def clean_heading(text: str) -> str:
    text = text.replace("<!-- omit in toc -->", "")
    text = EMOJI_CODE.sub("", text)
    # Keep letters of any script; drop emoji and other symbols used as decoration.
    text = "".join(ch for ch in text if ch.isascii() or ch.isalpha())
    return re.sub(r"\s+", " ", text.replace("\\&", "&")).strip(" -")


def parse_month_year(text: str) -> tuple[int, int | None] | None:
    """`Mar. 2025` -> (2025, 3); `2025` -> (2025, None); None if it is not a date."""
    text = text.strip()
    if match := YEAR.match(text):
        return int(match.group("year")), None
    if match := MONTH_YEAR.match(text):
        month = MONTHS.get(match.group("month").lower().rstrip(".")[:4]) or MONTHS.get(
            match.group("month").lower()[:3])
        if month:
            return int(match.group("year")), month
    return None


class _Comments:
    """Tracks whether a line is inside an HTML comment."""

    def __init__(self) -> None:
        self.open = False

    def feed(self, line: str) -> bool:
        """Whether (part of) this line is commented out; updates the state for the next line."""
        inside = self.open
        position = 0
        while True:
            if self.open:
                end = line.find("-->", position)
                if end < 0:
                    return True
                self.open = False
                position = end + 3
            else:
                start = line.find("<!--", position)
                if start < 0:
                    return inside
                if line[:start].strip() == "":
                    inside = True
                self.open = True
                position = start + 4


def _check_url(url: str, line: int, entry: Entry) -> None:
    if not URL_OK.match(url):
        entry.problems.append(Problem("malformed-url", line, url, f"malformed link {url!r}"))


def _add_link(entry: Entry, url: str, line: int, role: str) -> None:
    url = url.strip()
    _check_url(url, line, entry)
    found = arxiv_of(url)
    if found:
        arxiv, version = found
        if entry.arxiv and entry.arxiv != arxiv:
            entry.problems.append(Problem(
                "conflicting-arxiv-links", line, url,
                f"the entry links arXiv {entry.arxiv} and arXiv {arxiv}"))
        entry.arxiv = entry.arxiv or arxiv
        entry.arxiv_version = entry.arxiv_version or version
    elif role == "code" or ("github.com/" in url and role != "website"):
        if url not in entry.code:
            entry.code.append(url)
    elif role == "website":
        entry.website = entry.website or url


def _parse_trailer(rest: str, line: int, entry: Entry) -> None:
    """What follows the title link: `(Mar. 2025)`, `(2024, ICML)`, `(Jl. 2025, Blog)`, debris."""
    match = PAREN.match(rest)
    if not match:
        if HTML_TAG.search(rest) or "**" in rest:
            entry.problems.append(Problem(
                "scraping-debris", line, rest.strip(), "markup after the title link"))
            entry.venue_text = HTML_TAG.sub("", rest).replace("*", "").strip("() ") or None
        return
    parts = [p.strip() for p in match.group("text").split(",")]
    date = parse_month_year(parts[0]) if parts else None
    if date:
        entry.date_text = parts[0]
        parts = parts[1:]
    if parts:
        entry.venue_text = ", ".join(parts)
    lowered = (entry.venue_text or "").lower()
    if "blog" in lowered:
        entry.work_type = "blog-post"
    leftover = rest[match.end():].strip()
    if leftover and (HTML_TAG.search(leftover) or "**" in leftover):
        entry.problems.append(Problem(
            "scraping-debris", line, leftover, "markup after the title link"))


def _detail(entry: Entry, text: str, line: int) -> None:
    label, _, value = text.partition(":")
    key = LABELS.get(label.strip().lower())
    if key == "keywords" and value.strip():
        separator = ";" if ";" in value else ","
        entry.keywords = [k.strip() for k in value.split(separator) if k.strip()]
    elif key == "environments":
        value = value.strip()
        if value.lower() in {"none", "-", ""}:
            return
        links = list(LINK.finditer(value))
        if links:
            for link in links:
                entry.environments.append((link.group("text").strip(), link.group("url").strip()))
                _check_url(link.group("url"), line, entry)
        else:
            entry.environments += [(v.strip(), None) for v in value.split(",") if v.strip()]
    elif not entry.authors and key is None and "[" not in text:
        # The unlabelled first detail line lists the authors, perhaps followed by a venue.
        names, _, venue = text.partition(". *")
        entry.authors = [n.strip().rstrip(".") for n in names.split(",") if n.strip()]
        if venue:
            entry.venue_text = venue.strip("* ")


def parse_markdown_list(text: str, file: str) -> ParsedList:
    sections: list[Section] = []
    entries: list[Entry] = []
    problems: list[Problem] = []
    stack: list[Section] = []
    comments = _Comments()
    current: Entry | None = None
    keys: set[str] = set()
    table_header: list[str] | None = None

    in_fence = False
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        if raw.strip().startswith("```"):
            in_fence, current = not in_fence, None
            continue
        if in_fence:
            continue  # a code block: an example of the format, not an entry
        in_comment = comments.feed(raw)
        line = raw.replace("<!--", "").replace("-->", "") if in_comment else raw
        stripped = line.strip()

        if heading := HEADING.match(stripped):
            current, table_header = None, None
            level = len(heading.group("hashes"))
            label = clean_heading(heading.group("text"))
            while stack and stack[-1].level >= level:
                stack.pop()
            if level == 1 or label.lower() in NOT_CATEGORIES:
                # The document's title and its table of contents group nothing.
                current, table_header = None, None
                continue
            parent = stack[-1] if stack else None
            key = slugify(label, max_words=8) or f"section-{number}"
            if key in keys and parent is not None:
                key = f"{parent.key}-{key}"
            keys.add(key)
            section = Section(key, label, level, number, parent.key if parent else None,
                              in_comment=in_comment)
            sections.append(section)
            stack.append(section)
            continue
        if definition := DEFINITION.match(stripped):
            if stack:
                stack[-1].definition = definition.group("text")
            continue
        if stripped.startswith("|"):
            current = None
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue
            if table_header is None:
                table_header = [c.lower() for c in cells]
                continue
            entry = _table_row(dict(zip(table_header, cells, strict=False)), number)
            if entry:
                entry.section = stack[-1].key if stack else None
                entry.in_comment = in_comment
                entries.append(entry)
            continue
        table_header = None

        if match := ENTRY.match(line):
            url = match.group("url").strip()
            if url.startswith("#"):
                current = None  # a table-of-contents link
                continue
            title_as_written = match.group("title").strip()
            current = Entry(line=number, title=title_as_written, title_as_written=title_as_written,
                            url=url or None, in_comment=in_comment,
                            section=stack[-1].key if stack else None)
            if stack and "blog" in stack[-1].label.lower():
                current.work_type = "blog-post"
            if stack and "course" in stack[-1].label.lower():
                current.work_type = "course"
            if url:
                _add_link(current, url, number, "paper")
            else:
                current.problems.append(Problem("malformed-url", number, match.group(0),
                                                "an entry without a link"))
            _parse_trailer(match.group("rest"), number, current)
            entries.append(current)
            continue
        if current is not None and (detail := DETAIL.match(line)):
            _detail(current, detail.group("text"), number)
            continue
        if current is not None and (badges := list(BADGE.finditer(line))):
            for badge in badges:
                name = badge.group("badge").lower()
                role = "code" if name == "star" else "website" if name == "website" else "paper"
                _add_link(current, badge.group("url"), number, role)
            continue
        if current is not None and stripped and not in_comment and len(stripped) <= 3:
            problems.append(Problem("scraping-debris", number, stripped,
                                    f"a stray line {stripped!r} between entries"))
            continue
        if not stripped:
            continue
        current = None if not line.startswith(" ") else current

    # Only sections that hold entries (or whose descendants do) are categories.
    used = {e.section for e in entries}
    by_key = {s.key: s for s in sections}
    for key in list(used):
        while key and by_key[key].parent:
            key = by_key[key].parent
            used.add(key)
    kept = [s for s in sections if s.key in used]
    for entry in entries:
        problems.extend(entry.problems)
    return ParsedList(file, entries, kept, problems)


_METHOD_CITE = re.compile(r"^(?P<method>.+?)\s*\\?\[(?P<cite>[^\]]*)\]\s*$")


def _table_row(row: dict[str, str], number: int) -> Entry | None:
    """A row of a table of methods (`| AGILE \\[Feng et al., 2024] | Meerkat | ✓* | ...`) or of
    datasets or a short summary table (`| [AGILE](https://...) | Parametric | ✅ |`)."""
    first = next(iter(row.values()), "")
    if not first or first in {"-", "Method", "Dataset"}:
        return None
    link = LINK.fullmatch(first)
    name, citation = (link.group("text"), None) if link else (first, None)
    if not link and (cited := _METHOD_CITE.match(first)):
        name, citation = cited.group("method").strip(), cited.group("cite").strip()
    entry = Entry(line=number, title=name, title_as_written=first, method=name, citation=citation)
    if link:
        _add_link(entry, link.group("url"), number, "code")
    for header, cell in row.items():
        if header.startswith("model"):
            entry.models = [m.strip() for m in cell.split(",") if m.strip()]
        elif header == "ft":
            entry.fine_tuned_mark = cell.replace("\\*", "*")
        elif header == "rl role":
            entry.rl_roles = [r.strip() for r in cell.strip("$").split(",") if r.strip()]
        elif header == "metrics":
            entry.metrics = [m.strip() for m in cell.split(",") if m.strip()]
        elif header in {"code", "link"}:
            for code_link in LINK.finditer(cell):
                _add_link(entry, code_link.group("url"), number, "code")
    return entry
