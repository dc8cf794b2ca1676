"""Forms for staff accounts and classes."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from sentrack.forms import EmailAddress, TextField, VersionedForm, coerce_int, strip_text
from sentrack.pupils.forms import YEAR_GROUP_CHOICES
from sentrack.workflows.staff import SCHOOL_ROLES


# Names use DataRequired, which checks the stripped text: InputRequired passes a name of spaces.
class StaffForm(FlaskForm):
    full_name = TextField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            DataRequired("Enter the person's full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    email = TextField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_text],
        description="They sign in with this address. We email them a link to set their own password.",
        validators=[
            InputRequired("Enter an email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            EmailAddress("Enter an email address in the correct format, like name@school.sch.uk"),
        ],
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
    groups = SelectMultipleField(
        "Classes they teach", widget=GovCheckboxesInput(), coerce=coerce_int, choices=[], validators=[Optional()]
    )
    active = BooleanField(
        "Account is active (untick when someone leaves: they can no longer sign in)",
        widget=GovCheckboxInput(),
        default=True,
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class StaffEditForm(VersionedForm, StaffForm):
    """Changing an account: it carries the version the page was opened at."""


class GroupForm(FlaskForm):
    name = TextField(
        "Class name",
        widget=GovTextInput(),
        filters=[strip_text],
        description="For example, 4 Oak or 7C",
        validators=[
            DataRequired("Enter the class name"),
            Length(max=40, message="Class name must be 40 characters or fewer"),
        ],
    )
    year_group = SelectField(
        "Year group",
        widget=GovSelect(),
        choices=[("", "Mixed year groups")] + YEAR_GROUP_CHOICES,
        validators=[Optional()],
    )
    teachers = SelectMultipleField(
        "Teachers", widget=GovCheckboxesInput(), coerce=coerce_int, choices=[], validators=[Optional()]
    )
    submit = SubmitField("Save class", widget=GovSubmitInput())


class GroupEditForm(VersionedForm, GroupForm):
    """Changing a class: it carries the version the page was opened at."""
