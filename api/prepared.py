"""A fast path for a JSON query whose document has already run clean.

For every request, strawberry's view and the schema's extensions redo work that
depends on the document alone: the extensions are built and entered, the parse,
token and validation caches are consulted, the operation is chosen, the input
guard looks the document's facts up, and the cost is priced again. Once the
normal path has answered a document (with its `operationName`) as a query
without errors, all of that is known: the text parses within the token limit,
validates, names one operation, and carries nothing the input guard refuses by
the document alone. A later POST of the same text and operation name runs here,
on the same context (the request's scope, services and kernel):

- the body decoded by the same strict decoder (`api.limits.decode_json`), with
  the shape checks strawberry applies to `query`, `variables` and `extensions`;
- the verdicts that depend on the request, by the same functions: the input
  guard on the variables (`schema.input_guard.unstorable_variable`) and the
  depth and cost (`schema.cost.refusal`, kept per document and variables);
- graphql-core's `execute` with the schema's executor class, root value None,
  the operation name strawberry would pass, the variables and `extensions`;
- errors processed as strawberry does (`_process_errors`: suggestions removed,
  logged) and then shaped by `schema.errors.shape_error`, as `ErrorCodes` does;
  `Context.clean_query` set as `NoteCleanQuery` does; the view's own
  `process_result` (an outage still answers 503) and `create_response`.

Anything else goes the normal way, which answers it with its own errors: GET, a
multipart upload, a batch, a body that is not a JSON object of the expected
shape, a streaming `Accept`, an `Idempotency-Key`, a mutation, a document asking
for `_service` or `_entities` or holding an Upload, or a request whose variables
the guard or the cost limit refuses. The fast path is off unless the schema's
extensions are exactly those it reproduces (`EXTENSIONS`), so adding one
without teaching this module about it turns the fast path off rather than
skipping the new extension.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
)
from graphql.execution.middleware import MiddlewareManager
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.schema import Schema
from strawberry.types import ExecutionResult

from api import limits
from schema.app_schema import DOCUMENT_CACHE_SIZE
from schema.context import Context
from schema.cost import Limits, operation_to_run, refusal
from schema.errors import shape_error
from schema.input_guard import DOCUMENT_FACTS, DocumentFacts, unstorable_variable
from services import idempotency
from settings import Settings

EXTENSIONS = (
    "ErrorCodes",
    "InputGuard",
    "MaxTokensLimiter",
    "ParserCache",
    "AddValidationRules",
    "ValidationCache",
    "QueryLimits",
    "NoteCleanQuery",
)
"""The schema's extensions, in order, whose every effect this module reproduces."""

DOCUMENTS = DOCUMENT_CACHE_SIZE
"""Documents remembered (as many as the parse and validation caches keep)."""
VERDICTS_PER_DOCUMENT = 64
"""Cost verdicts remembered per document, one per distinct variables."""
JSON = "application/json"


@dataclass
class Served:
    """How many requests the fast path answered in this process (tests read it)."""

    fast: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self) -> None:
        with self._lock:
            self.fast += 1


served = Served()


@dataclass
class Prepared:
    """A document that ran clean as a query, with what its requests share."""

    document: DocumentNode
    operation: OperationDefinitionNode
    # What strawberry tells graphql-core (`ExecutionContext.operation_name`):
    # the name sent, else the operation's own.
    operation_name: str | None
    # The cost verdict (None: within the limits) per digest of the canonical variables.
    verdicts: OrderedDict[bytes, GraphQLError | None] = field(default_factory=OrderedDict)


@dataclass(frozen=True)
class Operation:
    """What one request asks of a prepared document."""

    prepared: Prepared
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None


def reproduces(schema: Schema) -> bool:
    """Does the fast path do all the schema does per request? Only the extensions
    in EXTENSIONS, none wrapping resolvers, no operation directives, and no
    incremental delivery."""
    extensions = schema.get_extensions()
    return (
        tuple(type(extension).__name__ for extension in extensions) == EXTENSIONS
        and not any(extension._implements_resolve() for extension in extensions)
        and not getattr(schema, "directives", ())
        and not schema.config.enable_experimental_incremental_execution
    )


def document_key(payload: dict[str, Any]) -> tuple[bytes, str | None]:
    """What a prepared document is found by: its text's digest and the name sent."""
    query: str = payload["query"]
    digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()
    return digest, payload.get("operationName")


def eligible(facts: DocumentFacts) -> bool:
    """Nothing in the document needs the request beyond its variables."""
    return (
        facts.gateway_field is None
        and facts.unstorable_literal is None
        and not facts.upload_variables
        and facts.upload_literal is None
        and not facts.entities
    )


class PreparedQueries:
    """The documents that may take the fast path, and the fast path itself."""

    def __init__(
        self, view: GraphQL[Context, None], settings: Settings, size: int = DOCUMENTS
    ) -> None:
        schema = view.schema
        if not isinstance(schema, Schema):  # pragma: no cover - build_schema's is one
            raise TypeError("the fast path runs on a strawberry Schema")
        self.view = view
        self.schema = schema
        self.limits = Limits.from_settings(settings)
        self.max_items = settings.max_list_length
        self.max_tokens = settings.max_tokens
        self.parse = _get_parse_cache(DOCUMENT_CACHE_SIZE)
        self.size = size
        self.enabled = settings.prepared_queries and reproduces(schema)
        # (digest of the query, operationName) -> Prepared, or None: known, and not
        # eligible. Digests, so a cache of large documents does not hold their text.
        self.documents: OrderedDict[tuple[bytes, str | None], Prepared | None] = OrderedDict()

    # --- which requests -----------------------------------------------------------

    async def payload(self, request: Request) -> dict[str, Any] | None:
        """The request's JSON object when it is a plain JSON POST, else None."""
        headers = request.headers
        content_type = headers.get("content-type") or ""
        if (
            not self.enabled
            or request.method != "POST"
            or content_type.split(";", 1)[0].strip() != JSON
            or idempotency.HEADER in headers
            or self.view._get_stream_transport_from_headers(headers) is not None
        ):
            return None
        try:
            payload = limits.decode_json(await request.body())
        except Exception:  # the view answers it with its own error
            return None
        if not isinstance(payload, dict):
            return None
        query, name = payload.get("query"), payload.get("operationName")
        variables, extensions = payload.get("variables"), payload.get("extensions")
        if (
            not isinstance(query, str)
            or not isinstance(name, str | None)
            or not isinstance(variables, dict | None)
            or not isinstance(extensions, dict | None)
        ):
            return None
        return payload

    def operation(self, payload: dict[str, Any]) -> Operation | None:
        """The request's operation when its document is prepared and nothing the
        request sent would be refused; None sends it the normal way."""
        prepared = self.documents.get(document_key(payload))
        if prepared is None:
            return None
        variables: dict[str, Any] | None = payload.get("variables")
        if unstorable_variable(variables or {}, self.max_items) is not None:
            return None
        if self.cost_refusal(prepared, variables) is not None:
            return None
        return Operation(prepared, variables, payload.get("extensions"))

    def cost_refusal(
        self, prepared: Prepared, variables: dict[str, Any] | None
    ) -> GraphQLError | None:
        """`schema.cost.refusal` for these variables, priced once per distinct set."""
        canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
        key = hashlib.sha256(canonical.encode()).digest()  # ASCII: json.dumps escapes
        verdicts = prepared.verdicts
        if key in verdicts:
            verdicts.move_to_end(key)
            return verdicts[key]
        verdict = refusal(
            self.schema._schema, prepared.document, prepared.operation, variables, self.limits
        )
        verdicts[key] = verdict
        if len(verdicts) > VERDICTS_PER_DOCUMENT:
            verdicts.popitem(last=False)
        return verdict

    def learn(self, payload: dict[str, Any]) -> None:
        """Remember a document the normal path has just answered as a clean query
        (`Context.clean_query`): eligible, or known not to be."""
        query: str = payload["query"]
        name: str | None = payload.get("operationName")
        key = document_key(payload)
        if key in self.documents:
            return
        prepared: Prepared | None = None
        try:
            # strawberry's parse cache: the very DocumentNode the normal path ran,
            # so the input guard's facts of it are found, not walked again.
            document: DocumentNode = self.parse(query, max_tokens=self.max_tokens)
            operation = operation_to_run(document, name)
        except GraphQLError:  # pragma: no cover - it has just run clean
            operation = None
        if operation is not None and operation.operation is OperationType.QUERY:
            facts = DOCUMENT_FACTS.facts(document, self.schema._schema, self.max_items)
            if eligible(facts):
                own = operation.name.value if operation.name else None
                prepared = Prepared(document, operation, name if name is not None else own)
        self.documents[key] = prepared
        if len(self.documents) > self.size:
            self.documents.popitem(last=False)

    # --- the fast path ------------------------------------------------------------

    async def run(self, operation: Operation, context: Context, request: Request) -> Response:
        """Execute and answer as the view would."""
        prepared, schema, view = operation.prepared, self.schema, self.view
        try:
            outcome = execute(
                schema._schema,
                prepared.document,
                root_value=None,
                context_value=context,
                variable_values=operation.variables,
                operation_name=prepared.operation_name,
                middleware=MiddlewareManager(),
                executor_class=getattr(schema, "execution_context_class", None),
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                operation_extensions=operation.extensions,
            )
            executed = await outcome if isawaitable(outcome) else outcome
            data, errors = executed.data, executed.errors
            if errors:
                schema._process_errors(errors)
        except Exception as exc:  # shaped by ErrorCodes, then processed by strawberry
            data, errors = None, [shape_error(GraphQLError(str(exc), original_error=exc))]
            schema._process_errors(errors)
        if not errors:
            context.clean_query = True  # NoteCleanQuery
        result = ExecutionResult(
            data=data, errors=[shape_error(error) for error in errors] if errors else None
        )
        served.count()
        response_data = await view.process_result(request=request, result=result)
        return view.create_response(
            response_data=response_data, sub_response=await view.get_sub_response(request)
        )
