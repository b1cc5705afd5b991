// Compose the kjede subgraph with the real Apollo gateway and run operations through it.
//
// Usage: node gateway.mjs <subgraph-url> <operations.json>
//   (or KJEDE_SUBGRAPH_URL / KJEDE_OPERATIONS instead of the arguments)
// operations.json: [{ "name", "query", "variables"?, "operationName"?, "headers"? }]
// Prints one JSON object on stdout: { supergraphSdl, results: { <name>: <response> } }.
//
// No @apollo/server: the gateway's own executor runs each operation, with the
// request context Apollo Server would build (parsed and validated document,
// operation, query hash, headers). The caller's Authorization header travels in
// the context and willSendRequest forwards it to the subgraph, as a production
// gateway must; introspection at startup goes without one.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { getOperationAST, parse, validate } from "graphql";

const SUBGRAPH_NAME = "kjede";

// Gateway logs go to stderr; stdout carries only the JSON result.
const logger = {
  debug: () => {},
  info: (message) => console.error(`[gateway] ${message}`),
  warn: (message) => console.error(`[gateway] warn: ${message}`),
  error: (message) => console.error(`[gateway] error: ${message}`),
};

class AuthForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    const authorization = context?.authorization;
    if (authorization) {
      request.http.headers.set("authorization", authorization);
    }
  }
}

function lowerCaseHeaders(headers) {
  return new Headers(
    Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
}

async function execute(executor, schema, operation) {
  const { query, variables = {}, operationName = null } = operation;
  let document;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [{ message: error.message, extensions: { code: "GRAPHQL_PARSE_FAILED" } }] };
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    return {
      errors: validationErrors.map((error) => ({
        message: error.message,
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      })),
    };
  }
  const operationAst = getOperationAST(document, operationName);
  if (!operationAst) {
    return { errors: [{ message: `no operation ${operationName ?? "(unnamed)"} in the document` }] };
  }
  const headers = lowerCaseHeaders(operation.headers);
  const requestContext = {
    request: { query, variables, operationName, http: { method: "POST", url: "/", headers } },
    document,
    source: query,
    schema,
    operation: operationAst,
    operationName: operationAst.name?.value ?? null,
    queryHash: createHash("sha256").update(query).digest("hex"),
    context: { authorization: headers.get("authorization") },
    logger,
    metrics: {},
    cache: undefined,
    overallCachePolicy: undefined,
  };
  const response = await executor(requestContext);
  return JSON.parse(JSON.stringify(response));
}

async function main() {
  const subgraphUrl = process.argv[2] ?? process.env.KJEDE_SUBGRAPH_URL;
  const operationsPath = process.argv[3] ?? process.env.KJEDE_OPERATIONS;
  if (!subgraphUrl || !operationsPath) {
    console.error("usage: node gateway.mjs <subgraph-url> <operations.json>");
    process.exit(2);
  }
  const operations = JSON.parse(readFileSync(operationsPath, "utf8"));

  let supergraphSdl = null;
  const gateway = new ApolloGateway({
    logger,
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [{ name: SUBGRAPH_NAME, url: subgraphUrl }],
      logger,
    }),
    buildService: ({ url }) => new AuthForwardingDataSource({ url }),
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    supergraphSdl = coreSupergraphSdl;
  });

  let loaded;
  try {
    loaded = await gateway.load();
  } catch (error) {
    console.error(`composition failed: ${error.stack ?? error}`);
    process.exit(3);
  }
  try {
    const results = {};
    for (const operation of operations) {
      results[operation.name] = await execute(loaded.executor, loaded.schema, operation);
    }
    process.stdout.write(`${JSON.stringify({ supergraphSdl, results })}\n`);
  } finally {
    await gateway.stop();
  }
}

await main();
