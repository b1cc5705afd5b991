// Hive Gateway (@graphql-hive/gateway, MIT) in front of the kjede API replicas.
//
// The supergraph is composed here with @theguild/federation-composition from the
// subgraph's own SDL (`_service { sdl }`, asked with the gateway secret), and
// composed again every KJEDE_COMPOSE_INTERVAL_MS. Every replica serves the same
// schema, so the gateway sees one subgraph, "kjede", at KJEDE_SUBGRAPH_URL; with
// Docker Compose that name resolves to all `api` replicas. KJEDE_SUBGRAPH_URLS
// (comma-separated) instead spreads subgraph requests round-robin over the
// listed replicas. KJEDE_OTHER_SUBGRAPHS (comma-separated name=url) adds other
// services' subgraphs to the composition; their types may refer to kjede's
// entities by key, and the gateway then resolves those through kjede's
// `_entities`. The caller's Authorization header travels to every subgraph,
// and kjede authenticates and authorises every request itself; the gateway
// secret goes to kjede only.
import { defineConfig } from "@graphql-hive/gateway";
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";

const env = process.env;
const KJEDE = "kjede";
const replicas = (env.KJEDE_SUBGRAPH_URLS ?? env.KJEDE_SUBGRAPH_URL ?? "http://api:8000/graphql")
  .split(",")
  .map((url) => url.trim())
  .filter(Boolean);
const others = (env.KJEDE_OTHER_SUBGRAPHS ?? "")
  .split(",")
  .map((entry) => entry.trim())
  .filter(Boolean)
  .map((entry) => {
    const split = entry.indexOf("=");
    const [name, url] = [entry.slice(0, split).trim(), entry.slice(split + 1).trim()];
    if (split < 1 || !url || name === KJEDE) {
      throw new Error(`KJEDE_OTHER_SUBGRAPHS: expected name=url (not ${KJEDE}), got ${entry}`);
    }
    return { name, url };
  });
const secret = env.KJEDE_GATEWAY_SECRET ?? "";
const SUBGRAPH_URL = replicas[0];

async function subgraphSdl(url, headers) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const body = await response.json();
  const sdl = body?.data?._service?.sdl;
  if (!sdl) {
    throw new Error(`no subgraph SDL from ${url}: ${JSON.stringify(body).slice(0, 500)}`);
  }
  return parse(sdl);
}

async function supergraph() {
  const services = await Promise.all([
    subgraphSdl(SUBGRAPH_URL, { "x-kjede-gateway-secret": secret }).then((typeDefs) => ({
      name: KJEDE,
      typeDefs,
      url: SUBGRAPH_URL,
    })),
    ...others.map(async ({ name, url }) => ({ name, typeDefs: await subgraphSdl(url, {}), url })),
  ]);
  const result = composeServices(services);
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
    fromClientToSubgraphs: ({ request, subgraphName }) => {
      const headers = {};
      const authorization = request.headers.get("authorization");
      if (authorization) headers.authorization = authorization;
      if (secret && subgraphName === KJEDE) headers["x-kjede-gateway-secret"] = secret;
      return headers;
    },
  },
  plugins: () => [roundRobin],
});
