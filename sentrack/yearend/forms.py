"""The year-end rollover's form (a row per current class: next year's name, or not to open one)
and the form changing a class's pupils many at once."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectMultipleField, SubmitField
from wtforms.validators import Optional

from sentrack.forms import VersionedForm, answers_given, bounded_int, coerce_int, opened_at, question_field, text_field
from sentrack.models import TeachingGroup
from sentrack.workflows.classes import MembershipDetails
from sentrack.workflows.year_end import NAME_LENGTH, ClassChoice, YearEndDetails, YearEndPlan


class ClassRowForm(Form):
    """One current class: the name of next year's class in its place, or not to open one."""

    group = HiddenField()
    name = text_field("Name of next year's class", max_length=NAME_LENGTH)
    skip = BooleanField("Do not open a class in its place", widget=GovCheckboxInput())


class ClassRows(FieldList):
    """A row for each current class, each naming its class in its hidden `group` field, in the
    order of the preview. A row posted for any other class is dropped; a class with no row posted
    (one added since the page was opened) gets the row the preview proposes, and is remembered in
    `unseen` so that the rollover is refused until the person has seen it."""

    def __init__(self, **kwargs):
        super().__init__(FormField(ClassRowForm), **kwargs)
        self.unseen: set[str] = set()

    def arrange(self, plan: YearEndPlan, *, fill: bool) -> None:
        posted: dict[str, FormField] = {}
        for entry in self.entries:
            posted.setdefault(entry.group.data, entry)
        arranged = []
        for proposal in plan.classes:
            key = str(proposal.group.id)
            entry = posted.get(key)
            if entry is None:
                entry = self.append_entry()
                if not fill:
                    self.unseen.add(key)
            if fill or key not in posted:
                entry.group.data = key
                entry.form.name.data = proposal.name
                entry.form.skip.data = not proposal.opens
            # Each row's fields name their class: a screen reader reads a field's label alone.
            entry.form.name.label.text = f"Name of next year's class in place of {proposal.group.name}"
            entry.form.skip.label.text = f"Do not open a class in place of {proposal.group.name}"
            arranged.append(entry)
        self.entries = arranged

    def row(self, group_id: int) -> FormField | None:
        return next((entry for entry in self.entries if entry.group.data == str(group_id)), None)

    def field_named(self, name: str):
        """The `name` field of a class's row as the rollover names it: `name_12` for class 12."""
        for entry in self.entries:
            if name == f"name_{entry.group.data}":
                return entry.form.name
        return None

    def validate(self, form, extra_validators=()) -> bool:
        return all([entry.validate(form) for entry in self.entries])

    @property
    def errors(self) -> dict[str, dict]:
        return {entry.short_name.rsplit("-", 1)[-1]: entry.errors for entry in self.entries if entry.errors}


class YearEndForm(FlaskForm):
    """The rollover as the preview shows it: the academic year shown, and a row per class."""

    academic_year = HiddenField()
    classes = ClassRows()
    submit = SubmitField("Run the year end", widget=GovSubmitInput())

    @classmethod
    def from_plan(cls, plan: YearEndPlan) -> YearEndForm:
        form = cls()
        shown = request.method == "GET"
        if shown:
            form.academic_year.data = str(plan.academic_year)
        if plan.done is None:
            form.classes.arrange(plan, fill=shown)
        else:
            form.classes.entries = []  # run already: the rollover refuses it, whatever the rows
        return form

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.classes.unseen:
            self.general_errors = [
                "A class was added since this page was opened: check next year's class proposed for it, then run"
                " the year end again"
            ]
            return False
        return valid

    def to_details(self) -> YearEndDetails:
        return YearEndDetails(
            academic_year=bounded_int(self.academic_year.data),
            classes=[
                ClassChoice(
                    group_id=bounded_int(entry.group.data) or 0,
                    name=entry.form.name.data,
                    opens=not entry.form.skip.data,
                )
                for entry in self.classes
            ],
        )


def _ticks(label: str) -> SelectMultipleField:
    """Checkboxes of pupils (ids) the page offers; any other id is refused beside the field, and the
    workflow checks each pupil's scope again."""
    return SelectMultipleField(
        label, widget=GovCheckboxesInput(), coerce=coerce_int, choices=[], validators=[Optional()]
    )


class ClassPupilsForm(VersionedForm):
    """The pupils to add to a class and to take out of it, ticked; with the class's version."""

    add_ids = _ticks("Add to the class")
    remove_ids = _ticks("Take out of the class")
    # Asked only when pupils joining a registration class are in another (workflows/registration.py).
    registration = question_field("Pupils already in another registration class", answers=2)
    submit = SubmitField("Save the class's pupils", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, group: TeachingGroup, *, members: list[tuple[int, str]], others: list[tuple[int, str]]):
        """The form offering the class's pupils (`members`) to take out and the other pupils on the
        roll (`others`, filtered as the page is) to add, each as id and label."""
        form = cls()
        form.remove_ids.choices = members
        form.add_ids.choices = others
        if request.method == "GET":
            opened_at(form, group)
        return form

    def to_details(self) -> MembershipDetails:
        return MembershipDetails(
            add_ids=list(self.add_ids.data or []),
            remove_ids=list(self.remove_ids.data or []),
            confirmed=answers_given(self.registration),
        )
