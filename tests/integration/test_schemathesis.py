"""Schemathesis over the whole GraphQL schema, in process: every query and mutation,
the federation fields `_entities` and `_service` included, with generated
arguments, as the demo's Oslo procurement officer (who is also its ADMIN). No
answer may be a 5xx or carry INTERNAL_SERVER_ERROR.

Bounded and repeatable: CASES_PER_OPERATION cases per operation from a fixed
seed, no shrinking, no example database; one app and one demo world serve all.
IDs are drawn from the demo world's ids as well as made up, so resolvers get
past "not found"; `_Any` representations name every entity type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import graphql
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from schemathesis.python import asgi

from api.app import Services, create_app
from api.tokens import mint_dev_token
from authz.enforcer import Authorizer
from schema.app_schema import build_schema
from services.demo import DemoWorld, seed_demo
from settings import Settings
from storage import db

CASES_PER_OPERATION = 40
SEED = 20_261_001
OFFICER = "innkjop@oslo.kommune.no"
ENTITY_TYPES = ["AuditReport", "Contract", "Facility", "FocusArea", "Network", "Organization"]
URL = f"http://{asgi.HOST}/graphql"

_loaded = schemathesis.graphql.from_dict(build_schema(Settings()).introspect())
# The federation fields are left out unless asked for by name.
_federation = _loaded.include(name=["Query._entities", "Query._service"])
OPERATIONS = {
    operation.label: operation
    for schema in (_loaded, _federation)
    for operation in (result.ok() for result in schema.get_all_operations())
}


class Demo:
    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}


def field(name: str, value: graphql.ValueNode) -> graphql.ObjectFieldNode:
    return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)


def register_scalars(world: DemoWorld) -> None:
    """IDs and representations that often name real rows; uploads as plain strings
    (a JSON request cannot carry a file: the server must refuse it cleanly)."""
    known = sorted(
        {
            *world.organizations.values(),
            *world.facilities.values(),
            *world.reports.values(),
            world.framework_agreement_id,
            world.national_network_id,
            world.focus_area_id,
        }
    )
    ids = st.one_of(st.sampled_from(known), st.text(max_size=40))
    schemathesis.graphql.scalar("ID", ids.map(nodes.String))
    schemathesis.graphql.scalar(
        "_Any",
        st.builds(
            lambda typename, id_: nodes.Object(
                [field("__typename", nodes.String(typename)), field("id", nodes.String(id_))]
            ),
            st.one_of(st.sampled_from(ENTITY_TYPES), st.text(max_size=20)),
            ids,
        ),
    )
    schemathesis.graphql.scalar("Upload", st.text(max_size=20).map(nodes.String))
    schemathesis.graphql.scalar(
        "JSON",
        st.dictionaries(
            st.sampled_from(["forcedLabour", "policies", "grievanceMechanism", "unknown"]),
            st.text(max_size=20),
            max_size=3,
        ).map(
            lambda answers: nodes.Object([field(k, nodes.String(v)) for k, v in answers.items()])
        ),
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo world on SQLite behind one running app (one lifespan for all cases)."""
    config = Settings(data_dir=tmp_path_factory.mktemp("schemathesis") / "data")
    engine = db.make_engine(config.resolved_database_url)
    db.upgrade(engine)
    Authorizer(engine).seed_default_policies()
    with db.transaction(db.make_session_factory(engine)) as session:
        world = seed_demo(session)
    engine.dispose()
    register_scalars(world)
    token = mint_dev_token(config, email=OFFICER, organization_id=world.oslo_id)
    app = create_app(config, Services.from_settings(config))
    with asgi.get_client(app) as client:
        yield Demo(client, token)


def test_every_operation_is_exercised() -> None:
    assert len(OPERATIONS) >= 24, sorted(OPERATIONS)
    assert {"Query._entities", "Query._service", "Mutation.uploadDocument"} <= set(OPERATIONS)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_operation_answers_with_a_server_error(label: str, demo: Demo) -> None:
    @seed(SEED)
    @settings(
        max_examples=CASES_PER_OPERATION,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=OPERATIONS[label].as_strategy())
    def no_server_error(case: Any) -> None:
        response = case.call(session=demo.client, headers=demo.headers, base_url=URL)
        assert response.status_code < 500, response.text
        body = response.json()
        codes = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
        assert "INTERNAL_SERVER_ERROR" not in codes, (case.body, body)

    no_server_error()
