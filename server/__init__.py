"""The read-only SPARQL 1.1 endpoint of VRL-KG (see docs/endpoint.md).

Kept free of imports: query worker processes import this package on start-up, and they should
only pay for what they use.
"""
