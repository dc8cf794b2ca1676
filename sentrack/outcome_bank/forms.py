"""The form of a wording in the school's bank of outcomes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, SubmitField

from sentrack.forms import VersionedForm, choose, opened_at, text_area
from sentrack.models import AreaOfNeed, OutcomeWording
from sentrack.workflows import outcome_bank as flow

AREA_CHOICES = [(a.value, a.label) for a in AreaOfNeed]


class WordingForm(FlaskForm):
    area_of_need = choose("Area of need", AREA_CHOICES, "Choose the area of need")
    wording = text_area(
        "Outcome",
        required="Enter the outcome",
        max_length=1000,
        hint="What the pupil will do, how well and where: say 'the pupil' so it reads well for anyone",
    )
    success_criteria = text_area(
        "How success will be seen (optional)",
        max_length=1000,
        hint="What the class team will see when it is achieved: fills in the outcome's success criteria",
    )
    active = BooleanField("Offer this wording when writing a plan", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, entry: OutcomeWording):
        """The form as `entry` stands, at its version."""
        form = cls(formdata=None, obj=entry)
        opened_at(form, entry)
        form.area_of_need.data = entry.area_of_need.value
        return form

    def to_details(self, *, new: bool) -> flow.WordingDetails:
        """The wording as posted; a new wording is always offered."""
        return flow.WordingDetails(
            area_of_need=AreaOfNeed(self.area_of_need.data),
            wording=self.wording.data or "",
            success_criteria=self.success_criteria.data,
            active=new or bool(self.active.data),
        )


class WordingEditForm(VersionedForm, WordingForm):
    """A wording as changed: with the version the form was opened at."""
