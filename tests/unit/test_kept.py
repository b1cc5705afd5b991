"""`storage.kept.Kept`: a value is found by its key only while the caller holds the
very object it was made from, and at most `size` are kept, the oldest going first."""

from __future__ import annotations

from storage.kept import Kept


def test_found_only_for_the_object_it_was_made_from() -> None:
    kept: Kept[str] = Kept(4)
    source, twin = ["rules"], ["rules"]  # equal, not the same object
    assert kept.put("k", source, "made") == "made"
    assert kept.get("k", source) == "made"
    assert kept.get("k", twin) is None
    assert kept.get("other", source) is None


def test_the_oldest_goes_first_and_a_replaced_key_takes_no_room() -> None:
    kept: Kept[int] = Kept(2)
    a, b, c = object(), object(), object()
    kept.put("a", a, 1)
    kept.put("b", b, 2)
    kept.put("b", b, 3)  # replaced: still two
    assert (kept.get("a", a), kept.get("b", b)) == (1, 3)
    kept.put("c", c, 4)
    assert (kept.get("a", a), kept.get("b", b), kept.get("c", c)) == (None, 3, 4)
