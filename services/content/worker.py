"""Reading untrusted documents in a child process with limits.

Parsing a hostile file is the riskiest thing the server does: a PDF or an
Office file can be built to take minutes of CPU, gigabytes of memory, or
megabytes of text. So the checks never run in the API process: each runs in a
fresh child process (forked from a `forkserver` that has the parsers loaded, a
few milliseconds per start), under

- a CPU-time limit (`RLIMIT_CPU`; the kernel ends the child past it),
- an address-space limit (`RLIMIT_AS`; a parser that asks for more gets a
  `MemoryError`) and a limit on the size of files it writes (`RLIMIT_FSIZE`),
- a wall-clock timeout (the parent kills the child),
- a cap on extracted characters in the child and on the bytes of the answer
  the parent accepts.

Past any limit the document is refused with `LimitExceeded`, whose message
says which limit. The child looks for personal data itself and answers with
the kinds it found and where, never with the text: personal data stays in the
child. Callers run these functions in a worker thread (`anyio.to_thread`), so
the event loop never waits on a child; at most `SLOTS` children run at once.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import spawn
from typing import Any

from domain.personal_data import describe, find_personal_data
from services.content.files import extract_places, requires_review, strip_pdf_metadata
from services.content.kinds import PDF, UnsupportedDocument
from services.content.verify import check_file

__all__ = [
    "DEFAULT_LIMITS",
    "SLOTS",
    "Checked",
    "DocumentScan",
    "LimitExceeded",
    "Limits",
    "check_upload",
    "cleans",
    "run_isolated",
    "scan_file",
]


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 30
    wall_seconds: float = 60.0
    memory_bytes: int = 1536 * 1024 * 1024
    file_bytes: int = 256 * 1024 * 1024  # largest file the child may write (a cleaned PDF)
    max_chars: int = 5_000_000  # characters of text extracted from one document
    output_bytes: int = 1024 * 1024  # largest answer the parent accepts


DEFAULT_LIMITS = Limits()
SLOTS = max(1, os.cpu_count() or 1)
_slots = threading.BoundedSemaphore(SLOTS)


class LimitExceeded(UnsupportedDocument):
    """Checking the document went past a limit of the worker process."""


@dataclass(frozen=True)
class DocumentScan:
    """What the child found in a document, without its text.

    `personal_data`: `describe()` of every hit, or None; `places`: where the hits
    are; `review`: why the document cannot be checked at all (`requires_review`);
    `extras`: what a shared original may not carry (annotations with content,
    form values, attachments, scripts).
    """

    personal_data: str | None
    places: tuple[str, ...]
    review: str | None
    extras: tuple[str, ...]


def scan_file(path: str, content_type: str, limits: Limits | None = None) -> DocumentScan:
    """Check a stored document for personal data in a child process (blocking)."""
    limits = limits or DEFAULT_LIMITS
    answer = run_isolated(_scan, (path, content_type, limits.max_chars), limits)
    return DocumentScan(
        personal_data=answer["personal_data"],
        places=tuple(answer["places"]),
        review=answer["review"],
        extras=tuple(answer["extras"]),
    )


@dataclass(frozen=True)
class Checked:
    """What `check_upload` wrote: `cleaned`, a cleaned copy (a PDF's); `in_order`, that
    copy front to back, no byte written twice, so whoever read it while it grew read
    its final bytes (`storage.following`)."""

    cleaned: bool
    in_order: bool = True


def check_upload(
    source_path: str, cleaned_path: str, content_type: str, limits: Limits | None = None
) -> Checked:
    """Refuse an upload that does not open as `content_type` alone (`verify.check_file`);
    write a PDF without metadata or scripts to `cleaned_path`."""
    limits = limits or DEFAULT_LIMITS
    cleaned, in_order = run_isolated(
        _check_upload, (source_path, cleaned_path, content_type), limits
    )
    return Checked(cleaned, in_order)


def cleans(content_type: str) -> bool:
    """Whether `check_upload` writes a cleaned copy of a file of this type (a PDF),
    or the file is stored as sent."""
    return content_type == PDF


def _scan(path: str, content_type: str, max_chars: int) -> dict[str, Any]:
    with open(path, "rb") as source:
        check_file(content_type, source)
        extraction = extract_places(content_type, source, max_chars=max_chars)
    hits = []
    places: list[str] = []
    for where, text in extraction.places:
        found = find_personal_data(text)
        if found:
            hits.extend(found)
            label = _place_label(where)
            if label not in places:
                places.append(label)
    return {
        "personal_data": describe(hits) if hits else None,
        "places": places,
        "review": requires_review(content_type, extraction.visible),
        "extras": list(extraction.extras),
    }


def _place_label(where: str) -> str:
    """A place as the message may name it: never with personal data in its own name
    (a part or an attached file can be named after a person)."""
    if find_personal_data(where):
        return "a part whose name holds personal data"
    return where if len(where) <= 120 else where[:117] + "..."


def _check_upload(source_path: str, cleaned_path: str, content_type: str) -> tuple[bool, bool]:
    with open(source_path, "rb") as source:
        check_file(content_type, source)
        if not cleans(content_type):
            return False, True
        written = _InOrderFile(cleaned_path, "w+")
        with io.BufferedRandom(written) as cleaned:
            strip_pdf_metadata(source, cleaned)
    return True, written.in_order


class _InOrderFile(io.FileIO):
    """A file that notes whether anything was written over bytes written before."""

    in_order = True
    _end = 0

    def write(self, data: Any) -> int:
        position = self.tell()
        if position < self._end:
            self.in_order = False
        written = super().write(data)
        self._end = max(self._end, position + (written or 0))
        return written or 0

    def truncate(self, size: int | None = None) -> int:
        if (self.tell() if size is None else size) < self._end:
            self.in_order = False
        return super().truncate(size)


def run_isolated(task: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> Any:
    """`task(*args)` in a fresh child process under `limits`; its (JSON) result.

    `task` must be a module-level function. `UnsupportedDocument` raised in the
    child is raised here with the same message; any limit raises `LimitExceeded`.
    """
    context = _context()
    with _slots:
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_child, args=(sender, task, args, limits), daemon=True, name=_CHILD_NAME
        )
        child.start()
        sender.close()
        try:
            data = _receive(receiver, limits)
        finally:
            receiver.close()
            if child.is_alive():
                child.kill()
            child.join()
        if data is None:
            raise _died(child.exitcode, limits)
    answer = json.loads(data.decode("utf-8", errors="surrogatepass"))
    if "ok" in answer:
        return answer["ok"]
    if "refused" in answer:
        raise UnsupportedDocument(answer["refused"])
    if "memory" in answer:
        raise LimitExceeded(
            f"checking it needs more than {limits.memory_bytes // 2**20} MB of memory; "
            "split it or classify it RESTRICTED"
        )
    if "output" in answer:
        raise _too_much_output(limits)
    raise UnsupportedDocument(f"it could not be read: {answer.get('error', 'unknown error')}")


def _receive(receiver: multiprocessing.connection.Connection, limits: Limits) -> bytes | None:
    """The child's answer; None if it ended without one."""
    if not receiver.poll(limits.wall_seconds):
        raise LimitExceeded(
            f"checking it took longer than {limits.wall_seconds:g} seconds; "
            "split it or classify it RESTRICTED"
        )
    try:
        return receiver.recv_bytes(limits.output_bytes)
    except EOFError:
        return None
    except OSError as exc:  # longer than output_bytes
        raise _too_much_output(limits) from exc


def _too_much_output(limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        f"checking it gave more than {limits.output_bytes // 1024} KB of results; "
        "split it or classify it RESTRICTED"
    )


def _died(exitcode: int | None, limits: Limits) -> LimitExceeded:
    if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
        return LimitExceeded(
            f"checking it took more than {limits.cpu_seconds} seconds of CPU time; "
            "split it or classify it RESTRICTED"
        )
    if exitcode == -signal.SIGXFSZ:
        return LimitExceeded(
            f"cleaning it would write more than {limits.file_bytes // 2**20} MB; "
            "split it or classify it RESTRICTED"
        )
    return LimitExceeded(f"checking it failed (the worker ended with code {exitcode})")


@lru_cache(maxsize=1)
def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    _skip_main_import()
    return context


_CHILD_NAME = "kjede-content"


def _skip_main_import() -> None:
    """A forkserver child imports the parent's `__main__` again before it runs
    (the forkserver never preloads it: CPython looks for a `main_path` key that
    `get_preparation_data` never sets). For the API that is `kjede` and the whole
    app: seconds per upload on a busy machine. Our children run module-level
    functions of this module only, so for them the main module is left out."""
    original = spawn.get_preparation_data
    if getattr(original, "_kjede", False):
        return

    def preparation_data(name: str) -> dict[str, Any]:
        data: dict[str, Any] = original(name)
        if name == _CHILD_NAME:
            data.pop("init_main_from_name", None)
            data.pop("init_main_from_path", None)
        return data

    preparation_data._kjede = True  # type: ignore[attr-defined]
    spawn.get_preparation_data = preparation_data


def _child(
    sender: multiprocessing.connection.Connection,
    task: Callable[..., Any],
    args: tuple[Any, ...],
    limits: Limits,
) -> None:
    """Entry point of the child: limits first, then the task, then one answer."""
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    answer: dict[str, Any]
    try:
        answer = {"ok": task(*args)}
    except UnsupportedDocument as exc:
        answer = {"refused": str(exc)}
    except MemoryError:
        answer = {"memory": True}
    except RecursionError:
        answer = {"refused": "it could not be read: it is nested too deeply"}
    except Exception as exc:  # a parser failing in a way nobody foresaw
        answer = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    try:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    except MemoryError:
        data = b'{"memory": true}'
    if len(data) > limits.output_bytes:
        data = b'{"output": true}'
    sender.send_bytes(data)
    sender.close()
