"""The rules of SEN Track: pure functions of a database session and `today`.

Nothing here reads the request or `g`. Operations check their rules, raise `RuleBroken` with a
message for the field at fault, change the records, write the audit trail and `flush()`; the
caller commits once.
"""

from __future__ import annotations


class RuleBroken(ValueError):
    """An operation was refused. `field` names the form field the message belongs beside."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
