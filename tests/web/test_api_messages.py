"""web/api_messages.py: an API refusal in the page's language where it is
translated, else in English marked as English; no I/O."""

from __future__ import annotations

from graphql import GraphQLError

from domain import personal_data
from domain.errors import InvalidInput
from domain.text import require_text
from schema.errors import shape_error
from web.api_messages import TRANSLATED, shown
from web.i18n import Language

BOKMAL, SWEDISH, ENGLISH = Language("nb"), Language("sv"), Language("en")
TITLE = {"field": "title", "code": "BAD_USER_INPUT"}


def refusal(value: str, limit: int = 10) -> str:
    """The message the API answers for a title refused by the shared text rule."""
    try:
        require_text("title", value, limit)
    except InvalidInput as exc:
        return f"{exc.field}: {exc.message}"  # as schema/errors.py shapes it
    raise AssertionError("not refused")


def test_a_template_is_translated_and_its_values_carried_over() -> None:
    too_long = refusal("x" * 11)
    assert too_long == "title: must be at most 10 characters"
    assert "must be at most %(limit)s characters" in TRANSLATED
    assert shown(too_long, TITLE, BOKMAL) == "kan være høyst 10 tegn"
    assert shown(too_long, TITLE, SWEDISH) == "får vara högst 10 tecken"
    assert shown(too_long, TITLE, ENGLISH) == too_long


def test_a_message_without_values_is_translated_by_its_text() -> None:
    empty = refusal("  ")
    assert shown(empty, TITLE, SWEDISH) == "måste fyllas i"
    assert shown("file: the file is empty", {"field": "file"}, BOKMAL) == "filen er tom"
    assert shown("must not be empty", None, BOKMAL) == "må fylles ut"


def test_any_other_message_is_english_and_marked_so() -> None:
    other = "reportId: no report <b>r-1</b> here"
    marked = shown(other, {"field": "reportId"}, BOKMAL)
    assert str(marked) == '<span lang="en">reportId: no report &lt;b&gt;r-1&lt;/b&gt; here</span>'
    assert shown(other, {"field": "reportId"}, ENGLISH) == other  # escaped where it is shown
    # Only a whole message matches: a translated one inside another is not enough.
    assert shown("title: must not be empty, or else", TITLE, BOKMAL).startswith("<span")


def test_personal_data_is_told_kind_by_kind_from_what_the_api_counted() -> None:
    text = "Ring Kari på 912 34 567 eller 22 33 44 55, kari@example.no"
    refused = personal_data.refusal("summary", personal_data.find_personal_data(text))
    error = shape_error(GraphQLError("", original_error=refused))
    assert error.extensions == {
        "code": "PERSONAL_DATA_DETECTED",
        "field": "summary",
        "personalData": {"EMAIL": 1, "PHONE": 2},
    }
    assert error.message == (
        "summary contains an e-mail address and 2 phone numbers; remove them before sharing"
    )
    assert shown(error.message, error.extensions, BOKMAL) == (
        "inneholder en e-postadresse og 2 telefonnumre, som må fjernes før deling"
    )
    assert shown(error.message, error.extensions, SWEDISH) == (
        "innehåller en e-postadress och 2 telefonnummer, som måste tas bort före delning"
    )
    assert shown(error.message, error.extensions, ENGLISH) == error.message
    unknown = {**error.extensions, "personalData": {"PASSPORT_NUMBER": 1}}
    assert str(shown(error.message, unknown, BOKMAL)).startswith('<span lang="en">summary')
