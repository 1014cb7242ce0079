"""HTTP errors with plain-text bodies, and a scrubber that keeps file paths out of them."""

from __future__ import annotations

import re

READ_ONLY_MESSAGE = (
    "This SPARQL endpoint is read-only: it answers queries only, and refuses SPARQL Update "
    "and Graph Store Protocol writes."
)

# An absolute file path that is not part of an IRI: a '/' not preceded by a word character,
# ':' or another '/', followed by at least two path segments.
_PATH = re.compile(r"(?<![\w:/.<-])/(?:[\w.+-]+/)+[\w.+-]*")


class HttpError(Exception):
    """An error answered to the client with `status` and a plain-text `message`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ReadOnlyError(HttpError):
    def __init__(self, status: int = 403, detail: str = ""):
        message = READ_ONLY_MESSAGE + (f" {detail}" if detail else "")
        headers = {"Allow": "GET, POST, OPTIONS"} if status == 405 else None
        super().__init__(status, message, headers)


def scrub(text: str) -> str:
    """Replace file-system paths in an engine message, which the client has no business seeing."""
    return _PATH.sub("<path>", text)
