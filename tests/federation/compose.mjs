// Compose the kjede subgraph's SDL into a supergraph with both composers:
// @theguild/federation-composition (what Hive Gateway runs on) and
// @apollo/composition (the Apollo gateway's, kept as a compatibility check).
//
// Usage: node compose.mjs <subgraph.graphql> [<subgraph-url>]
// Prints one JSON object: { guild: {supergraphSdl?, errors?}, apollo: {supergraphSdl?, errors?} }
// and exits 0; the caller decides what a failure means.

import { readFileSync } from "node:fs";
import { composeServices as composeWithApollo } from "@apollo/composition";
import { composeServices as composeWithGuild } from "@theguild/federation-composition";
import { parse } from "graphql";

const [path, url = "http://kjede:8000/graphql"] = process.argv.slice(2);
if (!path) {
  console.error("usage: node compose.mjs <subgraph.graphql> [<subgraph-url>]");
  process.exit(2);
}
const typeDefs = parse(readFileSync(path, "utf8"));
const services = [{ name: "kjede", typeDefs, url }];

function outcome(result) {
  if (result.errors && result.errors.length > 0) {
    return { errors: result.errors.map((error) => error.message) };
  }
  return { supergraphSdl: result.supergraphSdl };
}

process.stdout.write(
  `${JSON.stringify({ guild: outcome(composeWithGuild(services)), apollo: outcome(composeWithApollo(services)) })}\n`,
);
