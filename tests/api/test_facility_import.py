"""`kjede import facilities FILE.csv`: matched, new and rejected rows with reasons;
a dry run stores nothing; a second import of the same file adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from settings import Settings
from storage import db
from storage.models import Facility
from tests.api.test_cli import ok, refused

CSV = """name,country,address,os_id,notes
Perak Nitrile Gloves Sdn Bhd Plant 2,MY,"Lot 12, Kamunting Industrial Estate",MY2024123ABCDEF,first
PERAK NITRILE GLOVES SDN. BHD. PLANT 2,MY,"Lot 12 Kamunting Industrial Estate",,same site
Perak Nitrile Gloves Sdn Bhd Plant 2,TH,"Lot 12, Kamunting Industrial Estate",,another country
Songkhla Latex Works,TH,Hat Yai,,new
Songkhla Latex Works Co. Ltd.,TH,"Hat Yai, Songkhla",,legal form
Bad Country Mill,XX,Nowhere,,
Bad Id Mill,VN,Hanoi,VN-123,
,VN,Hanoi,,
"""


@pytest.fixture
def migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "kjede-data"
    monkeypatch.setenv("KJEDE_DATA_DIR", str(directory))
    monkeypatch.delenv("KJEDE_DATABASE_URL", raising=False)
    monkeypatch.setenv("KJEDE_ENVIRONMENT", "dev")
    ok("db", "upgrade")
    return directory


def stored() -> list[tuple[str, str, str | None]]:
    engine = db.make_engine(Settings().resolved_database_url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            rows = session.execute(
                select(Facility.name, Facility.country, Facility.os_id).order_by(Facility.name)
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_import_reports_matched_new_and_rejected_rows(migrated: Path, tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(CSV, encoding="utf-8")

    dry = ok("import", "facilities", str(path), "--dry-run")
    assert "dry run: nothing stored" in dry
    assert stored() == []

    output = ok("import", "facilities", str(path))
    assert "matched: 2 new: 3 rejected: 3" in output
    assert "line 7.country" in output and "ISO 3166-1" in output
    assert "line 8.osId" in output and "Open Supply Hub OS ID" in output
    assert "line 9.name" in output and "must not be empty" in output
    assert stored() == [
        ("Perak Nitrile Gloves Sdn Bhd Plant 2", "MY", "MY2024123ABCDEF"),
        ("Perak Nitrile Gloves Sdn Bhd Plant 2", "TH", None),
        ("Songkhla Latex Works", "TH", None),
    ]

    again = ok("import", "facilities", str(path))
    assert "matched: 5 new: 0 rejected: 3" in again
    assert len(stored()) == 3


def test_a_file_without_the_required_columns_is_refused(migrated: Path, tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("title,land\nX,NO\n", encoding="utf-8")
    message = refused("import", "facilities", str(path))
    assert "name, country" in message
