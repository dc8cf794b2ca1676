"""Forms for the support cycle, concern decisions and letters. Each form that edits a record is
built by `from_record` (on opening the page it is filled from the record; sent, it holds what was
sent) and gives the workflow what it needs with `to_details`, so that views map no fields."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date
from types import SimpleNamespace

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, RadioField
from wtforms.fields import SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from sentrack.clock import today
from sentrack.forms import (
    CountedTextArea,
    GovDateField,
    NotInFuture,
    Required,
    VersionedForm,
    blank_to_none,
    bounded_int,
    one_newline,
    opened_at,
    text_area,
)
from sentrack.models import AreaOfNeed, EarlyReviewReason, NeedType, OutcomeRating, ReviewDecision
from sentrack.pupils.forms import NEED_CHOICES
from sentrack.workflows import cycles as flow

AREA_CHOICES = [(a.value, a.label) for a in AreaOfNeed]


class FromRecord:
    """`from_record(record, ...)`: the form as sent, or, on opening the page, as `opened` fills it
    from the record (None: one not written yet) and what else the page gives it."""

    @classmethod
    def from_record(cls, record, **opening):
        form = cls()
        if not form.is_submitted():
            form.opened(record, **opening)
        return form

    dated_today: str | None = None  # the date field a new record is dated today in, if any

    def opened(self, record, *, today: date | None = None) -> None:
        """Fill the form from `record` on opening: its values and the version it is at."""
        self.process(obj=record)
        opened_at(self, record)
        if record is None and self.dated_today:
            self[self.dated_today].data = today

    def details(self, kind, **given):
        """`kind` (a workflow's details dataclass) from the fields of the same names, and `given`."""
        return kind(**{f.name: self[f.name].data for f in fields(kind) if f.name not in given}, **given)


def _when(label: str, describe: str, required: str | None = None, future: str | None = None) -> GovDateField:
    """A date field: required with the message `required`, and not after today (`future`)."""
    checks = [Required(required) if required else Optional()]
    if future:
        checks.append(NotInFuture(today, future))
    return GovDateField(label, describe=describe, validators=checks)


class AssessmentForm(FromRecord, VersionedForm):
    areas_of_need = SelectMultipleField(
        "Areas of need",
        widget=GovCheckboxesInput(),
        choices=AREA_CHOICES,
        description="Select all that apply",
        validators=[InputRequired("Select at least one area of need")],
    )
    strengths = text_area(
        "Strengths", required="Describe the pupil's strengths", hint="What the pupil does well and enjoys"
    )
    difficulties = text_area(
        "Difficulties", required="Describe the pupil's difficulties", hint="What the pupil finds hard, and when"
    )
    evidence = text_area(
        "Evidence and data used",
        required="Describe the evidence used",
        hint="Assessments, attainment and progress data, observations, screening results",
    )
    pupil_views = text_area("The pupil's views", hint="In the pupil's own words where possible")
    parent_views = text_area("The parents' views")
    outside_agencies = text_area(
        "Outside agencies involved", hint="For example speech and language therapy, educational psychology"
    )
    assessed_on = _when(
        "Date of the assessment",
        "date of the assessment",
        required="Enter the date of the assessment",
        future="The assessment date cannot be in the future",
    )
    submit = SubmitField("Save assessment", widget=GovSubmitInput())
    dated_today = "assessed_on"

    def opened(self, record, *, today: date | None = None, start: flow.AssessmentDetails | None = None) -> None:
        """A first assessment of a cycle that continues the last starts from `start` (the last
        one, as `flow.assessment_starting_point` gives it), to be checked and saved."""
        super().opened(record, today=today)
        if record is None and start is not None:
            for name, value in vars(start).items():
                self[name].data = value

    def to_details(self) -> flow.AssessmentDetails:
        return self.details(flow.AssessmentDetails)


AGREED_HOW = {"meeting": True, "without_meeting": False}


class PlanForm(FromRecord, VersionedForm):
    starts_on = _when("Date the plan starts", "start date", required="Enter the date the plan starts")
    strategies = text_area(
        "Strategies for everyone who teaches the pupil",
        hint="What helps in every lesson: seating, instructions, resources",
    )
    provision = text_area(
        "Provision",
        hint=(
            "Interventions and support beyond quality-first teaching: what, how often, for how long. "
            "Needed before the plan starts"
        ),
    )
    expected_impact = text_area(
        "Expected impact on progress, development or behaviour",
        hint="What difference the support should make by the review date. Needed before the plan starts",
    )
    responsibilities = text_area("Who does what", hint="Class teacher, support assistant, SENCO, parents, the pupil")
    review_date = _when("Review date", "review date", required="Enter the review date")
    agreed_with_parents_on = GovDateField(
        "Date the plan was agreed with parents",
        describe="date agreed with parents",
        validators=[Optional(), NotInFuture(today, "The date agreed with parents cannot be in the future")],
        description="Leave blank until the parents have agreed it",
    )
    agreed_how = RadioField(
        "How was the plan agreed with parents?",
        widget=GovRadioInput(),
        validate_choice=False,
        choices=[
            ("meeting", "At a meeting with parents (recorded as their meeting of that day)"),
            ("without_meeting", "By letter or phone, without a meeting"),
        ],
    )
    submit = SubmitField("Save plan", widget=GovSubmitInput())

    def validate_agreed_how(self, field):
        if field.data and field.data not in dict(field.choices):
            raise ValidationError("Select how the plan was agreed with parents")
        if self.agreed_with_parents_on.data is not None and not field.data:
            raise ValidationError("Select how the plan was agreed with parents")

    def opened(self, record, *, start: flow.PlanDetails, agreed_how: str | None) -> None:
        """A plan not yet written is version 0, so that of two people writing it at once the second
        is told, rather than saving over the first; it starts from `start`. A plan agreed already
        says how (`agreed_how`)."""
        super().opened(record)
        if record is None:
            for name, value in vars(start).items():
                if name in self:  # how the plan was agreed is asked afresh
                    self[name].data = value
        elif record.agreed_with_parents_on is not None:
            self.agreed_how.data = agreed_how

    def to_details(self) -> flow.PlanDetails:
        return self.details(flow.PlanDetails, agreed_at_meeting=AGREED_HOW.get(self.agreed_how.data or "", False))


class OutcomeForm(FromRecord, FlaskForm):
    description = text_area(
        "Outcome", required="Describe the outcome", max_length=1000, hint="What the pupil will be able to do"
    )
    success_criteria = text_area(
        "Success criteria",
        required="Describe how success will be seen",
        max_length=1000,
        hint="How everyone will know it has been achieved",
    )
    area_of_need = RadioField(
        "Area of need",
        widget=GovRadioInput(),
        choices=AREA_CHOICES,
        validators=[InputRequired("Select the area of need")],
    )
    target_date = _when("Target date", "target date", required="Enter the target date")
    wording = RadioField(
        "Wordings in the school's bank",
        widget=GovRadioInput(),
        choices=[],
        validate_choice=False,
        validators=[Optional()],
    )
    use_wording = SubmitField("Use this wording", widget=GovSubmitInput())
    submit = SubmitField("Save outcome", widget=GovSubmitInput())

    expected_version = None  # a new outcome has none
    bank: list = []

    @classmethod
    def from_record(cls, record, *, target_date: date | None, bank=()):
        """As `FromRecord.from_record`, offering the wordings of the school's `bank`."""
        form = super().from_record(record, target_date=target_date)
        form.bank = list(bank)
        form.wording.choices = [(str(entry.id), entry.wording) for entry in form.bank]
        return form

    def picked(self):
        """The bank's wording the person chose to start from ("Use this wording"), or None. The
        outcome, its area of need and (when not yet written) its success criteria become the
        wording's, for the person to change; the choice is cleared, so that saving saves."""
        if not (self.is_submitted() and self.use_wording.data):
            return None
        chosen = next((entry for entry in self.bank if str(entry.id) == self.wording.data), None)
        if chosen is None:
            return None
        self.description.data = chosen.wording
        self.area_of_need.data = chosen.area_of_need.value
        if chosen.success_criteria and not (self.success_criteria.data or "").strip():
            self.success_criteria.data = chosen.success_criteria
        self.wording.data = None
        return chosen

    def opened(self, record, *, target_date: date | None) -> None:
        """A new outcome aims at the plan's review date (`target_date`) unless it is changed."""
        if record is None:
            self.target_date.data = target_date
            return
        super().opened(record)
        self.area_of_need.data = record.area_of_need.value

    def to_details(self) -> flow.OutcomeDetails:
        return self.details(flow.OutcomeDetails, area_of_need=AreaOfNeed(self.area_of_need.data))


class OutcomeEditForm(VersionedForm, OutcomeForm):
    """An outcome as changed: with the version of the record the form was opened at."""


class ObservationForm(FlaskForm):
    observed_on = _when("Date", "date", required="Enter the date", future="The date cannot be in the future")
    outcome = SelectField("Outcome it relates to", widget=GovSelect(), choices=[], validators=[Optional()])
    note = text_area("What was done and what you saw", required="Enter what you observed", max_length=2000)
    submit = SubmitField("Save observation", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, cycle, *, outcome: str, today: date) -> ObservationForm:
        """An observation of `cycle`, about one of its outcomes or none; on opening, dated today
        and about `outcome` (the id the page was opened for, if any)."""
        form = cls()
        form.outcomes = list(cycle.outcomes)
        form.outcome.choices = [("", "General: not about one outcome")] + [
            (str(o.id), o.description[:80]) for o in form.outcomes
        ]
        if not form.is_submitted():
            form.observed_on.data = today
            form.outcome.data = outcome
        return form

    def to_details(self) -> dict:
        """The observation as `flow.add_observation` takes it: its date, note and outcome."""
        chosen = next((o for o in self.outcomes if str(o.id) == self.outcome.data), None)
        return {"observed_on": self.observed_on.data, "note": self.note.data, "outcome": chosen}


def _need(label: str, choices) -> SelectField:
    return SelectField(label, widget=GovSelect(), choices=choices, filters=[blank_to_none], validators=[Optional()])


class StartSupportForm(FlaskForm):
    primary_need = _need("Primary type of need", [("", "Select a need")] + NEED_CHOICES)
    secondary_need = _need(
        "Secondary type of need (optional)", [("", "None")] + [c for c in NEED_CHOICES if c[0] != "NSA"]
    )
    submit = SubmitField("Start the plan", widget=GovSubmitInput())

    def needs(self) -> flow.Needs:
        """The needs `flow.start_support` records when it places the pupil on SEN support."""
        primary, secondary = (self[name].data for name in ("primary_need", "secondary_need"))
        return flow.Needs(NeedType(primary) if primary else None, NeedType(secondary) if secondary else None)


class MoveForm(FlaskForm):
    """A bare form for a move that needs no fields: it only carries the CSRF token."""


EARLY_REASON_CHOICES = [(r.value, r.label) for r in EarlyReviewReason]


def early_reason_field():
    return RadioField(
        "Why the review is held before the review date",
        widget=GovRadioInput(),
        choices=EARLY_REASON_CHOICES,
        validators=[Optional()],
    )


def early_reason_detail_field():
    return text_area(
        "Say why the review is early", max_length=2000, hint="For example what has changed, or what the parents asked"
    )


def _early_reason(form) -> EarlyReviewReason | None:
    value = form.early_reason.data
    return EarlyReviewReason(value) if value in {r.value for r in EarlyReviewReason} else None


class StartReviewForm(FlaskForm):
    """Starting the review: on or after the review date it needs nothing; before it, the SENCO's reason."""

    early_reason = early_reason_field()
    early_reason_detail = early_reason_detail_field()

    def to_early(self) -> flow.EarlyReview | None:
        """The reason for an early review the form gives, if any."""
        reason = _early_reason(self)
        if reason is None and not self.early_reason_detail.data:
            return None
        return flow.EarlyReview(reason=reason, detail=self.early_reason_detail.data)


RATING_CHOICES = [(r.value, r.label) for r in OutcomeRating]


class OutcomeRatingForm(Form):
    """One outcome at the review: its id (hidden), its rating and a comment."""

    outcome_id = HiddenField()
    rating = RadioField("Rating", widget=GovRadioInput(), choices=RATING_CHOICES, validators=[Optional()])
    note = TextAreaField(
        "Comment on this outcome (optional)",
        widget=CountedTextArea(),
        filters=[one_newline, blank_to_none],
        validators=[Optional(), Length(max=1000, message="The comment must be 1000 characters or fewer")],
    )


_RATING_ERROR = re.compile(r"rating_(\d+)")


class ReviewForm(FromRecord, VersionedForm):
    """The review, with a rating and a comment for each outcome of the plan, in the plan's order."""

    held_on = _when(
        "Date of the review meeting",
        "date of the review meeting",
        future="The review meeting cannot be dated in the future",
    )
    early_reason = early_reason_field()
    early_reason_detail = early_reason_detail_field()
    attendees = text_area("Who attended")
    parent_attended = BooleanField("A parent or carer attended the meeting", widget=GovCheckboxInput())
    ratings = FieldList(FormField(OutcomeRatingForm))
    provision_impact = text_area("Impact of the provision", hint="What difference each intervention and strategy made")
    pupil_views = text_area("The pupil's views")
    parent_views = text_area("The parents' views")
    next_steps = text_area("Next steps")
    decision = RadioField(
        "What happens next",
        widget=GovRadioInput(),
        choices=[(d.value, d.label) for d in ReviewDecision],
        validators=[Optional()],
    )
    decision_reason = text_area("Reason for the decision", hint="Needed when the pupil steps down from SEN support")
    ehc_requested_on = _when(
        "Date the EHC needs assessment was requested",
        "request date",
        future="The request date cannot be in the future",
    )
    save = SubmitField("Save draft", widget=GovSubmitInput())
    record = SubmitField("Record the review and close the cycle", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, record, *, outcomes) -> ReviewForm:
        form = super().from_record(record)
        form.outcomes = list(outcomes)
        form._cover()
        return form

    def opened(self, record) -> None:
        super().opened(record)
        self.decision.data = record.decision.value if record.decision else None
        self.early_reason.data = record.early_reason.value if record.early_reason else None

    def _cover(self) -> None:
        """One entry per outcome, in the plan's order, named by its place: the one sent for it (by
        its id, else the one sent in its place naming no other outcome of the plan), else, as the
        outcome stands on opening, or not rated."""
        ids = {outcome.id for outcome in self.outcomes}
        by_id, by_place = {}, {}
        for entry in self.ratings.entries:
            sent_id = bounded_int(entry.form.outcome_id.data)
            if sent_id in ids and sent_id not in by_id:
                by_id[sent_id] = entry
            else:
                by_place.setdefault(bounded_int(entry.name.rpartition("-")[2]), entry)
        entries = [
            by_id.get(o.id) or by_place.pop(place, None) or self._unsent(o) for place, o in enumerate(self.outcomes)
        ]
        self.ratings.entries = entries
        for place, (outcome, entry) in enumerate(zip(self.outcomes, entries, strict=True)):
            entry.form.outcome_id.data = outcome.id
            for field in entry.form:  # shown again by place, as the error summary links them
                field.id = field.name = f"{self.ratings.name}-{place}-{field.short_name}"

    def _unsent(self, outcome):
        """A new entry for `outcome`: as it stands on opening the page; sent without one, not rated."""
        opening = not self.is_submitted()
        rating = outcome.rating.value if opening and outcome.rating else None
        note = outcome.rating_note if opening else None
        return self.ratings.append_entry(SimpleNamespace(outcome_id=outcome.id, rating=rating, note=note))

    @property
    def errors(self):
        """As WTForms gives them, with a refusal put beside an outcome's rating after validation."""
        found = [entry.errors for entry in self.ratings.entries]
        self.ratings.errors = found if any(found) else []
        return super().errors

    def rated(self) -> list[tuple]:
        """(outcome, its entry) in the plan's order, for the page."""
        return list(zip(self.outcomes, self.ratings.entries, strict=True))

    def __getattr__(self, name: str):
        """A refusal about one outcome's rating names the field `rating_<outcome id>`: it is that
        outcome's rating in the list."""
        match = _RATING_ERROR.fullmatch(name)
        if match and "outcomes" in self.__dict__:
            for outcome, entry in self.rated():
                if outcome.id == int(match.group(1)):
                    return entry.form.rating
        raise AttributeError(name)

    def to_details(self) -> flow.ReviewDetails:
        return self.details(
            flow.ReviewDetails,
            decision=ReviewDecision(self.decision.data) if self.decision.data else None,
            early_reason=_early_reason(self) if self.early_reason.data else None,
            ratings={
                outcome.id: (
                    OutcomeRating(entry.form.rating.data) if entry.form.rating.data else None,
                    entry.form.note.data,
                )
                for outcome, entry in self.rated()
            },
        )


class ConcernDecisionForm(FromRecord, VersionedForm):
    decision = RadioField(
        "What is the decision?",
        widget=GovRadioInput(),
        choices=[("assess", "Assess the pupil: open a support cycle"), ("no_further_action", "No further action")],
        validators=[InputRequired("Choose a decision")],
    )
    reason = text_area(
        "Reason for no further action",
        max_length=2000,
        hint="Needed for no further action: what the evidence showed, and what class teaching will do",
    )
    decided_on = _when(
        "Date of the decision",
        "date of the decision",
        required="Enter the date of the decision",
        future="The date cannot be in the future",
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    def opened(self, record, *, today: date) -> None:
        """Decided today, by default, on the concern as it stands."""
        self.decided_on.data = today
        opened_at(self, record)

    def to_details(self) -> flow.ConcernDecision:
        return flow.ConcernDecision(
            assess=self.decision.data == "assess", reason=self.reason.data or "", decided_on=self.decided_on.data
        )
