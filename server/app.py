"""The FastAPI application: routes, CORS, and the worker pool's life cycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.middleware.cors import CORSMiddleware

from kg.settings import Settings
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

    async def root() -> RedirectResponse:
        return RedirectResponse("/sparql", status_code=303)

    app.add_api_route("/", root, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(Exception, internal_error)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=3600,
    )
    return app


def run(
    settings: Settings, host: str = "127.0.0.1", port: int = 8000, store_path: Path | None = None
) -> None:
    """Serve until interrupted (used by `python -m server` and `vrlkg serve`).

    One uvicorn process: the query worker pool lives inside it, and several uvicorn workers
    would each start their own pool.
    """
    import uvicorn

    uvicorn.run(
        create_app(settings, store_path),
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=int(settings.query_timeout) + 5,
    )
