"""`kjede policy`: an organisation's extra role grants (Casbin rules of its own domain).

Registered in api/cli.py with one `app.add_typer(policy_app, name="policy")`. A
change is a row in casbin_rule; the trigger of migration 0009 advances the
policy version, and every running API process reloads within a second
(authz/policy_sync.py). Imports stay inside the commands so `kjede --help`
loads none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from domain.enums import Role

if TYPE_CHECKING:
    from authz.enforcer import Authorizer

policy_app = typer.Typer(
    help="Extra role grants of one organisation, on top of the default table.",
    no_args_is_help=True,
)


def _authorizer_for(org: str) -> tuple[Authorizer, str, str]:
    """(authorizer, organisation id, organisation name) for an organisation number."""
    from api.cli import fail, unit_of_work
    from authz.enforcer import Authorizer
    from settings import Settings
    from storage import db, tenants

    settings = Settings()
    with unit_of_work(settings) as session:
        organization = tenants.find_organization(session, org)
        found = (organization.id, organization.name)
    engine = db.make_engine(settings.resolved_database_url)
    try:
        return Authorizer(engine), *found
    except ValueError as exc:
        raise fail(str(exc)) from exc


def _checked(resource: str, action: str) -> tuple[str, str]:
    from api.cli import fail
    from authz.policies import Action, Resource

    try:
        return Resource(resource).value, Action(action).value
    except ValueError as exc:
        raise fail(
            f"{exc}; resources: {', '.join(r.value for r in Resource)}; "
            f"actions: {', '.join(a.value for a in Action)}"
        ) from exc


@policy_app.command("grant")
def policy_grant(
    org: Annotated[str, typer.Option(help="Organisation number.")],
    role: Annotated[Role, typer.Option(help="The role that gets the permission.")],
    resource: Annotated[str, typer.Option(help="e.g. network, audit_report.")],
    action: Annotated[str, typer.Option(help="e.g. create, read.")],
) -> None:
    """Let ROLE do ACTION on RESOURCE in this organisation only (idempotent)."""
    resource, action = _checked(resource, action)
    authorizer, organization_id, name = _authorizer_for(org)
    added = authorizer.add_tenant_policy(organization_id, role, resource, action)
    verb = "granted" if added else "already granted"
    typer.echo(f"{verb}: {role.value} may {action} {resource} in {name}")


@policy_app.command("revoke")
def policy_revoke(
    org: Annotated[str, typer.Option(help="Organisation number.")],
    role: Annotated[Role, typer.Option(help="The role that loses the permission.")],
    resource: Annotated[str, typer.Option(help="e.g. network, audit_report.")],
    action: Annotated[str, typer.Option(help="e.g. create, read.")],
) -> None:
    """Take back an extra grant; running API processes stop honouring it within a second."""
    resource, action = _checked(resource, action)
    authorizer, organization_id, name = _authorizer_for(org)
    removed = authorizer.remove_tenant_policy(organization_id, role, resource, action)
    verdict = "revoked" if removed else "not granted; nothing to do"
    typer.echo(f"{verdict}: {role.value} {action} {resource} in {name}")


@policy_app.command("list")
def policy_list(org: Annotated[str, typer.Option(help="Organisation number.")]) -> None:
    """The organisation's extra grants, one `ROLE resource:action` a line."""
    authorizer, organization_id, _ = _authorizer_for(org)
    for role, resource, action in authorizer.tenant_policies(organization_id):
        typer.echo(f"{role} {resource}:{action}")
