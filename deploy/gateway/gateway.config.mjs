// Hive Gateway (@graphql-hive/gateway, MIT) in front of the kjede API replicas.
//
// The supergraph is composed here with @theguild/federation-composition from the
// subgraph's own SDL (`_service { sdl }`, asked with the gateway secret), and
// composed again every KJEDE_COMPOSE_INTERVAL_MS. Every replica serves the same
// schema, so the gateway sees one subgraph, "kjede", at KJEDE_SUBGRAPH_URL; with
// Docker Compose that name resolves to all `api` replicas. KJEDE_SUBGRAPH_URLS
// (comma-separated) instead spreads subgraph requests round-robin over the
// listed replicas. The caller's Authorization header travels to the subgraph,
// which authenticates and authorises every request itself.
import { defineConfig } from "@graphql-hive/gateway";
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";

const env = process.env;
const replicas = (env.KJEDE_SUBGRAPH_URLS ?? env.KJEDE_SUBGRAPH_URL ?? "http://api:8000/graphql")
  .split(",")
  .map((url) => url.trim())
  .filter(Boolean);
const secret = env.KJEDE_GATEWAY_SECRET ?? "";
const SUBGRAPH_URL = replicas[0];

async function supergraph() {
  const response = await fetch(SUBGRAPH_URL, {
    method: "POST",
    headers: { "content-type": "application/json", "x-kjede-gateway-secret": secret },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const body = await response.json();
  const sdl = body?.data?._service?.sdl;
  if (!sdl) {
    throw new Error(`no subgraph SDL from ${SUBGRAPH_URL}: ${JSON.stringify(body).slice(0, 500)}`);
  }
  const result = composeServices([{ name: "kjede", typeDefs: parse(sdl), url: SUBGRAPH_URL }]);
  if (result.errors?.length) {
    throw new Error(`composition failed: ${result.errors.map((e) => e.message).join("; ")}`);
  }
  return result.supergraphSdl;
}

let next = 0;
const roundRobin = {
  onFetch({ url, setURL }) {
    if (replicas.length > 1 && url === SUBGRAPH_URL) {
      setURL(replicas[next]);
      next = (next + 1) % replicas.length;
    }
  },
};

export const gatewayConfig = defineConfig({
  supergraph,
  pollingInterval: Number(env.KJEDE_COMPOSE_INTERVAL_MS ?? 60_000),
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const headers = {};
      const authorization = request.headers.get("authorization");
      if (authorization) headers.authorization = authorization;
      if (secret) headers["x-kjede-gateway-secret"] = secret;
      return headers;
    },
  },
  plugins: () => [roundRobin],
});
