"""EHC work in the demo, dated around `today`: the plans of the pupils on "E" (issued this term,
a year ago, years ago; an under-five's in Reception), each written as `ehc_plans.add_plan` writes
it (the plan, its outcomes, the pupil's timeline event and its audit), most with the request that
led to them; annual reviews held, due within 8 weeks and overdue, some waiting for the authority's
decision and an amendment in progress, with the Year 6 (primary) and Year 11 (secondary) plans
reviewed early for their phase transfer (`ehc_dates.review_due`); requests of pupils on SEN support
at every stage (just received, at risk, with advice, at draft, past 20 weeks with an exception
recorded, refused, no plan issued); and small generated PDFs with some plans and the drafts.

The rows go through the demo's buffer (`demo.rows`) a school at a time, as the rest of the demo's
records do; the pupils' tasks then settle as the app's record of a plan settles them. It runs once
every school's rows are inserted and the leavers have left, with a generator of its own (seeded
from the build's seed and the school), so the rest of the demo draws the same data with it as
without it. The first two schools each keep one pupil on "E" with no plan record (the flag the
SENCO's task asks to fix).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.demo import ehc_texts as texts
from sentrack.demo import names
from sentrack.demo.chronology import add_event
from sentrack.demo.context import DemoContext, weighted
from sentrack.demo.dates import (
    DAY,
    YEAR,
    in_long_holiday,
    moment,
    random_school_day,
    term_day_between,
    term_day_on_or_before,
)
from sentrack.demo.pdf import pdf_document
from sentrack.demo.roll import SchoolRoll, own_rng
from sentrack.demo.rows import EHC
from sentrack.models import (
    AssessmentDecision,
    AuditEvent,
    DocumentKind,
    EhcAdvice,
    EhcDocument,
    EhcException,
    EhcOutcome,
    EhcPlan,
    EhcRequest,
    EhcRequester,
    EhcReview,
    ExceptionKind,
    PlanDecision,
    Provision,
    Pupil,
    ReviewKind,
    ReviewOutcome,
    School,
    SenStatus,
    TimelineEvent,
    User,
)
from sentrack.workflows.ehc_dates import (
    covers_preparing_for_adulthood,
    review_due,
    transfer_at_year_end,
    year_group_on,
)
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.timeline import EHC_PLAN_ISSUED

FLAGGED_SCHOOLS = 2  # schools 1 and 2 keep a pupil on "E" without a plan record
DUE_SOON = 8 * 7 * DAY
OVERDUE_RATE = 0.2  # of the reviews fallen due in the last 10 weeks, those not yet held
CONVENED_RATE = 0.5  # of the reviews due in the next 8 weeks, those convened already
PENDING_RATE = 0.4  # of the reviews held in the last 8 weeks, those the authority has not decided
AMEND_RATE = 0.2
DOCUMENT_RATE = 0.4  # plans with their PDF attached
STATUTORY_SPAN = 140  # days: 20 weeks from the request to the final plan
# Weeks from request to final plan of the plans issued here; past 20 some have an exception.
ISSUE_WEEKS = [(15, 2), (17, 3), (19, 4), (20, 2), (22, 1), (24, 1)]
REQUESTERS = [(EhcRequester.SCHOOL, 6), (EhcRequester.PARENT, 3), (EhcRequester.OTHER, 1)]


@dataclass(frozen=True)
class Stage:
    """A request still open (or ended without a plan), received `days_ago` (a range) before
    today, with `done` of its steps taken: 1 the decision whether to assess (and advice asked),
    2 the advice in, 3 the decision whether to issue a plan, 4 the draft sent, 5 the final plan."""

    name: str
    days_ago: tuple[int, int]
    done: int
    outcome: AssessmentDecision | PlanDecision | ExceptionKind | None = None


STAGES = [
    Stage("received", (0, 5), 0),
    Stage("at_risk", (30, 38), 0),
    Stage("advice", (60, 75), 1),
    Stage("draft", (115, 125), 4),
    Stage("late", (150, 170), 4, ExceptionKind.PERSONAL),
    Stage("refused", (55, 110), 1, AssessmentDecision.REFUSED),
    Stage("no_plan", (125, 200), 3, PlanDecision.NO_PLAN),
]


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


Row = dict[str, Any]

# The tables the EHC work writes, as rows of the demo's buffer: its own, and the plans' timeline
# events and audit.
EHC_TABLES = (*EHC, TimelineEvent, AuditEvent)


class EhcBuilder:
    def __init__(self, session: Session, context: DemoContext, roll: SchoolRoll) -> None:
        self.session, self.context, self.today = session, context, context.today
        self.rows = context.rows
        self.rng = own_rng(context, roll.school_id, "ehc")
        self.roll = roll
        self.school = session.get(School, roll.school_id)
        self.senco_id, self.officer_id = roll.senco_id, roll.officer_id
        self.officer = session.get(User, roll.officer_id)
        self.held: list[Row] = []
        self.overdue: list[Row] = []  # the first review fallen due in the last 10 weeks is always overdue
        self.convened: list[Row] = []  # the first review due within 8 weeks is always convened
        self.waiting: list[Row] = []  # for the authority's decision: the first recent one always
        self.planned: list[int] = []  # the pupils given a plan record

    def build(self) -> None:
        found = self.session.execute(
            sa.select(Pupil, SenStatus)
            .join(SenStatus, SenStatus.pupil_id == Pupil.id)
            .where(Pupil.school_id == self.school.id, Pupil.left_on.is_(None), SenStatus.end_date.is_(None))
            .order_by(Pupil.id)
        ).all()
        on_ehc = [(pupil, status) for pupil, status in found if status.provision is Provision.EHC_PLAN]
        flagged = self._flagged([pupil for pupil, _ in on_ehc])
        for pupil, status in on_ehc:
            if pupil is not flagged:
                self._add_plan(pupil, status)
        self._ensure_amendment_in_progress()
        on_support = [pupil for pupil, status in found if status.provision is Provision.SEN_SUPPORT]
        for stage, pupil in zip(STAGES, self.rng.sample(on_support, min(len(on_support), len(STAGES))), strict=False):
            self._add_open_request(pupil, stage)
        self._count()
        self.rows.insert(lambda n: None)
        self.rows.advance_sequences(*EHC_TABLES)
        # A plan recorded settles the pupil's tasks it does, as the app's record of it would.
        settle_tasks(self.session, self.today, pupil_ids=self.planned)

    def _count(self) -> None:
        summary, rows = self.context.summary, self.rows
        summary.ehc_plan_records += len(rows.pending(EhcPlan))
        summary.ehc_requests += len(rows.pending(EhcRequest))
        summary.ehc_documents += len(rows.pending(EhcDocument))
        summary.ehc_reviews += len(rows.pending(EhcReview))

    def _flagged(self, on_ehc: list[Pupil]) -> Pupil | None:
        """At the first schools, one pupil on "E" (not at a transfer, not under five) left without a plan."""
        if self.roll.number > FLAGGED_SCHOOLS:
            return None
        top = self.school.highest_year
        candidates = [p for p in on_ehc if p.year_group not in (0, top)]
        return self.rng.choice(candidates) if len(candidates) > 1 else None

    # --- Plans ------------------------------------------------------------------------------------

    def _add_plan(self, pupil: Pupil, status: SenStatus) -> None:
        """The plan as the authority's record of it is written (`ehc_plans.add_plan`): the plan,
        its outcomes in order and the pupil's timeline event, entered on the day it was issued.
        The pupil is on "E" with the plan's needs already (`demo.register`)."""
        rng = self.rng
        issued_here = status.reason == names.EHC_PLAN_ISSUED_REASON
        issued = status.start_date if issued_here else self._issued_before(pupil)
        request, advice = self._completed_request(pupil, issued) if issued_here else (None, [])
        area = status.primary_need.area
        chosen = rng.sample(texts.OUTCOMES.get(area, texts.GENERAL_OUTCOMES), 3)
        entered = moment(rng, issued)
        plan = self.rows.add(
            EhcPlan,
            pupil_id=pupil.id,
            request_id=request["id"] if request is not None else None,
            local_authority_id=self.school.local_authority_id,
            issued_on=issued,
            named_setting=self.school.name,
            primary_need=status.primary_need,
            secondary_need=status.secondary_need,
            ceased_on=None,
            cease_reason=None,
            recorded_by_id=self.officer_id,
            recorded_at=entered,
        )
        for position, text in enumerate(chosen, start=1):
            self.rows.add(EhcOutcome, plan_id=plan["id"], position=position, area_of_need=area, description=text)
        setting = f"Named setting: {plan['named_setting']}"
        add_event(self.context, pupil.id, "ehc_plan", EHC_PLAN_ISSUED, issued, entered, self.officer_id, detail=setting)
        audited = audit.event_values(
            "ehc_plan_added",
            actor=self.officer,
            school_id=self.school.id,
            pupil_id=pupil.id,
            object_type="ehc_plan",
            object_id=plan["id"],
        )
        self.rows.add(AuditEvent, occurred_at=entered, **audited)
        self.planned.append(pupil.id)
        self._add_reviews(plan, pupil)
        if rng.random() < DOCUMENT_RATE:
            title, lines = "Education, health and care plan", texts.PLAN_LINES
            self._add_document(pupil.id, DocumentKind.PLAN, title, issued, lines, plan_id=plan["id"])
            if advice:
                title, lines = "Educational psychology advice", texts.EP_LINES
                day = advice[0]["received_on"]
                self._add_document(pupil.id, DocumentKind.EP_REPORT, title, day, lines, plan_id=plan["id"])

    def _issued_before(self, pupil: Pupil) -> date:
        """The plan a pupil brought with them: issued up to two years before they joined."""
        latest = pupil.admitted_on - 30 * DAY
        earliest = min(latest, max(pupil.date_of_birth + 3 * YEAR, pupil.admitted_on - 2 * YEAR))
        return random_school_day(self.rng, earliest, latest)

    # --- Requests ---------------------------------------------------------------------------------

    def _step_days(self, received: date, span: int) -> list[date]:
        """The days of the five steps of a request taking `span` days (14 weeks or more) to its final plan."""
        rng = self.rng
        decided = received + (round(0.3 * span) + rng.randint(0, 3)) * DAY
        plan_decided = received + (round(0.75 * span) + rng.randint(0, 3)) * DAY
        advice_in = min(decided + (round(0.28 * span) + rng.randint(1, 12)) * DAY, plan_decided - DAY)
        draft = plan_decided + rng.randint(1, 4) * DAY
        return [decided, advice_in, plan_decided, draft, received + span * DAY]

    def _new_request(self, pupil: Pupil, received: date) -> Row:
        requester = weighted(self.rng, REQUESTERS)
        return self.rows.add(
            EhcRequest,
            pupil_id=pupil.id,
            requested_by=requester,
            requester_detail=texts.OTHER_REQUESTER if requester is EhcRequester.OTHER else None,
            received_on=received,
            review_id=None,
            assessment=AssessmentDecision.NOT_DECIDED,
            assessment_decided_on=None,
            decision_note=None,
            plan_decision=None,
            plan_decided_on=None,
            parents_told_on=None,
            draft_sent_on=None,
            final_issued_on=None,
            withdrawn_on=None,
            withdrawn_reason=None,
            recorded_by_id=self.senco_id,
            recorded_at=moment(self.rng, received),
        )

    def _take_steps(self, request: Row, days: list[date], done: int) -> list[Row]:
        """Record the first `done` steps on their days (the assessment agreed, the plan to be
        issued); returns the advice asked, not yet added."""
        decided, advice_in, plan_decided, draft, final = days
        advice = []
        if done >= 1:
            request["assessment"], request["assessment_decided_on"] = AssessmentDecision.AGREED, decided
            request["decision_note"] = texts.AGREED_NOTE
            for adviser in texts.ADVISERS:
                asked = decided + self.rng.randint(1, 3) * DAY
                received = min(advice_in - self.rng.randint(0, 9) * DAY, self.today)
                in_yet = done >= 2 or (received > asked and self.rng.random() < 0.5)
                received_on = received if in_yet else None
                advice.append(
                    {"request_id": request["id"], "adviser": adviser, "asked_on": asked, "received_on": received_on}
                )
        if done >= 3:
            request["plan_decision"], request["plan_decided_on"] = PlanDecision.ISSUE, plan_decided
        if done >= 4:
            request["draft_sent_on"] = draft
        if done >= 5:
            request["final_issued_on"] = final
        return advice

    def _add_advice(self, advice: list[Row]) -> None:
        for values in advice:
            self.rows.add(EhcAdvice, **values)

    def _completed_request(self, pupil: Pupil, issued: date) -> tuple[Row, list[Row]]:
        """The request that led to a plan issued here, a few of them past 20 weeks (half of
        those with an exception recorded), and its advice."""
        weeks = weighted(self.rng, ISSUE_WEEKS)
        span = 7 * weeks - self.rng.randint(0, 3)
        request = self._new_request(pupil, issued - span * DAY)
        advice = self._take_steps(request, self._step_days(request["received_on"], span), 5)
        self._add_advice(advice)
        if weeks > 20 and self.rng.random() < 0.5:
            self._add_exception(request, ExceptionKind.AWAY)
        return request, advice

    def _add_open_request(self, pupil: Pupil, stage: Stage) -> None:
        received = self.today - self.rng.randint(*stage.days_ago) * DAY
        request = self._new_request(pupil, received)
        days = self._step_days(received, STATUTORY_SPAN)
        advice = self._take_steps(request, days, stage.done)
        if stage.outcome is AssessmentDecision.REFUSED:
            request["assessment"], request["decision_note"] = AssessmentDecision.REFUSED, texts.REFUSED_NOTE
            advice = []
        elif stage.outcome is PlanDecision.NO_PLAN:
            request["plan_decision"] = PlanDecision.NO_PLAN
            told = request["plan_decided_on"] + self.rng.randint(0, 5) * DAY
            request["parents_told_on"] = min(self.today, told)
        self._add_advice(advice)
        if isinstance(stage.outcome, ExceptionKind):
            self._add_exception(request, stage.outcome)
        if stage.name == "draft":
            title, lines = "Draft EHC plan", texts.DRAFT_LINES
            self._add_document(pupil.id, DocumentKind.OTHER, title, days[3], lines, request_id=request["id"])

    def _add_exception(self, request: Row, kind: ExceptionKind) -> None:
        starts = request["received_on"] + self.rng.randint(40, 70) * DAY
        self.rows.add(
            EhcException,
            request_id=request["id"],
            kind=kind,
            starts_on=starts,
            ends_on=starts + self.rng.randint(29, 40) * DAY,
            reason=texts.EXCEPTION_REASONS[kind],
            recorded_by_id=self.officer_id,
            recorded_at=moment(self.rng, starts + 2 * DAY),
        )

    # --- Reviews ----------------------------------------------------------------------------------

    def _due(self, plan: Row, pupil: Pupil, last: date | None) -> date:
        years = self.school.lowest_year, self.school.highest_year
        return review_due(plan["issued_on"], last, pupil.date_of_birth, pupil.year_group, self.today, *years)

    def _add_reviews(self, plan: Row, pupil: Pupil) -> None:
        """Every review fallen due since the plan was issued, held a few weeks before its date,
        but for a few overdue; the next convened when it is due within 8 weeks, for some."""
        rng, today = self.rng, self.today
        last: date | None = None
        while True:
            due = self._due(plan, pupil, last)
            if due > today:
                if due <= today + DUE_SOON and (not self.convened or rng.random() < CONVENED_RATE):
                    self._convene(plan, due)
                return
            if due >= today - 10 * 7 * DAY and (not self.overdue or rng.random() < OVERDUE_RATE):
                self.overdue.append(plan)
                return
            earliest = max((last or plan["issued_on"]) + DAY, due - 6 * 7 * DAY)
            held = term_day_between(rng, earliest, max(earliest, min(due, today - DAY)))
            if in_long_holiday(held) and term_day_on_or_before(held) >= earliest:
                held = term_day_on_or_before(held)
            self._hold(plan, pupil, held, ReviewOutcome.AMEND if self._before_transfer(pupil, held) else None)
            last = held

    def _before_transfer(self, pupil: Pupil, held: date) -> bool:
        """Whether a review held on `held` falls in the pupil's last year here: the plan is then
        amended to name the next setting."""
        school = self.school
        year_group = year_group_on(pupil.year_group, self.today, held)
        return transfer_at_year_end(year_group, school.lowest_year, school.highest_year) is not None

    def _review(self, plan: Row, meeting: date, convened: date, recorded: date, **held: object) -> Row:
        """A review of `plan`, its meeting set for `meeting`; `held`: what the meeting recorded."""
        values: Row = {
            "plan_id": plan["id"],
            "kind": ReviewKind.ANNUAL,
            "meeting_on": meeting,
            "convened_on": convened,
            "held_on": None,
            "attendees": None,
            "pupil_views": None,
            "summary": None,
            "adulthood": None,
            "recommendation": None,
            "report_sent_on": None,
            "la_decision": None,
            "la_decided_on": None,
            "amendments_proposed_on": None,
            "amended_final_on": None,
            "recorded_by_id": self.senco_id,
        }
        values.update(held)
        return self.rows.add(EhcReview, **values, recorded_at=moment(self.rng, recorded))

    def _convene(self, plan: Row, due: date) -> None:
        rng, today = self.rng, self.today
        meeting = term_day_between(rng, max(today + DAY, due - 3 * 7 * DAY), due)
        convened = max(min(today, meeting - rng.randint(14, 24) * DAY), plan["issued_on"])
        self.convened.append(self._review(plan, meeting, convened, convened))

    def _hold(self, plan: Row, pupil: Pupil, held: date, outcome: ReviewOutcome | None) -> None:
        rng, today = self.rng, self.today
        outcome = outcome or (ReviewOutcome.AMEND if rng.random() < AMEND_RATE else ReviewOutcome.KEEP)
        adulthood = covers_preparing_for_adulthood(year_group_on(pupil.year_group, today, held))
        convened = max(plan["issued_on"], held - rng.randint(15, 28) * DAY)
        review = self._review(
            plan,
            held,
            convened,
            held,
            held_on=held,
            attendees=texts.ATTENDEES,
            pupil_views=texts.PUPIL_VIEWS,
            summary=texts.REVIEW_SUMMARY[outcome.value],
            adulthood=texts.ADULTHOOD if adulthood else None,
            recommendation=outcome,
        )
        self.held.append(review)
        report = held + rng.randint(3, 9) * DAY
        review["report_sent_on"] = report if report <= today else None
        decided = report + rng.randint(5, 18) * DAY  # the authority decides on the report
        if decided > today:
            return
        if review["report_sent_on"] and held >= today - DUE_SOON and (not self.waiting or rng.random() < PENDING_RATE):
            self.waiting.append(review)
            return
        review["la_decision"], review["la_decided_on"] = outcome, decided
        if outcome is ReviewOutcome.AMEND:
            self._amend(review, decided + rng.randint(0, 7) * DAY)

    def _amend(self, review: Row, proposed: date) -> None:
        if proposed > self.today:
            return
        review["amendments_proposed_on"] = proposed
        final = proposed + self.rng.randint(20, 52) * DAY
        review["amended_final_on"] = final if final <= self.today else None

    def _ensure_amendment_in_progress(self) -> None:
        """At least one amendment in progress at each school: if none arose, the authority
        decided to amend at the latest review held at least three weeks ago (and not long
        before), and has sent the proposed amendments."""
        today = self.today
        if any(r["amendments_proposed_on"] and r["amended_final_on"] is None for r in self.held):
            return
        waiting = {r["id"] for r in self.waiting}
        recent = [
            r for r in self.held if today - 16 * 7 * DAY <= r["held_on"] <= today - 21 * DAY and r["id"] not in waiting
        ]
        if not recent:
            return
        review = max(recent, key=lambda r: r["held_on"])
        review["recommendation"] = review["la_decision"] = ReviewOutcome.AMEND
        review["summary"] = texts.REVIEW_SUMMARY["amend"]
        review["report_sent_on"] = review["report_sent_on"] or review["held_on"] + 7 * DAY
        review["la_decided_on"] = min(today - 7 * DAY, review["held_on"] + 14 * DAY)
        review["amendments_proposed_on"] = review["la_decided_on"] + 3 * DAY
        review["amended_final_on"] = None

    # --- Documents --------------------------------------------------------------------------------

    def _add_document(
        self,
        pupil_id: int,
        kind: DocumentKind,
        title: str,
        day: date,
        lines: list[str],
        *,
        plan_id: int | None = None,
        request_id: int | None = None,
    ) -> None:
        """A generated PDF kept with the plan `plan_id` or the request `request_id`."""
        authority = self.school.local_authority.name
        heading = [texts.DEMO_LINE, f"Local authority: {authority}", f"Dated {long_date(day)}", ""]
        content = pdf_document(title, heading + lines)
        self.rows.add(
            EhcDocument,
            pupil_id=pupil_id,
            plan_id=plan_id,
            request_id=request_id,
            kind=kind,
            title=title,
            filename=f"{names.ascii_word(title)}-{day.isoformat()}.pdf",
            media_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_by_id=self.officer_id,
            uploaded_at=moment(self.rng, min(day + 2 * DAY, self.today)),
        )


def add_ehc_work(session: Session, context: DemoContext, roll: SchoolRoll) -> None:
    """The school's EHC plans, reviews, requests and documents (see the module's docstring),
    inserted. Their ids follow on from any rows the app's workflows have added since the last
    rows were inserted (the leavers' timeline events)."""
    context.rows.follow_on(*EHC_TABLES)
    EhcBuilder(session, context, roll).build()
