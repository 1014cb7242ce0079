"""GET and POST /sparql as a plain ASGI middleware, in front of FastAPI's routing.

FastAPI's request handling (routing, dependency resolution, Request and Response objects) costs
more than a cheap query. This middleware answers /sparql itself with the same code as the
route (SparqlEndpoint.answer) and hands every other request, and other methods on /sparql, to
the app. create_app() adds it inside the CORS middleware; run() also puts one in front of the
whole app (`outermost`), which adds the CORS headers itself as Starlette's CORSMiddleware would
for a simple request (all origins, no credentials), saving the middleware stack's cost.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from server.sparql import Incoming, SparqlEndpoint, text_answer

log = logging.getLogger("server.fastpath")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ClientGone(Exception):
    pass


class SparqlFastPath:
    def __init__(
        self,
        app: Callable,
        endpoint: SparqlEndpoint,
        path: str = "/sparql",
        cors_expose: list[str] | None = None,
    ):
        self.app = app
        self.endpoint = endpoint
        self.path = path
        # Set when this is the outermost layer: the CORS headers to add ourselves.
        self.cors = (
            [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", ", ".join(cors_expose).encode("latin-1")),
            ]
            if cors_expose is not None
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != self.path
            or scope["method"] not in ("GET", "POST")
        ):
            await self.app(scope, receive, send)
            return

        async def stream() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone
                body = message.get("body", b"")
                if body:
                    yield body
                if not message.get("more_body", False):
                    return

        try:
            answer = await self.endpoint.answer(Incoming(scope, stream))
        except ClientGone:
            return
        except Exception:
            log.exception("internal error on %s %s", scope["method"], self.path)
            answer = text_answer(500, "Internal server error.")
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in answer.headers.items()
        ]
        if answer.status != 304:
            headers.append((b"content-length", str(len(answer.body)).encode("latin-1")))
        if self.cors is not None:
            vary = answer.headers.get("Vary")
            headers = [h for h in headers if h[0] != b"vary"]
            headers.append((b"vary", (f"{vary}, Origin" if vary else "Origin").encode("latin-1")))
            if any(name == b"origin" for name, _ in scope["headers"]):
                headers += self.cors
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        body = answer.body if answer.status != 304 else b""
        await send({"type": "http.response.body", "body": body})
