"""rdflib-endpoint over an N-Quads file, with the union of the graphs as the default graph.

    python -m bench.rdflib_server FILE.nq PORT
"""

from __future__ import annotations

import sys

import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    path, port = sys.argv[1], int(sys.argv[2])
    dataset = Dataset(default_union=True)
    dataset.parse(path, format="nquads")
    app = SparqlEndpoint(graph=dataset, path="/sparql", title="rdflib-endpoint (benchmark)")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
