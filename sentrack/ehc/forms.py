"""Forms of the EHC pages. Each builds itself from its record (`from_record`) and gives the
workflow its details (`to_details`)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovSubmitInput
from werkzeug.datastructures import FileStorage
from wtforms import Form, FormField, RadioField, SelectField, SubmitField
from wtforms.fields import FieldList
from wtforms.validators import Optional, StopValidation

from sentrack.clock import today
from sentrack.forms import (
    GovDateField,
    NotInFuture,
    Offered,
    Required,
    VersionedForm,
    blank_to_none,
    choose,
    opened_at,
    text_area,
    text_field,
)
from sentrack.models import (
    AreaOfNeed,
    AssessmentDecision,
    DocumentKind,
    EhcRequester,
    ExceptionKind,
    NeedType,
    PlanDecision,
    Provision,
    ReviewKind,
    ReviewOutcome,
)
from sentrack.pupils.forms import NEED_CHOICES
from sentrack.workflows import ehc_documents as documents
from sentrack.workflows import ehc_plans as plans
from sentrack.workflows import ehc_requests as request_flow
from sentrack.workflows.ehc_plans import OutcomeDetails, PlanDetails
from sentrack.workflows.ehc_reviews import (
    AmendmentDetails,
    ConveneDetails,
    DecisionDetails,
    MeetingDetails,
)

# --- plans ---


PLAN_NEED_CHOICES = [(n.value, f"{n.label} ({n.value})") for n in NeedType if n is not NeedType.NSA]
PLAN_AREA_CHOICES = [("", "Not given"), *((a.value, a.label) for a in AreaOfNeed)]
OUTCOME_ROWS_SPARE = 3  # empty rows offered beside the plan's outcomes
OUTCOME_ROWS_MAX = 30


def _lower(words: str) -> str:
    return words[:1].lower() + words[1:]


def _date(label: str, describe: str = "", *, required: str | None = "", future: str | None = "", blank=Optional, **kw):
    """A date field, which its messages call `describe` (by default the label). `required`: the
    message when it is left empty ("" says "Enter the <label>"), or None when it may be left empty
    (then `blank`, when given, checks it first). `future`: the message when it is after today (""
    says "The <describe> cannot be in the future"), or None when a later date will do."""
    describe = describe or _lower(label)
    checks = [Required(required or f"Enter the {_lower(label)}")] if required is not None else []
    if required is None and blank is not None:
        checks.append(blank())
    if future is not None:
        checks.append(NotInFuture(today, future or f"The {describe} cannot be in the future"))
    return GovDateField(label, describe=describe, validators=checks, **kw)


def _select(label: str, choices, message: str, **kwargs) -> SelectField:
    """A drop-down whose answer must be one it offers, else `message`."""
    return SelectField(
        label, widget=GovSelect(), choices=choices, validate_choice=False, validators=[Offered(message)], **kwargs
    )


def _radios(label: str, choices, message: str, *, required: bool = False) -> RadioField:
    """Radio buttons whose answer must be one they offer, else `message`; `required`: and given."""
    checks = [Required(message), Offered(message)] if required else [Offered(message)]
    return RadioField(label, widget=GovRadioInput(), choices=choices, validate_choice=False, validators=checks)


def _answers(form, details_class, **given):
    """The form's answers as `details_class`: each from the field of the same name, unless `given`."""
    names = (item.name for item in fields(details_class))
    return details_class(**{name: given[name] if name in given else form[name].data for name in names})


def _filled(form, **values):
    """`form` with its fields set to `values` until it is sent."""
    if not form.is_submitted():
        for name, value in values.items():
            form[name].data = value
    return form


def _need_select(label: str, first: tuple[str, str], message: str) -> SelectField:
    return _select(label, [first, *PLAN_NEED_CHOICES], message, filters=[blank_to_none])


class PlanOutcomeRow(Form):
    """One outcome of the plan (section E): blank rows are left out."""

    description = text_area("Outcome", max_length=1000)
    area_of_need = _select(
        "Area of need (optional)",
        PLAN_AREA_CHOICES,
        "Choose an area of need from the list, or 'Not given'",
        filters=[blank_to_none],
    )

    def to_details(self) -> plans.OutcomeDetails:
        area = AreaOfNeed(self.area_of_need.data) if self.area_of_need.data else None
        return plans.OutcomeDetails(description=self.description.data or "", area_of_need=area)


class _PlanFields:
    """The named setting, needs and outcomes, as a new plan and a changed plan both ask them."""

    named_setting = text_field(
        "Named setting",
        required="Enter the setting the plan names",
        max_length=plans.NAMED_SETTING_MAX,
        description="The school or other setting named in section I of the plan",
    )
    primary_need = _need_select(
        "Primary type of need", ("", "Select a need"), "Choose the primary type of need from the list"
    )
    secondary_need = _need_select(
        "Secondary type of need (optional)", ("", "None"), "Choose the secondary type of need from the list, or none"
    )
    outcomes = FieldList(FormField(PlanOutcomeRow), min_entries=OUTCOME_ROWS_SPARE, max_entries=OUTCOME_ROWS_MAX)

    def _need(self, field) -> NeedType | None:
        return NeedType(field.data) if field.data else None

    def _outcomes(self) -> tuple[plans.OutcomeDetails, ...]:
        return tuple(row.form.to_details() for row in self.outcomes)

    def _fill(self, plan) -> None:
        self.named_setting.data = plan.named_setting
        self.primary_need.data = plan.primary_need.value
        self.secondary_need.data = plan.secondary_need.value if plan.secondary_need else ""
        while len(self.outcomes):
            self.outcomes.pop_entry()
        for outcome in plan.outcomes:
            self.outcomes.append_entry(
                {
                    "description": outcome.description,
                    "area_of_need": outcome.area_of_need.value if outcome.area_of_need else "",
                }
            )
        for _ in range(OUTCOME_ROWS_SPARE):
            self.outcomes.append_entry()


class NewPlanForm(_PlanFields, FlaskForm):
    """An EHC plan the authority issued, recorded from its paper copy."""

    issued_on = _date(
        "Date the plan was issued",
        description="As printed on the final plan, for example 3 9 2025",
    )
    submit = SubmitField("Save plan", widget=GovSubmitInput())

    def to_details(self) -> plans.PlanDetails:
        return plans.PlanDetails(
            issued_on=self.issued_on.data,
            named_setting=self.named_setting.data or "",
            primary_need=self._need(self.primary_need),
            secondary_need=self._need(self.secondary_need),
            outcomes=self._outcomes(),
        )


class EditPlanForm(_PlanFields, VersionedForm):
    """The authority's change to a plan in force."""

    submit = SubmitField("Save changes", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, plan):
        form = cls()
        if not form.is_submitted():
            form._fill(plan)
            opened_at(form, plan)
        return form

    def to_details(self) -> plans.PlanChanges:
        return plans.PlanChanges(
            named_setting=self.named_setting.data or "",
            primary_need=self._need(self.primary_need),
            secondary_need=self._need(self.secondary_need),
            outcomes=self._outcomes(),
        )


PROVISION_AFTER_CHOICES = [
    (Provision.SEN_SUPPORT.value, "SEN support: the pupil still has SEN, met without a plan"),
    (Provision.NONE.value, "Off the SEN register: the needs are met"),
]


class CeasePlanForm(VersionedForm):
    ceased_on = _date("Date the plan ceases", future="The date the plan ceased cannot be in the future")
    reason = text_area("Why the plan ceases", required="Enter why the plan ceases", max_length=plans.CEASE_REASON_MAX)
    provision_after = _radios(
        "Where does the pupil stand after the plan?",
        PROVISION_AFTER_CHOICES,
        "Choose whether the pupil moves to SEN support or off the SEN register",
        required=True,
    )
    submit = SubmitField("Record that the plan ceases", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, plan):
        form = cls()
        if not form.is_submitted():
            opened_at(form, plan)
        return form

    def to_details(self) -> plans.CeaseDetails:
        return plans.CeaseDetails(
            ceased_on=self.ceased_on.data,
            reason=self.reason.data or "",
            provision_after=Provision(self.provision_after.data),
        )


class UploadedFile:
    """The file field holds an uploaded file (not text, not nothing), no larger than the limit
    the view gives the form: a larger one is refused beside the field before it is read."""

    def __call__(self, form, field) -> None:
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise StopValidation("Choose the file to upload")
        if upload.content_length and upload.content_length > form.max_bytes:
            raise StopValidation(f"The file must be {documents.max_size_words(form.max_bytes)} or smaller")


class DocumentForm(FlaskForm):
    kind = _radios(
        "What is the document?",
        [(k.value, k.label) for k in DocumentKind],
        "Choose what kind of document this is",
        required=True,
    )
    title = text_field("Title", required="Enter a title for the document", max_length=documents.TITLE_MAX)
    file = FileField(
        "File",
        widget=GovFileInput(),
        validators=[UploadedFile()],
        description=f"{documents.KINDS_KEPT}",
    )
    submit = SubmitField("Upload", widget=GovSubmitInput())

    max_bytes: int = documents.DEFAULT_MAX_BYTES

    def to_details(self) -> documents.DocumentDetails:
        upload: FileStorage = self.file.data
        data = upload.stream.read(self.max_bytes + 1)
        return documents.DocumentDetails(
            kind=DocumentKind(self.kind.data), title=self.title.data or "", filename=upload.filename or "", data=data
        )


# --- reviews ---

REVIEW_KIND_CHOICES = [(k.value, k.label) for k in ReviewKind]
REVIEW_OUTCOME_CHOICES = [(o.value, o.label) for o in ReviewOutcome]
REPORT_WHEN = "To the local authority and everyone invited, within 2 weeks of the meeting"


def _enum(enum_class, value):
    return enum_class(value) if value else None


class ConveneReviewForm(FlaskForm):
    kind = choose(
        "Which review is this?", REVIEW_KIND_CHOICES, "Select whether this is the annual or an interim review"
    )
    meeting_on = _date("Date of the review meeting", future=None)
    convened_on = _date(
        "Date the invitations were sent and advice asked",
        "date the invitations were sent",
        required="Enter the date the invitations were sent",
        description="At least 2 weeks before the meeting (regulation 20(3) and (4))",
    )
    submit = SubmitField("Convene the review", widget=GovSubmitInput())

    def to_details(self) -> ConveneDetails:
        return ConveneDetails(
            kind=_enum(ReviewKind, self.kind.data), meeting_on=self.meeting_on.data, convened_on=self.convened_on.data
        )


class ReviewMeetingForm(FlaskForm):
    held_on = _date(
        "Date the meeting was held",
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
        return _answers(self, MeetingDetails, recommendation=_enum(ReviewOutcome, self.recommendation.data))


class _DateForm(FlaskForm):
    """A form that asks one date: its details are that date."""

    def to_details(self) -> date | None:
        return next(field.data for field in self if isinstance(field, GovDateField))


class ReviewReportForm(_DateForm):
    report_sent_on = _date("Date the report was sent", description=REPORT_WHEN)
    submit = SubmitField("Save the date", widget=GovSubmitInput())


class ReviewDecisionForm(FlaskForm):
    la_decision = choose(
        "The local authority's decision", REVIEW_OUTCOME_CHOICES, "Select the local authority's decision"
    )
    la_decided_on = _date("Date of the decision")
    submit = SubmitField("Save the decision", widget=GovSubmitInput())

    def to_details(self) -> DecisionDetails:
        return DecisionDetails(
            la_decision=_enum(ReviewOutcome, self.la_decision.data), la_decided_on=self.la_decided_on.data
        )


class ReviewAmendmentsForm(FlaskForm):
    amendments_proposed_on = _date(
        "Date the proposed amendments were sent to the family",
        "date the amendments were sent",
        required=None,
        blank=None,
    )
    amended_final_on = _date(
        "Date the amended plan was issued",
        required=None,
        blank=None,
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


# --- requests ---


DECISION_IN_FUTURE = "The decision cannot be dated in the future"
FINAL_PLAN_OUTCOMES = 3  # outcome boxes on the final plan form; more are added to the plan later


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
    received_on = _date(
        "Date the local authority received the request",
        "date the request was received",
        description="Every statutory clock runs from this day",
    )
    submit = SubmitField("Record the request", widget=GovSubmitInput())

    def to_details(self) -> request_flow.RequestDetails:
        return _answers(self, request_flow.RequestDetails, requested_by=_chosen(EhcRequester, self.requested_by.data))


class AssessmentDecisionForm(FlaskForm):
    decision = _radios(
        "Will the local authority carry out an EHC needs assessment?",
        [
            (AssessmentDecision.AGREED.value, "Yes: assessment agreed"),
            (AssessmentDecision.REFUSED.value, "No: refused"),
        ],
        "Select whether the authority will assess",
    )
    decided_on = _date("Date of the decision", future=DECISION_IN_FUTURE)
    note = text_area("Reasons", hint="Needed for a refusal: the reasons given to the family (regulation 5(3))")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, on: date) -> AssessmentDecisionForm:
        return _filled(cls(), decided_on=on)

    def to_details(self) -> request_flow.AssessmentDetails:
        return _answers(self, request_flow.AssessmentDetails, decision=_chosen(AssessmentDecision, self.decision.data))


class AdviceForm(FlaskForm):
    adviser = text_field(
        "Who was asked for advice",
        required="Enter who was asked for advice",
        max_length=request_flow.ADVISER_MAX,
        description="For example educational psychologist, health, social care, the school",
    )
    asked_on = _date(
        "Date the advice was asked for",
        description="The advice is due within 6 weeks of this day (regulation 8)",
    )
    submit = SubmitField("Record the advice asked", widget=GovSubmitInput())

    def to_details(self) -> request_flow.AdviceDetails:
        return request_flow.AdviceDetails(adviser=self.adviser.data, asked_on=self.asked_on.data)


class AdviceReceivedForm(_DateForm):
    received_on = _date("Date the advice was received")
    submit = SubmitField("Record the advice received", widget=GovSubmitInput())


class DraftForm(_DateForm):
    draft_sent_on = _date(
        "Date the draft plan was sent",
        description="The family then has at least 15 days to comment and name a school or college",
    )
    submit = SubmitField("Record the draft sent", widget=GovSubmitInput())


class ExceptionForm(FlaskForm):
    kind = _radios(
        "Which exception applies?",
        [(k.value, k.label) for k in ExceptionKind],
        "Select which exception applies",
    )
    starts_on = _date("From", "start date", required="Enter the date the exception starts", future=None)
    ends_on = _date(
        "To (optional)",
        "end date",
        required=None,
        future=None,
        description=(
            "For a setting closed: from a week before it closed to a week before it reopens. "
            "For time away: the first day away to the day back. Both need at least 4 continuous weeks."
        ),
    )
    reason = text_area("Reason", required="Give the reason the time limit could not be met")
    submit = SubmitField("Record the exception", widget=GovSubmitInput())

    def to_details(self) -> request_flow.ExceptionDetails:
        return _answers(self, request_flow.ExceptionDetails, kind=_chosen(ExceptionKind, self.kind.data))


class PlanDecisionForm(FlaskForm):
    decision = _radios(
        "Will the local authority issue an EHC plan?",
        [(PlanDecision.ISSUE.value, "Yes: issue a plan"), (PlanDecision.NO_PLAN.value, "No: not to issue a plan")],
        "Select whether the authority will issue a plan",
    )
    decided_on = _date("Date of the decision", future=DECISION_IN_FUTURE)
    parents_told_on = _date(
        "Date the parents were told (when no plan is issued)",
        "date the parents were told",
        required=None,
        description="They must be told within 16 weeks of the request (regulation 10(1))",
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def to_details(self) -> request_flow.PlanDecisionDetails:
        return _answers(self, request_flow.PlanDecisionDetails, decision=_chosen(PlanDecision, self.decision.data))


FINAL_NEED_CHOICES = [c for c in NEED_CHOICES if c[0] != NeedType.NSA.value]


def _final_need(label: str, first: tuple[str, str]) -> SelectField:
    return _select(label, [first, *FINAL_NEED_CHOICES], "Select a type of need from the list")


class FinalPlanForm(FlaskForm):
    """The final plan issued at the end of the request: its date, setting, needs and outcomes."""

    issued_on = _date("Date the final plan was issued")
    named_setting = text_field("Named setting (section I)", required="Enter the setting the plan names", max_length=160)
    primary_need = _final_need("Primary type of need", ("", "Select a need"))
    secondary_need = _final_need("Secondary type of need (optional)", ("", "None"))
    outcome_1 = text_area("Outcome 1 (optional)", max_length=2000)
    outcome_2 = text_area("Outcome 2 (optional)", max_length=2000)
    outcome_3 = text_area("Outcome 3 (optional)", max_length=2000)
    submit = SubmitField("Record the final plan", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, school_name: str) -> FinalPlanForm:
        return _filled(cls(), named_setting=school_name)

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
    withdrawn_on = _date("Date the request was withdrawn")
    reason = text_area("Why it was withdrawn", required="Say why the request was withdrawn", max_length=2000)
    submit = SubmitField("Record the request withdrawn", widget=GovSubmitInput())

    def to_details(self) -> request_flow.WithdrawalDetails:
        return request_flow.WithdrawalDetails(withdrawn_on=self.withdrawn_on.data, reason=self.reason.data)
