"""VRL-KG: curated YAML about RL for vision and VLMs, turned into a validated RDF knowledge graph."""
