"""Forms of the EHC pages. Each builds itself from its record (`from_record`) and gives the
workflow its details (`to_details`)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from sentrack.clock import today
from sentrack.forms import GovDateField, NotInFuture, Required, choose, text_area
from sentrack.models import ReviewKind, ReviewOutcome
from sentrack.workflows.ehc_reviews import (
    AmendmentDetails,
    ConveneDetails,
    DecisionDetails,
    MeetingDetails,
)

# --- reviews ---

REVIEW_KIND_CHOICES = [(k.value, k.label) for k in ReviewKind]
REVIEW_OUTCOME_CHOICES = [(o.value, o.label) for o in ReviewOutcome]


def _past_date(label: str, describe: str, *, required: str | None, future: str, **kwargs) -> GovDateField:
    """A date that cannot be in the future (`future` says so beside the field)."""
    presence = [Required(required)] if required else []
    return GovDateField(label, describe=describe, validators=[*presence, NotInFuture(today, future)], **kwargs)


def _enum(enum_class, value):
    return enum_class(value) if value else None


class ConveneReviewForm(FlaskForm):
    kind = choose(
        "Which review is this?", REVIEW_KIND_CHOICES, "Select whether this is the annual or an interim review"
    )
    meeting_on = GovDateField(
        "Date of the review meeting",
        describe="date of the review meeting",
        validators=[Required("Enter the date of the review meeting")],
    )
    convened_on = _past_date(
        "Date the invitations were sent and advice asked",
        "date the invitations were sent",
        required="Enter the date the invitations were sent",
        future="The date the invitations were sent cannot be in the future",
        description="At least 2 weeks before the meeting (regulation 20(3) and (4))",
    )
    submit = SubmitField("Convene the review", widget=GovSubmitInput())

    def to_details(self) -> ConveneDetails:
        return ConveneDetails(
            kind=_enum(ReviewKind, self.kind.data), meeting_on=self.meeting_on.data, convened_on=self.convened_on.data
        )


class ReviewMeetingForm(FlaskForm):
    held_on = _past_date(
        "Date the meeting was held",
        "date the meeting was held",
        required="Enter the date the meeting was held",
        future="A review meeting cannot be recorded as held on a date in the future",
    )
    attendees = text_area(
        "Who took part", required="Enter who took part in the review meeting", max_length=1000, hint="Names and roles"
    )
    pupil_views = text_area(
        "The pupil's views",
        required="Record the pupil's views, or how they were sought",
        hint="In the pupil's own words where possible",
    )
    summary = text_area(
        "Progress towards the outcomes and what was agreed",
        required="Record the progress towards the outcomes and what was agreed",
        max_length=8000,
    )
    adulthood = text_area(
        "Preparing for adulthood",
        hint="Required from Year 9: employment, independent living, friends and community, health",
    )
    recommendation = choose(
        "What does the review recommend?", REVIEW_OUTCOME_CHOICES, "Select what the review recommends"
    )
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())

    def to_details(self) -> MeetingDetails:
        return MeetingDetails(
            held_on=self.held_on.data,
            attendees=self.attendees.data,
            pupil_views=self.pupil_views.data,
            summary=self.summary.data,
            adulthood=self.adulthood.data,
            recommendation=_enum(ReviewOutcome, self.recommendation.data),
        )


class ReviewReportForm(FlaskForm):
    report_sent_on = _past_date(
        "Date the report was sent",
        "date the report was sent",
        required="Enter the date the report was sent",
        future="The date the report was sent cannot be in the future",
        description="To the local authority and everyone invited, within 2 weeks of the meeting",
    )
    submit = SubmitField("Save the date", widget=GovSubmitInput())

    def to_details(self) -> date | None:
        return self.report_sent_on.data


class ReviewDecisionForm(FlaskForm):
    la_decision = choose(
        "The local authority's decision", REVIEW_OUTCOME_CHOICES, "Select the local authority's decision"
    )
    la_decided_on = _past_date(
        "Date of the decision",
        "date of the decision",
        required="Enter the date of the decision",
        future="The date of the decision cannot be in the future",
    )
    submit = SubmitField("Save the decision", widget=GovSubmitInput())

    def to_details(self) -> DecisionDetails:
        return DecisionDetails(
            la_decision=_enum(ReviewOutcome, self.la_decision.data), la_decided_on=self.la_decided_on.data
        )


class ReviewAmendmentsForm(FlaskForm):
    amendments_proposed_on = _past_date(
        "Date the proposed amendments were sent to the family",
        "date the amendments were sent",
        required=None,
        future="The date the amendments were sent cannot be in the future",
    )
    amended_final_on = _past_date(
        "Date the amended plan was issued",
        "date the amended plan was issued",
        required=None,
        future="The date the amended plan was issued cannot be in the future",
        description="Leave blank until the amended plan is issued",
    )
    submit = SubmitField("Save the dates", widget=GovSubmitInput())

    @classmethod
    def for_review(cls, review) -> ReviewAmendmentsForm:
        form = cls()
        if review.amendments_proposed_on is not None:
            del form.amendments_proposed_on  # already recorded: only the final plan's date is asked
        return form

    def to_details(self) -> AmendmentDetails:
        proposed = self.amendments_proposed_on.data if "amendments_proposed_on" in self else None
        return AmendmentDetails(amendments_proposed_on=proposed, amended_final_on=self.amended_final_on.data)
