"""Forms of the transfer pages: buttons that export (each with its CSRF token), a leaver's next
school recorded after the leaving, and the reason for declining a transfer."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import SubmitField

from sentrack.forms import VersionedForm, opened_at, text_area
from sentrack.models import Pupil
from sentrack.pupils.forms import destination_fields, offer_schools, typed_school
from sentrack.workflows.roll import TypedSchool
from sentrack.workflows.transfers import NOTE_MAX


class ExportForm(FlaskForm):
    """The buttons that download the CTF or the transfer pack: each export is recorded."""

    ctf = SubmitField("Download the CTF", widget=gov.GovSubmitInput())
    pack = SubmitField("Download the transfer pack", widget=gov.GovSubmitInput())


class NextSchoolForm(VersionedForm):
    """The school a pupil who left moved to, learnt after the leaving: the leaving form's fields."""

    destination, destination_name, destination_urn, destination_la, destination_estab = destination_fields()
    submit = SubmitField("Record the next school", widget=gov.GovSubmitInput())

    @classmethod
    def for_pupil(cls, pupil: Pupil, schools: list[tuple[int, str]]) -> NextSchoolForm:
        """The form offering the other schools of this SEN Track (id, name); when first shown,
        filled with the destination recorded so far and the pupil's version."""
        shown = request.method == "GET"
        form = offer_schools(cls(obj=pupil if shown else None), schools)
        if shown:
            opened_at(form, pupil)
        return form

    def to_details(self) -> TypedSchool:
        return typed_school(self)


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
