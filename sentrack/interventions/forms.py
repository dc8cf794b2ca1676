"""Forms for the catalogue, the impact scale, interventions, registers and impact.

Money is typed in pounds ("12.50") and held in pence. Numbers and money that cannot be read get
a message of their own here; whether a number is in range is the workflow's rule, so that one
place decides and its message shows beside the field.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, Optional

from sentrack.forms import (
    Chosen,
    GovDateField,
    MoneyField,
    Offered,
    Required,
    TextField,
    VersionedForm,
    VersionField,
    WholeNumberField,
    attach_error,
    bounded_int,
    choose,
    coerce_int,
    opened_at,
    strip_text,
    text_area,
    text_field,
)
from sentrack.models import (
    AbsenceReason,
    AreaOfNeed,
    CostBasis,
    Delivery,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    MeasureType,
    NeedType,
    NotHeldReason,
    Pupil,
    School,
    SessionAttendance,
    User,
    Wave,
)
from sentrack.models.interventions import WEEKDAYS
from sentrack.pupils.forms import NEED_CHOICES
from sentrack.workflows import RuleBroken, measures, registers
from sentrack.workflows import interventions as flow
from sentrack.workflows.school_days import default_days, default_end, next_school_day

AREA_CHOICES = [(a.value, a.label) for a in AreaOfNeed]
MEASURE_CHOICES = [(m.value, m.label) for m in MeasureType]
WAVE_CHOICES = [(str(w.value), w.label) for w in Wave]
WEEKDAY_CHOICES = list(enumerate(WEEKDAYS))


# --- Catalogue and impact scale --------------------------------------------------------------------


class CatalogueForm(FlaskForm):
    name = text_field("Name", required="Enter the name of the intervention")
    description = text_area(
        "Description (optional)", max_length=2000, hint="What happens in a session, and who it is for"
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

    @classmethod
    def from_record(cls, entry: InterventionType):
        """The form as `entry` stands, at its version."""
        form = cls(formdata=None, obj=entry)
        opened_at(form, entry)
        form.area_of_need.data = entry.area_of_need.value
        form.wave.data = str(entry.wave)
        form.cost_basis.data = entry.cost_basis.value
        form.cost_per_session.data = entry.cost_per_session_pence
        form.hourly_rate.data = entry.hourly_rate_pence
        return form

    def to_details(self, *, new: bool) -> flow.TypeDetails:
        """The entry as posted; a new entry is always offered."""
        return flow.TypeDetails(
            name=self.name.data,
            description=self.description.data,
            area_of_need=AreaOfNeed(self.area_of_need.data),
            wave=int(self.wave.data),
            sessions_per_week=self.sessions_per_week.data,
            minutes_per_session=self.minutes_per_session.data,
            weeks=self.weeks.data,
            cost_basis=CostBasis(self.cost_basis.data),
            cost_per_session_pence=self.cost_per_session.data,
            hourly_rate_pence=self.hourly_rate.data,
            active=new or bool(self.active.data),
        )

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


def _scale_label(point: str) -> TextField:
    return TextField(
        point,
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[Length(max=120, message="A label must be 120 characters or fewer")],
    )


class ImpactScaleForm(VersionedForm):
    """Five labels, one for each point of the scale; `label_0` is -2 and `label_4` is +2."""

    submit = SubmitField("Save the scale", widget=GovSubmitInput())
    label_0 = _scale_label("-2")
    label_1 = _scale_label("-1")
    label_2 = _scale_label("0")
    label_3 = _scale_label("+1")
    label_4 = _scale_label("+2")

    @classmethod
    def from_record(cls, school: School):
        """The form as the school's scale stands, at the version of its settings."""
        form = cls(formdata=None)
        opened_at(form, school)
        for value, label in school.impact_labels.items():
            form[f"label_{value + 2}"].data = label
        return form

    def to_details(self) -> dict[int, str]:
        """The labels by point of the scale, -2 to +2."""
        return {value - 2: self[f"label_{value}"].data for value in range(5)}


# --- Interventions --------------------------------------------------------------------------------


def _ticks(label: str, check, *, coerce=coerce_int, choices=(), description: str = ""):
    """Checkboxes of which any may be ticked, checked by `check` (the choices may be set later)."""
    return SelectMultipleField(
        label,
        widget=GovCheckboxesInput(),
        coerce=coerce,
        choices=list(choices),
        validate_choice=False,
        validators=[check],
        description=description,
    )


class ChooseTypeForm(FlaskForm):
    """The first step of setting one up: what from the catalogue, for pupils of which classes.
    Sent by GET, so that the details page can be filled in from the catalogue's defaults."""

    class Meta:
        csrf = False

    type = choose("Which intervention?", [], "Choose an intervention from the catalogue")
    group = _ticks(
        "Pupils from which classes?",
        InputRequired("Choose at least one class"),
        coerce=str,
        description="You choose the pupils on the next page",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


SEN_SUPPORT_PLACE, SEN_SUPPORT_LEAVE = "place", "leave"
OUT_OF_REACH = "Choose pupils from the list: one of them is not a pupil you can set up an intervention for"


class Rows(FieldList):
    """One sub-form a record, each naming its record in its hidden `pupil` field, in the order the
    page lists the records (`arrange`). A row's errors are read as they stand, so that a message
    put beside a row's field after validation shows in the error summary too, linked to the field
    by the row's own index."""

    def __init__(self, row_form, **kwargs):
        super().__init__(FormField(row_form), **kwargs)

    def arrange(self, keys: list[str]) -> None:
        """A row for each of `keys`, in their order: the first row posted naming a record is kept,
        a row naming any other record is dropped (what it carries is ignored), and a record
        without a row gets an empty one."""
        posted: dict[str, FormField] = {}
        for entry in self.entries:
            posted.setdefault(entry.pupil.data, entry)
        arranged = []
        for key in keys:
            entry = posted.get(key) or self.append_entry()
            entry.pupil.data = key
            arranged.append(entry)
        self.entries = arranged

    def row(self, key: str) -> FormField | None:
        """The row of the record `key`."""
        return next((entry for entry in self.entries if entry.pupil.data == key), None)

    def field_named(self, name: str):
        """A row's field as a workflow names it: `impact_12` is the `impact` field of the row of
        record 12. None when no row has it."""
        for entry in self.entries:
            for field in entry:
                if name == f"{field.short_name}_{entry.pupil.data}":
                    return field
        return None

    def validate(self, form, extra_validators=()) -> bool:
        return all([entry.validate(form) for entry in self.entries])

    @property
    def errors(self) -> dict[str, dict]:
        return {entry.short_name.rsplit("-", 1)[-1]: entry.errors for entry in self.entries if entry.errors}


def _outcome_field() -> SelectField:
    return SelectField(
        "Outcome of the plan it serves (optional)",
        widget=GovSelect(),
        validate_choice=False,
        validators=[Offered("Choose an outcome of the pupil's plan, or none")],
        choices=[],
    )


def _sen_field() -> RadioField:
    return RadioField(
        "Not on the SEN register: wave 3 is SEN provision",
        widget=GovRadioInput(),
        validators=[Optional()],
        choices=[
            (SEN_SUPPORT_PLACE, "Place them on SEN support from today (the letter to parents is prepared)"),
            (SEN_SUPPORT_LEAVE, "Leave them off the SEN register for now"),
        ],
    )


def _need_field() -> SelectField:
    return SelectField(
        "Primary type of need (to place them on SEN support)",
        widget=GovSelect(),
        validate_choice=False,
        validators=[Offered("Choose a type of need from the list")],
        choices=[("", "Select a need")] + NEED_CHOICES,
    )


class PupilRow(Form):
    """A pupil who may be chosen (`pupil`: their public id): their entry score and, when the page
    offers them (`offer`), the outcome of their plan it serves and the choice of SEN support."""

    pupil = HiddenField()
    entry = text_field("Entry score (optional)", max_length=40)
    outcome = _outcome_field()
    sen = _sen_field()
    need = _need_field()

    def offer(self, outcomes: list[tuple[str, str]], *, asks_sen: bool) -> None:
        """Keep the fields the page offers this pupil: the outcome when their plan has `outcomes`,
        the choice of SEN support (with their need) when `asks_sen`. What is posted for a field not
        offered is ignored."""
        if outcomes:
            self.outcome.choices = [("", "Not linked to an outcome"), *outcomes]
        else:
            del self["outcome"]
        if not asks_sen:
            del self["sen"]
            del self["need"]

    def fill_from(self, place: InterventionPupil) -> None:
        self.entry.data = place.entry_score
        if self.outcome is not None:
            self.outcome.data = str(place.outcome_id or "")

    def place_for(self, pupil: Pupil) -> flow.Place | None:
        """The place posted for `pupil`, or None with a message beside their SEN support choice
        when it was not made (the choice is the user's to make, never left to a default)."""
        choice, need = self.sen, self.need
        if choice is not None and choice.data not in (SEN_SUPPORT_PLACE, SEN_SUPPORT_LEAVE):
            choice.errors = [*choice.errors, f"Choose whether to place {pupil.full_name} on SEN support"]
            return None
        return flow.Place(
            pupil=pupil,
            entry_score=self.entry.data,
            outcome_id=number_or_zero(self.outcome.data) or None if self.outcome is not None else None,
            sen_support=choice.data == SEN_SUPPORT_PLACE if choice is not None else None,
            primary_need=NeedType(need.data) if need is not None and need.data in NeedType._value2member_map_ else None,
        )


class InterventionForm(FlaskForm):
    """The details of an intervention and its pupils (`pupils`: public ids), with a row for each
    pupil who may be chosen (`rows`, set by `offer_rows`)."""

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
    weekdays = _ticks("Days of the sessions", Offered("Choose days from Monday to Friday"), choices=WEEKDAY_CHOICES)
    minutes_per_session = WholeNumberField(
        "Minutes a session",
        validators=[Required("Enter how many minutes a session lasts")],
        invalid="Enter the minutes as a whole number, like 20",
    )
    starts_on = GovDateField("Start date", describe="start date", validators=[Required("Enter the start date")])
    ends_on = GovDateField("End date", describe="end date", validators=[Required("Enter the end date")])
    measure_type = choose(
        "How are the entry and exit measures written?",
        MEASURE_CHOICES,
        "Choose how the entry and exit measures are written",
        default=MeasureType.FREE_TEXT.value,
    )
    measure = text_field(
        "Name of the scale or test",
        description="Needed for a score on a named scale, for example Phonics screening check",
    )
    measure_min = WholeNumberField(
        "Lowest score on the scale",
        invalid="Enter the lowest score as a whole number, like 0",
        description="For a score on a named scale",
    )
    measure_max = WholeNumberField(
        "Highest score on the scale",
        invalid="Enter the highest score as a whole number, like 40",
        description="For a score on a named scale",
    )
    pupils = SelectMultipleField("Pupils", choices=[], validate_choice=False)
    rows = Rows(PupilRow)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def offer_rows(self, outcome_choices: dict[str, list[tuple[str, str]]], sen_keys: frozenset[str]) -> None:
        """A row for each pupil who may be chosen (the keys of `outcome_choices`, public ids in the
        order the page lists them) with an entry score, an outcome when their plan has any, and
        for each of `sen_keys` (pupils off the SEN register joining wave 3 provision, offered to a
        user who may place them) the choice of placing them on SEN support, with their need."""
        self.rows.arrange(list(outcome_choices))
        for row in self.rows:
            row.offer(outcome_choices[row.pupil.data], asks_sen=row.pupil.data in sen_keys)

    def fill_defaults(self, kind: InterventionType, user: User, today: date) -> None:
        """A new intervention of `kind`, from its catalogue defaults: delivered by the user when
        they may deliver it, starting on the next school day."""
        starts = next_school_day(today)
        self.type_id.data = str(kind.id)
        self.name.data = kind.name
        self.delivery.data = Delivery.GROUP.value
        offered = any(value == str(user.id) for value, _ in self.delivered_by_id.choices)
        self.delivered_by_id.data = str(user.id) if offered else ""
        self.weekdays.data = default_days(kind.sessions_per_week)
        self.minutes_per_session.data = kind.minutes_per_session
        self.starts_on.data = starts
        self.ends_on.data = default_end(starts, kind.weeks)

    def fill_from(self, intervention: Intervention, places: list[InterventionPupil]) -> None:
        """The intervention as it stands, with the `places` the user may change."""
        opened_at(self, intervention)
        self.type_id.data = str(intervention.type_id)
        self.name.data = intervention.name
        self.delivery.data = intervention.delivery.value
        self.delivered_by_id.data = str(intervention.delivered_by_id)
        if not any(value == self.delivered_by_id.data for value, _ in self.delivered_by_id.choices):
            self.delivered_by_id.choices.append((self.delivered_by_id.data, intervention.delivered_by.full_name))
        self.weekdays.data = sorted(intervention.weekdays or [])
        self.minutes_per_session.data = intervention.minutes_per_session
        self.starts_on.data = intervention.starts_on
        self.ends_on.data = intervention.ends_on
        self.measure.data = intervention.measure
        self.measure_type.data = intervention.measure_type.value
        self.measure_min.data = intervention.measure_min
        self.measure_max.data = intervention.measure_max
        self.pupils.data = [place.pupil.public_id for place in places]
        for place in places:
            self.rows.row(place.pupil.public_id).fill_from(place)

    def to_details(self) -> flow.InterventionDetails:
        """The details as posted (the pupils' places are read by `to_places`)."""
        try:
            delivery = Delivery(self.delivery.data)
        except ValueError:
            delivery = Delivery.GROUP
        return flow.InterventionDetails(
            type_id=number_or_zero(self.type_id.data),
            name=self.name.data,
            delivery=delivery,
            delivered_by_id=number_or_zero(self.delivered_by_id.data),
            weekdays=sorted(set(self.weekdays.data or [])),
            minutes_per_session=self.minutes_per_session.data,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            measure=self.measure.data,
            measure_type=self.measure_spec.kind,
            measure_min=self.measure_min.data,
            measure_max=self.measure_max.data,
        )

    @property
    def measure_spec(self) -> measures.MeasureSpec:
        """The measure as posted (free text when the type is not one offered)."""
        kind = self.measure_type.data
        return measures.MeasureSpec(
            MeasureType(kind) if kind in MeasureType._value2member_map_ else MeasureType.FREE_TEXT,
            self.measure.data,
            self.measure_min.data,
            self.measure_max.data,
        )

    def validate(self, extra_validators=None) -> bool:
        """Every message at once: the measure's own, and each chosen pupil's entry score as the
        measure asks (`workflows.measures`), beside it."""
        super().validate(extra_validators)
        try:
            spec = measures.check_spec(self.measure_spec)
        except RuleBroken as error:
            attach_error(self, error)
            return False
        names = getattr(self, "pupil_names", {})
        for key in dict.fromkeys(self.pupils.data or []):
            row = self.rows.row(key)
            if row is None or row.entry.errors:
                continue
            try:
                measures.read(
                    spec, row.entry.data, f"{names[key]}'s entry score" if key in names else "the entry score"
                )
            except RuleBroken as error:
                row.entry.errors = [*row.entry.errors, error.message]
        return not self.errors

    def to_places(self, reachable: dict[str, Pupil], kept: frozenset[str] = frozenset()) -> list[flow.Place] | None:
        """The places the form asks for, or None with a message beside the pupils when one of them
        is not a pupil the user may choose (`reachable`, by public id). `kept`: the public ids of
        pupils in the intervention whose places the user may not change, which stay as they are
        whether posted or not."""
        places = []
        for key in dict.fromkeys(self.pupils.data or []):
            if key in kept:
                continue
            if key not in reachable:
                self.pupils.errors = [*self.pupils.errors, OUT_OF_REACH]
                return None
            place = self.rows.row(key).place_for(reachable[key])
            if place is None:
                return None
            places.append(place)
        return places


class InterventionEditForm(VersionedForm, InterventionForm):
    """An intervention as changed: with the version of the record the form was opened at."""


def number_or_zero(value) -> int:
    """A record id posted as text, or 0 (no record) when it is not a whole number."""
    text = str(value or "").strip()
    return (bounded_int(text) or 0) if text.isdigit() else 0


class EndForm(FlaskForm):
    ended_on = GovDateField(
        "Date of the last session", describe="end date", validators=[Required("Enter the date it ended")]
    )
    submit = SubmitField("End the intervention", widget=GovSubmitInput())

    def to_details(self) -> date:
        """The day it ended."""
        return self.ended_on.data


class QuickRegisterForm(FlaskForm):
    """Only the CSRF token: the one-click register records everyone present today."""


NOTE_HINT = "What you worked on, or anything the class teacher should know"
PRESENT = "present"
HAPPENED = "yes"
MARK_CHOICES = [(PRESENT, "Present")] + [(reason.value, f"Absent: {reason.label.lower()}") for reason in AbsenceReason]
HAPPENED_CHOICES = [(HAPPENED, "Yes")] + [(reason.value, f"No: {reason.label.lower()}") for reason in NotHeldReason]


class MarkRow(Form):
    """One pupil's mark on a register (`pupil`: the pupil's id): present, or absent and why."""

    pupil = HiddenField()
    mark = choose("Attendance", MARK_CHOICES, "Choose whether the pupil was present", default=PRESENT)
    note = text_field("Note on the absence (optional)", max_length=registers.NOTE_LENGTH)

    def name_for(self, name: str) -> None:
        self.mark.label.text = name
        self.mark.validators = [Chosen(f"Choose whether {name} was present")]
        self.pupil_name = name

    def fill_from(self, row: SessionAttendance | None) -> None:
        if row is None:
            return
        self.mark.data = PRESENT if row.attended else (row.absence_reason.value if row.absence_reason else PRESENT)
        self.note.data = row.absence_note

    def to_mark(self) -> registers.Mark:
        if self.mark.data == PRESENT or self.mark.data not in AbsenceReason._value2member_map_:
            return registers.Mark()
        return registers.Mark.absent(AbsenceReason(self.mark.data), self.note.data)

    def check_note(self) -> None:
        """Another reason needs its note, beside it."""
        if self.mark.data == AbsenceReason.OTHER.value and not self.note.data:
            self.note.errors = [*self.note.errors, f"Say why {getattr(self, 'pupil_name', 'the pupil')} was absent"]


class RegisterForm(FlaskForm):
    """A register: whether the session took place (and why not), a mark for each pupil whose
    attendance the user records (`for_places`: present unless changed) and a note."""

    happened = choose(
        "Did the session take place?", HAPPENED_CHOICES, "Say whether the session took place", default=HAPPENED
    )
    rows = Rows(MarkRow)
    note = text_area("Note (optional)", max_length=1000, hint=NOTE_HINT)

    def arrange(self, places: list[InterventionPupil]) -> None:
        self.places = places
        self.rows.arrange([str(place.pupil_id) for place in places])
        for place, row in self.rows_by_place():
            row.name_for(place.pupil.full_name)

    def rows_by_place(self) -> list[tuple[InterventionPupil, FormField]]:
        return list(zip(self.places, self.rows, strict=True))

    @property
    def not_held(self) -> NotHeldReason | None:
        value = self.happened.data
        return NotHeldReason(value) if value in NotHeldReason._value2member_map_ else None

    def marks(self) -> dict[int, registers.Mark]:
        """Each pupil's mark as posted, by pupil id (none when the session did not take place)."""
        if self.not_held is not None:
            return {}
        return {place.pupil_id: row.to_mark() for place, row in self.rows_by_place()}

    def validate(self, extra_validators=None) -> bool:
        """Every message at once; a session that did not take place needs no note for an absence."""
        super().validate(extra_validators)
        if self.not_held is NotHeldReason.OTHER and not self.note.data:
            self.note.errors = [*self.note.errors, "Say why the session did not take place"]
        if self.not_held is None:
            for row in self.rows:
                row.form.check_note()
        return not self.errors


class SessionForm(RegisterForm):
    """A new register: its date too, and `confirmed`, the date a weekend or holiday was confirmed for."""

    held_on = GovDateField(
        "Date of the session",
        describe="date of the session",
        validators=[Required("Enter the date of the session")],
    )
    confirmed = HiddenField()
    submit = SubmitField("Save the register", widget=GovSubmitInput())

    def confirmed_for(self, day: date) -> bool:
        return self.confirmed.data == day.isoformat()


class CorrectRegisterForm(VersionedForm, RegisterForm):
    """A register as corrected, at the version it was opened at."""

    submit = SubmitField("Save the correction", widget=GovSubmitInput())

    def fill_from(self, register: InterventionSession) -> None:
        opened_at(self, register)
        self.happened.data = register.not_held_reason.value if register.not_held_reason else HAPPENED
        self.note.data = register.note
        rows = {row.pupil_id: row for row in register.attendance}
        for place, row in self.rows_by_place():
            row.fill_from(rows.get(place.pupil_id))


def _point(value: int, label: str) -> str:
    """A point of the impact scale as offered: "+1: More progress than expected"."""
    return f"{value:+d}: {label}" if value else f"0: {label}"


class ImpactRow(Form):
    """The impact of one pupil's place (`pupil`: the pupil's id), at the version of the place as the
    page was opened."""

    pupil = HiddenField()
    version = VersionField("Version")
    exit = text_field("Exit score (optional)", max_length=40)
    impact = choose("Impact", [], "Choose the impact", coerce=coerce_int)
    comment = text_area("Comment (optional)", max_length=1000)

    def name_for(self, name: str, choices: list[tuple[int, str]]) -> None:
        """The rating on the school's scale (`choices`), asked for and missed by the pupil's `name`."""
        self.impact.label.text = f"Impact for {name}"
        self.impact.choices = choices
        self.impact.validators = [Chosen(f"Choose the impact for {name}")]

    def fill_from(self, place: InterventionPupil) -> None:
        """The place as it stands, at its version."""
        self.version.data = str(place.version)
        self.exit.data = place.exit_score
        self.impact.data = place.impact
        self.comment.data = place.impact_comment

    def to_details(self) -> flow.ImpactResult:
        return flow.ImpactResult(exit_score=self.exit.data, impact=self.impact.data, comment=self.comment.data)


class ImpactForm(FlaskForm):
    """An exit score, an impact rating on the school's scale and a comment for each pupil whose
    impact the user records, a row each in the order of the places (`for_places`)."""

    rows = Rows(ImpactRow)
    submit = SubmitField("Save the impact", widget=GovSubmitInput())

    @classmethod
    def for_places(cls, places: list[InterventionPupil], labels: dict[int, str], spec: measures.MeasureSpec):
        """The form (as posted, on a POST) with a row for each of `places`, rated on `labels`, its
        exit scores written as `spec` asks."""
        form = cls()
        form.places = places
        form.spec = spec
        form.rows.arrange([str(place.pupil_id) for place in places])
        choices = [(value, _point(value, label)) for value, label in sorted(labels.items())]
        for place, row in form.rows_by_place():
            row.name_for(place.pupil.full_name, choices)
        return form

    def rows_by_place(self) -> list[tuple[InterventionPupil, FormField]]:
        """Each place with its row, in the order of the places."""
        return list(zip(self.places, self.rows, strict=True))

    def validate(self, extra_validators=None) -> bool:
        """Every message at once: each exit score as the measure asks, beside it."""
        super().validate(extra_validators)
        for place, row in self.rows_by_place():
            if row.exit.errors:
                continue
            try:
                measures.read(self.spec, row.exit.data, f"{place.pupil.full_name}'s exit score")
            except RuleBroken as error:
                row.exit.errors = [*row.exit.errors, error.message]
        return not self.errors

    def fill_from(self) -> None:
        """Each place as it stands, at its version."""
        for place, row in self.rows_by_place():
            row.fill_from(place)

    def to_details(self) -> dict[int, flow.ImpactResult]:
        """What was posted for each place, by pupil id."""
        return {place.pupil_id: row.to_details() for place, row in self.rows_by_place()}

    def expected_versions(self) -> dict[int, int | None]:
        """The version of each place as the page was opened, by pupil id."""
        return {place.pupil_id: row.version.expected for place, row in self.rows_by_place()}


# --- Provision map ---------------------------------------------------------------------------------


class MapFilterForm(FlaskForm):
    """The provision map's filters, sent by GET."""

    class Meta:
        csrf = False

    term = SelectField("Term", widget=GovSelect(), choices=[], validate_choice=False)
    year = SelectField("Year group", widget=GovSelect(), choices=[], validate_choice=False)
    wave = SelectField("Wave", widget=GovSelect(), choices=[("", "All waves")] + WAVE_CHOICES, validate_choice=False)
    submit = SubmitField("Show", widget=GovSubmitInput())
