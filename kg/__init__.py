"""VRL-KG: curated YAML about RL for vision and VLMs, made into a validated RDF knowledge graph."""
