"""The rules of SEN Track: pure functions of a database session and `today`.

Nothing here reads the request or `g`. Operations check their rules, raise `RuleBroken` with a
message for the field at fault, change the records, write the audit trail and `flush()`; the
caller commits once.
"""

from __future__ import annotations


class RuleBroken(ValueError):
    """An operation was refused. `field` names the form field the message belongs beside; a
    refusal for several problems at once (`together`) holds them all in `each`."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.others: list[RuleBroken] = []

    @property
    def each(self) -> list[RuleBroken]:
        """Every problem of the refusal: this one, and any found with it."""
        return [self, *self.others]

    @classmethod
    def together(cls, problems: list[RuleBroken]) -> RuleBroken:
        """One refusal for all of `problems` (at least one), so that a form shows every problem
        at once, each beside its field, rather than the next only once the first is put right."""
        first, *others = problems
        first.others = [*first.others, *others]
        return first


def refuse_if_any(problems: list[RuleBroken]) -> None:
    """Raise every problem found together, if any was."""
    if problems:
        raise RuleBroken.together(problems)
