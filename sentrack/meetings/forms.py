"""Forms for meetings with parents, term dates and the rule settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, RadioField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from sentrack.clock import today
from sentrack.forms import (
    DateRequired,
    GovDateField,
    NotInFuture,
    Offered,
    Required,
    TextField,
    VersionedForm,
    WholeNumberField,
    blank_to_none,
    text_area,
)
from sentrack.models import MeetingMode, Season
from sentrack.workflows.settings import RULE_SETTINGS

MODE_CHOICES = [(m.value, m.label) for m in MeetingMode]


def _mode():
    return RadioField(
        "How was it held?",
        widget=GovRadioInput(),
        choices=MODE_CHOICES,
        validators=[InputRequired("Select how the meeting is held")],
    )


def _leader():
    return SelectField(
        "Led by",
        widget=GovSelect(),
        coerce=str,
        validators=[DataRequired("Select who leads the meeting")],
        description="A teacher who knows the pupil well",
    )


def _separate():
    return BooleanField(
        "This is a separate meeting with another parent or carer on a day that already has one "
        "(for example with separated parents)",
        widget=GovCheckboxInput(),
    )


def _separate_with():
    return TextField(
        "Who the separate meeting is with",
        widget=GovTextInput(),
        filters=[blank_to_none],
        validators=[
            Optional(),
            Length(max=200, message="Who the separate meeting is with must be 200 characters or fewer"),
        ],
        description="For example the pupil's father",
    )


class MeetingForm(FlaskForm):
    held_on = GovDateField(
        "Date of the meeting",
        describe="date of the meeting",
        validators=[
            DateRequired("Enter the date of the meeting"),
            NotInFuture(today, "The meeting cannot be recorded as held on a date in the future"),
        ],
    )
    mode = _mode()
    led_by_id = _leader()
    attendees = text_area(
        "Who attended",
        required="Enter who attended",
        max_length=1000,
        hint="Names and roles, for example the pupil's mother and the class teacher",
    )
    pupil_views = text_area("The pupil's views", hint="In the pupil's own words where possible", max_length=4000)
    views_not_gathered = text_area(
        "Or, why they could not be gathered",
        max_length=1000,
        hint=(
            "Only when the pupil's views could not be gathered: "
            "for example the pupil was absent and will be asked in school"
        ),
    )
    outcomes = text_area("What was discussed and agreed", required="Record what was agreed at the meeting")
    actions = text_area("Actions", hint="Who does what, by when, including support at home")
    shared_with_parents_on = GovDateField(
        "Date the record was shared with parents",
        describe="date shared with parents",
        validators=[NotInFuture(today, "The date shared with parents cannot be in the future")],
        description="Leave blank until the parents have been given the record",
    )
    separate = _separate()
    separate_with = _separate_with()
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())


class PlanMeetingForm(FlaskForm):
    planned_for = GovDateField(
        "Date of the meeting",
        describe="date of the meeting",
        validators=[DateRequired("Enter the date of the meeting")],
    )
    mode = _mode()
    led_by_id = _leader()
    attendees = text_area("Who is invited", max_length=1000)
    separate = _separate()
    separate_with = _separate_with()
    submit = SubmitField("Plan the meeting", widget=GovSubmitInput())


SEASON_CHOICES = [(s.value, s.label) for s in Season]


class SharedForm(FlaskForm):
    shared_with_parents_on = GovDateField(
        "Date the record was shared with parents",
        describe="date shared with parents",
        validators=[
            DateRequired("Enter the date the record was shared with parents"),
            NotInFuture(today, "The date shared with parents cannot be in the future"),
        ],
    )
    submit = SubmitField("Save the date", widget=GovSubmitInput())


class TermForm(FlaskForm):
    academic_year = SelectField(
        "Academic year",
        widget=GovSelect(),
        coerce=str,
        validate_choice=False,
        validators=[DataRequired("Select the academic year"), Offered("Select this academic year or the next")],
    )
    season = RadioField(
        "Term",
        widget=GovRadioInput(),
        choices=SEASON_CHOICES,
        validate_choice=False,
        validators=[DataRequired("Select the term"), Offered("Select autumn, spring or summer")],
    )
    starts_on = GovDateField(
        "First day of the term",
        describe="first day of the term",
        validators=[DateRequired("Enter the first day of the term")],
        description="For example 3 9 2026",
    )
    ends_on = GovDateField(
        "Last day of the term",
        describe="last day of the term",
        validators=[DateRequired("Enter the last day of the term")],
        description="For example 18 12 2026",
    )
    half_term_starts_on = GovDateField(
        "First day of the half-term holiday",
        describe="first day of the half-term holiday",
        description="Optional: the first weekday with no school, for example 26 10 2026",
    )
    half_term_ends_on = GovDateField(
        "Last day of the half-term holiday",
        describe="last day of the half-term holiday",
        description="Optional: for example 30 10 2026",
    )
    submit = SubmitField("Save the term dates", widget=GovSubmitInput())


class UseDefaultDatesForm(FlaskForm):
    """The button that gives a term the default dates again: it only carries the CSRF token."""


def _setting(name: str) -> WholeNumberField:
    label, low, high = RULE_SETTINGS[name]
    return WholeNumberField(
        label,
        validators=[Required(f"Enter a value for '{label.lower()}'")],
        invalid=f"{label} must be a whole number",
        description=f"Between {low} and {high}",
    )


class TermEditForm(VersionedForm, TermForm):
    """A term's dates as changed: with the version of the record the form was opened at."""


class RuleSettingsForm(VersionedForm):
    concern_deadline_days = _setting("concern_deadline_days")
    review_interval_weeks = _setting("review_interval_weeks")
    parent_meeting_min_days = _setting("parent_meeting_min_days")
    parent_due_window_days = _setting("parent_due_window_days")
    records_stale_weeks = _setting("records_stale_weeks")
    assistant_access_weeks = _setting("assistant_access_weeks")
    submit = SubmitField("Save settings", widget=GovSubmitInput())
