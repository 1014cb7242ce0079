// Runs one SPARQL query with Comunica (@comunica/query-sparql) and prints the result as JSON.
// Usage: node comunica-query.mjs SOURCE_TYPE SOURCE_URL QUERY
//   SOURCE_TYPE is "sparql" (a SPARQL endpoint) or "file" (a document to dereference and read:
//   Comunica negotiates an RDF format, as a linked-data client does).
// Prints {"bindings": [{var: value, ...}, ...]} for SELECT, {"boolean": b} for ASK,
// {"quads": n} for CONSTRUCT.
import { QueryEngine } from "@comunica/query-sparql";

const [type, url, query] = process.argv.slice(2);
const engine = new QueryEngine();
const source = type === "sparql" ? { type: "sparql", value: url } : { value: url };
const result = await engine.query(query, { sources: [source], lenient: false });
if (result.resultType === "bindings") {
  const stream = await result.execute();
  const rows = (await stream.toArray()).map((b) =>
    Object.fromEntries([...b].map(([k, v]) => [k.value, v.value])));
  console.log(JSON.stringify({ bindings: rows }));
} else if (result.resultType === "boolean") {
  console.log(JSON.stringify({ boolean: await result.execute() }));
} else {
  const quads = await (await result.execute()).toArray();
  console.log(JSON.stringify({ quads: quads.length }));
}
