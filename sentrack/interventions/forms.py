"""Forms for the catalogue, the impact scale, interventions, registers and impact.

Money is typed in pounds ("12.50") and held in pence. Numbers and money that cannot be read get
a message of their own here; whether a number is in range is the workflow's rule, so that one
place decides and its message shows beside the field.
"""

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
from wtforms.validators import InputRequired, Length, Optional

from sentrack.forms import (
    Chosen,
    DateRequired,
    GovDateField,
    MoneyField,
    Offered,
    Required,
    TextField,
    VersionedForm,
    VersionField,
    WholeNumberField,
    blank_to_none,
    choose,
    coerce_int,
    strip_text,
    text_field,
)
from sentrack.models import AreaOfNeed, CostBasis, Delivery, Wave
from sentrack.models.interventions import DEFAULT_IMPACT_SCALE, WEEKDAYS
from sentrack.pupils.forms import NEED_CHOICES

AREA_CHOICES = [(a.value, a.label) for a in AreaOfNeed]
WAVE_CHOICES = [(str(w.value), w.label) for w in Wave]
WEEKDAY_CHOICES = list(enumerate(WEEKDAYS))


# --- Catalogue and impact scale --------------------------------------------------------------------


class CatalogueForm(FlaskForm):
    name = text_field("Name", required="Enter the name of the intervention")
    description = TextAreaField(
        "Description (optional)",
        widget=GovTextArea(),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=2000, message="The description must be 2000 characters or fewer")],
        description="What happens in a session, and who it is for",
    )
    area_of_need = choose("Area of need", AREA_CHOICES, "Choose the area of need")
    wave = choose("Wave of provision", WAVE_CHOICES, "Choose the wave of provision")
    sessions_per_week = WholeNumberField(
        "Sessions a week",
        validators=[Required("Enter how many sessions a week")],
        invalid="Enter the sessions a week as a whole number, like 3",
        description="Between 1 and 5",
    )
    minutes_per_session = WholeNumberField(
        "Minutes a session",
        validators=[Required("Enter how many minutes a session lasts")],
        invalid="Enter the minutes as a whole number, like 20",
        description="Between 5 and 240",
    )
    weeks = WholeNumberField(
        "Number of weeks",
        validators=[Required("Enter how many weeks it runs for")],
        invalid="Enter the number of weeks as a whole number, like 10",
        description="Between 1 and 52",
    )
    cost_basis = choose(
        "How is the cost worked out?", [(c.value, c.label) for c in CostBasis], "Choose how the cost is worked out"
    )
    cost_per_session = MoneyField(
        "Cost of a session",
        invalid="Enter the cost of a session in pounds and pence, for example 12.50",
        description="For example a provider's fee or materials, in pounds",
    )
    hourly_rate = MoneyField(
        "Hourly rate",
        invalid="Enter the hourly rate in pounds and pence, for example 18.20",
        description="Of the staff who deliver it, in pounds",
    )
    active = BooleanField(
        "Staff can choose it when they set up an intervention", widget=GovCheckboxInput(), default=True
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        """Only the cost of the chosen basis counts: what is typed in the other is ignored."""
        super().validate(extra_validators)
        unused = self.hourly_rate if self.cost_basis.data == CostBasis.PER_SESSION.value else self.cost_per_session
        if self.cost_basis.data in (CostBasis.PER_SESSION.value, CostBasis.STAFF_HOURS.value):
            unused.errors = []
            unused.data = None
        return not self.errors


class CatalogueEditForm(VersionedForm, CatalogueForm):
    """A catalogue entry as changed: with the version of the record the form was opened at."""


def impact_scale_form_class():
    """Five labels, one for each point of the scale; `label_0` is -2 and `label_4` is +2."""

    class ImpactScaleForm(VersionedForm):
        submit = SubmitField("Save the scale", widget=GovSubmitInput())

    for value in DEFAULT_IMPACT_SCALE:
        setattr(
            ImpactScaleForm,
            f"label_{value + 2}",
            TextField(
                f"{value:+d}" if value else "0",
                widget=GovTextInput(),
                filters=[strip_text],
                validators=[Length(max=120, message="A label must be 120 characters or fewer")],
            ),
        )
    return ImpactScaleForm


# --- Interventions --------------------------------------------------------------------------------


class ChooseTypeForm(FlaskForm):
    """The first step of setting one up: what from the catalogue, for pupils of which classes.
    Sent by GET, so that the details page can be filled in from the catalogue's defaults."""

    class Meta:
        csrf = False

    type = choose("Which intervention?", [], "Choose an intervention from the catalogue")
    group = SelectMultipleField(
        "Pupils from which classes?",
        widget=GovCheckboxesInput(),
        coerce=str,
        choices=[],
        validate_choice=False,
        validators=[InputRequired("Choose at least one class")],
        description="You choose the pupils on the next page",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


SEN_SUPPORT_PLACE, SEN_SUPPORT_LEAVE = "place", "leave"


def intervention_form_class(
    pupil_keys: list[str],
    outcome_choices: dict[str, list[tuple[str, str]]],
    sen_keys: frozenset[str] = frozenset(),
    *,
    versioned: bool = False,
):
    """The details of an intervention, with an entry score and an optional outcome for each pupil
    who may be chosen (`pupil_keys` are public ids), and for each of `sen_keys` (pupils off the
    SEN register joining wave 3 provision, offered to a user who may place them) the choice of
    placing them on SEN support, with their primary need."""

    class InterventionForm(VersionedForm if versioned else FlaskForm):
        type_id = SelectField(
            "Intervention from the catalogue",
            widget=GovSelect(),
            choices=[],
            validate_choice=False,
            validators=[Chosen("Choose an intervention from the catalogue")],
        )
        name = text_field(
            "Name", required="Enter a name for the intervention", description="For example, Year 4 phonics group"
        )
        delivery = choose("Group or one-to-one?", [(d.value, d.label) for d in Delivery], "Choose group or one-to-one")
        delivered_by_id = SelectField(
            "Who delivers it",
            widget=GovSelect(),
            choices=[],
            validate_choice=False,
            validators=[Offered("Choose a teacher or support assistant of this school to deliver it")],
            description="The class teacher stays responsible for the pupils' progress",
        )
        weekdays = SelectMultipleField(
            "Days of the sessions",
            widget=GovCheckboxesInput(),
            coerce=coerce_int,
            choices=WEEKDAY_CHOICES,
            validate_choice=False,
            validators=[Offered("Choose days from Monday to Friday")],
        )
        minutes_per_session = WholeNumberField(
            "Minutes a session",
            validators=[Required("Enter how many minutes a session lasts")],
            invalid="Enter the minutes as a whole number, like 20",
        )
        starts_on = GovDateField("Start date", describe="start date", validators=[DateRequired("Enter the start date")])
        ends_on = GovDateField("End date", describe="end date", validators=[DateRequired("Enter the end date")])
        measure = text_field(
            "What the entry and exit scores measure (optional)",
            description="For example, reading age in months, or a phonics check score out of 40",
        )
        pupils = SelectMultipleField("Pupils", choices=[], validate_choice=False)
        submit = SubmitField("Save", widget=GovSubmitInput())

    for key in pupil_keys:
        setattr(InterventionForm, f"entry_{key}", text_field("Entry score (optional)", max_length=40))
        if outcome_choices.get(key):
            setattr(
                InterventionForm,
                f"outcome_{key}",
                SelectField(
                    "Outcome of the plan it serves (optional)",
                    widget=GovSelect(),
                    validate_choice=False,
                    validators=[Offered("Choose an outcome of the pupil's plan, or none")],
                    choices=[("", "Not linked to an outcome")] + outcome_choices[key],
                ),
            )
        if key in sen_keys:
            setattr(
                InterventionForm,
                f"sen_{key}",
                RadioField(
                    "Not on the SEN register: wave 3 is SEN provision",
                    widget=GovRadioInput(),
                    validators=[Optional()],
                    choices=[
                        (SEN_SUPPORT_PLACE, "Place them on SEN support from today (the letter to parents is prepared)"),
                        (SEN_SUPPORT_LEAVE, "Leave them off the SEN register for now"),
                    ],
                ),
            )
            setattr(
                InterventionForm,
                f"need_{key}",
                SelectField(
                    "Primary type of need (to place them on SEN support)",
                    widget=GovSelect(),
                    validate_choice=False,
                    validators=[Offered("Choose a type of need from the list")],
                    choices=[("", "Select a need")] + NEED_CHOICES,
                ),
            )
    return InterventionForm


class EndForm(FlaskForm):
    ended_on = GovDateField(
        "Date of the last session", describe="end date", validators=[DateRequired("Enter the date it ended")]
    )
    submit = SubmitField("End the intervention", widget=GovSubmitInput())


class QuickRegisterForm(FlaskForm):
    """Only the CSRF token: the one-click register records everyone present today."""


class SessionForm(FlaskForm):
    held_on = GovDateField(
        "Date of the session",
        describe="date of the session",
        validators=[DateRequired("Enter the date of the session")],
    )
    attended = SelectMultipleField(
        "Who attended?",
        widget=GovCheckboxesInput(),
        coerce=coerce_int,
        choices=[],
        validate_choice=False,
        validators=[Offered("Only pupils in the intervention can be marked present")],
        description="Untick anyone who was absent",
    )
    note = TextAreaField(
        "Note (optional)",
        widget=GovTextArea(),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=1000, message="The note must be 1000 characters or fewer")],
        description="What you worked on, or anything the class teacher should know",
    )
    submit = SubmitField("Save the register", widget=GovSubmitInput())


def impact_form_class(places, labels: dict[int, str]):
    """An exit score, an impact rating on the school's scale and a comment for each pupil, and the
    version of each pupil's place as the page was opened."""

    choices = [(value, f"{value:+d}: {label}" if value else f"0: {label}") for value, label in sorted(labels.items())]

    class ImpactForm(FlaskForm):
        submit = SubmitField("Save the impact", widget=GovSubmitInput())

    for place in places:
        name = place.pupil.full_name
        setattr(ImpactForm, f"version_{place.pupil_id}", VersionField("Version"))
        setattr(ImpactForm, f"exit_{place.pupil_id}", text_field("Exit score (optional)", max_length=40))
        setattr(
            ImpactForm,
            f"impact_{place.pupil_id}",
            RadioField(
                f"Impact for {name}",
                widget=GovRadioInput(),
                coerce=coerce_int,
                choices=choices,
                validate_choice=False,
                validators=[Chosen(f"Choose the impact for {name}")],
            ),
        )
        setattr(
            ImpactForm,
            f"comment_{place.pupil_id}",
            TextAreaField(
                "Comment (optional)",
                widget=GovTextArea(),
                filters=[blank_to_none],
                validators=[Optional(), Length(max=1000, message="The comment must be 1000 characters or fewer")],
            ),
        )
    return ImpactForm


# --- Provision map ---------------------------------------------------------------------------------


class MapFilterForm(FlaskForm):
    """The provision map's filters, sent by GET."""

    class Meta:
        csrf = False

    term = SelectField("Term", widget=GovSelect(), choices=[], validate_choice=False)
    year = SelectField("Year group", widget=GovSelect(), choices=[], validate_choice=False)
    wave = SelectField("Wave", widget=GovSelect(), choices=[("", "All waves")] + WAVE_CHOICES, validate_choice=False)
    submit = SubmitField("Show", widget=GovSubmitInput())
