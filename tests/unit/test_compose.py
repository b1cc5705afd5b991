"""docker-compose.yml and the Dockerfile agree with each other and with `Settings`.

Docker is not needed: the files are read as data. Each check returns the
problems it finds; it runs once on the real files (no problems expected) and
once per mutation that it must catch, so no check can pass vacuously.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import ValidationError

from settings import Environment, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

PREFIX = "KJEDE_"
EXPECTED_PORTS = {"postgres": 5432, "minio": 9000, "api": 8000, "gateway": 4000}
# Read by the `kjede serve` command line, not by Settings.
CLI_ONLY = {"KJEDE_WORKERS"}
GATEWAY_IMAGE = "ghcr.io/graphql-hive/gateway"
GATEWAY_CONFIG = ROOT / "deploy" / "gateway" / "gateway.config.mjs"
MIN_REPLICAS = 2
POSTGRES_PORT = 5432
MINIO_DEFAULT_ADDRESS = ":9000"

Compose = dict[str, Any]


# Reading compose and Dockerfile data


def load_compose() -> Compose:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def service(compose: Compose, name: str) -> dict[str, Any]:
    found = compose.get("services", {}).get(name)
    return found if isinstance(found, dict) else {}


def environment(svc: dict[str, Any]) -> dict[str, str]:
    """Both compose spellings: a mapping, or a list of NAME=value."""
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(name): "" if value is None else str(value) for name, value in env.items()}


def container_ports(svc: dict[str, Any]) -> set[int]:
    """Container ports published to the host, from short or long port syntax."""
    ports: set[int] = set()
    for entry in svc.get("ports") or []:
        if isinstance(entry, dict):
            if entry.get("published") is not None:
                ports.add(int(entry["target"]))
            continue
        parts = str(entry).split("/", 1)[0].split(":")
        if len(parts) >= 2:  # "container" alone publishes on a random host port
            ports.add(int(parts[-1]))
    return ports


def host_port(svc: dict[str, Any], target: int) -> int | None:
    """The host port a container port is published on (short or long syntax)."""
    for entry in svc.get("ports") or []:
        if isinstance(entry, dict):
            if int(entry.get("target", 0)) == target and entry.get("published") is not None:
                return int(entry["published"])
            continue
        parts = str(entry).split("/", 1)[0].split(":")
        if len(parts) >= 2 and int(parts[-1]) == target:
            return int(parts[-2])
    return None


def command_args(svc: dict[str, Any]) -> list[str]:
    command = svc.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]


def command_steps(svc: dict[str, Any]) -> list[list[str]]:
    """The shell steps of `sh -c "a && b"`, or the command itself as one step."""
    args = command_args(svc)
    if len(args) == 3 and args[0] in {"sh", "/bin/sh", "bash"} and args[1] == "-c":
        return [shlex.split(step) for step in args[2].split("&&")]
    return [args]


def option(args: list[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def exec_form(arguments: str) -> list[str]:
    return list(json.loads(arguments)) if arguments.startswith("[") else shlex.split(arguments)


# Checks: each returns a list of problems, empty when the files are right


def service_problems(compose: Compose) -> list[str]:
    return [f"service {name!r} missing" for name in EXPECTED_PORTS if not service(compose, name)]


def port_problems(compose: Compose) -> list[str]:
    return [
        f"{name}: container port {port} is not published"
        for name, port in EXPECTED_PORTS.items()
        if port not in container_ports(service(compose, name))
    ]


def settings_problems(compose: Compose) -> list[str]:
    """api env names are real `Settings` fields, and their values validate."""
    problems = []
    values: dict[str, str] = {}
    for name, value in environment(service(compose, "api")).items():
        field = name[len(PREFIX) :].lower()
        if name in CLI_ONLY:
            continue
        if not name.startswith(PREFIX) or field not in Settings.model_fields:
            problems.append(f"api: {name} is not a Settings field")
        else:
            values[field] = value
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        return [*problems, f"api: settings do not validate: {error}"]
    if settings.environment is Environment.PROD and not (
        settings.token_jwks_url and settings.token_issuer != "kjede-dev"
    ):
        problems.append("api: prod needs KJEDE_TOKEN_ISSUER and KJEDE_TOKEN_JWKS_URL")
    return problems


def database_problems(compose: Compose) -> list[str]:
    api_env = environment(service(compose, "api"))
    pg_env = environment(service(compose, "postgres"))
    url = urlsplit(api_env.get("KJEDE_DATABASE_URL", ""))
    problems = []
    if not url.scheme.startswith("postgresql"):
        problems.append(f"database URL scheme {url.scheme!r} is not PostgreSQL")
    if url.hostname != "postgres":
        problems.append(f"database host {url.hostname!r} is not the postgres service")
    if (url.port or POSTGRES_PORT) != POSTGRES_PORT:
        problems.append(f"database port {url.port} is not {POSTGRES_PORT}")
    expected = (pg_env.get("POSTGRES_USER"), pg_env.get("POSTGRES_PASSWORD"))
    if (url.username, url.password) != expected:
        problems.append("database credentials differ from POSTGRES_USER/POSTGRES_PASSWORD")
    if url.path.lstrip("/") != pg_env.get("POSTGRES_DB", pg_env.get("POSTGRES_USER")):
        problems.append(f"database name {url.path!r} is not POSTGRES_DB")
    return problems


def object_store_problems(compose: Compose) -> list[str]:
    minio = service(compose, "minio")
    api_env = environment(service(compose, "api"))
    minio_env = environment(minio)
    s3_port = int(
        (option(command_args(minio), "--address") or MINIO_DEFAULT_ADDRESS).rsplit(":", 1)[1]
    )
    url = urlsplit(api_env.get("KJEDE_OBJECT_STORE_URL", ""))
    problems = []
    if url.hostname != "minio":
        problems.append(f"object store host {url.hostname!r} is not the minio service")
    if url.port != s3_port:
        problems.append(f"object store port {url.port} is not minio's S3 port {s3_port}")
    if s3_port not in container_ports(minio):
        problems.append(f"minio S3 port {s3_port} is not published")
    # Download and upload URLs are signed for the host the clients (on the host) use.
    public = urlsplit(api_env.get("KJEDE_OBJECT_STORE_PUBLIC_URL", ""))
    if public.hostname != "localhost" or public.port != host_port(minio, s3_port):
        problems.append(
            f"clients get URLs for {public.hostname}:{public.port}, not minio's S3 port "
            f"on the host ({host_port(minio, s3_port)})"
        )
    if api_env.get("KJEDE_OBJECT_STORE_ACCESS_KEY") != minio_env.get("MINIO_ROOT_USER"):
        problems.append("object store access key differs from MINIO_ROOT_USER")
    if api_env.get("KJEDE_OBJECT_STORE_SECRET_KEY") != minio_env.get("MINIO_ROOT_PASSWORD"):
        problems.append("object store secret key differs from MINIO_ROOT_PASSWORD")
    return problems


def dependency_problems(compose: Compose) -> list[str]:
    depends_on = service(compose, "api").get("depends_on") or {}
    problems = []
    for name in ("postgres", "minio"):
        condition = depends_on.get(name, {}) if isinstance(depends_on, dict) else {}
        if condition.get("condition") != "service_healthy":
            problems.append(f"api does not wait for {name} to be healthy")
        if not service(compose, name).get("healthcheck"):
            problems.append(f"{name} has no healthcheck to wait for")
    return problems


def command_problems(compose: Compose) -> list[str]:
    api = service(compose, "api")
    migrate_steps = command_steps(service(compose, "migrate"))
    serve = command_args(api)
    ports = container_ports(api)
    problems = []
    if not migrate_steps or migrate_steps[0] != ["kjede", "db", "upgrade"]:
        problems.append(f"migrate does not start with `kjede db upgrade`: {migrate_steps}")
    waits = (api.get("depends_on") or {}).get("migrate", {})
    if not isinstance(waits, dict) or waits.get("condition") != "service_completed_successfully":
        problems.append("api replicas do not wait for the migration to finish")
    if serve[:2] != ["kjede", "serve"]:
        problems.append(f"api command is not `kjede serve`: {serve}")
    port = option(serve, "--port")
    if port is None or int(port) not in ports:
        problems.append(f"api serves on port {port}, published are {sorted(ports)}")
    if option(serve, "--host") != "0.0.0.0":
        problems.append("api does not listen on 0.0.0.0, so it is unreachable from outside")
    return problems


def replica_problems(compose: Compose) -> list[str]:
    """Several API replicas, sharing the key files the migrate step wrote."""
    api = service(compose, "api")
    replicas = int((api.get("deploy") or {}).get("replicas", 1))
    problems = []
    if replicas < MIN_REPLICAS:
        problems.append(f"api runs {replicas} replica(s), not at least {MIN_REPLICAS}")
    volumes = {str(v).split(":", 1)[0] for v in api.get("volumes") or []}
    migrate_volumes = {
        str(v).split(":", 1)[0] for v in service(compose, "migrate").get("volumes") or []
    }
    if not volumes & migrate_volumes:
        problems.append("the replicas do not mount the volume where migrate wrote the keys")
    return problems


POSTGRES_DEFAULT_MAX_CONNECTIONS = 100
CONNECTIONS_PER_WORKER_BEYOND_POOL = 2  # the sync pool's connection and the policy LISTEN


def connection_problems(compose: Compose) -> list[str]:
    """All replicas' pools together stay under PostgreSQL's max_connections."""
    api = service(compose, "api")
    env = environment(api)
    settings = Settings.model_validate(
        {name[len(PREFIX) :].lower(): value for name, value in env.items() if name not in CLI_ONLY}
    )
    replicas = int((api.get("deploy") or {}).get("replicas", 1))
    workers = int(env.get("KJEDE_WORKERS", "1"))
    per_worker = (
        settings.db_pool_size + settings.db_max_overflow + CONNECTIONS_PER_WORKER_BEYOND_POOL
    )
    total = replicas * workers * per_worker
    if total >= POSTGRES_DEFAULT_MAX_CONNECTIONS:
        return [f"{replicas} x {workers} x {per_worker} = {total} connections at most"]
    return []


def gateway_problems(compose: Compose, config: str) -> list[str]:
    """Hive Gateway in front of the replicas, composing with the Guild's composer
    and forwarding the caller's token."""
    gateway = service(compose, "gateway")
    env = environment(gateway)
    api_env = environment(service(compose, "api"))
    serve = command_args(service(compose, "api"))
    problems = []
    if not str(gateway.get("image", "")).startswith(GATEWAY_IMAGE):
        problems.append(f"gateway image is not {GATEWAY_IMAGE}")
    condition = (gateway.get("depends_on") or {}).get("api", {})
    if not isinstance(condition, dict) or condition.get("condition") != "service_healthy":
        problems.append("gateway does not wait for healthy api replicas")
    url = urlsplit(env.get("KJEDE_SUBGRAPH_URL", ""))
    if url.hostname != "api" or str(url.port) != option(serve, "--port"):
        problems.append(f"gateway subgraph URL {url.geturl()!r} is not the api service's port")
    if url.path != "/graphql":
        problems.append("gateway subgraph URL does not end in /graphql")
    if env.get("KJEDE_GATEWAY_SECRET") != api_env.get("KJEDE_GATEWAY_SECRET"):
        problems.append("gateway and api do not share KJEDE_GATEWAY_SECRET")
    mounted = [str(v).split(":", 1)[0] for v in gateway.get("volumes") or []]
    if f"./{GATEWAY_CONFIG.relative_to(ROOT)}" not in mounted:
        problems.append("gateway does not mount deploy/gateway/gateway.config.mjs")
    for needed in ("@theguild/federation-composition", "authorization", "x-kjede-gateway-secret"):
        if needed not in config:
            problems.append(f"gateway config does not use {needed}")
    return problems


def dockerfile_problems(compose: Compose, dockerfile: str) -> list[str]:
    api_port = EXPECTED_PORTS["api"]
    instructions = dockerfile_instructions(dockerfile)
    exposed = {
        int(port.split("/")[0])
        for keyword, arguments in instructions
        if keyword == "EXPOSE"
        for port in arguments.split()
    }
    problems = []
    if api_port not in container_ports(service(compose, "api")) or api_port not in exposed:
        problems.append(f"EXPOSE {sorted(exposed)} does not match the published api port")
    commands = [exec_form(arguments) for keyword, arguments in instructions if keyword == "CMD"]
    if not commands or option(commands[-1], "--port") != str(api_port):
        problems.append(f"Dockerfile CMD does not serve on port {api_port}")
    healthchecks = [arguments for keyword, arguments in instructions if keyword == "HEALTHCHECK"]
    if not healthchecks or f":{api_port}/healthz" not in healthchecks[-1]:
        problems.append(f"Dockerfile HEALTHCHECK does not hit :{api_port}/healthz")
    return problems


# The real files


CHECKS: dict[str, Callable[[Compose], list[str]]] = {
    "services": service_problems,
    "ports": port_problems,
    "settings": settings_problems,
    "database": database_problems,
    "object_store": object_store_problems,
    "dependencies": dependency_problems,
    "command": command_problems,
    "replicas": replica_problems,
    "connections": connection_problems,
    "gateway": lambda compose: gateway_problems(compose, GATEWAY_CONFIG.read_text()),
    "dockerfile": lambda compose: dockerfile_problems(compose, DOCKERFILE.read_text()),
}


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_real_files_pass(check: Callable[[Compose], list[str]]) -> None:
    assert check(load_compose()) == []


def test_api_env_is_read_by_settings() -> None:
    """The names are found by the real settings loader, not only by our check."""
    api_env = environment(service(load_compose(), "api"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in api_env.items():
            patch.setenv(name, value)
        settings = Settings()
    assert settings.database_url == api_env["KJEDE_DATABASE_URL"]
    assert settings.object_store_url == api_env["KJEDE_OBJECT_STORE_URL"]
    assert settings.object_store_public_url == api_env["KJEDE_OBJECT_STORE_PUBLIC_URL"]
    assert str(settings.data_dir) == api_env["KJEDE_DATA_DIR"]
    assert settings.is_dev


def test_dockerfile_runs_as_non_root() -> None:
    users = [
        arguments
        for keyword, arguments in dockerfile_instructions(DOCKERFILE.read_text())
        if keyword == "USER"
    ]
    assert users and users[-1] not in {"root", "0"}


# Each check catches what it is for


def api_env(compose: Compose) -> dict[str, Any]:
    env: dict[str, Any] = compose["services"]["api"]["environment"]
    return env


def set_api_command(script: str) -> Callable[[Compose], None]:
    def mutate(compose: Compose) -> None:
        compose["services"]["api"]["command"] = shlex.split(script)

    return mutate


MUTATIONS: list[tuple[str, Callable[[Compose], None], Callable[[Compose], list[str]]]] = [
    ("no minio", lambda c: c["services"].pop("minio"), service_problems),
    ("postgres unpublished", lambda c: c["services"]["postgres"].pop("ports"), port_problems),
    (
        "api on another port",
        lambda c: c["services"]["api"].update(ports=["8000:8080"]),
        port_problems,
    ),
    (
        "misspelt setting",
        lambda c: api_env(c).update(KJEDE_DATABSE_URL="sqlite://"),
        settings_problems,
    ),
    ("unprefixed variable", lambda c: api_env(c).update(DATABASE_URL="x"), settings_problems),
    (
        "invalid environment",
        lambda c: api_env(c).update(KJEDE_ENVIRONMENT="staging"),
        settings_problems,
    ),
    (
        "prod without OIDC",
        lambda c: api_env(c).update(KJEDE_ENVIRONMENT="prod"),
        settings_problems,
    ),
    (
        "database on localhost",
        lambda c: api_env(c).update(
            KJEDE_DATABASE_URL="postgresql+psycopg://kjede:kjede@localhost:5432/kjede"
        ),
        database_problems,
    ),
    (
        "database wrong password",
        lambda c: api_env(c).update(
            KJEDE_DATABASE_URL="postgresql+psycopg://kjede:other@postgres:5432/kjede"
        ),
        database_problems,
    ),
    (
        "database wrong port",
        lambda c: api_env(c).update(
            KJEDE_DATABASE_URL="postgresql+psycopg://kjede:kjede@postgres:5433/kjede"
        ),
        database_problems,
    ),
    (
        "object store on console port",
        lambda c: api_env(c).update(KJEDE_OBJECT_STORE_URL="http://minio:9001"),
        object_store_problems,
    ),
    (
        "object store on wrong host",
        lambda c: api_env(c).update(KJEDE_OBJECT_STORE_URL="http://localhost:9000"),
        object_store_problems,
    ),
    (
        "presigned URLs for the internal host",
        lambda c: api_env(c).update(KJEDE_OBJECT_STORE_PUBLIC_URL="http://minio:9000"),
        object_store_problems,
    ),
    (
        "presigned URLs for the console port",
        lambda c: api_env(c).update(KJEDE_OBJECT_STORE_PUBLIC_URL="http://localhost:9001"),
        object_store_problems,
    ),
    (
        "wrong access key",
        lambda c: api_env(c).update(KJEDE_OBJECT_STORE_ACCESS_KEY="someone"),
        object_store_problems,
    ),
    (
        "wrong secret key",
        lambda c: api_env(c).update(KJEDE_OBJECT_STORE_SECRET_KEY="guess"),
        object_store_problems,
    ),
    (
        "minio moved its S3 port",
        lambda c: c["services"]["minio"].update(command="server /data --address :9100"),
        object_store_problems,
    ),
    (
        "api starts before postgres is healthy",
        lambda c: c["services"]["api"]["depends_on"]["postgres"].update(
            condition="service_started"
        ),
        dependency_problems,
    ),
    (
        "minio without healthcheck",
        lambda c: c["services"]["minio"].pop("healthcheck"),
        dependency_problems,
    ),
    (
        "no migration",
        lambda c: c["services"]["migrate"].update(command=["kjede", "serve"]),
        command_problems,
    ),
    (
        "replicas do not wait for the migration",
        lambda c: c["services"]["api"]["depends_on"].pop("migrate"),
        command_problems,
    ),
    (
        "serves an unpublished port",
        set_api_command("kjede serve --host 0.0.0.0 --port 9999"),
        command_problems,
    ),
    (
        "serves on loopback",
        set_api_command("kjede serve --host 127.0.0.1 --port 8000"),
        command_problems,
    ),
    ("does not serve", set_api_command("kjede db upgrade"), command_problems),
    (
        "pools too large for the replicas",
        lambda c: api_env(c).update(KJEDE_DB_POOL_SIZE="20"),
        connection_problems,
    ),
    ("one replica", lambda c: c["services"]["api"].pop("deploy"), replica_problems),
    ("keys not shared", lambda c: c["services"]["api"].pop("volumes"), replica_problems),
    (
        "apollo instead of hive",
        lambda c: c["services"]["gateway"].update(image="ghcr.io/apollographql/router:v2"),
        lambda c: gateway_problems(c, GATEWAY_CONFIG.read_text()),
    ),
    (
        "gateway on the wrong port",
        lambda c: c["services"]["gateway"]["environment"].update(
            KJEDE_SUBGRAPH_URL="http://api:9000/graphql"
        ),
        lambda c: gateway_problems(c, GATEWAY_CONFIG.read_text()),
    ),
    (
        "gateway secret differs",
        lambda c: c["services"]["gateway"]["environment"].update(KJEDE_GATEWAY_SECRET="x"),
        lambda c: gateway_problems(c, GATEWAY_CONFIG.read_text()),
    ),
    (
        "gateway starts before the replicas are healthy",
        lambda c: c["services"]["gateway"].pop("depends_on"),
        lambda c: gateway_problems(c, GATEWAY_CONFIG.read_text()),
    ),
]


@pytest.mark.parametrize(
    ("mutate", "check"),
    [(mutate, check) for _, mutate, check in MUTATIONS],
    ids=[name for name, _, _ in MUTATIONS],
)
def test_check_catches_mutation(
    mutate: Callable[[Compose], None], check: Callable[[Compose], list[str]]
) -> None:
    compose = copy.deepcopy(load_compose())
    mutate(compose)
    assert check(compose) != []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("EXPOSE 8000", "EXPOSE 8080"),
        ('"--port", "8000"', '"--port", "8080"'),
        ("127.0.0.1:8000/healthz", "127.0.0.1:8000/"),
    ],
)
def test_dockerfile_check_catches_mutation(old: str, new: str) -> None:
    text = DOCKERFILE.read_text()
    assert old in text
    assert dockerfile_problems(load_compose(), text.replace(old, new)) != []


def test_dockerfile_check_catches_unpublished_api_port() -> None:
    compose = load_compose()
    compose["services"]["api"]["ports"] = ["8000:8080"]
    assert dockerfile_problems(compose, DOCKERFILE.read_text()) != []


@pytest.mark.parametrize("needed", ["@theguild/federation-composition", "authorization"])
def test_gateway_check_catches_a_config_without(needed: str) -> None:
    config = GATEWAY_CONFIG.read_text().replace(needed, "removed")
    assert gateway_problems(load_compose(), config) != []
