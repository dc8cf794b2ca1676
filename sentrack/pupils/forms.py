"""Forms for pupils, their contacts, their SEN status and concerns. Each form fills itself from
the record it edits (`from_record`, when first shown) and gives its workflow the details typed
(`to_details`), so that the views map no field."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask import request
from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from sentrack.clock import today
from sentrack.forms import (
    CountedTextArea,
    GovDateField,
    NotInFuture,
    Required,
    TextField,
    VersionedForm,
    answers_given,
    blank_to_none,
    choose,
    coerce_int,
    one_newline,
    opened_at,
    question_field,
    strip_text,
    text_area,
    text_field,
)
from sentrack.models import (
    AreaOfNeed,
    Contact,
    ContactMethod,
    ContactRestriction,
    NeedType,
    Provision,
    Pupil,
    SenStatus,
)
from sentrack.models.enums import YEAR_GROUP_MAX, YEAR_GROUP_MIN, year_group_label
from sentrack.workflows.concerns import ConcernDetails
from sentrack.workflows.pupils import ContactDetails, PupilDetails
from sentrack.workflows.roll import LEAVING_REASONS, LeavingDetails, TypedSchool
from sentrack.workflows.sen_status import StatusDetails

if TYPE_CHECKING:
    from sentrack.pupils.queries import PupilFilters

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


def _first_shown() -> bool:
    """Whether the form is being shown before anything was posted: then it is filled from the record."""
    return request.method == "GET"


def _need(value: str | None) -> NeedType | None:
    return NeedType(value) if value else None


def _select(label: str, choices, **kwargs) -> SelectField:
    """A drop-down list; an empty answer is allowed unless a validator says otherwise."""
    kwargs.setdefault("validators", [Optional()])
    return SelectField(label, widget=gov.GovSelect(), choices=choices, **kwargs)


def _radios(label: str, choices, required: str) -> RadioField:
    """Radio buttons of which one must be picked, else `required`."""
    return RadioField(label, widget=gov.GovRadioInput(), choices=choices, validators=[InputRequired(required)])


# The kinds of number the form offers: the CTF's TelephoneType codes whose meaning is sure.
PHONE_KIND_CHOICES = [("", "Not said"), ("M", "Mobile"), ("H", "Home"), ("W", "Work"), ("F", "Fax")]
PHONE_ROWS = ("phone", "phone_2", "phone_3")  # the fields of the numbers; each has a "_kind" beside it
_PHONE_PATTERN = r"^[0-9+() .\-]*[0-9][0-9+() .\-]*$"


def _phone_number(label: str) -> TextField:
    field = text_field(label, max_length=30)
    field.kwargs["validators"].append(
        Regexp(_PHONE_PATTERN, message="Enter a phone number in digits, like 01632 960001 or +44 7700 900123")
    )
    return field


def _phone_kind(label: str) -> SelectField:
    return _select(label, list(PHONE_KIND_CHOICES), validators=[Optional(), _kind_needs_number])


def _kind_needs_number(form, field) -> None:
    if field.data and not form[field.name.removesuffix("_kind")].data:
        raise ValidationError("Enter the number, or choose ‘Not said’")


def _past_date(label: str, *, describe: str, required: str, future: str, **kwargs) -> GovDateField:
    """A date that must be given and cannot be after today."""
    checks = [Required(required), NotInFuture(today, future)]
    return GovDateField(label, describe=describe, validators=checks, **kwargs)


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
        validators=[Required("Enter the pupil's date of birth")],
        description="For example, 27 3 2016",
    )
    year_group = _select("Year group", YEAR_GROUP_CHOICES, validators=[InputRequired("Select a year group")])
    # Asked only when the year group does not fit the date of birth (workflows/year_groups.py).
    confirm_year = question_field("Save with this year group?")
    groups = SelectMultipleField(
        "Classes", widget=gov.GovCheckboxesInput(), coerce=coerce_int, choices=[], validators=[Optional()]
    )
    # Asked only when the pupil would be in two registration classes (workflows/registration.py).
    registration = question_field("Registration classes", answers=2)
    admitted_on = GovDateField("Date admitted (optional)", describe="admission date", validators=[Optional()])
    looked_after = BooleanField("Looked after by the local authority", widget=gov.GovCheckboxInput())
    medical_conditions = BooleanField("Has a medical condition", widget=gov.GovCheckboxInput())
    medical_notes = text_area(
        "Medical arrangements (optional)",
        max_length=2000,
        hint="What staff need to know and where the care plan is kept",
    )
    submit = SubmitField("Save pupil", widget=gov.GovSubmitInput())

    @classmethod
    def from_record(cls, pupil: Pupil | None, group_choices: list[tuple[int, str]]):
        """The form for `pupil` (a new pupil when None), offering the school's classes; filled
        from the record when first shown."""
        shown = pupil is not None and _first_shown()
        form = cls(obj=pupil if shown else None)
        form.groups.choices = group_choices
        if shown:
            if isinstance(form, VersionedForm):
                opened_at(form, pupil)
            form.year_group.data = str(pupil.year_group)
            form.groups.data = [group.id for group in pupil.current_groups]
        return form

    @property
    def group_ids(self) -> list[int]:
        return self.groups.data or []

    def to_details(self) -> PupilDetails:
        return PupilDetails(
            upn=self.upn.data,
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            preferred_name=self.preferred_name.data,
            date_of_birth=self.date_of_birth.data,
            year_group=int(self.year_group.data),
            looked_after=self.looked_after.data,
            medical_conditions=self.medical_conditions.data,
            medical_notes=self.medical_notes.data,
            admitted_on=self.admitted_on.data,
            confirmed=answers_given(self.confirm_year, self.registration),
        )


class ContactForm(FlaskForm):
    name = text_field("Full name", required="Enter the contact's name", max_length=120)
    relationship_to_pupil = _select(
        "Relationship to the pupil",
        [(r, r) for r in RELATIONSHIPS],
        validators=[InputRequired("Select the relationship")],
    )
    parental_responsibility = _radios(
        "Do they have parental responsibility?",
        [("yes", "Yes"), ("no", "No")],
        "Select whether they have parental responsibility",
    )
    phone = _phone_number("Phone number (optional)")
    phone_kind = _phone_kind("Kind of number")
    phone_2 = _phone_number("Second phone number (optional)")
    phone_2_kind = _phone_kind("Kind of second number")
    phone_3 = _phone_number("Third phone number (optional)")
    phone_3_kind = _phone_kind("Kind of third number")
    email = TextField(
        "Email address (optional)",
        widget=gov.GovTextInput(),
        filters=[blank_to_none],
        validators=[
            Optional(),
            Length(max=254),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
    )
    address = text_area("Postal address (optional)", max_length=500)
    preferred_contact = _radios(
        "How do they prefer to be contacted?",
        [(m.value, m.label) for m in ContactMethod],
        "Select how they prefer to be contacted",
    )
    priority = _select(
        "Contact order",
        [("1", "First contact"), ("2", "Second contact"), ("3", "Third contact"), ("4", "Fourth contact")],
        validators=[],
    )
    # Not sent (a form from before restrictions, a script): no restriction, as the page preselects.
    restriction = choose(
        "Is anything restricting what the school sends them?",
        [(r.value, r.label) for r in ContactRestriction],
        "Select whether anything restricts what the school sends them",
        default=ContactRestriction.NONE.value,
    )
    restriction_note = text_area(
        "About the restriction",
        max_length=1000,
        hint="What it restricts and where its details are kept. Letters, copies of plans and meeting records "
        "go only to contacts with parental responsibility and no restriction.",
    )
    submit = SubmitField("Save contact", widget=gov.GovSubmitInput())

    @classmethod
    def from_record(cls, contact: Contact | None):
        """The form for a new contact, or for `contact` as changed (with its version); filled from
        the record when first shown."""
        if contact is None:
            return ContactForm()
        shown = _first_shown()
        form = ContactEditForm(obj=contact if shown else None)
        form.offer_kinds(contact)
        if shown:
            opened_at(form, contact)
            form.fill_phones(contact)
            form.parental_responsibility.data = "yes" if contact.parental_responsibility else "no"
            form.preferred_contact.data = contact.preferred_contact.value
            form.priority.data = str(contact.priority)
            form.restriction.data = contact.restriction.value
        return form

    # Numbers past the third of a contact being changed (a CTF may give more): kept as they are.
    kept_numbers: tuple[tuple[str | None, str], ...] = ()

    def offer_kinds(self, contact: Contact) -> None:
        """Offer, beside the usual kinds, any other TelephoneType code the contact's numbers have,
        and keep the numbers the form has no rows for."""
        self.kept_numbers = contact.phone_numbers[len(PHONE_ROWS) :]
        others = sorted({kind for kind, _ in contact.phone_numbers if kind} - {code for code, _ in PHONE_KIND_CHOICES})
        for name in PHONE_ROWS:
            self[f"{name}_kind"].choices = list(PHONE_KIND_CHOICES) + [(code, f"Type {code}") for code in others]

    def fill_phones(self, contact: Contact) -> None:
        numbers = contact.phone_numbers
        for position, name in enumerate(PHONE_ROWS):
            kind, number = numbers[position] if position < len(numbers) else (None, None)
            self[name].data, self[f"{name}_kind"].data = number, kind or ""

    def phone_numbers(self) -> tuple[tuple[str | None, str], ...]:
        """The numbers typed, in order (a blank row is skipped), then any the form has no rows for."""
        typed = [(self[f"{name}_kind"].data or None, self[name].data) for name in PHONE_ROWS if self[name].data]
        return tuple(typed) + self.kept_numbers

    def to_details(self) -> ContactDetails:
        return ContactDetails(
            name=self.name.data,
            relationship_to_pupil=self.relationship_to_pupil.data,
            parental_responsibility=self.parental_responsibility.data == "yes",
            phone_numbers=self.phone_numbers(),
            email=self.email.data,
            address=self.address.data,
            preferred_contact=ContactMethod(self.preferred_contact.data),
            priority=int(self.priority.data),
            restriction=ContactRestriction(self.restriction.data),
            restriction_note=self.restriction_note.data,
        )


class PupilEditForm(VersionedForm, PupilForm):
    """A pupil's details as changed: with the version of the record the form was opened at."""


class ContactEditForm(VersionedForm, ContactForm):
    """A contact as changed: with the version of the record the form was opened at."""


class SenStatusForm(FlaskForm):
    provision = _radios("SEN provision", [(p.value, p.label) for p in Provision], "Select the SEN provision")
    primary_need = _select(
        "Primary type of need", [("", "Select a need (not for No SEN)"), *NEED_CHOICES], filters=[blank_to_none]
    )
    secondary_need = _select(
        "Secondary type of need (optional)",
        [("", "None")] + [c for c in NEED_CHOICES if c[0] != NeedType.NSA.value],
        filters=[blank_to_none],
    )
    start_date = _past_date(
        "Date the status starts",
        describe="start date",
        required="Enter the date the status starts",
        future="The date the status starts cannot be in the future",
        description="For example, 3 9 2025",
    )
    reason = text_area(
        "Reason for the change",
        required="Enter the reason for the change",
        max_length=2000,
        hint="What the assessment or decision showed. Parents are told when SEN provision starts.",
    )
    submit = SubmitField("Save SEN status", widget=gov.GovSubmitInput())

    @classmethod
    def from_record(cls, status: SenStatus | None):
        """The form, showing the pupil's open period (`status`) when first shown."""
        form = cls()
        if status is not None and _first_shown():
            form.provision.data = status.provision.value
            form.primary_need.data = status.primary_need.value if status.primary_need else ""
            form.secondary_need.data = status.secondary_need.value if status.secondary_need else ""
        return form

    def to_details(self) -> StatusDetails:
        return StatusDetails(
            provision=Provision(self.provision.data),
            primary_need=_need(self.primary_need.data),
            secondary_need=_need(self.secondary_need.data),
            start_date=self.start_date.data,
            reason=self.reason.data,
        )


_DESCRIPTION_CHECKS = [
    DataRequired("Describe what you have noticed"),
    Length(max=4000, message="The description must be 4000 characters or fewer"),
]


class ConcernForm(FlaskForm):
    raised_on = _past_date(
        "Date the concern was noticed",
        describe="date",
        required="Enter the date the concern was noticed",
        future="The date cannot be in the future",
    )
    area_of_need = RadioField(
        "Area of need",
        widget=gov.GovRadioInput(),
        choices=[(a.value, a.label) for a in AreaOfNeed] + [("", "Not sure yet")],
        default="",
        validators=[Optional()],
    )
    description = TextAreaField(
        "What have you noticed?",
        widget=CountedTextArea(),
        filters=[one_newline, strip_text],
        description="What the pupil finds hard, what you have tried in class, and what the data shows.",
        validators=_DESCRIPTION_CHECKS,
    )
    submit = SubmitField("Raise concern", widget=gov.GovSubmitInput())

    @classmethod
    def from_record(cls, *, noticed_on: date):
        """A new concern: first shown as noticed on `noticed_on` (today)."""
        form = cls()
        if _first_shown():
            form.raised_on.data = noticed_on
        return form

    def to_details(self) -> ConcernDetails:
        return ConcernDetails(
            raised_on=self.raised_on.data,
            area_of_need=AreaOfNeed(self.area_of_need.data) if self.area_of_need.data else None,
            description=self.description.data,
        )


class LeaverSearchForm(FlaskForm):
    """The search of the list of pupils who have left. Posted, so that a name never travels in a URL."""

    q = text_field("Name or UPN", max_length=100)
    submit = SubmitField("Search", widget=gov.GovSubmitInput())

    @classmethod
    def posted(cls):
        """The form as posted, or empty when the page is only shown: never filled from the request's URL."""
        return cls(request.form if request.method == "POST" else None, data=None)

    def show_search(self, q: str | None) -> None:
        """Show the search kept for the session (`q`) when the page is first shown."""
        if _first_shown():
            self.q.data = q or ""


class PupilSearchForm(LeaverSearchForm):
    """The pupil list's search and filters. Posted, so that a name never travels in a URL."""

    year = _select("Year group", [("", "All year groups"), *YEAR_GROUP_CHOICES])
    group = _select("Class", [])
    provision = _select("SEN provision", [("", "Any provision")] + [(p.value, p.label) for p in Provision])
    need = _select("Type of need", [("", "Any need"), *NEED_CHOICES])
    submit = SubmitField("Apply", widget=gov.GovSubmitInput())

    def show_filters(self, filters: PupilFilters) -> None:
        """Show the search and the filters in use when the page is first shown."""
        if _first_shown():
            self.show_search(filters.q)
            self.year.data = "" if filters.year is None else str(filters.year)
            self.group.data = "" if filters.group is None else str(filters.group)
            self.provision.data = filters.provision.value if filters.provision else ""
            self.need.data = filters.need.value if filters.need else ""

    def filter_args(self, sen: bool) -> dict[str, str]:
        """The filters chosen, for the list's URL (never the name searched for); SEN filters only
        for a user who may see SEN."""
        names = ("year", "group", "provision", "need") if sen else ("year", "group")
        return {name: getattr(self, name).data for name in names if getattr(self, name).data}


def destination_fields() -> tuple:
    """The fields of the school a pupil moved to: one of this SEN Track's schools (`offer_schools`),
    or its name and numbers typed in (checked by `roll.destination_of`). The leaving form's, and
    the form that records it after the leaving (`sentrack.transfers`): `destination`,
    `destination_name`, `destination_urn`, `destination_la`, `destination_estab`, in that order."""
    return (
        _select(
            "School the pupil moved to",
            [],
            description=(
                "If the pupil moved to another school, choose it if it uses SEN Track, or type its details below."
                " Leave it as not known if you do not know: their file then goes to the DfE's lost pupils database."
            ),
        ),
        text_field("Name of the school", max_length=120),
        text_field("URN", max_length=20, description="6 digits, for example 100000"),
        text_field("LA number", max_length=20, description="3 digits, for example 202"),
        text_field("Establishment number", max_length=20, description="4 digits, for example 2345"),
    )


def offer_schools(form, schools: list[tuple[int, str]]):
    """`form` (with `destination_fields`) offering the other schools of this SEN Track (id, name)."""
    form.destination.choices = [("", "Not known, or typed below")] + [(str(i), name) for i, name in schools]
    return form


def typed_school(form) -> TypedSchool:
    """The school a form with `destination_fields` gives, as `roll` takes it."""
    chosen = form.destination.data
    return TypedSchool(
        school_id=int(chosen) if chosen else None,
        name=form.destination_name.data,
        urn=form.destination_urn.data,
        la=form.destination_la.data,
        estab=form.destination_estab.data,
    )


class LeavingForm(FlaskForm):
    """That a pupil left the school's roll: the first day they are no longer on it, why, and where
    they went."""

    left_on = GovDateField(
        "Date the pupil leaves the roll",
        describe="leaving date",
        validators=[Required("Enter the date the pupil leaves the roll")],
        description=(
            "The first day they are no longer on the school's roll, at most 31 days ahead. For example, 12 1 2027"
        ),
    )
    reason = _radios("Why did the pupil leave?", list(LEAVING_REASONS.items()), "Select why the pupil left")
    detail = text_area(
        "More detail (needed for another reason)",
        max_length=500,
        hint="For example, the new school. Do not write anything you would not share with the pupil's parents.",
    )
    destination, destination_name, destination_urn, destination_la, destination_estab = destination_fields()
    submit = SubmitField("Record leaving", widget=gov.GovSubmitInput())

    @classmethod
    def offering(cls, schools: list[tuple[int, str]]) -> LeavingForm:
        """The form offering the other schools of this SEN Track (id, name) as destinations."""
        return offer_schools(cls(), schools)

    def to_details(self) -> LeavingDetails:
        return LeavingDetails(
            left_on=self.left_on.data, reason=self.reason.data, detail=self.detail.data, destination=typed_school(self)
        )


class UndoLeavingForm(FlaskForm):
    """Undoing a leaving recorded by mistake: a button, with its CSRF token."""

    submit = SubmitField("Undo the leaving: it was recorded by mistake", widget=gov.GovSubmitInput())
