"""The FastAPI application: routes, CORS, and the worker pool's life cycle."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from kg.settings import Settings
from server.fastpath import SparqlFastPath
from server.linked_data import register as register_linked_data
from server.sparql import SparqlEndpoint, internal_error
from server.store_locator import StoreLocator
from server.workers import WorkerPool

EXPOSED_HEADERS = ["Content-Type", "Content-Length", "Retry-After", "Vary", "Allow"]


def create_app(
    settings: Settings, store_path: Path | None = None
) -> FastAPI:
    """The endpoint app. `store_path` None: serve whatever `settings.store_link` points at."""
    locator = (
        StoreLocator(fixed=store_path)
        if store_path is not None
        else StoreLocator(link=settings.store_link)
    )
    pool = WorkerPool(
        size=settings.query_workers,
        service_allowlist=settings.service_allowlist,
        max_waiting=settings.max_waiting,
        memory_limit=settings.max_worker_memory_bytes,
        start_timeout=settings.worker_start_timeout,
        memory_store_bytes=settings.memory_store_bytes,
        store_hint=locator.current,
    )
    endpoint = SparqlEndpoint(settings, pool, locator)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(
        title="VRL-KG SPARQL endpoint",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.endpoint = endpoint
    app.add_api_route("/sparql", endpoint.query, methods=["GET", "POST"], include_in_schema=False)
    app.add_api_route(
        "/sparql", endpoint.write, methods=["PUT", "DELETE", "PATCH"], include_in_schema=False
    )

    # Linked data: dereferenceable IRIs, the HTML pages, /query, /.well-known/void, /downloads.
    register_linked_data(app, settings, pool, locator)
    app.add_exception_handler(Exception, internal_error)
    # Added before CORS, so it runs inside it: /sparql GET and POST without FastAPI's overhead.
    app.add_middleware(SparqlFastPath, endpoint=endpoint)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=3600,
    )
    return app


def app_from_env() -> Any:
    """The app of one of several web processes (`uvicorn --workers`, started by run())."""
    _die_with_parent()
    store = os.environ.get(STORE_ENV)
    return asgi_app(Settings.from_env(), Path(store) if store else None)


def asgi_app(settings: Settings, store_path: Path | None = None) -> Any:
    """What uvicorn serves: the app with the /sparql fast path in front of all its layers."""
    app = create_app(settings, store_path)
    return SparqlFastPath(app, app.state.endpoint, cors_expose=EXPOSED_HEADERS)


# How run() tells its web processes which store directory to serve.
STORE_ENV = "VRLKG_SERVE_STORE"


def _die_with_parent() -> None:
    """A web process dies with uvicorn's supervisor (and its query workers die with it)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PDEATHSIG
        except (OSError, AttributeError):
            pass


def run(
    settings: Settings, host: str = "127.0.0.1", port: int = 8000, store_path: Path | None = None
) -> None:
    """Serve until interrupted (used by `python -m server` and `vrlkg serve`).

    One uvicorn process with its own pool of query workers; with `settings.web_processes` > 1,
    uvicorn's supervisor starts that many web processes sharing the port, each with its own pool.
    """
    import uvicorn

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": settings.access_log,
        "timeout_graceful_shutdown": int(settings.query_timeout) + 5,
    }
    if settings.web_processes > 1:
        if store_path is not None:
            os.environ[STORE_ENV] = str(Path(store_path).resolve())
        else:
            os.environ.pop(STORE_ENV, None)
        uvicorn.run(
            "server.app:app_from_env", factory=True, workers=settings.web_processes, **options
        )
    else:
        uvicorn.run(asgi_app(settings, store_path), **options)
