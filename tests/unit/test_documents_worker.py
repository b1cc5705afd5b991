"""The worker process that reads untrusted documents: CPU, memory, wall-clock and
output limits, answers without text, and an event loop that keeps running."""

from __future__ import annotations

import io
import itertools
import time
import zlib
from pathlib import Path

import anyio
import anyio.to_thread
import pytest
from fpdf import FPDF
from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

from services.content.files import DOCX, PDF, PLAIN_TEXT, XLSX
from services.content.kinds import UnsupportedDocument
from services.content.worker import (
    Checked,
    DocumentScan,
    LimitExceeded,
    Limits,
    check_upload,
    run_isolated,
    scan_file,
)
from tests.unit.test_documents_corpus import (
    EMAIL,
    NATIONAL_ID,
    pdf_document,
    word_document,
    workbook,
)

TIGHT = Limits(cpu_seconds=1, wall_seconds=20, memory_bytes=512 * 2**20, output_bytes=64 * 1024)


# Tasks for the child: module-level, so the child imports them by name.


def spin() -> None:
    while True:
        pass


def sleep() -> None:
    time.sleep(30)


def hog_memory() -> int:
    blocks = [bytearray(64 * 2**20) for _ in range(4)]  # fits
    blocks.append(bytearray(4 * 2**30))  # does not
    return len(blocks)


def chatter() -> str:
    return "x" * (1024 * 1024)


def refuse() -> None:
    raise UnsupportedDocument("the PDF could not be read: it is password protected")


def crash() -> None:
    raise KeyError("surprise")


def answer(value: int) -> dict[str, int]:
    return {"value": value}


# --- the limits ---------------------------------------------------------------


def test_a_task_returns_its_answer() -> None:
    assert run_isolated(answer, (7,), TIGHT) == {"value": 7}


def test_cpu_time_is_limited() -> None:
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match="more than 1 seconds of CPU time"):
        run_isolated(spin, (), TIGHT)
    assert time.monotonic() - started < 10


def test_wall_clock_time_is_limited() -> None:
    limits = Limits(cpu_seconds=5, wall_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match=r"took longer than 0\.5 seconds"):
        run_isolated(sleep, (), limits)
    assert time.monotonic() - started < 5


def test_memory_is_limited() -> None:
    limits = Limits(cpu_seconds=10, memory_bytes=512 * 2**20)
    with pytest.raises(LimitExceeded, match="more than 512 MB of memory"):
        run_isolated(hog_memory, (), limits)


def test_output_is_limited() -> None:
    # CPU is not what this test limits: a cold child's imports may take a second
    roomy_cpu = Limits(
        cpu_seconds=10, wall_seconds=20, memory_bytes=512 * 2**20, output_bytes=64 * 1024
    )
    with pytest.raises(LimitExceeded, match="more than 64 KB of results"):
        run_isolated(chatter, (), roomy_cpu)


def test_refusals_and_failures_come_back_as_unsupported_documents() -> None:
    with pytest.raises(UnsupportedDocument, match="password protected") as caught:
        run_isolated(refuse, (), TIGHT)
    assert not isinstance(caught.value, LimitExceeded)
    with pytest.raises(UnsupportedDocument, match="KeyError"):
        run_isolated(crash, (), TIGHT)


def slow_pdf(pages: int = 8) -> bytes:
    """A small PDF whose pages each draw twenty thousand text fragments (one shared
    content stream, within pypdf's per-stream budget): about half a second of
    CPU per page to extract, seconds in all, from under 100 KB."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for _ in range(pages):
        pdf.add_page()
        pdf.text(20, 20, "Revisjonsrapport")
    writer = PdfWriter(clone_from=io.BytesIO(bytes(pdf.output())))
    body = b"BT /F1 12 Tf 20 20 Td " + b"(a) Tj 1 0 Td " * 20_000 + b"ET"
    stream = StreamObject()
    stream._data = zlib.compress(body, 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    content = writer._add_object(stream)
    for page in writer.pages:
        page[NameObject("/Contents")] = content
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_document_that_takes_too_long_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "slow.pdf"
    path.write_bytes(slow_pdf())
    assert path.stat().st_size < 200_000
    with pytest.raises(LimitExceeded, match=r"CPU time|longer than"):
        scan_file(str(path), PDF, TIGHT)


def test_a_document_with_too_much_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(b"ord " * 300_000)
    with pytest.raises(UnsupportedDocument, match="more than 1,000 characters"):
        scan_file(str(path), PLAIN_TEXT, Limits(max_chars=1_000))


# --- scans answer with kinds and places, never the text -------------------------


@pytest.mark.parametrize(
    ("content_type", "data", "place"),
    [
        (DOCX, word_document("comment", EMAIL), "word/merknader.xml"),
        (XLSX, workbook("number cell", NATIONAL_ID), "xl/ark/oversikt.xml"),
        (PDF, pdf_document("note", EMAIL), "Text annotation on page 1"),
    ],
)
def test_scan_names_kinds_and_places(
    tmp_path: Path, content_type: str, data: bytes, place: str
) -> None:
    path = tmp_path / "document"
    path.write_bytes(data)
    scan = scan_file(str(path), content_type)
    assert scan.personal_data is not None
    assert scan.personal_data.startswith("contains")
    assert scan.places == (place,)
    assert EMAIL not in repr(scan) and NATIONAL_ID not in repr(scan)


def test_scan_of_a_clean_document(tmp_path: Path) -> None:
    path = tmp_path / "clean.docx"
    path.write_bytes(word_document("comment", "Ingen merknader"))
    assert scan_file(str(path), DOCX) == DocumentScan(None, (), None, ())


def test_scan_masks_a_place_named_after_a_person(tmp_path: Path) -> None:
    path = tmp_path / "picture.docx"
    path.write_bytes(word_document("picture file name", EMAIL))
    scan = scan_file(str(path), DOCX)
    assert scan.personal_data is not None
    assert scan.places == ("part names",)
    path.write_bytes(pdf_document("attached file name", EMAIL))
    scan = scan_file(str(path), PDF)
    assert EMAIL not in repr(scan)


def test_check_upload_cleans_a_pdf_and_refuses_a_polyglot(tmp_path: Path) -> None:
    source, cleaned = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(pdf_document("document information", EMAIL))
    assert check_upload(str(source), str(cleaned), PDF) == Checked(cleaned=True, in_order=True)
    assert EMAIL.encode() not in cleaned.read_bytes()
    source.write_bytes(word_document("header", "Ingen merknader"))
    assert check_upload(str(source), str(cleaned), DOCX).cleaned is False
    source.write_bytes(pdf_document("page text", "Ingen") + word_document("header", "x"))
    with pytest.raises(UnsupportedDocument, match="polyglot"):
        check_upload(str(source), str(cleaned), PDF)


def test_a_cleaned_copy_written_over_itself_is_not_in_order(tmp_path: Path) -> None:
    from services.content.worker import _InOrderFile

    written = _InOrderFile(str(tmp_path / "out.pdf"), "w+")
    with io.BufferedRandom(written) as cleaned:
        cleaned.write(b"%PDF-1.7\n" + b"x" * 20_000)
        cleaned.seek(0)
        assert cleaned.read(8) == b"%PDF-1.7"  # reading back is fine
        cleaned.seek(0, io.SEEK_END)
        cleaned.write(b"%%EOF\n")
        cleaned.flush()
        assert written.in_order
        cleaned.seek(3)
        cleaned.write(b"2")
    assert not written.in_order


# --- the event loop keeps running -----------------------------------------------


def test_the_event_loop_runs_while_a_document_is_checked() -> None:
    ticks: list[float] = []

    async def ticker() -> None:
        for _ in range(100):
            ticks.append(time.monotonic())
            await anyio.sleep(0.01)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            with pytest.raises(LimitExceeded):
                await anyio.to_thread.run_sync(run_isolated, spin, (), TIGHT)

    anyio.run(main)
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert len(ticks) >= 50  # the loop kept ticking while the child spun for a second
    assert max(gaps) < 0.5
