"""Questions an operation asks before it stores something unusual that a person may well mean: a
year group that does not fit the date of birth, a second registration class. The operation is
refused (`NeedsConfirming`, nothing stored) until the person gives one of the answers offered;
the form shows each question beside its field, keeping what was typed.

An answer names what it answers (the year groups, the classes), so that an answer given to one
question never answers another asked after the person changed the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentrack.workflows import RuleBroken


@dataclass(frozen=True)
class Question:
    """What is unusual (`message`, shown beside the form's `field`), and the answers the person
    may give, as (value, label); the first stores the change as asked."""

    field: str
    message: str
    answers: tuple[tuple[str, str], ...]


class NeedsConfirming(RuleBroken):
    """The operation asks `questions` before storing anything: the first one's message goes beside
    its field like any refusal, and the form shows the answers of each."""

    def __init__(self, questions: list[Question]):
        super().__init__(questions[0].message, field=questions[0].field)
        self.questions = questions


@dataclass(frozen=True)
class Confirmed:
    """The answers a person gave (values of `Question.answers`). `as_given` stands for a change
    that was confirmed as a whole before (an import's preview, which warned of the same things):
    each question is then answered with its first answer."""

    given: frozenset[str] = frozenset()
    as_given: bool = False

    def answer(self, question: Question) -> str | None:
        values = [value for value, _ in question.answers]
        if self.as_given:
            return values[0]
        return next((value for value in values if value in self.given), None)


def answers(confirmed: Confirmed, questions: list[Question | None]) -> dict[str, str]:
    """The answer to each question asked (by field); NeedsConfirming for all those not answered,
    at once, so that the person sees every question on one page."""
    asked = [question for question in questions if question is not None]
    given = {question.field: confirmed.answer(question) for question in asked}
    unanswered = [question for question in asked if given[question.field] is None]
    if unanswered:
        raise NeedsConfirming(unanswered)
    return given
