"""Forms for pupils, their contacts, their SEN status and concerns."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from sentrack.clock import today
from sentrack.forms import (
    DateRequired,
    GovDateField,
    NotInFuture,
    TextField,
    VersionedForm,
    blank_to_none,
    coerce_int,
    strip_text,
    text_area,
    text_field,
)
from sentrack.models import AreaOfNeed, ContactMethod, NeedType, Provision
from sentrack.models.enums import YEAR_GROUP_MAX, YEAR_GROUP_MIN, year_group_label
from sentrack.workflows.roll import LEAVING_REASONS

YEAR_GROUP_CHOICES = [(str(y), year_group_label(y)) for y in range(YEAR_GROUP_MIN, YEAR_GROUP_MAX + 1)]
NEED_CHOICES = [(n.value, f"{n.label} ({n.value})") for n in NeedType]
RELATIONSHIPS = [
    "Mother",
    "Father",
    "Step-parent",
    "Carer",
    "Foster carer",
    "Grandparent",
    "Aunt or uncle",
    "Social worker",
    "Other",
]


class PupilForm(FlaskForm):
    upn = text_field(
        "Unique pupil number (UPN)",
        required="Enter the pupil's UPN",
        max_length=20,
        description="13 characters, for example A123456789012",
    )
    first_name = text_field("First name", required="Enter the pupil's first name", max_length=60)
    last_name = text_field("Last name", required="Enter the pupil's last name", max_length=60)
    preferred_name = text_field("Preferred name (optional)", max_length=60)
    date_of_birth = GovDateField(
        "Date of birth",
        describe="date of birth",
        validators=[DateRequired("Enter the pupil's date of birth")],
        description="For example, 27 3 2016",
    )
    year_group = SelectField(
        "Year group", widget=GovSelect(), choices=YEAR_GROUP_CHOICES, validators=[InputRequired("Select a year group")]
    )
    groups = SelectMultipleField(
        "Classes", widget=GovCheckboxesInput(), coerce=coerce_int, choices=[], validators=[Optional()]
    )
    admitted_on = GovDateField("Date admitted (optional)", describe="admission date", validators=[Optional()])
    looked_after = BooleanField("Looked after by the local authority", widget=GovCheckboxInput())
    medical_conditions = BooleanField("Has a medical condition", widget=GovCheckboxInput())
    medical_notes = text_area(
        "Medical arrangements (optional)",
        max_length=2000,
        hint="What staff need to know and where the care plan is kept",
    )
    submit = SubmitField("Save pupil", widget=GovSubmitInput())


class ContactForm(FlaskForm):
    name = text_field("Full name", required="Enter the contact's name", max_length=120)
    relationship_to_pupil = SelectField(
        "Relationship to the pupil",
        widget=GovSelect(),
        choices=[(r, r) for r in RELATIONSHIPS],
        validators=[InputRequired("Select the relationship")],
    )
    parental_responsibility = RadioField(
        "Do they have parental responsibility?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired("Select whether they have parental responsibility")],
    )
    phone = text_field("Phone number (optional)", max_length=30)
    email = TextField(
        "Email address (optional)",
        widget=GovTextInput(),
        filters=[blank_to_none],
        validators=[
            Optional(),
            Length(max=254),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
    )
    address = text_area("Postal address (optional)", max_length=500)
    preferred_contact = RadioField(
        "How do they prefer to be contacted?",
        widget=GovRadioInput(),
        choices=[(m.value, m.label) for m in ContactMethod],
        validators=[InputRequired("Select how they prefer to be contacted")],
    )
    priority = SelectField(
        "Contact order",
        widget=GovSelect(),
        choices=[("1", "First contact"), ("2", "Second contact"), ("3", "Third contact"), ("4", "Fourth contact")],
    )
    submit = SubmitField("Save contact", widget=GovSubmitInput())


class PupilEditForm(VersionedForm, PupilForm):
    """A pupil's details as changed: with the version of the record the form was opened at."""


class ContactEditForm(VersionedForm, ContactForm):
    """A contact as changed: with the version of the record the form was opened at."""


class SenStatusForm(FlaskForm):
    provision = RadioField(
        "SEN provision",
        widget=GovRadioInput(),
        choices=[(p.value, p.label) for p in Provision],
        validators=[InputRequired("Select the SEN provision")],
    )
    primary_need = SelectField(
        "Primary type of need",
        widget=GovSelect(),
        choices=[("", "Select a need (not for No SEN)")] + NEED_CHOICES,
        filters=[blank_to_none],
        validators=[Optional()],
    )
    secondary_need = SelectField(
        "Secondary type of need (optional)",
        widget=GovSelect(),
        choices=[("", "None")] + [c for c in NEED_CHOICES if c[0] != NeedType.NSA.value],
        filters=[blank_to_none],
        validators=[Optional()],
    )
    start_date = GovDateField(
        "Date the status starts",
        describe="start date",
        validators=[
            DateRequired("Enter the date the status starts"),
            NotInFuture(today, "The date the status starts cannot be in the future"),
        ],
        description="For example, 3 9 2025",
    )
    reason = TextAreaField(
        "Reason for the change",
        widget=GovTextArea(),
        filters=[strip_text],
        description="What the assessment or decision showed. Parents are told when SEN provision starts.",
        validators=[
            DataRequired("Enter the reason for the change"),
            Length(max=2000, message="The reason must be 2000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save SEN status", widget=GovSubmitInput())


class ConcernForm(FlaskForm):
    raised_on = GovDateField(
        "Date the concern was noticed",
        describe="date",
        validators=[
            DateRequired("Enter the date the concern was noticed"),
            NotInFuture(today, "The date cannot be in the future"),
        ],
    )
    area_of_need = RadioField(
        "Area of need",
        widget=GovRadioInput(),
        choices=[(a.value, a.label) for a in AreaOfNeed] + [("", "Not sure yet")],
        default="",
        validators=[Optional()],
    )
    description = TextAreaField(
        "What have you noticed?",
        widget=GovTextArea(),
        filters=[strip_text],
        description="What the pupil finds hard, what you have tried in class, and what the data shows.",
        validators=[
            DataRequired("Describe what you have noticed"),
            Length(max=4000, message="The description must be 4000 characters or fewer"),
        ],
    )
    submit = SubmitField("Raise concern", widget=GovSubmitInput())


class PupilSearchForm(FlaskForm):
    """The pupil list's search and filters. Posted, so that a name never travels in a URL."""

    q = TextField("Name or UPN", widget=GovTextInput(), filters=[strip_text], validators=[Optional(), Length(max=100)])
    year = SelectField(
        "Year group",
        widget=GovSelect(),
        choices=[("", "All year groups")] + YEAR_GROUP_CHOICES,
        validators=[Optional()],
    )
    group = SelectField("Class", widget=GovSelect(), choices=[], validators=[Optional()])
    provision = SelectField(
        "SEN provision",
        widget=GovSelect(),
        choices=[("", "Any provision")] + [(p.value, p.label) for p in Provision],
        validators=[Optional()],
    )
    need = SelectField(
        "Type of need", widget=GovSelect(), choices=[("", "Any need")] + NEED_CHOICES, validators=[Optional()]
    )
    submit = SubmitField("Apply", widget=GovSubmitInput())


class LeavingForm(FlaskForm):
    """That a pupil left the school's roll: the first day they are no longer on it, and why."""

    left_on = GovDateField(
        "Date the pupil leaves the roll",
        describe="leaving date",
        validators=[DateRequired("Enter the date the pupil leaves the roll")],
        description=(
            "The first day they are no longer on the school's roll, at most 31 days ahead. For example, 12 1 2027"
        ),
    )
    reason = RadioField(
        "Why did the pupil leave?",
        widget=GovRadioInput(),
        choices=[(key, label) for key, label in LEAVING_REASONS.items()],
        validators=[InputRequired("Select why the pupil left")],
    )
    detail = text_area(
        "More detail (needed for another reason)",
        max_length=500,
        hint="For example, the new school. Do not write anything you would not share with the pupil's parents.",
    )
    submit = SubmitField("Record leaving", widget=GovSubmitInput())


class UndoLeavingForm(FlaskForm):
    """Undoing a leaving recorded by mistake: a button, with its CSRF token."""

    submit = SubmitField("Undo the leaving: it was recorded by mistake", widget=GovSubmitInput())


class LeaverSearchForm(FlaskForm):
    """The search of the list of pupils who have left. Posted, so that a name never travels in a URL."""

    q = TextField("Name or UPN", widget=GovTextInput(), filters=[strip_text], validators=[Optional(), Length(max=100)])
    submit = SubmitField("Search", widget=GovSubmitInput())
