"""Bulk facility import from CSV, deduplicated like disclosed sites
(`domain.facilities`): each row is matched to a stored facility (or one made
earlier in the same file), made new, or rejected with the reason.

The CSV has a header row with `name`, `country` and optionally `address` and
`os_id` (or `osId`); other columns are ignored.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from domain.errors import InvalidInput
from domain.facilities import Site, validate_site
from services.facility_dedup import candidates, index_of
from storage import models

REQUIRED = ("name", "country")


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


@dataclass(frozen=True)
class Matched:
    line: int
    name: str
    facility_id: str
    facility_name: str


@dataclass
class ImportResult:
    matched: list[Matched] = field(default_factory=list)
    new: list[tuple[int, str]] = field(default_factory=list)  # (line, facility id)
    rejected: list[Rejected] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; InvalidInput if the header lacks a column."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or ()]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise InvalidInput("file", f"the header row lacks the column(s) {', '.join(missing)}")
        reader.fieldnames = header
        for row in reader:
            yield reader.line_num, {k: (v or "") for k, v in row.items() if k}


def parse(line: int, row: dict[str, str]) -> Site:
    return validate_site(
        f"line {line}",
        row.get("name", ""),
        row.get("country", ""),
        row.get("address") or None,
        row.get("os_id") or row.get("osId") or None,
    )


def import_facilities(
    session: Session,
    path: Path,
    threshold: float,
    progress: Callable[[int], None] = lambda _: None,
) -> ImportResult:
    """Import every row of `path` in the caller's transaction; `progress(n)` is
    called after each row."""
    result = ImportResult()
    parsed: list[tuple[int, dict[str, str], Site]] = []
    for line, row in read_rows(path):
        try:
            parsed.append((line, row, parse(line, row)))
        except InvalidInput as exc:
            named = exc.field and not exc.message.startswith(exc.field)
            result.rejected.append(
                Rejected(line, f"{exc.field}: {exc.message}" if named else exc.message)
            )
            progress(1)
    index = index_of(session.execute(candidates([site for _, _, site in parsed])), threshold)
    for line, _row, site in parsed:
        known = index.find(site)
        if known is None:
            created = index.new_row(site)
            session.add(created)
            session.flush()
            index.created(created)
            result.new.append((line, created.id))
        else:
            if site.os_id and not known.os_id:
                index.enrich(known, site, session.get_one(models.Facility, known.id))
            result.matched.append(Matched(line, site.name, known.id, known.name))
        progress(1)
    return result


def count_rows(path: Path) -> int:
    """Data rows in the file (for a progress bar's total)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)
