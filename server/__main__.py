"""`python -m server [--host H] [--port P] [--store DIR]`: run the SPARQL endpoint with uvicorn."""

from __future__ import annotations

import argparse
from pathlib import Path

from kg.settings import Settings
from server.app import run

__all__ = ["main", "run"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="serve this store directory instead of following the build's store symlink",
    )
    args = parser.parse_args(argv)
    if args.store is not None and not args.store.is_dir():
        parser.error(f"--store {args.store}: not a directory")
    run(Settings.from_env(), host=args.host, port=args.port, store_path=args.store)


if __name__ == "__main__":
    main()
