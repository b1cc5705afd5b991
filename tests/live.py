"""Run the real `kjede` command in subprocesses: seed, mint tokens, serve with uvicorn.

The HTTP and federation tests go through exactly what an operator types, so
they catch what the in-process TestClient cannot: the console script, settings
read from the environment, uvicorn, and the server's own startup migration.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

STARTUP_TIMEOUT = 90.0
STOP_GRACE = 5.0
COMMAND_TIMEOUT = 120.0
LOG_TAIL_LINES = 40
START_ATTEMPTS = 3


def kjede_executable() -> Path:
    """The console script installed next to the interpreter running the tests."""
    return Path(sys.executable).parent / "kjede"


def kjede_env(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without its KJEDE_* settings (a developer's shell must
    not leak into a test), plus a data dir and any settings the test passes."""
    base = {key: value for key, value in os.environ.items() if not key.startswith("KJEDE_")}
    # Rich wraps at 80 columns when not on a terminal; keep messages on one line.
    base["COLUMNS"] = "1000"
    base["KJEDE_DATA_DIR"] = str(data_dir)
    base.update(env or {})
    return base


def run_kjede(
    *args: str, data_dir: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `kjede ARGS...`; with `check`, a failure raises with the command's output."""
    completed = subprocess.run(
        [str(kjede_executable()), *args],
        env=kjede_env(data_dir, env),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"kjede {' '.join(args)} exited with {completed.returncode}\n"
            f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
        )
    return completed


def run_demo(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """`kjede demo --no-serve`: migrate and seed the demo world; returns the dev
    tokens it printed, by "email role"."""
    output = run_kjede("demo", "--no-serve", data_dir=data_dir, env=env).stdout.splitlines()
    tokens: dict[str, str] = {}
    for heading, line in itertools.pairwise(output):
        if line.startswith("  eyJ"):
            email, *_, role = heading.split()
            tokens[f"{email} {role}"] = line.strip()
    return tokens


def mint_token(
    data_dir: Path, user: str, org: str, role: str, env: dict[str, str] | None = None
) -> str:
    """`kjede token`: the dev token it prints on stdout."""
    completed = run_kjede(
        "token", "--user", user, "--org", org, "--role", role, data_dir=data_dir, env=env
    )
    token = completed.stdout.strip()
    if token.count(".") != 2 or any(char.isspace() for char in token):
        raise AssertionError(f"kjede token printed something other than a JWT: {token!r}")
    return token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail_text(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return tail_text(text, lines) or "(empty log)"


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the server shut down cleanly (uvicorn finishes the lifespan and
    disposes the engines); SIGKILL to its own process group if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # our own session: group id == pid
        process.wait()


def _wait_healthy(
    name: str, process: subprocess.Popen[bytes], health_url: str, log_path: Path
) -> bool:
    """True once `health_url` answers 200; False if the server lost its port to a race
    (another process bound it between our probe and its bind); raises on any other
    failure."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not _healthy(health_url):
        if process.poll() is not None:
            if "address already in use" in tail(log_path).lower():
                return False
            raise RuntimeError(
                f"{name} exited with {process.returncode} during startup; "
                f"{log_path} ends with:\n{tail(log_path)}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{name} did not answer {health_url} within "
                f"{STARTUP_TIMEOUT:.0f} s; {log_path} ends with:\n{tail(log_path)}"
            )
        time.sleep(0.1)
    return True


def start_on_free_port(
    name: str,
    command: Callable[[int], list[str]],
    *,
    env: dict[str, str],
    log_path: Callable[[int], Path],
    health_path: str,
    cwd: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `command(port)` on a free port, in a session of its own, with its output
    in `log_path(port)`; wait until `health_path` answers 200, retrying a lost port.
    Returns the process and its base URL."""
    for _attempt in range(START_ATTEMPTS):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with log_path(port).open("wb") as log:
            process = subprocess.Popen(
                command(port),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            if _wait_healthy(name, process, f"{base_url}{health_path}", log_path(port)):
                return process, base_url
        except BaseException:
            _stop(process)
            raise
    raise RuntimeError(f"{name} lost its port to another process {START_ATTEMPTS} times")


@contextlib.contextmanager
def running_on_free_port(
    name: str,
    command: Callable[[int], list[str]],
    *,
    env: dict[str, str],
    log_path: Callable[[int], Path],
    health_path: str,
    cwd: Path | None = None,
) -> Iterator[str]:
    """`start_on_free_port`, stopped (by its own pid) on exit; yields the base URL."""
    process, base_url = start_on_free_port(
        name, command, env=env, log_path=log_path, health_path=health_path, cwd=cwd
    )
    try:
        yield base_url
    finally:
        _stop(process)


def _start(data_dir: Path, env: dict[str, str] | None) -> tuple[subprocess.Popen[bytes], str]:
    """Start `kjede serve` on a free port and wait for /healthz."""
    return start_on_free_port(
        "kjede serve",
        lambda port: [
            str(kjede_executable()),
            *("serve", "--workers", "1", "--host", "127.0.0.1", "--port", str(port)),
        ],
        env=kjede_env(data_dir, env),
        log_path=lambda port: data_dir.parent / f"{data_dir.name}-serve-{port}.log",
        health_path="/healthz",
    )


@contextlib.contextmanager
def running_servers(
    data_dir: Path, count: int, env: dict[str, str] | None = None
) -> Iterator[list[str]]:
    """`count` `kjede serve` processes (uvicorn) on free ports, started side by side
    with the same settings; yields their base URLs and stops every one that started
    on exit. Each one's output goes to `<data_dir>-serve-<port>.log` beside the data
    dir, whose tail every startup failure shows."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=count) as pool:
        starts = [pool.submit(_start, data_dir, env) for _ in range(count)]
    started = [start.result() for start in starts if start.exception() is None]
    try:
        for start in starts:
            start.result()  # the first startup failure, if any
        yield [base_url for _, base_url in started]
    finally:
        for process, _ in started:
            _stop(process)


@contextlib.contextmanager
def running_server(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`kjede serve` for real (uvicorn) on a free port; yields the base URL and stops
    the server on exit (see `running_servers`)."""
    with running_servers(data_dir, 1, env) as (base_url,):
        yield base_url
