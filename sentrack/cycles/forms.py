"""Forms for the support cycle, concern decisions and letters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from sentrack.clock import today
from sentrack.forms import DateRequired, GovDateField, NotInFuture, VersionedForm, blank_to_none, text_area
from sentrack.models import AreaOfNeed, EarlyReviewReason, OutcomeRating, ReviewDecision
from sentrack.pupils.forms import NEED_CHOICES

AREA_CHOICES = [(a.value, a.label) for a in AreaOfNeed]


class AssessmentForm(VersionedForm):
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
    assessed_on = GovDateField(
        "Date of the assessment",
        describe="date of the assessment",
        validators=[
            DateRequired("Enter the date of the assessment"),
            NotInFuture(today, "The assessment date cannot be in the future"),
        ],
    )
    submit = SubmitField("Save assessment", widget=GovSubmitInput())


class PlanForm(VersionedForm):
    starts_on = GovDateField(
        "Date the plan starts", describe="start date", validators=[DateRequired("Enter the date the plan starts")]
    )
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
    review_date = GovDateField(
        "Review date", describe="review date", validators=[DateRequired("Enter the review date")]
    )
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


class OutcomeForm(FlaskForm):
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
    target_date = GovDateField(
        "Target date", describe="target date", validators=[DateRequired("Enter the target date")]
    )
    submit = SubmitField("Save outcome", widget=GovSubmitInput())


class OutcomeEditForm(VersionedForm, OutcomeForm):
    """An outcome as changed: with the version of the record the form was opened at."""


class ObservationForm(FlaskForm):
    observed_on = GovDateField(
        "Date",
        describe="date",
        validators=[DateRequired("Enter the date"), NotInFuture(today, "The date cannot be in the future")],
    )
    outcome = SelectField("Outcome it relates to", widget=GovSelect(), choices=[], validators=[Optional()])
    note = text_area("What was done and what you saw", required="Enter what you observed", max_length=2000)
    submit = SubmitField("Save observation", widget=GovSubmitInput())


class StartSupportForm(FlaskForm):
    primary_need = SelectField(
        "Primary type of need",
        widget=GovSelect(),
        choices=[("", "Select a need")] + NEED_CHOICES,
        filters=[blank_to_none],
        validators=[Optional()],
    )
    secondary_need = SelectField(
        "Secondary type of need (optional)",
        widget=GovSelect(),
        choices=[("", "None")] + [c for c in NEED_CHOICES if c[0] != "NSA"],
        filters=[blank_to_none],
        validators=[Optional()],
    )
    submit = SubmitField("Start the plan", widget=GovSubmitInput())


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


class StartReviewForm(FlaskForm):
    """Starting the review: on or after the review date it needs nothing; before it, the SENCO's reason."""

    early_reason = early_reason_field()
    early_reason_detail = early_reason_detail_field()


RATING_CHOICES = [(r.value, r.label) for r in OutcomeRating]


def review_form_class(outcomes):
    """The review form, with a rating and a note for each outcome of the plan."""

    class ReviewForm(VersionedForm):
        held_on = GovDateField(
            "Date of the review meeting",
            describe="date of the review meeting",
            validators=[Optional(), NotInFuture(today, "The review meeting cannot be dated in the future")],
        )
        early_reason = early_reason_field()
        early_reason_detail = early_reason_detail_field()
        attendees = text_area("Who attended")
        parent_attended = BooleanField("A parent or carer attended the meeting", widget=GovCheckboxInput())
        provision_impact = text_area(
            "Impact of the provision", hint="What difference each intervention and strategy made"
        )
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
        ehc_requested_on = GovDateField(
            "Date the EHC needs assessment was requested",
            describe="request date",
            validators=[Optional(), NotInFuture(today, "The request date cannot be in the future")],
        )
        save = SubmitField("Save draft", widget=GovSubmitInput())
        record = SubmitField("Record the review and close the cycle", widget=GovSubmitInput())

    for outcome in outcomes:
        setattr(
            ReviewForm,
            f"rating_{outcome.id}",
            RadioField(
                "Rating",
                widget=GovRadioInput(),
                choices=RATING_CHOICES,
                validators=[Optional()],
            ),
        )
        setattr(
            ReviewForm,
            f"note_{outcome.id}",
            TextAreaField(
                "Comment on this outcome (optional)",
                widget=GovTextArea(),
                filters=[blank_to_none],
                validators=[Optional(), Length(max=1000, message="The comment must be 1000 characters or fewer")],
            ),
        )
    return ReviewForm


class ConcernDecisionForm(VersionedForm):
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
    decided_on = GovDateField(
        "Date of the decision",
        describe="date of the decision",
        validators=[
            DateRequired("Enter the date of the decision"),
            NotInFuture(today, "The date cannot be in the future"),
        ],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())
