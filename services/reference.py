"""Risk reference data: the packaged tables (graph/data/reference) until a
coordinator loads a newer edition with `kjede reference load DIR`, which
stores the files in the database (`reference_files`)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from graph.risk import REFERENCE_FILES, RiskTables, parse_reference
from storage.models import ReferenceFile


def packaged_texts() -> dict[str, str]:
    folder = resources.files("graph").joinpath("data", "reference")
    return {name: folder.joinpath(name).read_text(encoding="utf-8") for name in REFERENCE_FILES}


@cache
def packaged_tables() -> RiskTables:
    return parse_reference(packaged_texts())


def read_folder(folder: Path) -> dict[str, str]:
    """The reference files of a folder; ValueError naming what is missing."""
    missing = [name for name in REFERENCE_FILES if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"{folder}: missing {', '.join(missing)}")
    return {name: (folder / name).read_text(encoding="utf-8") for name in REFERENCE_FILES}


def load_reference(session: Session, texts: dict[str, str]) -> RiskTables:
    """Validate every file, then replace the stored edition in the caller's
    transaction: a file with an error stores nothing."""
    tables = parse_reference(texts)
    session.execute(delete(ReferenceFile))
    session.add_all(ReferenceFile(name=name, content=texts[name]) for name in REFERENCE_FILES)
    return tables


async def stored_texts(session: AsyncSession) -> dict[str, str] | None:
    """The loaded edition, or None when none is stored (the packaged one applies)."""
    rows = (await session.execute(select(ReferenceFile.name, ReferenceFile.content))).all()
    texts = {str(name): str(content) for name, content in rows}
    return texts if all(name in texts for name in REFERENCE_FILES) else None


async def current_tables(session: AsyncSession) -> RiskTables:
    texts = await stored_texts(session)
    return packaged_tables() if texts is None else parse_reference(texts)
