"""Forms for meetings with parents, term dates and the rule settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import BooleanField, FieldList, Form, FormField, RadioField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, StopValidation

from sentrack.clock import today
from sentrack.forms import (
    Chosen,
    GovDateField,
    NotInFuture,
    Offered,
    Required,
    VersionedForm,
    WholeNumberField,
    bounded_int,
    opened_at,
    text_area,
    text_field,
)
from sentrack.models import MeetingMode, ParentMeeting, School, SchoolTerm, Season, User
from sentrack.models.enums import year_group_label
from sentrack.workflows.meeting_actions import OWNER_NAME_MAX, WHAT_MAX, ActionDetails
from sentrack.workflows.meetings import MeetingDetails, MeetingExists, PlannedDetails
from sentrack.workflows.settings import RULE_SETTINGS, YEAR_RANGE, YEARS_TAUGHT, TermDetails
from sentrack.workflows.terms import year_label

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
    return text_field("Who the separate meeting is with", max_length=200, description="For example the pupil's father")


def _details(form, details_class, **given):
    """`details_class` (a workflow's details dataclass) filled from the form's fields of the same
    names, with `given` for those the form does not hold as they are."""
    names = [field.name for field in dataclasses.fields(details_class) if field.name not in given]
    return details_class(**{name: form[name].data for name in names}, **given)


def _shown() -> bool:
    """Whether the form is being shown (filled from the record) rather than sent."""
    return request.method == "GET"


class _MeetingChoices:
    """What the two meeting forms share: who may lead, how it is held, whether it is separate,
    and the meeting already held or planned that day when a save is refused for it."""

    existing: int | None = None  # the id of the meeting that day, for the page to offer

    def offer_leaders(self, leaders, user: User) -> None:
        """The staff who may lead (id, name pairs); shown first with the signed-in user."""
        self.led_by_id.choices = [("", "Choose"), *leaders]
        if _shown() and not self.led_by_id.data:
            self.led_by_id.data = str(user.id)

    def leader_id(self) -> int | None:
        value = self.led_by_id.data or ""
        return bounded_int(value) if value.isdigit() else None

    def noting_existing(self, operation: Callable[..., Any]) -> Callable[..., Any]:
        """`operation`, noting on the form the meeting already there that day when it is refused
        for one (`MeetingExists`), so that the page links to it."""

        @wraps(operation)
        def noted(session, **arguments):
            try:
                return operation(session, **arguments)
            except MeetingExists as error:
                self.existing = error.meeting.id
                raise

        return noted


def _shared_on(*required, **kwargs) -> GovDateField:
    """The date the meeting's record was shared with parents: never in the future."""
    return GovDateField(
        "Date the record was shared with parents",
        describe="date shared with parents",
        validators=[*required, NotInFuture(today, "The date shared with parents cannot be in the future")],
        **kwargs,
    )


ACTION_ROWS_NEW = 3  # blank rows of actions offered on a new record
ACTION_ROWS_SPARE = 1  # blank rows offered beside a record's actions when it is corrected
ACTION_ROWS_MAX = 30
ADD_ACTION = "add_action"  # the button that asks for one more row: not a field, nothing to check or save


class ActionRow(Form):
    """One action agreed: a row left blank is left out."""

    what = text_area("What is to be done", max_length=WHAT_MAX)
    owner_id = SelectField(
        "Who will do it",
        widget=GovSelect(),
        coerce=str,
        validate_choice=False,
        validators=[Offered("Choose a member of staff from the list, or name someone else")],
    )
    owner_name = text_field(
        "Or, if it is not a member of staff, their name",
        max_length=OWNER_NAME_MAX,
        description="For example the pupil's mother",
    )
    due_on = GovDateField("To be done by", describe="date it is to be done by")
    done_on = GovDateField(
        "Done on (optional)",
        describe="date it was done",
        validators=[NotInFuture(today, "The date it was done cannot be in the future")],
        description="Leave blank until it is done",
    )

    def to_details(self, row: int) -> ActionDetails:
        owner = self.owner_id.data or ""
        return ActionDetails(
            row=row,
            what=self.what.data,
            owner_id=bounded_int(owner) if owner.isdigit() else None,
            owner_name=self.owner_name.data,
            due_on=self.due_on.data,
            done_on=self.done_on.data,
        )


class ActionRows(FieldList):
    """The actions agreed, a row each. A row's errors are read as they stand, so that a message a
    rule puts beside a row's field after validation shows in the error summary too."""

    def __init__(self, **kwargs):
        super().__init__(FormField(ActionRow), min_entries=ACTION_ROWS_NEW, max_entries=ACTION_ROWS_MAX, **kwargs)

    def offer(self, owners) -> None:
        """Each row offers the staff who may be given an action (id, name pairs)."""
        self.owners = [("", "Choose a member of staff"), *owners]
        for entry in self.entries:
            entry.owner_id.choices = self.owners

    def add_row(self) -> None:
        """One more blank row, while there is room for one."""
        if len(self.entries) < ACTION_ROWS_MAX:
            self.append_entry().owner_id.choices = self.owners

    def fill(self, actions) -> None:
        """The rows of `actions` (a record's MeetingAction rows), then the spare blank rows."""
        while len(self.entries):
            self.pop_entry()
        for action in actions:
            self.append_entry(
                {
                    "what": action.what,
                    "owner_id": str(action.owner_id) if action.owner_id else "",
                    "owner_name": action.owner_name,
                    "due_on": action.due_on,
                    "done_on": action.done_on,
                }
            )
        for _ in range(ACTION_ROWS_SPARE if actions else ACTION_ROWS_NEW):
            self.append_entry()

    def details(self) -> tuple[ActionDetails, ...]:
        return tuple(entry.form.to_details(index) for index, entry in enumerate(self.entries))

    def field_named(self, name: str):
        """A row's field by its name on the form (`action_items-2-due_on`), as the rules name it."""
        return next((field for entry in self.entries for field in entry if field.name == name), None)

    def validate(self, form, extra_validators=()) -> bool:
        return all([entry.validate(form) for entry in self.entries])

    @property
    def errors(self) -> list[dict]:
        found = [entry.errors for entry in self.entries]
        return found if any(found) else []


class _RecordFields:
    """What a held meeting's record says, as a new record and a corrected one both ask it."""

    held_on = GovDateField(
        "Date of the meeting",
        describe="date of the meeting",
        validators=[
            Required("Enter the date of the meeting"),
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
    discussion = text_area(
        "What was discussed",
        hint="How things are going at school and at home, what the parents and the school raised",
    )
    outcomes = text_area(
        "What was agreed",
        required="Record what was agreed at the meeting",
        hint="The outcomes agreed and the support the pupil will have",
    )
    action_items = ActionRows()
    shared_with_parents_on = _shared_on(description="Leave blank until the parents have been given the record")
    separate = _separate()
    separate_with = _separate_with()

    def validate_on_submit(self, extra_validators=None) -> bool:
        """Valid and sent to be saved; "Add another action" only gives the form one more blank row
        of actions (nothing is checked or saved, nothing typed is lost)."""
        if self.is_submitted() and ADD_ACTION in request.form:
            self.action_items.add_row()
            return False
        return super().validate_on_submit(extra_validators)


class MeetingForm(_MeetingChoices, _RecordFields, FlaskForm):
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, planned: ParentMeeting | None, *, leaders, user: User, today: date) -> MeetingForm:
        """The form for a new meeting, or for recording the `planned` one, filled from it when shown."""
        form = cls(obj=planned if _shown() else None)
        form.offer_leaders(leaders, user)
        form.action_items.offer(leaders)
        if _shown():
            form.held_on.data = planned.planned_for if planned and planned.planned_for <= today else today
            form.mode.data = planned.mode.value if planned else MeetingMode.IN_PERSON.value
            if planned and planned.led_by_id:
                form.led_by_id.data = str(planned.led_by_id)
            if planned and planned.separate_with:
                form.separate.data = True
        return form

    def to_details(self) -> MeetingDetails:
        return _details(
            self,
            MeetingDetails,
            mode=MeetingMode(self.mode.data),
            led_by_id=self.leader_id(),
            actions=None,
            action_items=self.action_items.details(),
        )


class CorrectMeetingForm(_MeetingChoices, _RecordFields, VersionedForm):
    """A held meeting's record corrected, at the version it was opened at."""

    actions = text_area(
        "Actions written as text",
        hint="As the record was first written. Clear it once the actions are in the rows above.",
    )
    submit = SubmitField("Save the corrections", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, meeting: ParentMeeting, *, leaders, user: User) -> CorrectMeetingForm:
        """The form filled from the record when shown, offering the staff (`leaders`) who may lead
        it and be given its actions."""
        form = cls(obj=meeting if _shown() else None)
        form.offer_leaders(leaders, user)
        if _shown():
            form.mode.data = meeting.mode.value
            form.led_by_id.data = str(meeting.led_by_id) if meeting.led_by_id else ""
            form.separate.data = meeting.separate_with is not None
            form.action_items.fill(meeting.action_items)
            opened_at(form, meeting)
        form.action_items.offer(leaders)
        return form

    def to_details(self) -> MeetingDetails:
        return _details(
            self,
            MeetingDetails,
            mode=MeetingMode(self.mode.data),
            led_by_id=self.leader_id(),
            action_items=self.action_items.details(),
        )


class PlanMeetingForm(_MeetingChoices, FlaskForm):
    planned_for = GovDateField(
        "Date of the meeting",
        describe="date of the meeting",
        validators=[Required("Enter the date of the meeting")],
    )
    mode = _mode()
    led_by_id = _leader()
    attendees = text_area("Who is invited", max_length=1000)
    separate = _separate()
    separate_with = _separate_with()
    submit = SubmitField("Plan the meeting", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, *, leaders, user: User) -> PlanMeetingForm:
        """A new plan: in person, led by the signed-in user, unless sent otherwise."""
        form = cls()
        form.offer_leaders(leaders, user)
        if _shown():
            form.mode.data = MeetingMode.IN_PERSON.value
        return form

    def to_details(self) -> PlannedDetails:
        return _details(self, PlannedDetails, mode=MeetingMode(self.mode.data), led_by_id=self.leader_id())


SEASON_CHOICES = [(s.value, s.label) for s in Season]


class SharedForm(FlaskForm):
    shared_with_parents_on = _shared_on(Required("Enter the date the record was shared with parents"))
    submit = SubmitField("Save the date", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, meeting: ParentMeeting) -> SharedForm:
        return cls(obj=meeting if _shown() else None)

    def to_details(self) -> date | None:
        """The date the record was shared, as `mark_shared` takes it."""
        return self.shared_with_parents_on.data


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
        validators=[Required("Enter the first day of the term")],
        description="For example 3 9 2026",
    )
    ends_on = GovDateField(
        "Last day of the term",
        describe="last day of the term",
        validators=[Required("Enter the last day of the term")],
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

    expected_version: int | None = None  # a new term has no version; `TermEditForm` carries one

    @classmethod
    def from_record(
        cls, term: SchoolTerm | None, *, years: list[int], this_year: int, asked_year: str = "", asked_season: str = ""
    ) -> TermForm:
        """The form for a new term (the year and term asked for, when offered) or for changing
        `term`'s dates (a `TermEditForm`), offering the academic `years`."""
        form = (cls if term is None else TermEditForm)(obj=term if _shown() else None)
        form.academic_year.choices = [(str(y), year_label(y)) for y in years]
        if _shown() and term is None:
            form.academic_year.data = asked_year if asked_year in {str(y) for y in years} else str(this_year)
            form.season.data = asked_season if asked_season in {s.value for s in Season} else None
        elif _shown():
            form.academic_year.data, form.season.data = str(term.academic_year), term.season.value
            opened_at(form, term)
        return form

    def to_details(self) -> TermDetails:
        return _details(self, TermDetails, academic_year=int(self.academic_year.data), season=Season(self.season.data))


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


def _year_or_none(value) -> int | None:
    """A year group as posted ("-1" to "14"), or None for anything else (refused by `Chosen`)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _year_taught(name: str) -> SelectField:
    label = YEARS_TAUGHT[name]
    return SelectField(
        label,
        widget=GovSelect(),
        choices=[(year, year_group_label(year)) for year in YEAR_RANGE],
        coerce=_year_or_none,
        validate_choice=False,
        validators=[Chosen(f"Select the {label.lower()}")],
    )


def _yes_or_no(value) -> bool | None:
    """Whether the school is maintained, as posted ("True" or "False"), else None."""
    if isinstance(value, bool) or value is None:
        return value
    return {"True": True, "False": False}.get(value)


class _AnsweredIfSent:
    """A question a form may leave out: when it is sent, the answer must be one offered."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.raw_data and field.data is None:
            raise StopValidation(self.message)


class RuleSettingsForm(VersionedForm):
    """The school's rule settings: one whole-number field for each of `RULE_SETTINGS`, added below,
    and the years the school teaches."""

    setting_names = tuple(RULE_SETTINGS)
    year_names = tuple(YEARS_TAUGHT)
    lowest_year = _year_taught("lowest_year")
    highest_year = _year_taught("highest_year")
    estab_number = text_field(
        "DfE establishment number",
        max_length=20,
        description="4 digits. With the local authority's number it names the school in Common Transfer Files.",
    )
    maintained = RadioField(
        "Is the school maintained by the local authority?",
        widget=GovRadioInput(),
        choices=[(True, "Yes, a maintained school"), (False, "No, an academy or free school")],
        coerce=_yes_or_no,
        validate_choice=False,
        validators=[_AnsweredIfSent("Select whether the school is maintained by the local authority")],
        description="A parent may see a maintained school's educational record of their child within 15 school days.",
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, school: School) -> RuleSettingsForm:
        form = cls(obj=school if _shown() else None)
        if _shown():
            opened_at(form, school)
        return form

    def to_details(self) -> dict[str, int | str | None]:
        """The value of each setting, by name, as `save_rule_settings` takes them; whether the
        school is maintained only when it was answered."""
        values = {name: self[name].data for name in (*self.setting_names, *self.year_names, "estab_number")}
        if self.maintained.data is not None:
            values["maintained"] = self.maintained.data
        return values


def _add_settings(form_class) -> None:
    for name in RULE_SETTINGS:
        setattr(form_class, name, _setting(name))


_add_settings(RuleSettingsForm)


class SecondFactorRuleForm(FlaskForm):
    """Whether everyone at the school signs in with a second factor (not only the roles that must)."""

    for_all = RadioField(
        "Must everyone at the school sign in with a second factor?",
        widget=GovRadioInput(),
        choices=[
            ("yes", "Yes, all staff and governors"),
            ("no", "No, only the SENCO, the head teacher and administrators"),
        ],
        validators=[InputRequired("Select whether everyone must sign in with a second factor")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, school: School) -> SecondFactorRuleForm:
        form = cls()
        if not form.is_submitted():
            form.for_all.data = "yes" if school.second_factor_for_all else "no"
        return form
