"""Forms for staff accounts and classes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired, Optional

from sentrack.forms import EmailAddress, VersionedForm, coerce_int, opened_at, text_field
from sentrack.models import Role, TeachingGroup, User
from sentrack.models.enums import GroupKind
from sentrack.pupils.forms import YEAR_GROUP_CHOICES
from sentrack.workflows.staff import SCHOOL_ROLES, GroupDetails, StaffDetails

EMAIL_FORMAT = EmailAddress("Enter an email address in the correct format, like name@school.sch.uk")


def _several(label: str, **kwargs) -> SelectMultipleField:
    """Checkboxes of the records (ids) the form is given as choices; none is an answer too."""
    return SelectMultipleField(
        label, widget=GovCheckboxesInput(), coerce=coerce_int, choices=[], validators=[Optional()], **kwargs
    )


class StaffForm(FlaskForm):
    # text_field checks the stripped text: a name of spaces is no name.
    full_name = text_field("Full name", required="Enter the person's full name")
    email = text_field(
        "Email address",
        required="Enter an email address",
        max_length=254,
        description="They sign in with this address. We email them a link to set their own password.",
    )
    roles = SelectMultipleField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=[(r.value, r.label) for r in SCHOOL_ROLES],
        description=(
            "Select all that apply. In a small school one person may be head teacher and SENCO. "
            "Roles that open SEN records are given by the head teacher or SENCO: chosen by anyone "
            "else, they wait for the head teacher or SENCO to confirm them."
        ),
        validators=[InputRequired("Select at least one role")],
    )
    groups = _several("Classes they teach")
    active = BooleanField(
        "Account is active (untick when someone leaves: they can no longer sign in)",
        widget=GovCheckboxInput(),
        default=True,
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_email(self, field) -> None:
        """After the field's own checks: an address in the correct format."""
        EMAIL_FORMAT(self, field)

    @classmethod
    def from_record(
        cls, member: User | None, *, classes: list[tuple[int, str]], proposed: set[Role] = frozenset()
    ) -> StaffForm:
        """The form offering the school's `classes`; opened on `member`, it shows their account,
        their roles (those `proposed` for them too) and their classes."""
        form = cls()
        form.groups.choices = classes
        if member is not None and not form.is_submitted():
            form.full_name.data, form.email.data, form.active.data = member.full_name, member.email, member.active
            form.roles.data = [role.value for role in member.roles | proposed]
            form.groups.data = [group.id for group in member.current_groups]
            opened_at(form, member)
        return form

    def to_details(self) -> StaffDetails:
        return StaffDetails(
            full_name=self.full_name.data,
            email=self.email.data,
            roles={Role(value) for value in self.roles.data or []},
            group_ids=self.groups.data or [],
            active=self.active.data,
        )


class StaffEditForm(VersionedForm, StaffForm):
    """Changing an account: it carries the version the page was opened at."""


class GroupForm(FlaskForm):
    name = text_field(
        "Class name", required="Enter the class name", max_length=40, description="For example, 4 Oak or 7C"
    )
    year_group = SelectField(
        "Year group",
        widget=GovSelect(),
        choices=[("", "Mixed year groups")] + YEAR_GROUP_CHOICES,
        validators=[Optional()],
    )
    kind = RadioField(
        "Kind of class",
        widget=GovRadioInput(),
        choices=[(kind.value, kind.label) for kind in GroupKind],
        default=GroupKind.REGISTRATION.value,
        description="A pupil has one registration class; teaching groups and sets are as many as their timetable",
        validators=[InputRequired("Select the kind of class")],
    )
    teachers = _several("Teachers")
    submit = SubmitField("Save class", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, group: TeachingGroup | None, *, teachers: list[tuple[int, str]]) -> GroupForm:
        """The form offering the school's active staff as `teachers`; opened on `group`, it shows the class."""
        form = cls()
        form.teachers.choices = teachers
        if group is not None and not form.is_submitted():
            form.name.data = group.name
            form.year_group.data = "" if group.year_group is None else str(group.year_group)
            form.kind.data = group.kind.value
            form.teachers.data = [teacher.id for teacher in group.teachers]
            opened_at(form, group)
        return form

    def to_details(self) -> GroupDetails:
        return GroupDetails(
            name=self.name.data,
            year_group=int(self.year_group.data) if self.year_group.data else None,
            teacher_ids=self.teachers.data or [],
            kind=GroupKind(self.kind.data),
        )


class GroupEditForm(VersionedForm, GroupForm):
    """Changing a class: it carries the version the page was opened at."""
