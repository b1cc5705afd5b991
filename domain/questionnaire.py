"""The self-report questionnaire, as data: versioned, one classification per
question (what a buyer, a grantee or the supplier itself may read of an answer,
through `authz.records.SELF_REPORT_ANSWERS`), validated here without I/O.

A submission answers the current version (`CURRENT`); older versions stay
defined so older self-reports keep their meaning. A question id keeps its
classification in every version (a unit test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from domain.enums import Classification
from domain.errors import InvalidInput

MAX_TEXT = 2000
MAX_COUNT = 1_000_000


class Section(StrEnum):
    POLICIES = "POLICIES"
    ILO = "ILO"
    GRIEVANCE = "GRIEVANCE"
    SUBCONTRACTING = "SUBCONTRACTING"
    CERTIFICATIONS = "CERTIFICATIONS"


class AnswerKind(StrEnum):
    YES_NO = "YES_NO"  # true or false
    CHOICE = "CHOICE"  # one of `options`
    CHOICES = "CHOICES"  # a list of distinct `options`
    TEXT = "TEXT"  # free text up to MAX_TEXT characters
    COUNT = "COUNT"  # a whole number from 0


@dataclass(frozen=True)
class Question:
    id: str  # the key in `answers`; camelCase, so it is also its GraphQL path
    section: Section
    text: str
    kind: AnswerKind
    classification: Classification
    required: bool = True
    options: tuple[str, ...] = ()
    # Required only when another question has this answer, e.g. ("grievanceMechanism", True).
    required_when: tuple[str, Any] | None = None


@dataclass(frozen=True)
class Questionnaire:
    version: int
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


ILO_LEVELS = ("COMPLIANT", "PARTLY_COMPLIANT", "NOT_COMPLIANT", "NOT_ASSESSED")
S, R, P, PUB = (
    Classification.SHARED,
    Classification.RESTRICTED,
    Classification.PERSONAL,
    Classification.PUBLIC,
)


def _ilo(question_id: str, conventions: str, subject: str) -> Question:
    return Question(
        question_id,
        Section.ILO,
        f"ILO {conventions} ({subject}): how do your own sites comply?",
        AnswerKind.CHOICE,
        S,
        options=ILO_LEVELS,
    )


VERSION_1 = Questionnaire(
    version=1,
    questions=(
        Question(
            "humanRightsPolicy",
            Section.POLICIES,
            "Has your management adopted a policy to respect human rights and decent work "
            "(UN Guiding Principles, OECD Guidelines)?",
            AnswerKind.YES_NO,
            S,
        ),
        Question(
            "supplierCodeOfConduct",
            Section.POLICIES,
            "Do your own suppliers commit to a code of conduct with the same requirements?",
            AnswerKind.YES_NO,
            S,
        ),
        Question(
            "dueDiligenceAccountUrl",
            Section.POLICIES,
            "Where is your latest due-diligence account published (a web address)?",
            AnswerKind.TEXT,
            PUB,
            required=False,
        ),
        Question(
            "policyOwner",
            Section.POLICIES,
            "Who in management answers for the policy (name and title)?",
            AnswerKind.TEXT,
            P,
            required=False,
        ),
        _ilo("forcedLabour", "C29 and C105", "forced labour"),
        _ilo("freedomOfAssociation", "C87 and C98", "freedom of association"),
        _ilo("nonDiscrimination", "C100 and C111", "equal pay, no discrimination"),
        _ilo("childLabour", "C138 and C182", "child labour"),
        _ilo("occupationalSafety", "C155 and C187", "health and safety"),
        Question(
            "iloDeviations",
            Section.ILO,
            "Describe deviations from the ILO conventions you know of and what you do about them.",
            AnswerKind.TEXT,
            R,
            required=False,
        ),
        Question(
            "grievanceMechanism",
            Section.GRIEVANCE,
            "Can workers and others raise grievances through a mechanism you run or join?",
            AnswerKind.YES_NO,
            S,
        ),
        Question(
            "grievanceChannels",
            Section.GRIEVANCE,
            "Which channels does the grievance mechanism offer?",
            AnswerKind.CHOICES,
            S,
            required=False,
            options=("HOTLINE", "EMAIL", "WORKER_REPRESENTATIVE", "THIRD_PARTY", "OTHER"),
            required_when=("grievanceMechanism", True),
        ),
        Question(
            "grievanceCasesLastYear",
            Section.GRIEVANCE,
            "How many grievances were raised in the last twelve months?",
            AnswerKind.COUNT,
            R,
            required=False,
        ),
        Question(
            "grievanceContact",
            Section.GRIEVANCE,
            "Who receives grievances (name and e-mail)?",
            AnswerKind.TEXT,
            P,
            required=False,
        ),
        Question(
            "usesSubcontractors",
            Section.SUBCONTRACTING,
            "Do you sub-contract any production for public contracts?",
            AnswerKind.YES_NO,
            S,
        ),
        Question(
            "subcontractingApproval",
            Section.SUBCONTRACTING,
            "Do buyers approve a sub-contractor before it produces for them?",
            AnswerKind.CHOICE,
            S,
            required=False,
            options=("ALWAYS", "SOMETIMES", "NEVER"),
            required_when=("usesSubcontractors", True),
        ),
        Question(
            "knownTiers",
            Section.SUBCONTRACTING,
            "How many tiers of your supply chain do you know by name?",
            AnswerKind.COUNT,
            S,
            required=False,
        ),
        Question(
            "certifications",
            Section.CERTIFICATIONS,
            "Which certifications or audit schemes cover your sites?",
            AnswerKind.CHOICES,
            S,
            options=(
                "SA8000",
                "AMFORI_BSCI",
                "SMETA",
                "ISO_14001",
                "ISO_45001",
                "FAIRTRADE",
                "FSC",
                "OTHER",
                "NONE",
            ),
        ),
        Question(
            "certificationDetails",
            Section.CERTIFICATIONS,
            "Certificate numbers, issuing bodies and expiry dates.",
            AnswerKind.TEXT,
            R,
            required=False,
        ),
    ),
)

QUESTIONNAIRES: Mapping[int, Questionnaire] = MappingProxyType({1: VERSION_1})
CURRENT = VERSION_1


def classifications() -> dict[str, Classification]:
    """Every question id of every version, with its classification."""
    return {q.id: q.classification for form in QUESTIONNAIRES.values() for q in form.questions}


def validate_answers(answers: object, form: Questionnaire = CURRENT) -> dict[str, Any]:
    """The answers as stored (text trimmed), or InvalidInput naming the question."""
    if not isinstance(answers, Mapping):
        raise InvalidInput("answers", "answers must be an object of question id to answer")
    for key in answers:
        if form.question(str(key)) is None:
            raise InvalidInput(
                f"answers.{key}",
                f"answers.{key} is not a question of questionnaire version {form.version}",
            )
    clean: dict[str, Any] = {}
    for question in form.questions:
        value = answers.get(question.id)
        if value is None:
            if _required(question, answers):
                raise InvalidInput(
                    f"answers.{question.id}",
                    f"answers.{question.id} is required: {question.text}",
                )
            continue
        clean[question.id] = _checked(question, value)
    return clean


def _required(question: Question, answers: Mapping[str, Any]) -> bool:
    if question.required:
        return True
    if question.required_when is None:
        return False
    other, expected = question.required_when
    return bool(answers.get(other) == expected)


def _checked(question: Question, value: Any) -> Any:
    name = f"answers.{question.id}"

    def bad(what: str) -> InvalidInput:
        return InvalidInput(name, f"{name} must be {what}")

    match question.kind:
        case AnswerKind.YES_NO:
            if not isinstance(value, bool):
                raise bad("true or false")
            return value
        case AnswerKind.CHOICE:
            if value not in question.options:
                raise bad(f"one of {', '.join(question.options)}")
            return value
        case AnswerKind.CHOICES:
            if (
                not isinstance(value, list)
                or not all(isinstance(item, str) and item in question.options for item in value)
                or len(set(value)) != len(value)
            ):
                raise bad(f"a list of distinct values from {', '.join(question.options)}")
            return list(value)
        case AnswerKind.TEXT:
            if not isinstance(value, str) or not value.strip():
                raise bad("a non-empty text")
            if len(value) > MAX_TEXT:
                raise bad(f"at most {MAX_TEXT} characters")
            return value.strip()
        case AnswerKind.COUNT:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
                raise bad(f"a whole number from 0 to {MAX_COUNT}")
            return value
    raise AssertionError(question.kind)  # pragma: no cover
