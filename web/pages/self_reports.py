"""Self-reports: a supplier's reporter answers the questionnaire once for all its
buyers (every submission a new version, the earlier ones stay readable); whoever
may read a supplier's self-reports (its members, public bodies with an active
contract, organisations it granted access) reads a version, each withheld answer
marked with its classification; the supplier grants and revokes access on its page.

The API has no self-report by id: a version is read as the one page of one item
after the cursor of the version before it."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from authz.policies import GRANTS, Action, Resource
from authz.records import SELF_REPORT
from domain.enums import Role
from domain.questionnaire import CURRENT, QUESTIONNAIRES
from web.backend import Backend
from web.executor import OperationError, Outcome
from web.forms import text
from web.page import Page, page_route
from web.questionnaire import ROWS, answers_from, chosen, error_target, options, rows_from, sections
from web.withheld import withheld_map

PAGE_SIZE = 200  # the API's largest page; the version lists follow every page
EMPTY_ROWS = 2  # empty rows offered below the filled ones of a repeated group
MORE_ROWS = 5  # added by a group's "More rows" button
SUBMITTERS = GRANTS[(Resource.SELF_REPORT, Action.SUBMIT)]
GRANTORS = GRANTS[(Resource.SELF_REPORT, Action.GRANT)]


def own_organization(page: Page) -> str:
    return page.principal.organization_id if page.principal else ""


def may(page: Page, roles: frozenset[Role]) -> bool:
    """A supplier's member with one of ROLES (the API checks again)."""
    return page.is_supplier and bool(page.roles & roles)


async def every_edge(
    page: Page, operation: str, variables: dict[str, Any]
) -> tuple[list[dict[str, Any]], tuple[OperationError, ...]]:
    """Every edge of the operation's `selfReports`, page by page (oldest first), and
    the errors that ended the list early, if any."""
    edges: list[dict[str, Any]] = []
    after = None
    while True:
        outcome = await page.run(operation, {**variables, "first": PAGE_SIZE, "after": after})
        connection = outcome.data.get("selfReports") or {}
        edges.extend(connection.get("edges", []))
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return edges, outcome.errors
        after = info["endCursor"]


async def read_version(
    page: Page, supplier_id: str, edges: list[dict[str, Any]], index: int
) -> dict[str, Any] | None:
    """The whole version at INDEX of the supplier's list (one page after its predecessor)."""
    after = edges[index - 1]["cursor"] if index > 0 else None
    outcome = await page.run("SelfReportVersion", {"supplierId": supplier_id, "after": after})
    found = (outcome.data.get("selfReports") or {}).get("edges", [])
    return found[0]["node"] if found else None


async def self_report_list(page: Page) -> Response:
    edges, errors = await every_edge(page, "SelfReportIndex", {})
    latest = {edge["node"]["supplier"]["id"]: edge["node"] for edge in edges}  # the last is latest
    return await page.render(
        "self_reports/list.html",
        reports=sorted(latest.values(), key=lambda report: report["supplier"]["name"]),
        own=own_organization(page),
        may_submit=may(page, SUBMITTERS),
        errors=errors,
    )


async def self_report_detail(page: Page) -> Response:
    return await render_detail(page, page.request.path_params["supplier_id"])


async def render_detail(
    page: Page,
    supplier_id: str,
    outcome: Outcome | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The supplier's chosen version (`?version=`, else the latest) and its versions;
    on its own page the supplier also manages access (OUTCOME: a refused grant)."""
    own = supplier_id == own_organization(page)
    edges, _ = await every_edge(page, "SelfReportVersions", {"supplierId": supplier_id})
    wanted = page.request.query_params.get("version")
    numbers = [str(edge["node"]["version"]) for edge in edges]
    if (not edges and not own) or (wanted and wanted not in numbers):
        return await page.not_found()
    index = numbers.index(wanted) if wanted else len(edges) - 1
    report = await read_version(page, supplier_id, edges, index) if edges else None
    access = await page.run("SelfReportAccess") if own and may(page, GRANTORS) else None
    field_errors = outcome.by_field() if outcome else {}
    return await page.render(
        "self_reports/detail.html",
        status_code=status_code,
        supplier_name=edges[0]["node"]["supplier"]["name"] if edges else None,
        versions=[edge["node"] for edge in edges],
        report=report,
        questionnaire=QUESTIONNAIRES[report["questionnaireVersion"]] if report else None,
        sections=sections(QUESTIONNAIRES[report["questionnaireVersion"]]) if report else [],
        withheld=withheld_map(report["redactedFields"], SELF_REPORT) if report else {},
        own=own,
        may_submit=own and may(page, SUBMITTERS),
        may_grant=access is not None,
        grants=nodes(access, "selfReportGrants"),
        organizations=[
            (organization["id"], f"{organization['name']} ({organization['country']})")
            for organization in nodes(access, "organizations")
            if organization["id"] != supplier_id
        ],
        values=values or {},
        field_errors=field_errors,
        general_errors=outcome.general() if outcome else [],
        error_targets={field: f"field-{field}" for field in field_errors},
    )


def nodes(outcome: Outcome | None, key: str) -> list[dict[str, Any]]:
    if outcome is None:
        return []
    return [edge["node"] for edge in (outcome.data.get(key) or {}).get("edges", [])]


async def new_version_form(page: Page) -> Response:
    if not may(page, SUBMITTERS):
        return await page.refused(page.t("Only a supplier's reporter submits its self-report."))
    supplier_id = own_organization(page)
    edges, _ = await every_edge(page, "SelfReportVersions", {"supplierId": supplier_id})
    latest = await read_version(page, supplier_id, edges, len(edges) - 1) if edges else None
    if latest is None:
        return await render_form(page, {}, {group: [] for group in ROWS})
    rows = {
        group: [{name: item.get(name) or "" for name in ROWS[group]} for item in latest[group]]
        for group in ROWS
    }
    return await render_form(page, dict(latest["answers"]), rows)


async def submit_version(page: Page) -> Response:
    if not may(page, SUBMITTERS):
        return await page.refused(page.t("Only a supplier's reporter submits its self-report."))
    answers = answers_from(page.form)
    rows = {group: rows_from(page.form, group) for group in ROWS}
    more = text(page.form, "addRows")
    if more in ROWS:  # more empty rows, nothing submitted
        return await render_form(page, answers, rows, more=more)
    outcome = await page.run("SubmitSelfReport", {"input": {"answers": answers, **rows}})
    created = outcome.data.get("submitSelfReport")
    if created is None:
        return await render_form(page, answers, rows, outcome)
    return page.redirect(f"/self-reports/{created['supplier']['id']}")


async def render_form(
    page: Page,
    answers: dict[str, Any],
    rows: dict[str, list[dict[str, str]]],
    outcome: Outcome | None = None,
    more: str | None = None,
) -> Response:
    field_errors = outcome.by_field() if outcome else {}
    empty = {group: EMPTY_ROWS + (MORE_ROWS if group == more else 0) for group in ROWS}
    return await page.render(
        "self_reports/form.html",
        status_code=200 if outcome is None else 400,
        supplier_id=own_organization(page),
        sections=sections(CURRENT),
        questionnaire=CURRENT,
        answers=answers,
        rows={
            group: filled + [dict.fromkeys(ROWS[group], "")] * empty[group]
            for group, filled in rows.items()
        },
        options=options,
        chosen=chosen,
        field_errors=field_errors,
        general_errors=outcome.general() if outcome else [],
        error_targets={field: error_target(field) for field in field_errors},
    )


async def grant_access(page: Page) -> Response:
    supplier_id = own_organization(page)
    organization_id = text(page.form, "organizationId")
    if not organization_id:
        missing = OperationError(
            page.t("Choose an organisation."), "BAD_USER_INPUT", "organizationId"
        )
        return await render_detail(
            page, supplier_id, Outcome({}, (missing,)), dict(page.form.items()), 400
        )
    outcome = await page.run(
        "GrantSelfReportAccess",
        {"organizationId": organization_id, "purpose": text(page.form, "purpose")},
    )
    if not outcome.data.get("grantSelfReportAccess"):
        return await render_detail(page, supplier_id, outcome, dict(page.form.items()), 400)
    return page.redirect(f"/self-reports/{supplier_id}#access")


async def revoke_access(page: Page) -> Response:
    supplier_id = own_organization(page)
    outcome = await page.run(
        "RevokeSelfReportAccess", {"organizationId": text(page.form, "organizationId")}
    )
    if not outcome.data.get("revokeSelfReportAccess"):
        return await render_detail(page, supplier_id, outcome, status_code=400)
    return page.redirect(f"/self-reports/{supplier_id}#access")


def routes(backend: Backend) -> list[BaseRoute]:
    return [
        page_route(backend, "/self-reports", self_report_list),
        page_route(backend, "/self-reports/new", new_version_form),
        page_route(backend, "/self-reports/new", submit_version, methods=["POST"]),
        page_route(backend, "/self-reports/access/grant", grant_access, methods=["POST"]),
        page_route(backend, "/self-reports/access/revoke", revoke_access, methods=["POST"]),
        page_route(backend, "/self-reports/{supplier_id}", self_report_detail),
    ]
