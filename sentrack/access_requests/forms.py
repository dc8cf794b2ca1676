"""Forms of the subject access pages. Each gives its workflow operation its details."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import DataRequired

from sentrack.clock import today
from sentrack.forms import (
    MAX_INT,
    GovDateField,
    NotInFuture,
    Offered,
    Required,
    WholeNumberField,
    choose,
    strip_text,
    text_area,
    text_field,
)
from sentrack.models import AccessKind, AccessStatus, Pupil, Requester
from sentrack.workflows import subject_access as flow
from sentrack.workflows.pupil_data import PUPIL_TABLES


def _chosen(enum_class, value):
    return enum_class(value) if value in {member.value for member in enum_class} else None


class RequestForm(FlaskForm):
    """A request for a pupil's data, as the SENCO or head teacher records it."""

    kind = choose("What was asked for?", [], "Select what was asked for")
    requester = choose("Who asked?", [(r.value, r.label) for r in Requester], "Select who asked")
    requester_name = text_field(
        "Name of the person who asked",
        required="Enter the name of the person who asked",
        max_length=flow.LONGEST_NAME,
    )
    received_on = GovDateField(
        "Date the school received the request",
        describe="date the request was received",
        validators=[
            Required("Enter the date the request was received"),
            NotInFuture(today, "The date the request was received cannot be in the future"),
        ],
        description="The time limit runs from this day",
    )
    submit = SubmitField("Record the request", widget=GovSubmitInput())

    @classmethod
    def for_school(cls, maintained: bool) -> RequestForm:
        form = cls()
        form.kind.choices = [(kind.value, kind.label) for kind in flow.kinds_offered(maintained)]
        return form

    def to_details(self, pupil: Pupil) -> flow.RequestDetails:
        return flow.RequestDetails(
            pupil=pupil,
            kind=_chosen(AccessKind, self.kind.data),
            requester_name=self.requester_name.data or "",
            requester=_chosen(Requester, self.requester.data),
            received_on=self.received_on.data,
        )


class ExtendForm(FlaskForm):
    reason = text_area(
        "Why does the request need longer?",
        required="Enter why the request needs longer",
        max_length=2000,
        hint="The request is complex, or the person made several. Tell them, with this reason, before the due date.",
    )
    submit = SubmitField("Extend by two months", widget=GovSubmitInput())


class CloseForm(FlaskForm):
    status = choose(
        "How did the request end?",
        [
            (AccessStatus.ANSWERED.value, "Answered"),
            (AccessStatus.WITHDRAWN.value, "Withdrawn by the person who asked"),
        ],
        "Select how the request ended",
    )
    on = GovDateField(
        "Date",
        describe="date",
        validators=[Required("Enter the date"), NotInFuture(today, "The date cannot be in the future")],
    )
    submit = SubmitField("Record it", widget=GovSubmitInput())

    @property
    def chosen_status(self) -> AccessStatus | None:
        return _chosen(AccessStatus, self.status.data)


class RecordNumberField(WholeNumberField):
    """A record's number as the export shows it; what was typed is shown back without control
    characters."""

    def _value(self) -> str:
        return strip_text(super()._value())

    def read(self, text: str) -> int:
        if not re.fullmatch(r"\d{1,12}", text) or int(text) > MAX_INT:
            raise ValueError(text)
        return int(text)


# The kinds of record that can be withheld: those with a record number.
WITHHOLDABLE = [(entry.name, entry.label) for entry in reversed(PUPIL_TABLES) if "id" in entry.table.c]


class WithholdForm(FlaskForm):
    table_name = SelectField(
        "Kind of record",
        widget=GovSelect(),
        choices=[("", "Choose the kind of record"), *WITHHOLDABLE],
        validate_choice=False,
        validators=[DataRequired("Select the kind of record"), Offered("Select the kind of record")],
    )
    row_id = RecordNumberField(
        "Record number",
        validators=[Required("Enter the record's number, as the export shows it")],
        invalid="Enter the record's number as a whole number, as the export shows it",
    )
    reason = text_area("Why is it withheld?", required="Enter why the record is withheld", max_length=2000)
    submit = SubmitField("Withhold the record", widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    """A button with no fields (download the export, take back a withholding)."""
