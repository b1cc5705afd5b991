"""A 50 MB upload through `uploadDocument` against the raw minio client, same server.

    .venv/bin/python -m benchmarks.uploads                  # 50 MB, 3 rounds, PDF and text
    .venv/bin/python -m benchmarks.uploads --mb 5 --repeat 1 --kind text
    .venv/bin/python -m benchmarks.uploads --repeat 5 --plot docs/benchmarks/uploads.png

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
- **direct**: `beginDocumentUpload`, the file PUT (httpx, streamed) to the
  presigned URL it answers, straight into the bucket's quarantine key, and
  `finishDocumentUpload`, which answers at once (`accepted`); the server then
  reads the bytes back, checks them (a PDF cleaned) and stores them under a key
  of their own in the background, polled until STORED (`stored`). A round waits
  for it before the next begins.

It prints the median seconds and MB/s of each and the throughput ratio
kjede/raw (the goal is ≥ 0.80) two ways: of the medians, and the median of each
round's own ratio (paired: the two uploads of a round ran back to back, so a
burst of load from elsewhere mostly hits both). And the server's resident
memory growth for the upload: its peak RSS (VmHWM, reset before each upload
through /proc/PID/clear_refs) minus its RSS before (the goal is ≤ 64 MB). The
file check runs in a separate short-lived worker process under its own memory
limit (services/content/worker.py), which this does not count. And where the
CPU goes, per upload (from /proc; the steadier figure on a shared machine, and
on two cores CPU is what runs out): for the raw put, its client and SeaweedFS;
for kjede's, its client (httpx), the server with its checking workers, and
SeaweedFS; then the ratio of the two totals, which bounds the throughput ratio
when both puts keep every core busy.
"""

from __future__ import annotations

import argparse
import contextlib
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from minio import Minio

from api.tokens import mint_dev_token
from domain.enums import OrganizationKind, Role
from settings import Settings
from storage import db, tenants
from storage.models import Organization

if TYPE_CHECKING:
    from tests.s3server import S3Server

BEGIN = """
mutation($r: ID!, $name: String!, $size: Int!) {
  beginDocumentUpload(reportId: $r, filename: $name, size: $size, classification: RESTRICTED) {
    id uploadUrl
  }
}
"""
FINISH = "mutation($id: ID!) { finishDocumentUpload(id: $id) { status } }"
READ = """
query($id: ID!) { documentUpload(id: $id) { status refusal document { size sha256 } } }
"""
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
    supplier_id: str
    http: httpx.Client  # kept alive between the GraphQL calls of a direct upload


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
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:
            yield Server(url, process.pid, token, supplier, http)
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
    """User + system CPU time so far of a process (its threads included) and of
    its children it reaped, and of its living descendants likewise: the server's
    checking workers are children of its forkserver."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0  # ended meanwhile (its parent counts it once reaped)
    total = sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(FileNotFoundError):
            total += sum(cpu_seconds(int(child)) for child in task.read_text().split())
    return total


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def upload(server: Server, path: Path, name: str) -> tuple[float, int, dict[str, object]]:
    """Seconds, peak RSS growth (KB) of the server, and the answer."""
    Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = rss_kb(server.pid, "VmRSS")
    operations = {"query": UPLOAD, "variables": {"r": new_report(server), "f": None}}
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


def graphql(server: Server, query: str, variables: dict[str, object]) -> dict[str, object]:
    data = server.http.post("/graphql", json={"query": query, "variables": variables}).json()
    if "errors" in data:
        raise UploadFailed(f"{query.split()[1]} failed: {data['errors']}")
    return data["data"]  # type: ignore[no-any-return]


def new_report(server: Server) -> str:
    """A fresh DRAFT report (a report holds at most 16 documents)."""
    created = graphql(server, CREATE, {"s": server.supplier_id})
    return str(created["createAuditReport"]["id"])  # type: ignore[index]


def direct_upload(server: Server, path: Path, name: str) -> tuple[float, float, int, object]:
    """Seconds until the upload is accepted (begin, PUT, finish) and until it is
    stored, the server's peak RSS growth (KB) over both, and the stored document."""
    Path(f"/proc/{server.pid}/clear_refs").write_text("5")
    before = rss_kb(server.pid, "VmRSS")
    size = path.stat().st_size
    report_id = new_report(server)
    started = time.perf_counter()
    began = graphql(server, BEGIN, {"r": report_id, "name": name, "size": size})
    upload = began["beginDocumentUpload"]
    with path.open("rb") as file:
        response = httpx.put(
            upload["uploadUrl"],  # type: ignore[index]
            content=file,
            headers={"Content-Length": str(size)},
            timeout=300,
        )
    if response.status_code != 200:
        raise UploadFailed(f"PUT to the upload URL: {response.status_code} {response.text}")
    graphql(server, FINISH, {"id": upload["id"]})  # type: ignore[index]
    accepted = time.perf_counter() - started
    while True:
        read = graphql(server, READ, {"id": upload["id"]})["documentUpload"]  # type: ignore[index]
        if read["status"] not in ("CHECKING", "AWAITING_BYTES"):  # type: ignore[index]
            break
        time.sleep(0.02)
    stored = time.perf_counter() - started
    if read["status"] != "STORED":  # type: ignore[index]
        raise UploadFailed(f"direct upload {read['status']}: {read['refusal']}")  # type: ignore[index]
    grown = rss_kb(server.pid, "VmHWM") - before
    return accepted, stored, grown, read["document"]  # type: ignore[index]


class UploadFailed(Exception):
    """An upload through kjede did not store the file as sent."""


@dataclass
class Rounds:
    """Per round: seconds of the raw put and of kjede's, the server's RSS growth (KB)
    and each party's CPU seconds."""

    raw: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    growth: list[int] = field(default_factory=list)
    raw_client: list[float] = field(default_factory=list)
    raw_store: list[float] = field(default_factory=list)
    client: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    store: list[float] = field(default_factory=list)
    # Direct uploads: seconds until accepted and until stored, RSS growth (KB), and
    # CPU seconds until stored (client, server, SeaweedFS).
    accepted: list[float] = field(default_factory=list)
    stored: list[float] = field(default_factory=list)
    direct_growth: list[int] = field(default_factory=list)
    direct_client: list[float] = field(default_factory=list)
    direct_server: list[float] = field(default_factory=list)
    direct_store: list[float] = field(default_factory=list)


def run(
    args: argparse.Namespace,
    size: int,
    kinds: list[str],
    root: Path,
    s3: S3Server,
    store_pid: int,
) -> list[tuple[str, int, Rounds]]:
    """Every kind's rounds, printed as they end."""
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
            f"{'RSS +MB':>10}  {'CPU s raw: client+S3':<22}{'kjede: client+server+S3':<24}"
            "CPU raw/kjede"
        )
        results: list[tuple[str, int, Rounds]] = []
        warm = root / "warm.pdf"
        big_pdf(warm, 64 * 1024)  # starts the checking worker's forkserver
        upload(server, warm, "warm.pdf")
        for kind in kinds:
            path = root / f"upload.{kind}"
            (big_pdf if kind == "pdf" else big_text)(path, size)
            # A text file is stored as sent: the row's sha256 is the file's.
            sent_sha256 = file_sha256(path) if kind == "text" else None
            rounds = Rounds()
            for round_ in range(args.repeat):
                client, store = own_cpu_seconds(), cpu_seconds(store_pid)
                started = time.perf_counter()
                raw.fput_object(
                    "raw-baseline", f"{kind}-{round_}-{secrets.token_hex(4)}", str(path)
                )
                rounds.raw.append(time.perf_counter() - started)
                rounds.raw_client.append(own_cpu_seconds() - client)
                rounds.raw_store.append(cpu_seconds(store_pid) - store)
                client, store = own_cpu_seconds(), cpu_seconds(store_pid)
                serving = cpu_seconds(server.pid)
                name = f"evidence-{round_}.{'pdf' if kind == 'pdf' else 'txt'}"
                elapsed, grown, answer = upload(server, path, name)
                rounds.server.append(cpu_seconds(server.pid) - serving)
                rounds.client.append(own_cpu_seconds() - client)
                rounds.store.append(cpu_seconds(store_pid) - store)
                check_stored(answer, sent_sha256)
                rounds.ours.append(elapsed)
                rounds.growth.append(grown)
                client, store = own_cpu_seconds(), cpu_seconds(store_pid)
                serving = cpu_seconds(server.pid)
                accepted, stored, grown, document = direct_upload(server, path, name)
                rounds.direct_server.append(cpu_seconds(server.pid) - serving)
                rounds.direct_client.append(own_cpu_seconds() - client)
                rounds.direct_store.append(cpu_seconds(store_pid) - store)
                check_stored({"data": {"uploadDocument": document}}, sent_sha256)
                rounds.accepted.append(accepted)
                rounds.stored.append(stored)
                rounds.direct_growth.append(grown)
            results.append((kind, path.stat().st_size, rounds))
            print_row(kind, path.stat().st_size, rounds)
        print("RATIO kjede/raw is throughput (raw seconds / kjede seconds) of the medians;")
        print("paired is the median of the rounds' own ratios; RSS +MB is the server's")
        print("peak resident growth over the upload (largest of the rounds); CPU s per")
        print("upload (medians): the raw client and SeaweedFS; kjede's client (httpx),")
        print("server (with its checking workers) and SeaweedFS; CPU raw/kjede is the")
        print("ratio of the totals, the throughput ratio's bound when CPU runs out")
        print()
        print("direct uploads: beginDocumentUpload, PUT to the presigned URL, finishDocumentUpload")
        print(
            f"{'file':<13}{'accepted':>16}{'ratio':>8}{'paired':>8}{'stored':>16}{'ratio':>8}"
            f"{'RSS +MB':>10}  {'CPU s to stored: client+server+S3':<34}CPU raw/kjede"
        )
        for kind, size_, rounds in results:
            print_direct_row(kind, size_, rounds)
        print("accepted: until finishDocumentUpload answered (the file is in the bucket,")
        print("quarantined); stored: until the background check stored it (polled).")
        print("ratio and paired against the raw put of the same rounds, as above; CPU")
        print("s until stored, medians (the server's includes the check: the file read")
        print("back, checked, cleaned for a PDF, and stored again)")
    return results


def check_stored(answer: dict[str, object], sent_sha256: str | None) -> None:
    """Raise unless the upload was stored (with `sent_sha256`, when stored as sent)."""
    if "errors" in answer:
        raise UploadFailed(f"upload failed: {answer['errors']}")
    stored = answer["data"]["uploadDocument"]  # type: ignore[index]
    if sent_sha256 is not None and stored["sha256"] != sent_sha256:
        raise UploadFailed(f"upload stored sha256 {stored['sha256']}, the file's is {sent_sha256}")


def print_row(kind: str, size: int, rounds: Rounds) -> None:
    median = statistics.median
    raw_s, our_s = median(rounds.raw), median(rounds.ours)
    paired = median(r / o for r, o in zip(rounds.raw, rounds.ours, strict=True))
    mb = size / 2**20
    raw_cpu = (median(rounds.raw_client), median(rounds.raw_store))
    our_cpu = (median(rounds.client), median(rounds.server), median(rounds.store))
    print(
        f"{kind:<6}{raw_s:>7.2f} s {mb / raw_s:>4.0f} MB/s"
        f"{our_s:>7.2f} s {mb / our_s:>4.0f} MB/s"
        f"{raw_s / our_s:>8.2f}{paired:>8.2f}{max(rounds.growth) / 1024:>10.1f}  "
        f"{'+'.join(f'{s:.2f}' for s in raw_cpu):<22}"
        f"{'+'.join(f'{s:.2f}' for s in our_cpu):<24}"
        f"{sum(raw_cpu) / sum(our_cpu):.2f}"
    )


def print_direct_row(kind: str, size: int, rounds: Rounds) -> None:
    median = statistics.median
    raw_s, accepted_s, stored_s = median(rounds.raw), median(rounds.accepted), median(rounds.stored)
    paired = median(r / a for r, a in zip(rounds.raw, rounds.accepted, strict=True))
    mb = size / 2**20
    raw_cpu = median(rounds.raw_client) + median(rounds.raw_store)
    our_cpu = (
        median(rounds.direct_client),
        median(rounds.direct_server),
        median(rounds.direct_store),
    )
    print(
        f"{'direct-' + kind:<13}{accepted_s:>7.2f} s {mb / accepted_s:>4.0f} MB/s"
        f"{raw_s / accepted_s:>8.2f}{paired:>8.2f}"
        f"{stored_s:>7.2f} s {mb / stored_s:>4.0f} MB/s{raw_s / stored_s:>8.2f}"
        f"{max(rounds.direct_growth) / 1024:>10.1f}  "
        f"{'+'.join(f'{s:.2f}' for s in our_cpu):<34}"
        f"{raw_cpu / sum(our_cpu):.2f}"
    )


def plot(results: list[tuple[str, int, Rounds]], mb: float, path: Path) -> None:
    """Bars per file kind: each way's throughput over the raw put's, paired by round
    (the median of the rounds' own ratios), with the goal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ways = (
        ("uploadDocument", "ours"),
        ("direct: accepted", "accepted"),
        ("direct: stored", "stored"),
    )
    figure, axes = plt.subplots(figsize=(8, 3.6), dpi=110)
    width = 0.8 / len(ways)
    for index, (label, name) in enumerate(ways):
        values = [
            statistics.median(
                raw / ours for raw, ours in zip(rounds.raw, getattr(rounds, name), strict=True)
            )
            for _, _, rounds in results
        ]
        positions = [n + index * width for n in range(len(results))]
        bars = axes.bar(positions, values, width, label=label)
        axes.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7)
    axes.axhline(1.0, color="black", linewidth=0.8, label="raw put")
    axes.axhline(0.8, color="grey", linewidth=0.8, linestyle="--", label="goal: 0.8")
    axes.set_xticks([n + width * (len(ways) - 1) / 2 for n in range(len(results))])
    axes.set_xticklabels([kind for kind, _, _ in results])
    axes.set_ylabel("throughput / raw minio put (paired)")
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.set_title(f"A {mb:g} MB upload to SeaweedFS: kjede's ways against the raw put", fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50.0, help="upload size in MB (default 50)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument(
        "--kind", choices=["pdf", "text", "both"], default="both", help="file type (default both)"
    )
    parser.add_argument("--plot", type=Path, help="write a PNG of the ratios here")
    args = parser.parse_args(argv)
    size = int(args.mb * 1024 * 1024)
    kinds = ["pdf", "text"] if args.kind == "both" else [args.kind]

    from tests.s3server import started_seaweed

    with tempfile.TemporaryDirectory(prefix="kjede-bench-uploads-") as tmp:
        root = Path(tmp)
        seaweed = started_seaweed(root / "s3")
        try:
            assert seaweed.process is not None
            results = run(args, size, kinds, root, seaweed.server, seaweed.process.pid)
        except UploadFailed as exc:
            print(exc)
            return 1
        finally:
            seaweed.stop()
    if args.plot:
        plot(results, args.mb, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
