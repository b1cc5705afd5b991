"""The self-report pages over HTTP, in-process (no browser): a refused answer comes
back at its question with what was typed kept, a row's error at its row; every
submission is a new version; a contracted buyer reads the latest with withheld
answers named, an outsider gets the not-found page until the supplier grants it
access, and again once it revokes it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import Services, create_app
from domain.enums import OrganizationKind, Role
from settings import Settings
from tests.conftest import World, gql
from tests.web.forms import csrf_token, dev_sign_in

SUPPLIER = "sam@acme.no"
BUYER = "kari@oslo.kommune.no"
OUTSIDER = "per@bergen.kommune.no"
CONTRACT = "mutation($input: ContractInput!) { createContract(input: $input) { id } }"
ANSWERS = {
    "answers.humanRightsPolicy": "yes",
    "answers.supplierCodeOfConduct": "no",
    "answers.policyOwner": "Siri Hansen, CEO",
    "answers.forcedLabour": "COMPLIANT",
    "answers.freedomOfAssociation": "PARTLY_COMPLIANT",
    "answers.nonDiscrimination": "COMPLIANT",
    "answers.childLabour": "COMPLIANT",
    "answers.occupationalSafety": "NOT_ASSESSED",
    "answers.grievanceMechanism": "no",
    "answers.grievanceCasesLastYear": "3",
    "answers.usesSubcontractors": "no",
    "answers.certifications": ["SA8000", "ISO_14001"],
}
SITE = {
    "productionSites.0.name": "Perak Nitrile Gloves, Plant 2",
    "productionSites.0.country": "MY",
    "productionSites.1.name": "",  # an empty row is left out
    "productionSites.1.country": "",
}


@pytest.fixture
def people(engine: object, settings: Settings, world: World) -> Iterator[dict[str, Any]]:
    supplier = world.org("Acme Gloves AS", OrganizationKind.SUPPLIER)
    oslo = world.org("Oslo kommune")
    bergen = world.org("Bergen kommune")
    world.user(SUPPLIER, supplier, Role.SUPPLIER_REPORTER)
    buyer_token = world.user(BUYER, oslo, Role.PROCUREMENT_OFFICER)
    world.user(OUTSIDER, bergen, Role.PROCUREMENT_OFFICER)
    app = create_app(settings, Services.from_settings(settings))
    english = {"Accept-Language": "en"}
    with TestClient(app, headers=english) as first:
        contract = {"supplierId": supplier, "title": "Hansker", "productCategory": "gloves"}
        created = gql(
            first, CONTRACT, buyer_token, {"input": {**contract, "startDate": "2025-01-01"}}
        )
        assert not created.get("errors"), created
        clients = {}
        for email, organization in ((SUPPLIER, supplier), (BUYER, oslo), (OUTSIDER, bergen)):
            clients[email] = first if email == SUPPLIER else TestClient(app, headers=english)
            dev_sign_in(clients[email], email, organization)
        yield {"clients": clients, "supplier": supplier, "bergen": bergen}


def post(client: TestClient, path: str, form: dict[str, Any], page: str) -> Any:
    token = csrf_token(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def test_a_supplier_submits_versions_a_buyer_reads_them(people: dict[str, Any]) -> None:
    supplier = people["clients"][SUPPLIER]
    form = supplier.get("/self-reports/new")
    assert form.status_code == 200
    assert "<legend>ILO core conventions</legend>" in form.text

    without = {key: value for key, value in ANSWERS.items() if key != "answers.forcedLabour"}
    refused = post(supplier, "/self-reports/new", {**without, **SITE}, "/self-reports/new")
    assert refused.status_code == 400
    assert re.search(
        r'id="field-answers.forcedLabour-error">answers.forcedLabour is required', refused.text
    )
    assert 'href="#field-answers.forcedLabour"' in refused.text  # the summary links to it
    assert ">Siri Hansen, CEO</textarea>" in refused.text  # what was typed is kept
    bad_site = {**SITE, "productionSites.0.country": "Malaysia"}
    refused = post(supplier, "/self-reports/new", {**ANSWERS, **bad_site}, "/self-reports/new")
    assert 'id="field-productionSites.0.country-error"' in refused.text

    for expected in (1, 2):
        done = post(supplier, "/self-reports/new", {**ANSWERS, **SITE}, "/self-reports/new")
        assert done.status_code == 303
        assert done.headers["location"] == f"/self-reports/{people['supplier']}"
        page = supplier.get(done.headers["location"])
        assert f"<dd>{expected} (the latest)</dd>" in page.text
    assert 'href="?version=1"' in page.text and "Perak Nitrile Gloves, Plant 2" in page.text
    assert supplier.get(done.headers["location"] + "?version=1").status_code == 200
    assert supplier.get(done.headers["location"] + "?version=3").status_code == 404

    read = people["clients"][BUYER].get(f"/self-reports/{people['supplier']}")
    assert read.status_code == 200
    assert 'data-withheld="answers.policyOwner"' in read.text and "Personal data" in read.text
    assert "Siri Hansen" not in read.text
    assert "SA8000, ISO 14001" in read.text
    assert 'action="/self-reports/access/grant"' not in read.text  # only the supplier grants


def test_access_follows_the_suppliers_grant(people: dict[str, Any]) -> None:
    supplier, outsider = people["clients"][SUPPLIER], people["clients"][OUTSIDER]
    own = f"/self-reports/{people['supplier']}"
    assert post(supplier, "/self-reports/new", ANSWERS, "/self-reports/new").status_code == 303
    assert outsider.get(own).status_code == 404

    refused = post(
        supplier, "/self-reports/access/grant", {"organizationId": people["bergen"]}, own
    )
    assert refused.status_code == 400 and 'id="field-purpose-error"' in refused.text
    grant = {"organizationId": people["bergen"], "purpose": "Tender evaluation"}
    assert post(supplier, "/self-reports/access/grant", grant, own).status_code == 303
    assert "Tender evaluation" in supplier.get(own).text
    assert outsider.get(own).status_code == 200

    revoke = {"organizationId": people["bergen"]}
    assert post(supplier, "/self-reports/access/revoke", revoke, own).status_code == 303
    assert outsider.get(own).status_code == 404
    assert outsider.get("/self-reports/new").status_code == 403  # only a supplier submits


def test_refusals_are_in_the_page_language_or_marked_as_english(
    people: dict[str, Any],
) -> None:
    supplier = people["clients"][SUPPLIER]
    own = f"/self-reports/{people['supplier']}"
    supplier.headers["Accept-Language"] = "nb"
    grant = "/self-reports/access/grant"

    empty = post(supplier, grant, {"organizationId": people["bergen"], "purpose": " "}, own)
    assert empty.status_code == 400 and "må fylles ut" in empty.text
    mine = {"organizationId": people["supplier"], "purpose": "Anbud"}
    itself = post(supplier, grant, mine, own)
    assert "din egen organisasjon leser allerede sine egenrapporter" in itself.text
    nobody = post(supplier, grant, {"organizationId": "org-0", "purpose": "Anbud"}, own)
    # Not translated: shown in English, and marked so for a screen reader.
    assert re.search(
        r'<span lang="en">no organisation with id org-0 \(organizationId\)</span>', nobody.text
    ), nobody.text
