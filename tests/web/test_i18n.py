"""Languages: every message of web/ (templates, Python, enum labels) is translated
into bokmål and Swedish; Accept-Language and the switcher choose; dates and
numbers follow the locale. No I/O beyond reading web/'s own files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.messages.extract import extract_from_dir

from domain.questionnaire import QUESTIONNAIRES, Section
from web.i18n import CATALOGS, Language, negotiate
from web.labels import LABELS

ROOT = Path(__file__).parents[2]
WEB = ROOT / "web"
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
QUESTIONS = [("questionnaire.py", "web.questionnaire:extract_questions")]  # as web/babel.cfg
KEYWORDS = {"_": None, "t": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def messages() -> set[str]:
    found: set[str] = set()
    for folder, method_map in ((WEB, METHOD_MAP), (ROOT / "domain", QUESTIONS)):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder), method_map, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_is_translated_into_bokmal_and_swedish() -> None:
    found = messages()
    assert len(found) > 100  # templates and labels are really scanned
    for english in (label for values in LABELS.values() for label in values.values()):
        assert english in found
    for language in ("nb", "sv"):
        compiled = CATALOGS[language]._catalog  # only translated messages are compiled
        missing = sorted(
            message for message in found if message not in compiled and (message, 0) not in compiled
        )
        assert missing == [], f"{language}: translate these in web/locale/{language}: {missing}"


def test_every_question_section_and_option_has_a_message() -> None:
    found = messages()
    for form in QUESTIONNAIRES.values():
        for question in form.questions:
            assert question.text in found
            assert set(question.options) <= set(LABELS["AnswerOption"]), question.id
    assert {section.value for section in Section} == set(LABELS["QuestionnaireSection"])


def test_accept_language_and_the_cookie_choose_the_language() -> None:
    assert negotiate(None, "sv-SE,sv;q=0.9,en;q=0.5") == "sv"
    assert negotiate(None, "en-GB,en;q=0.9,nb;q=0.8") == "en"
    assert negotiate(None, "nn-NO") == "nb"
    assert negotiate(None, "de-DE, fr;q=0.8") == "nb"
    assert negotiate(None, "de, sv;q=0.2, en;q=0.1") == "sv"
    assert negotiate("en", "sv-SE") == "en"
    assert negotiate("xx", "sv-SE") == "sv"


def test_dates_and_numbers_follow_the_locale() -> None:
    day = dt.date(2026, 3, 7)
    assert Language("en").date(day) == "7 Mar 2026"
    assert Language("nb").date(day) == "7. mars 2026"
    assert Language("sv").date("2026-03-07") == "7 mars 2026"
    assert Language("en").number(1234567.5) == "1,234,567.5"
    assert Language("nb").number(1234567.5).replace("\xa0", " ") == "1 234 567,5"
    assert Language("sv").number(1234567.5).replace("\xa0", " ") == "1 234 567,5"


def test_plurals_and_placeholders() -> None:
    assert Language("nb").ngettext("%(count)s report", "%(count)s reports", 1) == "1 rapport"
    assert Language("sv").ngettext("%(count)s report", "%(count)s reports", 3) == "3 rapporter"
    assert Language("en").gettext("Signed in as %(email)s", email="a@b.no") == "Signed in as a@b.no"
