"""The Apollo Federation 2 subgraph: one schema module per domain, merged here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import strawberry
from graphql import ASTValidationRule
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from schema.audit_log import AuditLogQueries
from schema.audit_reports import COMPILED_ROOTS, AuditReportMutations, AuditReportQueries
from schema.compiled import compiled_executor
from schema.contracts import ContractMutations, ContractQueries
from schema.coordination import CoordinationMutations, CoordinationQueries
from schema.corrective_actions.mutations import CorrectiveActionMutations
from schema.cost import Limits, QueryLimits, alias_rule, describe_list_sizes
from schema.document_uploads import DocumentUploadMutations, DocumentUploadQueries
from schema.engagements import EngagementMutations, EngagementQueries
from schema.errors import ErrorCodes, log_encodably
from schema.facilities import FacilityQueries
from schema.frameworks import FrameworkMutations, FrameworkQueries
from schema.input_guard import RejectUnstorableText, describe_list_arguments
from schema.networks import NetworkMutations, NetworkQueries
from schema.organizations import OrganizationQueries
from schema.reuse import NoteCleanQuery
from schema.self_reports import SelfReportMutations, SelfReportQueries, SelfReportSubscriptions
from schema.streams import StreamingSchema
from schema.supply_chain import SupplyChainQueries
from schema.viewer import ViewerQueries
from settings import Settings

DOCUMENT_CACHE_SIZE = 1024
"""Parsed and validated documents kept (strawberry's LRU caches live at module level,
keyed by this size, so they are shared by every request)."""


@strawberry.type
class Query(
    ViewerQueries,
    OrganizationQueries,
    NetworkQueries,
    ContractQueries,
    FacilityQueries,
    AuditReportQueries,
    DocumentUploadQueries,
    EngagementQueries,
    CoordinationQueries,
    SelfReportQueries,
    SupplyChainQueries,
    FrameworkQueries,
    AuditLogQueries,
):
    pass


@strawberry.type
class Mutation(
    NetworkMutations,
    ContractMutations,
    AuditReportMutations,
    DocumentUploadMutations,
    EngagementMutations,
    CoordinationMutations,
    SelfReportMutations,
    FrameworkMutations,
    CorrectiveActionMutations,
):
    pass


@strawberry.type
class Subscription(SelfReportSubscriptions):
    """Over a websocket only (schema/streams.py)."""


# The highest Federation version both composers accept: @theguild/federation-
# composition (Hive Gateway) links up to v2.9, @apollo/composition up to v2.11.
# tests/integration/test_federation.py composes with both.
FEDERATION_VERSION: Final = "2.9"


def build_schema(settings: Settings) -> strawberry.federation.Schema:
    """Hardened for a public API from day one: limits, caches, no suggestions,
    and no introspection in prod (the gateway reads `_service { sdl }`).

    Validation rules are built here, once per schema: a rule class built per
    request would make every request miss the validation cache."""
    log_encodably()
    rules: tuple[type[ASTValidationRule], ...] = (alias_rule(settings.max_aliases),)
    if not settings.is_dev:
        rules += (NoSchemaIntrospectionCustomRule,)
    limits = Limits.from_settings(settings)
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        ErrorCodes,
        RejectUnstorableText,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: AddValidationRules(list(rules)),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: QueryLimits(limits),
        NoteCleanQuery,
    ]
    schema = StreamingSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        federation_version=FEDERATION_VERSION,
        config=StrawberryConfig(disable_field_suggestions=True),
        max_entities=settings.max_entities,
        execution_context_class=(
            compiled_executor(COMPILED_ROOTS) if settings.compiled_queries else None
        ),
    )
    describe_list_sizes(schema._schema, limits)
    describe_list_arguments(schema._schema, settings.max_list_length)
    return schema
