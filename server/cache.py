"""The web process's response cache and the ETags of query results.

The graph is read-only between builds and a new build is a new store directory, so a result is
a function of (store directory, query, base IRI, dataset, chosen format). That tuple is the cache
key, and its hash is the ETag: a client that sends it back in If-None-Match gets 304 without
the query being run, cache or no cache. Results of queries that may differ from run to run
(NOW, RAND, UUID, STRUUID, BNODE, or SERVICE calls) are neither cached nor tagged.
"""

from __future__ import annotations

import collections
import hashlib
import re

_VOLATILE = re.compile(r"\b(?:now|rand|uuid|struuid|bnode)\s*\(|service", re.IGNORECASE)


def cacheable(query: str) -> bool:
    return _VOLATILE.search(query) is None and "\\u" not in query and "\\U" not in query


def etag(key: tuple) -> str:
    # Weak: DESCRIBE and CONSTRUCT results may label blank nodes differently from run to run.
    digest = hashlib.blake2b(repr(key).encode("utf-8", "surrogatepass"), digest_size=12)
    return f'W/"{digest.hexdigest()}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    opaque = tag[2:]
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


class ResponseCache:
    """Least-recently-used bodies up to `capacity` bytes; one entry at most an eighth of it."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.size = 0
        self._entries: collections.OrderedDict[tuple, tuple[str, bytes]] = (
            collections.OrderedDict()
        )

    def get(self, key: tuple) -> tuple[str, bytes] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple, content_type: str, body: bytes) -> None:
        if self.capacity <= 0 or len(body) > self.capacity // 8 or key in self._entries:
            return
        self._entries[key] = (content_type, body)
        self.size += len(body)
        while self.size > self.capacity:
            _, (_, old) = self._entries.popitem(last=False)
            self.size -= len(old)
