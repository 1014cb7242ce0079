"""A small ranked full-text index (BM25 over weighted fields), built in memory per store.

Pure Python and small on purpose: the graph has thousands of entities, not millions, and an index
of that size builds in milliseconds and answers in well under one. Field weights make a match in a
title or label count more than one in an abstract; a query word that matches no indexed word
exactly matches the words it begins (so `euk` finds Eureka); an exact phrase match in the
title or label gets a bonus.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[a-z0-9]+")
# Field name -> weight of a word found there.
FIELD_WEIGHTS = {"label": 3.0, "alt": 2.0, "keywords": 1.5, "text": 1.0}
K1, B = 1.2, 0.75
MAX_PREFIX_EXPANSION = 30


def fold(text: str) -> str:
    """Lower case without accents: 'Daumé' -> 'daume'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


@dataclass
class Document:
    iri: str
    kind: str
    label: str
    fields: dict[str, list[str]] = field(default_factory=dict)

    def snippet(self, terms: set[str], width: int = 220) -> str:
        """A piece of the longest text field around the first matching word."""
        texts = self.fields.get("text", [])
        if not texts:
            return ""
        text = max(texts, key=len)
        folded = fold(text)
        start = 0
        for term in terms:
            match = re.search(rf"\b{re.escape(term)}", folded)
            if match:
                start = max(0, match.start() - 60)
                break
        piece = text[start : start + width]
        return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


@dataclass(frozen=True)
class Hit:
    document: Document
    score: float
    snippet: str


class SearchIndex:
    def __init__(self, documents: list[Document]):
        self.documents = documents
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._lengths: list[float] = []
        for number, doc in enumerate(documents):
            weighted: Counter[str] = Counter()
            for name, values in doc.fields.items():
                weight = FIELD_WEIGHTS.get(name, 1.0)
                for value in values:
                    for token in tokens(value):
                        weighted[token] += weight
            for token, tf in weighted.items():
                self._postings[token][number] = tf
            self._lengths.append(sum(weighted.values()))
        self._average = (sum(self._lengths) / len(self._lengths)) if self._lengths else 1.0
        self._vocabulary = sorted(self._postings)

    def __len__(self) -> int:
        return len(self.documents)

    def _expand(self, term: str) -> list[str]:
        if term in self._postings:
            return [term]
        # Words that begin with the term (binary search in the sorted vocabulary).
        lo, hi = 0, len(self._vocabulary)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._vocabulary[mid] < term:
                lo = mid + 1
            else:
                hi = mid
        found = []
        while lo < len(self._vocabulary) and self._vocabulary[lo].startswith(term):
            found.append(self._vocabulary[lo])
            lo += 1
            if len(found) >= MAX_PREFIX_EXPANSION:
                break
        return found

    def search(self, query: str, limit: int = 20, kinds: set[str] | None = None) -> list[Hit]:
        terms = list(dict.fromkeys(tokens(query)))
        if not terms:
            return []
        n = len(self.documents)
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        for term in terms:
            seen: set[int] = set()
            for word in self._expand(term):
                postings = self._postings[word]
                idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
                # A prefix match counts a little less than the whole word.
                factor = 1.0 if word == term else 0.7
                for number, tf in postings.items():
                    norm = K1 * (1 - B + B * self._lengths[number] / self._average)
                    scores[number] += factor * idf * tf * (K1 + 1) / (tf + norm)
                    seen.add(number)
            for number in seen:
                matched[number] += 1
        phrase = " ".join(terms)
        hits = []
        for number, score in scores.items():
            doc = self.documents[number]
            if kinds and doc.kind not in kinds:
                continue
            # Documents that match every word come first; then by score.
            coverage = matched[number] / len(terms)
            label = " ".join(tokens(doc.label))
            if phrase and phrase in label:
                score *= 1.5
                if label == phrase:
                    score *= 1.5
            hits.append((coverage, score, number))
        hits.sort(key=lambda h: (-h[0], -h[1], self.documents[h[2]].label))
        return [
            Hit(self.documents[number], round(score, 4), self.documents[number].snippet(set(terms)))
            for _coverage, score, number in hits[:limit]
        ]
