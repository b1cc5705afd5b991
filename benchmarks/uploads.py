"""A 50 MB upload through `uploadDocument` against the raw minio client, same server.

    .venv/bin/python -m benchmarks.uploads                  # 50 MB, 3 rounds, PDF and text
    .venv/bin/python -m benchmarks.uploads --mb 5 --repeat 1 --kind text

Starts a throwaway SeaweedFS (`weed`, as the tests do) and `kjede serve` (one
worker, SQLite) against it, then per round, interleaved so load from elsewhere
hits both alike:

- **raw**: `Minio.fput_object` of the file straight into a bucket of that server
  (the client's defaults: multipart, parallel parts);
- **kjede**: the same bytes POSTed as a GraphQL multipart upload to the server
  over loopback (httpx streams the file): the server spools the body to a named
  file, hashing it as it arrives (api/uploads.py); a text file goes to the
  bucket under its upload key while it is still arriving and while its worker
  process checks it (a multipart upload completed only once the check passed),
  a PDF is checked and rewritten without metadata by the worker first and the
  cleaned file is sent; then the row commits.

It prints the median seconds and MB/s of each and the throughput ratio
kjede/raw (the goal is ≥ 0.80) two ways: of the medians, and the median of each
round's own ratio (paired: the two uploads of a round ran back to back, so a
burst of load from elsewhere mostly hits both). And the server's resident
memory growth for the upload: its peak RSS (VmHWM, reset before each upload
through /proc/PID/clear_refs) minus its RSS before (the goal is ≤ 64 MB). The
file check runs in a separate short-lived worker process under its own memory
limit (services/content/worker.py), which this does not count. And the CPU
seconds per upload of the raw client and of the kjede server (from /proc; the
steadier figure on a shared machine: on two cores CPU is what runs out).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from minio import Minio

from api.tokens import mint_dev_token
from domain.enums import OrganizationKind, Role
from settings import Settings
from storage import db, tenants
from storage.models import Organization

UPLOAD = """
mutation($r: ID!, $f: Upload!) {
  uploadDocument(reportId: $r, file: $f, classification: RESTRICTED) { size sha256 }
}
"""
CREATE = """
mutation($s: ID!) {
  createAuditReport(input: {title: "Benchmark", reportType: INSPECTION_ABROAD, supplierId: $s}) {
    id
  }
}
"""


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    token: str
    report_id: str


def big_pdf(path: Path, size: int) -> None:
    """A one-page PDF whose page draws one image of `size` random bytes (incompressible,
    as a scan is): the file is about `size` bytes and pypdf must copy all of it."""
    side = int(size**0.5)
    data = os.urandom(side * side)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n"
        % (side, side, len(data))
        + data
        + b"\nendstream",
        b"<< /Length 35 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q\nendstream",
    ]
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(
            b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref)
        )


def big_text(path: Path, size: int) -> None:
    line = b"Site visit notes: overtime records, payroll ledgers and dormitory checks.\n"
    with path.open("wb") as out:
        written = 0
        while written < size:
            chunk = line * 8192
            out.write(chunk[: size - written])
            written += min(len(chunk), size - written)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(settings: Settings) -> tuple[str, str]:
    """A public body with a procurement officer, and a supplier; (token, supplier id)."""
    engine = db.make_engine(settings.resolved_database_url)
    db.upgrade(engine)
    from authz.enforcer import Authorizer

    Authorizer(engine).seed_default_policies()
    with db.transaction(db.make_session_factory(engine)) as session:
        body = tenants.add_organization(
            session,
            name="Oslo kommune",
            kind=OrganizationKind.PUBLIC_BODY,
            country="NO",
            org_number="958935420",
        ).id
        supplier = tenants.add_organization(
            session,
            name="Hansker AS",
            kind=OrganizationKind.SUPPLIER,
            country="NO",
            org_number="923609016",
        ).id
        organization = session.get_one(Organization, body)
        tenants.add_user_role(
            session, email="kari@oslo.no", organization=organization, role=Role.PROCUREMENT_OFFICER
        )
    engine.dispose()
    return mint_dev_token(settings, email="kari@oslo.no", organization_id=body), supplier


@contextmanager
def kjede_server(env: dict[str, str], settings: Settings, log: Path) -> Iterator[Server]:
    token, supplier = seed(settings)
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "kjede"),
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"kjede serve did not start; see {log}")
            time.sleep(0.2)
        created = httpx.post(
            f"{url}/graphql",
            json={"query": CREATE, "variables": {"s": supplier}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        report_id = created["data"]["createAuditReport"]["id"]
        yield Server(url, process.pid, token, report_id)
    finally:
        process.terminate()
        process.wait(10)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def upload(server: Server, path: Path, name: str) -> tuple[float, int, dict[str, object]]:
    """Seconds, peak RSS growth (KB) of the server, and the answer."""
    Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = rss_kb(server.pid, "VmRSS")
    operations = {"query": UPLOAD, "variables": {"r": server.report_id, "f": None}}
    with path.open("rb") as file:
        started = time.perf_counter()
        response = httpx.post(
            f"{server.url}/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": (name, file, "application/octet-stream")},
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=300,
        )
        elapsed = time.perf_counter() - started
    grown = rss_kb(server.pid, "VmHWM") - before
    return elapsed, grown, response.json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50.0, help="upload size in MB (default 50)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument(
        "--kind", choices=["pdf", "text", "both"], default="both", help="file type (default both)"
    )
    args = parser.parse_args(argv)
    size = int(args.mb * 1024 * 1024)
    kinds = ["pdf", "text"] if args.kind == "both" else [args.kind]

    from tests.s3server import running_s3_server

    with tempfile.TemporaryDirectory(prefix="kjede-bench-uploads-") as tmp:
        root = Path(tmp)
        with running_s3_server(root / "s3") as s3:
            env = {
                "KJEDE_DATA_DIR": str(root / "data"),
                "KJEDE_OBJECT_STORE_URL": s3.endpoint_url,
                "KJEDE_OBJECT_STORE_ACCESS_KEY": s3.access_key,
                "KJEDE_OBJECT_STORE_SECRET_KEY": s3.secret_key,
                "KJEDE_OBJECT_STORE_BUCKET": "kjede",
                "KJEDE_MAX_UPLOAD_BYTES": str(size + 1024 * 1024),
            }
            settings = Settings(
                data_dir=root / "data",
                object_store_url=s3.endpoint_url,
                object_store_access_key=s3.access_key,
                object_store_secret_key=s3.secret_key,
            )
            raw = Minio(
                s3.endpoint_url.removeprefix("http://"),
                access_key=s3.access_key,
                secret_key=s3.secret_key,
                secure=False,
                region="us-east-1",
            )
            raw.make_bucket("raw-baseline")
            with kjede_server(env, settings, root / "serve.log") as server:
                print(f"upload of {args.mb:g} MB, {args.repeat} rounds, SeaweedFS on loopback")
                print(
                    f"{'file':<6}{'raw minio':>16}{'kjede upload':>16}{'ratio':>8}{'paired':>8}"
                    f"{'RSS +MB':>10}{'CPU s raw/server':>18}"
                )
                warm = root / "warm.pdf"
                big_pdf(warm, 64 * 1024)  # starts the checking worker's forkserver
                upload(server, warm, "warm.pdf")
                for kind in kinds:
                    path = root / f"upload.{kind}"
                    (big_pdf if kind == "pdf" else big_text)(path, size)
                    real = path.stat().st_size
                    expected = file_sha256(path)
                    raw_times: list[float] = []
                    ours: list[float] = []
                    growth: list[int] = []
                    raw_cpu: list[float] = []
                    server_cpu: list[float] = []
                    for round_ in range(args.repeat):
                        cpu = own_cpu_seconds()
                        started = time.perf_counter()
                        raw.fput_object(
                            "raw-baseline", f"{kind}-{round_}-{secrets.token_hex(4)}", str(path)
                        )
                        raw_times.append(time.perf_counter() - started)
                        raw_cpu.append(own_cpu_seconds() - cpu)
                        cpu = cpu_seconds(server.pid)
                        elapsed, grown, answer = upload(
                            server, path, f"evidence-{round_}.{'pdf' if kind == 'pdf' else 'txt'}"
                        )
                        if "errors" in answer:
                            print(f"upload failed: {answer['errors']}")
                            return 1
                        stored = answer["data"]["uploadDocument"]  # type: ignore[index]
                        if kind == "text" and stored["sha256"] != expected:
                            # Stored as sent: the row's sha256 is the file's.
                            print(
                                f"upload stored sha256 {stored['sha256']}, the file's is {expected}"
                            )
                            return 1
                        ours.append(elapsed)
                        growth.append(grown)
                        server_cpu.append(cpu_seconds(server.pid) - cpu)
                    raw_s, our_s = statistics.median(raw_times), statistics.median(ours)
                    paired = statistics.median(r / o for r, o in zip(raw_times, ours, strict=True))
                    mb = real / 2**20
                    print(
                        f"{kind:<6}{raw_s:>7.2f} s {mb / raw_s:>4.0f} MB/s"
                        f"{our_s:>7.2f} s {mb / our_s:>4.0f} MB/s"
                        f"{raw_s / our_s:>8.2f}{paired:>8.2f}{max(growth) / 1024:>10.1f}"
                        f"{statistics.median(raw_cpu):>11.2f}"
                        f"{statistics.median(server_cpu):>7.2f}"
                    )
                print("RATIO kjede/raw is throughput (raw seconds / kjede seconds) of the medians;")
                print("paired is the median of the rounds' own ratios; RSS +MB is the server's")
                print("peak resident growth over the upload (largest of the rounds); CPU s is")
                print("the raw client's and the kjede server's CPU time per upload (medians)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
