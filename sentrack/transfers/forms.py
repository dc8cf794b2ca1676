"""Forms of the transfer pages: buttons that export (each with its CSRF token) and the reason
for declining a transfer."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import SubmitField

from sentrack.forms import text_area
from sentrack.workflows.transfers import NOTE_MAX


class ExportForm(FlaskForm):
    """The buttons that download the CTF or the transfer pack: each export is recorded."""

    ctf = SubmitField("Download the CTF", widget=gov.GovSubmitInput())
    pack = SubmitField("Download the transfer pack", widget=gov.GovSubmitInput())


class ConfirmTransferForm(FlaskForm):
    submit = SubmitField("Confirm the transfer", widget=gov.GovSubmitInput())


class DeclineTransferForm(FlaskForm):
    """Why the transfer is declined: the receiving school reads it. One per transfer on the page,
    each with its own prefix so that no two fields share an id."""

    note = text_area(
        "Why is the transfer declined?", required="Enter why the transfer is declined", max_length=NOTE_MAX
    )
    submit = SubmitField("Decline the transfer", widget=gov.GovSubmitInput())

    @classmethod
    def for_transfer(cls, transfer_id: int) -> DeclineTransferForm:
        return cls(prefix=f"transfer-{transfer_id}")

    def to_details(self) -> str | None:
        return self.note.data
