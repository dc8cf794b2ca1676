"""Forms of the EHC pages. Each builds itself from its record (`from_record`) and gives the
workflow its details (`to_details`)."""

from __future__ import annotations

# --- requests ---
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import Optional

from sentrack.clock import today
from sentrack.forms import GovDateField, NotInFuture, Offered, Required, text_area, text_field
from sentrack.models import (
    AssessmentDecision,
    EhcRequester,
    ExceptionKind,
    NeedType,
    PlanDecision,
)
from sentrack.pupils.forms import NEED_CHOICES
from sentrack.workflows import ehc_requests as request_flow
from sentrack.workflows.ehc_plans import OutcomeDetails, PlanDetails

FINAL_PLAN_OUTCOMES = 3  # outcome boxes on the final plan form; more are added to the plan later


def _on(label: str, describe: str, *, required: str | None = None, future: str | None = None, **kwargs):
    """A date field: required with the message `required`, and never after today (`future`)."""
    checks = [Required(required) if required else Optional()]
    if future:
        checks.append(NotInFuture(today, future))
    return GovDateField(label, describe=describe, validators=checks, **kwargs)


def _radios(label: str, choices, message: str) -> RadioField:
    return RadioField(
        label, widget=GovRadioInput(), choices=choices, validate_choice=False, validators=[Offered(message)]
    )


def _chosen(enum_class, value):
    return enum_class(value) if value in {member.value for member in enum_class} else None


class RequestForm(FlaskForm):
    """A request for an EHC needs assessment, as the SENCO records it."""

    requested_by = _radios(
        "Who asked the local authority for the assessment?",
        [(r.value, r.label) for r in EhcRequester],
        "Select who asked for the assessment",
    )
    requester_detail = text_field(
        "Who they are (optional for the school)",
        max_length=request_flow.REQUESTER_DETAIL_MAX,
        description="For example the parent's name, or the service that asked",
    )
    received_on = _on(
        "Date the local authority received the request",
        "date the request was received",
        required="Enter the date the local authority received the request",
        future="The date the request was received cannot be in the future",
        description="Every statutory clock runs from this day",
    )
    submit = SubmitField("Record the request", widget=GovSubmitInput())

    def to_details(self) -> request_flow.RequestDetails:
        return request_flow.RequestDetails(
            requested_by=_chosen(EhcRequester, self.requested_by.data),
            requester_detail=self.requester_detail.data,
            received_on=self.received_on.data,
        )


class AssessmentDecisionForm(FlaskForm):
    decision = _radios(
        "Will the local authority carry out an EHC needs assessment?",
        [
            (AssessmentDecision.AGREED.value, "Yes: assessment agreed"),
            (AssessmentDecision.REFUSED.value, "No: refused"),
        ],
        "Select whether the authority will assess",
    )
    decided_on = _on(
        "Date of the decision",
        "date of the decision",
        required="Enter the date of the decision",
        future="The decision cannot be dated in the future",
    )
    note = text_area("Reasons", hint="Needed for a refusal: the reasons given to the family (regulation 5(3))")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, on: date) -> AssessmentDecisionForm:
        form = cls()
        if not form.is_submitted():
            form.decided_on.data = on
        return form

    def to_details(self) -> request_flow.AssessmentDetails:
        return request_flow.AssessmentDetails(
            decision=_chosen(AssessmentDecision, self.decision.data),
            decided_on=self.decided_on.data,
            note=self.note.data,
        )


class AdviceForm(FlaskForm):
    adviser = text_field(
        "Who was asked for advice",
        required="Enter who was asked for advice",
        max_length=request_flow.ADVISER_MAX,
        description="For example educational psychologist, health, social care, the school",
    )
    asked_on = _on(
        "Date the advice was asked for",
        "date the advice was asked for",
        required="Enter the date the advice was asked for",
        future="The date the advice was asked for cannot be in the future",
        description="The advice is due within 6 weeks of this day (regulation 8)",
    )
    submit = SubmitField("Record the advice asked", widget=GovSubmitInput())

    def to_details(self) -> request_flow.AdviceDetails:
        return request_flow.AdviceDetails(adviser=self.adviser.data, asked_on=self.asked_on.data)


class AdviceReceivedForm(FlaskForm):
    received_on = _on(
        "Date the advice was received",
        "date the advice was received",
        required="Enter the date the advice was received",
        future="The date the advice was received cannot be in the future",
    )
    submit = SubmitField("Record the advice received", widget=GovSubmitInput())

    def to_details(self) -> date | None:
        return self.received_on.data


class ExceptionForm(FlaskForm):
    kind = _radios(
        "Which exception applies?",
        [(k.value, k.label) for k in ExceptionKind],
        "Select which exception applies",
    )
    starts_on = _on("From", "start date", required="Enter the date the exception starts")
    ends_on = _on(
        "To (optional)",
        "end date",
        description=(
            "For a setting closed: from a week before it closed to a week before it reopens. "
            "For time away: the first day away to the day back. Both need at least 4 continuous weeks."
        ),
    )
    reason = text_area("Reason", required="Give the reason the time limit could not be met")
    submit = SubmitField("Record the exception", widget=GovSubmitInput())

    def to_details(self) -> request_flow.ExceptionDetails:
        return request_flow.ExceptionDetails(
            kind=_chosen(ExceptionKind, self.kind.data),
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            reason=self.reason.data,
        )


class PlanDecisionForm(FlaskForm):
    decision = _radios(
        "Will the local authority issue an EHC plan?",
        [(PlanDecision.ISSUE.value, "Yes: issue a plan"), (PlanDecision.NO_PLAN.value, "No: not to issue a plan")],
        "Select whether the authority will issue a plan",
    )
    decided_on = _on(
        "Date of the decision",
        "date of the decision",
        required="Enter the date of the decision",
        future="The decision cannot be dated in the future",
    )
    parents_told_on = _on(
        "Date the parents were told (when no plan is issued)",
        "date the parents were told",
        future="The date the parents were told cannot be in the future",
        description="They must be told within 16 weeks of the request (regulation 10(1))",
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def to_details(self) -> request_flow.PlanDecisionDetails:
        return request_flow.PlanDecisionDetails(
            decision=_chosen(PlanDecision, self.decision.data),
            decided_on=self.decided_on.data,
            parents_told_on=self.parents_told_on.data,
        )


class DraftForm(FlaskForm):
    draft_sent_on = _on(
        "Date the draft plan was sent",
        "date the draft plan was sent",
        required="Enter the date the draft plan was sent",
        future="The date the draft plan was sent cannot be in the future",
        description="The family then has at least 15 days to comment and name a school or college",
    )
    submit = SubmitField("Record the draft sent", widget=GovSubmitInput())

    def to_details(self) -> date | None:
        return self.draft_sent_on.data


def _need_select(label: str, choices) -> SelectField:
    return SelectField(
        label,
        widget=GovSelect(),
        choices=choices,
        validate_choice=False,
        validators=[Offered("Select a type of need from the list")],
    )


class FinalPlanForm(FlaskForm):
    """The final plan issued at the end of the request: its date, setting, needs and outcomes."""

    issued_on = _on(
        "Date the final plan was issued",
        "date the final plan was issued",
        required="Enter the date the final plan was issued",
        future="The date the final plan was issued cannot be in the future",
    )
    named_setting = text_field("Named setting (section I)", required="Enter the setting the plan names", max_length=160)
    primary_need = _need_select(
        "Primary type of need", [("", "Select a need")] + [c for c in NEED_CHOICES if c[0] != NeedType.NSA.value]
    )
    secondary_need = _need_select(
        "Secondary type of need (optional)", [("", "None")] + [c for c in NEED_CHOICES if c[0] != NeedType.NSA.value]
    )
    outcome_1 = text_area("Outcome 1 (optional)", max_length=2000)
    outcome_2 = text_area("Outcome 2 (optional)", max_length=2000)
    outcome_3 = text_area("Outcome 3 (optional)", max_length=2000)
    submit = SubmitField("Record the final plan", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, school_name: str) -> FinalPlanForm:
        form = cls()
        if not form.is_submitted():
            form.named_setting.data = school_name
        return form

    def to_details(self) -> PlanDetails:
        outcomes = (self[f"outcome_{n}"].data for n in range(1, FINAL_PLAN_OUTCOMES + 1))
        return PlanDetails(
            issued_on=self.issued_on.data,
            named_setting=self.named_setting.data or "",
            primary_need=_chosen(NeedType, self.primary_need.data),
            secondary_need=_chosen(NeedType, self.secondary_need.data),
            outcomes=tuple(OutcomeDetails(description=text) for text in outcomes if text),
        )


class WithdrawForm(FlaskForm):
    withdrawn_on = _on(
        "Date the request was withdrawn",
        "date the request was withdrawn",
        required="Enter the date the request was withdrawn",
        future="The date the request was withdrawn cannot be in the future",
    )
    reason = text_area("Why it was withdrawn", required="Say why the request was withdrawn", max_length=2000)
    submit = SubmitField("Record the request withdrawn", widget=GovSubmitInput())

    def to_details(self) -> request_flow.WithdrawalDetails:
        return request_flow.WithdrawalDetails(withdrawn_on=self.withdrawn_on.data, reason=self.reason.data)
