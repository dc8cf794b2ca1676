"""Annual (and interim) reviews of an EHC plan, worked back from their dates (CFA s44; regulations
18 to 22; CoP 9.166 to 9.185).

The school convenes the review (invitations sent and advice asked at least 2 weeks before the
meeting), holds the meeting and sends the report within 2 weeks; the local authority decides within
4 weeks of the meeting to keep, amend or cease the plan, and an amended plan is final within 8
weeks of the proposed amendments (12 weeks of the meeting). Lateness is shown, never refused: the
law sets the dates, and a late step still has to be recorded.

`review_calendar` works each step's date back (and on) from the review's due date; every date comes
from `sentrack.workflows.ehc_dates` and each step is a `Clock` of `sentrack.workflows.ehc_clocks`,
so late and at risk mean the same as on a request. The due date of the next annual review is
`ehc_dates.review_due` from the last annual meeting held (as `ehc_schedule.review_schedule` reads
it): an interim review does not move it, an annual review held early or late does.

A decision to cease the plan is recorded here; the plan itself is ceased from its own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import EhcPlan, EhcReview, Pupil, ReviewKind, ReviewOutcome, School, User
from sentrack.workflows import RuleBroken, ehc_dates, timeline
from sentrack.workflows.ehc_clocks import Clock
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.revisions import take_step
from sentrack.workflows.timeline import add_event

EHC_REVIEW_KIND = "ehc_review"  # the kind of the timeline events


# --- Details as the forms give them ----------------------------------------------------------


@dataclass(frozen=True)
class ConveneDetails:
    kind: ReviewKind | None
    meeting_on: date | None
    convened_on: date | None


@dataclass(frozen=True)
class MeetingDetails:
    held_on: date | None
    attendees: str | None
    pupil_views: str | None
    summary: str | None
    adulthood: str | None
    recommendation: ReviewOutcome | None


@dataclass(frozen=True)
class DecisionDetails:
    la_decision: ReviewOutcome | None
    la_decided_on: date | None


@dataclass(frozen=True)
class AmendmentDetails:
    amendments_proposed_on: date | None
    amended_final_on: date | None


# --- Shared pieces ------------------------------------------------------------------------------


def _recorded(session: Session, actor: User, review: EhcReview, action: str, title: str, on: date, today: date):
    """The timeline event, the audit record and the tasks the step settles, in one go."""
    pupil = review.plan.pupil
    add_event(session, pupil=pupil, actor=actor, kind=EHC_REVIEW_KIND, title=title, effective_on=on)
    audit.record(session, action, actor=actor, pupil=pupil, object_type="ehc_review", object_id=review.id)
    settle_tasks(session, today, pupil_ids=[pupil.id])


def _not_future(day: date | None, today: date, field: str, what: str) -> date:
    if day is None:
        raise RuleBroken(f"Enter the date {what}", field=field)
    if day > today:
        raise RuleBroken(f"The date {what} cannot be in the future", field=field)
    return day


def _take(session: Session, review: EhcReview, column: str, values: dict, message: str) -> None:
    """Write a one-time step; refused when someone recorded it a moment ago."""
    if not take_step(session, review, column, values):
        raise RuleBroken(message)


def _plan_in_force(plan: EhcPlan, today: date) -> None:
    if plan.ceased_on is not None and plan.ceased_on <= today:
        raise RuleBroken("The EHC plan has ceased: its reviews can no longer be recorded")


def year_group_at(pupil: Pupil, today: date, day: date) -> int:
    return ehc_dates.year_group_on(pupil.year_group, today, day)


def covers_adulthood(pupil: Pupil, today: date, day: date) -> bool:
    """Whether a review meeting on `day` must cover preparing for adulthood (from Year 9)."""
    return ehc_dates.covers_preparing_for_adulthood(year_group_at(pupil, today, day))


# --- Convening ------------------------------------------------------------------------------------


def open_annual_review(plan: EhcPlan, besides: EhcReview | None = None) -> EhcReview | None:
    """The plan's annual review convened and not yet held, if any: there is one at a time."""
    return next(
        (r for r in plan.reviews if r.kind is ReviewKind.ANNUAL and r.held_on is None and r is not besides), None
    )


ALREADY_CONVENED = (
    "This plan's annual review is already convened and its meeting not yet recorded: "
    "record that meeting first, or convene an interim review"
)


def _check_convening(plan: EhcPlan, details: ConveneDetails, today: date) -> None:
    if details.kind is None:
        raise RuleBroken("Select whether this is the annual review or an interim review", field="kind")
    if details.meeting_on is None:
        raise RuleBroken("Enter the date of the review meeting", field="meeting_on")
    if details.meeting_on < plan.issued_on:
        raise RuleBroken("The review meeting cannot be before the EHC plan was issued", field="meeting_on")
    convened = _not_future(details.convened_on, today, "convened_on", "the invitations were sent")
    if convened < plan.issued_on:
        raise RuleBroken("The invitations cannot be sent before the EHC plan was issued", field="convened_on")
    if convened > details.meeting_on:
        raise RuleBroken("The invitations must be sent before the review meeting", field="convened_on")
    if details.kind is ReviewKind.ANNUAL and open_annual_review(plan) is not None:
        raise RuleBroken(ALREADY_CONVENED, field="kind")


def convene_review(session: Session, *, actor: User, plan: EhcPlan, details: ConveneDetails, today: date) -> EhcReview:
    """Convene an annual or interim review: the meeting date, and the day the invitations were
    sent and advice asked. Invitations sent less than 2 weeks before the meeting are recorded and
    shown as late (reg 20(3)), not refused. One annual review is open (not yet held) at a time."""
    _plan_in_force(plan, today)
    _check_convening(plan, details, today)
    dates = {"meeting_on": details.meeting_on, "convened_on": details.convened_on}
    review = EhcReview(plan_id=plan.id, kind=details.kind, recorded_by_id=actor.id, **dates)
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:  # someone convened the plan's annual review at the same moment
        raise RuleBroken(ALREADY_CONVENED, field="kind") from None
    title = timeline.ehc_review_convened(review.kind.label, review.meeting_on)
    _recorded(session, actor, review, "ehc_review_convened", title, details.convened_on, today)
    return review


# --- The meeting and the report (the school) ---------------------------------------------------


def _check_meeting(review: EhcReview, details: MeetingDetails, today: date) -> date:
    if details.held_on is not None and details.held_on > today:
        raise RuleBroken("A review meeting cannot be recorded as held on a date in the future", field="held_on")
    held = _not_future(details.held_on, today, "held_on", "of the review meeting")
    if held < review.plan.issued_on:
        raise RuleBroken("The review meeting cannot be before the EHC plan was issued", field="held_on")
    if review.convened_on is not None and held < review.convened_on:
        raise RuleBroken("The review meeting cannot be before the invitations were sent", field="held_on")
    if not details.attendees:
        raise RuleBroken("Enter who took part in the review meeting", field="attendees")
    if not details.pupil_views:
        raise RuleBroken("Record the pupil's views, or how they were sought", field="pupil_views")
    if not details.summary:
        raise RuleBroken("Record the progress towards the outcomes and what was agreed", field="summary")
    if covers_adulthood(review.plan.pupil, today, held) and not details.adulthood:
        raise RuleBroken(
            "From Year 9 every review covers preparing for adulthood: record what was discussed", field="adulthood"
        )
    if details.recommendation is None:
        raise RuleBroken("Select what the review recommends", field="recommendation")
    return held


def record_meeting(
    session: Session, *, actor: User, review: EhcReview, details: MeetingDetails, today: date
) -> EhcReview:
    """Record the review meeting as held: not in the future, not before the plan was issued or the
    invitations sent; who took part, the pupil's views, progress and what was agreed, preparing for
    adulthood from Year 9, and the recommendation (keep, amend or cease). Once only."""
    _plan_in_force(review.plan, today)
    if review.held_on is not None:
        raise RuleBroken("The meeting of this review is already recorded")
    held = _check_meeting(review, details, today)
    values = {
        "held_on": held,
        "attendees": details.attendees,
        "pupil_views": details.pupil_views,
        "summary": details.summary,
        "adulthood": details.adulthood,
        "recommendation": details.recommendation,
    }
    _take(session, review, "held_on", values, "The meeting of this review was recorded a moment ago by someone else")
    title = timeline.ehc_review_held(review.kind.label, details.recommendation.label)
    _recorded(session, actor, review, "ehc_review_held", title, held, today)
    return review


def send_report(session: Session, *, actor: User, review: EhcReview, details: date | None, today: date) -> EhcReview:
    """Record the day the review report went to the LA and everyone invited: on or after the
    meeting and not in the future; after 2 weeks (reg 20(7)) it is shown as late."""
    if review.held_on is None:
        raise RuleBroken("Record the review meeting before its report")
    if review.report_sent_on is not None:
        raise RuleBroken("The report of this review is already recorded as sent")
    sent = _not_future(details, today, "report_sent_on", "the report was sent")
    if sent < review.held_on:
        raise RuleBroken("The report cannot be sent before the review meeting", field="report_sent_on")
    _take(session, review, "report_sent_on", {"report_sent_on": sent}, "The report was recorded a moment ago")
    _recorded(session, actor, review, "ehc_review_reported", timeline.EHC_REVIEW_REPORT_SENT, sent, today)
    return review


# --- The authority's steps ---------------------------------------------------------------------


def decide_review(
    session: Session, *, actor: User, review: EhcReview, details: DecisionDetails, today: date
) -> EhcReview:
    """Record the LA's decision after the meeting: keep, amend or cease the plan, dated on or after
    the meeting and not in the future; after 4 weeks (reg 20(10)) shown as late. A decision to
    cease is recorded here; the plan is ceased from its own page."""
    if review.held_on is None:
        raise RuleBroken("The review meeting has not been recorded yet: the decision follows it")
    if review.la_decided_on is not None:
        raise RuleBroken("The local authority's decision on this review is already recorded")
    if details.la_decision is None:
        raise RuleBroken("Select the local authority's decision", field="la_decision")
    decided = _not_future(details.la_decided_on, today, "la_decided_on", "of the decision")
    if decided < review.held_on:
        raise RuleBroken("The decision cannot be before the review meeting", field="la_decided_on")
    values = {"la_decision": details.la_decision, "la_decided_on": decided}
    _take(session, review, "la_decided_on", values, "The decision was recorded a moment ago by someone else")
    title = timeline.ehc_review_decided(details.la_decision.label)
    _recorded(session, actor, review, "ehc_review_decided", title, decided, today)
    return review


def _proposals(session, *, actor, review, details: AmendmentDetails, today) -> None:
    proposed = _not_future(details.amendments_proposed_on, today, "amendments_proposed_on", "the amendments were sent")
    if proposed < review.la_decided_on:
        raise RuleBroken("The amendments cannot be sent before the decision to amend", field="amendments_proposed_on")
    final = details.amended_final_on
    if final is not None:
        _check_final(final, proposed, today)
    values = {"amendments_proposed_on": proposed, "amended_final_on": final}
    _take(session, review, "amendments_proposed_on", values, "The amendments were recorded a moment ago")
    _recorded(session, actor, review, "ehc_amendments_proposed", timeline.EHC_AMENDMENTS_PROPOSED, proposed, today)


def _check_final(final: date, proposed: date, today: date) -> None:
    if final > today:
        raise RuleBroken("The date the amended plan was issued cannot be in the future", field="amended_final_on")
    if final < proposed:
        raise RuleBroken(
            "The amended plan cannot be issued before the proposed amendments were sent", field="amended_final_on"
        )


def record_amendments(
    session: Session, *, actor: User, review: EhcReview, details: AmendmentDetails, today: date
) -> EhcReview:
    """Record the proposed amendments sent to the family (with the final plan's date when it is
    already issued), then the amended plan issued. Late amendments (8 weeks after the proposals,
    12 after the meeting: reg 22(3)) are shown as late, never refused."""
    if review.la_decision is not ReviewOutcome.AMEND:
        raise RuleBroken("Amendments follow a decision to amend the plan")
    if review.amended_final_on is not None:
        raise RuleBroken("The amended plan of this review is already recorded as issued")
    if review.amendments_proposed_on is None:
        _proposals(session, actor=actor, review=review, details=details, today=today)
    else:
        if details.amended_final_on is None:
            raise RuleBroken("Enter the date the amended plan was issued", field="amended_final_on")
        _check_final(details.amended_final_on, review.amendments_proposed_on, today)
        values = {"amended_final_on": details.amended_final_on}
        _take(session, review, "amended_final_on", values, "The amended plan was recorded a moment ago")
    if review.amended_final_on is not None:
        issued, title = review.amended_final_on, timeline.EHC_AMENDED_PLAN_ISSUED
        _recorded(session, actor, review, "ehc_amended_plan_issued", title, issued, today)
    return review


# --- The calendar worked back from the due date ------------------------------------------------


@dataclass(frozen=True)
class ReviewCalendar:
    """The steps of one review (the one given, or the next annual review) with their dates."""

    kind: ReviewKind
    due_on: date | None  # when the annual review meeting is due (None for an interim review)
    meeting_on: date  # the meeting held, else the date set, else the due date
    held: bool
    steps: tuple[Clock, ...]
    weeks_since_meeting: int | None
    under_five: bool
    adulthood: bool
    transfer: ehc_dates.Transfer | None
    transfer_deadline: date | None
    latest_meeting_for_transfer: date | None
    amended_plan_latest: date  # 12 weeks after the meeting

    def late(self, today: date) -> list[Clock]:
        return [step for step in self.steps if step.is_late(today)]


def last_annual_meeting(plan: EhcPlan, before: EhcReview | None = None) -> date | None:
    """The latest annual review meeting held (other than `before`, and before it when it was
    held): what `ehc_schedule.last_annual_meeting` reads from the database."""
    held = [
        r.held_on
        for r in plan.reviews
        if r.kind is ReviewKind.ANNUAL
        and r.held_on is not None
        and r is not before
        and (before is None or before.held_on is None or r.held_on <= before.held_on)
    ]
    return max(held, default=None)


def _due(plan: EhcPlan, review: EhcReview | None, pupil: Pupil, school: School, today: date) -> date:
    return ehc_dates.review_due(
        plan.issued_on,
        last_annual_meeting(plan, review),
        pupil.date_of_birth,
        pupil.year_group,
        today,
        school.lowest_year,
        school.highest_year,
    )


def _transfer(pupil: Pupil, school: School, today: date, meeting: date):
    """The phase transfer at the end of the academic year of the meeting, with its deadline."""
    transfer = ehc_dates.transfer_at_year_end(
        year_group_at(pupil, today, meeting), school.lowest_year, school.highest_year
    )
    if transfer is None:
        return None, None, None
    move_year = ehc_dates.academic_year_start(meeting) + 1
    return (
        transfer,
        ehc_dates.transfer_deadline(transfer, move_year),
        ehc_dates.latest_review_meeting_for_transfer(transfer, move_year),
    )


def _school_steps(review: EhcReview | None, due: date | None, meeting: date) -> list[Clock]:
    convened = review.convened_on if review else None
    held = review.held_on if review else None
    steps = [
        Clock(
            "invitations",
            "Send the invitations and ask for advice",
            "regulation 20(3) and (4)",
            ehc_dates.invitations_due(meeting),
            convened,
        ),
    ]
    if due is not None:
        steps.append(Clock("meeting", "Hold the review meeting", "CFA 2014 s44(1); regulation 20", due, held))
    elif review is not None:
        steps.append(Clock("meeting", "Hold the review meeting", "regulation 20", review.meeting_on, held, False))
    steps.append(
        Clock(
            "report",
            "Send the report to the local authority and everyone invited",
            "regulation 20(7)",
            ehc_dates.report_due(meeting),
            review.report_sent_on if review else None,
        )
    )
    return steps


def _authority_steps(review: EhcReview | None, meeting: date) -> list[Clock]:
    steps = [
        Clock(
            "decision",
            "The local authority decides to keep, amend or cease the plan",
            "regulation 20(10)",
            ehc_dates.la_decision_due(meeting),
            review.la_decided_on if review else None,
        )
    ]
    if review is None or review.la_decision not in (None, ReviewOutcome.AMEND):
        return steps
    proposed = review.amendments_proposed_on
    steps.append(
        Clock(
            "proposals",
            "Send the proposed amendments to the family",
            "regulation 20(10); regulation 22(2)",
            ehc_dates.la_decision_due(meeting),
            proposed,
        )
    )
    final_due = ehc_dates.amended_plan_due(proposed) if proposed else ehc_dates.amended_plan_latest(meeting)
    steps.append(Clock("amended", "Issue the amended plan", "regulation 22(3)", final_due, review.amended_final_on))
    return steps


def review_calendar(
    plan: EhcPlan, review: EhcReview | None, pupil: Pupil, school: School, today: date
) -> ReviewCalendar:
    """The steps of `review` (or, when None, of the plan's next annual review) worked back from
    the meeting: invitations and advice 2 weeks before, the meeting by the due date, the report 2
    weeks after, the LA's decision 4 weeks after, an amended plan 8 weeks after the proposals (12
    after the meeting); with the phase transfer deadline and preparing for adulthood when they
    apply. The meeting is the one held, else the date set when convened, else the due date."""
    kind = review.kind if review is not None else ReviewKind.ANNUAL
    due = _due(plan, review, pupil, school, today) if kind is ReviewKind.ANNUAL else None
    held = review.held_on if review is not None else None
    meeting = held or (review.meeting_on if review is not None else due)
    transfer, deadline, latest = _transfer(pupil, school, today, meeting)
    steps = _school_steps(review, due, meeting) + _authority_steps(review, meeting)
    if transfer is not None and kind is ReviewKind.ANNUAL:
        done = review.amended_final_on if review is not None else None
        steps.append(Clock("transfer", f"Name the new setting ({transfer.value})", "regulation 18(1)", deadline, done))
    since = last_annual_meeting(plan, review) or plan.issued_on
    return ReviewCalendar(
        kind=kind,
        due_on=due,
        meeting_on=meeting,
        held=held is not None,
        steps=tuple(steps),
        weeks_since_meeting=ehc_dates.weeks_gone(held, today) if held else None,
        under_five=ehc_dates.review_interval_months(pupil.date_of_birth, max(since, plan.issued_on))
        == ehc_dates.UNDER_FIVE_REVIEW_MONTHS,
        adulthood=covers_adulthood(pupil, today, meeting),
        transfer=transfer,
        transfer_deadline=deadline,
        latest_meeting_for_transfer=latest,
        amended_plan_latest=ehc_dates.amended_plan_latest(meeting),
    )
