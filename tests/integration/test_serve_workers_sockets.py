"""`kjede serve --workers 2` gives each worker a listening socket of its own, so the
kernel spreads keep-alive connections over the workers (api/workers.py).

Read from /proc: which process holds which socket (its fd links `socket:[inode]`)
and which sockets listen on or are connected to the server's port
(/proc/net/tcp)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import kjede_env, kjede_executable, start_on_free_port, tail

pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists() or not hasattr(socket, "SO_REUSEPORT"),
    reason="needs Linux's /proc and SO_REUSEPORT",
)

LISTEN, ESTABLISHED = "0A", "01"
CONNECTIONS = 32


def sockets_on(port: int, state: str) -> set[int]:
    """Inodes of the IPv4 sockets in `state` whose local port is `port`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == state:
            inodes.add(int(fields[9]))
    return inodes


def sockets_held_by(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def wait_for(condition: object, what: str, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s; the log ends with:\n{tail(log)}")
        time.sleep(0.2)


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    log = tmp_path / "serve.log"
    process, base_url = start_on_free_port(
        "kjede serve --workers 2",
        lambda port: [
            str(kjede_executable()),
            *("serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)),
        ],
        env=kjede_env(tmp_path / "data"),
        log_path=lambda _port: log,
        health_path="/healthz",
    )
    try:
        yield process, int(base_url.rsplit(":", 1)[1]), log
    finally:
        process.terminate()
        process.wait(30)


def test_each_worker_listens_on_its_own_socket_and_both_get_connections(
    two_workers: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    process, port, log = two_workers

    def listening_by_worker() -> dict[int, set[int]]:
        """The listening sockets each child holds (multiprocessing's resource
        tracker, a child too, holds none)."""
        listening = sockets_on(port, LISTEN)
        held = {pid: sockets_held_by(pid) & listening for pid in children_of(process.pid)}
        return {pid: sockets for pid, sockets in held.items() if sockets}

    wait_for(
        lambda: (
            len(listening_by_worker()) == 2
            and all(len(held) == 1 for held in listening_by_worker().values())
        ),
        "two workers each listening",
        log,
    )
    workers = listening_by_worker()
    held = list(workers.values())
    assert len(sockets_on(port, LISTEN)) == 2
    assert held[0] != held[1], "both workers listen on one shared socket"

    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(CONNECTIONS)]
    try:
        for client in clients:
            assert client.get("/healthz").status_code == 200  # the connection stays open
        connected = sockets_on(port, ESTABLISHED)
        served = {pid: len(sockets_held_by(pid) & connected) for pid in workers}
        # A fair hash leaves one worker without any of 32 connections once in 2**31.
        assert sum(served.values()) == CONNECTIONS, served
        assert all(count > 0 for count in served.values()), served
    finally:
        for client in clients:
            client.close()


def test_a_taken_port_is_refused_rather_than_shared(
    two_workers: tuple[subprocess.Popen[bytes], int, Path], tmp_path: Path
) -> None:
    _, port, _ = two_workers
    second = subprocess.run(
        [
            str(kjede_executable()),
            *("serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)),
        ],
        env=kjede_env(tmp_path / "second"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 2, second.stdout + second.stderr
    assert "address already in use" in (second.stdout + second.stderr).lower()
