"""Writing a report: create it, add findings, upload documents (with progress),
submit and publish. Every step is the API's own mutation; an error that names an
input (`extensions.field`) is shown at that input, e.g. the personal-data
guard's at the summary or the document that holds personal data."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
from web.executor import Outcome
from web.forms import optional, text
from web.labels import choices
from web.page import Page, page_route
from web.pages.reports import render_detail

TEXT_FIELDS = ("title", "summary", "commercialNotes", "workerInterviews")


def edges(outcome: Outcome, key: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in (outcome.data.get(key) or {}).get("edges", [])]


async def new_report_form(
    page: Page, values: dict[str, Any] | None = None, outcome: Outcome | None = None
) -> Response:
    options = await page.run("AuthoringOptions")
    return await page.render(
        "reports/new.html",
        status_code=200 if outcome is None else 400,
        values=values or {},
        field_errors=outcome.by_field() if outcome else {},
        general_errors=outcome.general() if outcome else [],
        suppliers=edges(options, "suppliers"),
        auditors=edges(options, "auditors"),
        facilities=edges(options, "facilities"),
        networks=edges(options, "networks"),
        report_types=choices(page.language, "AuditReportType"),
    )


async def new_report(page: Page) -> Response:
    return await new_report_form(page)


async def create_report(page: Page) -> Response:
    form = page.form
    values: dict[str, Any] = {name: text(form, name) for name in TEXT_FIELDS}
    values.update(
        reportType=text(form, "reportType"),
        supplierId=text(form, "supplierId"),
        auditorId=optional(form, "auditorId"),
        networkId=optional(form, "networkId"),
        auditDate=optional(form, "auditDate"),
        facilityIds=[value for value in form.getlist("facilityIds") if isinstance(value, str)],
    )
    data = {key: (value if value != "" else None) for key, value in values.items()}
    data["title"] = values["title"]
    data["supplierId"] = values["supplierId"]
    outcome = await page.run("CreateReport", {"input": data})
    created = outcome.data.get("createAuditReport")
    if created is None:
        return await new_report_form(page, values, outcome)
    return page.redirect(f"/reports/{created['id']}")


async def add_finding(page: Page) -> Response:
    report_id = page.request.path_params["id"]
    form = page.form
    action = optional(form, "correctiveActionDescription")
    finding: dict[str, Any] = {
        "requirement": text(form, "requirement"),
        "severity": text(form, "severity"),
        "description": optional(form, "description"),
        "evidence": optional(form, "evidence"),
        "correctiveAction": (
            {"description": action, "dueDate": optional(form, "correctiveActionDueDate")}
            if action
            else None
        ),
    }
    outcome = await page.run("AddFinding", {"reportId": report_id, "input": finding})
    if outcome.data.get("addFinding") is None:
        return await render_detail(
            page, report_id, outcome, form="finding", values=dict(form.items()), status_code=400
        )
    return page.redirect(f"/reports/{report_id}#findings")


async def upload_document(page: Page) -> Response:
    report_id = page.request.path_params["id"]
    upload = page.form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        missing = Outcome(
            data={},
            errors=(_field_error("file", page.t("Choose a file to upload.")),),
        )
        return await render_detail(page, report_id, missing, form="upload", status_code=400)
    outcome = await page.run(
        "UploadDocument",
        {
            "reportId": report_id,
            "file": upload,
            "classification": text(page.form, "classification") or "RESTRICTED",
        },
    )
    if outcome.data.get("uploadDocument") is None:
        return await render_detail(page, report_id, outcome, form="upload", status_code=400)
    return page.redirect(f"/reports/{report_id}#documents")


async def submit_report(page: Page) -> Response:
    report_id = page.request.path_params["id"]
    outcome = await page.run("SubmitReport", {"id": report_id})
    if outcome.data.get("submitAuditReport") is None:
        return await render_detail(page, report_id, outcome, status_code=400)
    return page.redirect(f"/reports/{report_id}")


async def publish_report(page: Page) -> Response:
    report_id = page.request.path_params["id"]
    outcome = await page.run(
        "PublishReport",
        {
            "id": report_id,
            "shareScope": text(page.form, "shareScope"),
            "networkId": optional(page.form, "networkId"),
        },
    )
    if outcome.data.get("publishAuditReport") is None:
        return await render_detail(
            page,
            report_id,
            outcome,
            form="publish",
            values=dict(page.form.items()),
            status_code=400,
        )
    return page.redirect(f"/reports/{report_id}")


async def verify_action(page: Page) -> Response:
    """The commissioning body verifies a DONE corrective action, or reopens it."""
    finding_id = page.request.path_params["finding_id"]
    report_id = text(page.form, "report")
    outcome = await page.run(
        "VerifyCorrectiveAction",
        {
            "findingId": finding_id,
            "accepted": text(page.form, "accepted") == "yes",
            "note": optional(page.form, "note"),
        },
    )
    if outcome.data.get("verifyCorrectiveAction") is None:
        message = outcome.said()
        failed = Outcome(data={}, errors=(_field_error("verify." + finding_id, message),))
        return await render_detail(page, report_id, failed, status_code=400)
    return page.redirect(f"/reports/{report_id}#findings")


def _field_error(field: str, message: str) -> Any:
    from web.executor import OperationError

    return OperationError(message=message, code="BAD_USER_INPUT", field=field)


def routes(backend: Backend) -> list[BaseRoute]:
    return [
        page_route(backend, "/reports/new", new_report),
        page_route(backend, "/reports/new", create_report, methods=["POST"]),
        page_route(backend, "/reports/{id}/findings", add_finding, methods=["POST"]),
        page_route(backend, "/reports/{id}/documents", upload_document, methods=["POST"]),
        page_route(backend, "/reports/{id}/submit", submit_report, methods=["POST"]),
        page_route(backend, "/reports/{id}/publish", publish_report, methods=["POST"]),
        page_route(
            backend, "/corrective-actions/{finding_id}/verify", verify_action, methods=["POST"]
        ),
    ]
