"""Annual and interim reviews of an EHC plan: each step through the pages (the SENCO convenes, holds
and reports; the LA officer decides and amends), the order of the steps, bad input refused beside
the field with nothing stored, lateness shown and never refused, and the calendar worked back from
the due date against the date functions on worked examples. The app's date is 27 November 2026."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.models import (
    EhcPlan,
    EhcReview,
    NeedType,
    Provision,
    ReviewKind,
    ReviewOutcome,
    TimelineEvent,
)
from sentrack.workflows import RuleBroken, ehc_dates
from sentrack.workflows import ehc_reviews as flow
from sentrack.workflows.ehc_schedule import review_schedule
from tests.factories import make_pupil
from tests.helpers import audit_events, count, date_parts
from tests.test_fuzz_forms import snapshot

TODAY = date(2026, 11, 27)


def _plan(session, world, *, school=None, year=4, born=None, issued=date(2025, 12, 1), years=None, first="Ivy"):
    """A pupil on "E" with a plan in force (issued on `issued`), at `school` (the world's primary
    school unless named) teaching NC years `years` when given."""
    school = school or world.school
    if years is not None:
        school.lowest_year, school.highest_year = years
    pupil = make_pupil(session, school, first=first, last="Lane", year=year, provision=Provision.EHC_PLAN)
    if born is not None:
        pupil.date_of_birth = born
    plan = EhcPlan(
        pupil_id=pupil.id,
        local_authority_id=school.local_authority_id,
        issued_on=issued,
        named_setting=school.name,
        primary_need=NeedType.SLCN,
    )
    session.add(plan)
    session.commit()
    return plan


def _review(session, plan, *, kind=ReviewKind.ANNUAL, meeting=date(2026, 11, 20), convened=date(2026, 11, 2), **held):
    review = EhcReview(plan_id=plan.id, kind=kind, meeting_on=meeting, convened_on=convened, **held)
    session.add(review)
    session.commit()
    return review


HELD = {
    "held_on": date(2026, 11, 20),
    "attendees": "Mother, SENCO, EP",
    "pupil_views": "Likes maths",
    "summary": "Good progress",
    "recommendation": ReviewOutcome.AMEND,
}


def _meeting_form(**changes) -> dict:
    data = {
        "held_on": date_parts(date(2026, 11, 20)),
        "attendees": "Mother; class teacher; educational psychologist",
        "pupil_views": "Likes the maths group",
        "summary": "Outcome 1 met; outcome 2 partly met",
        "adulthood": "",
        "recommendation": "amend",
    }
    data.update(changes)
    return data


@pytest.fixture
def plan(session, world):
    return _plan(session, world)


# --- Each step through the pages ------------------------------------------------------------------


def test_the_senco_convenes_holds_and_reports_and_the_officer_decides_and_amends(client, world, login, session, plan):
    login(world.users["senco"])
    page = client.page(f"/ehc/plans/{plan.id}/reviews/new")
    assert "Calendar, worked back from the due date" in page

    response = client.post(
        f"/ehc/plans/{plan.id}/reviews/new",
        data={
            "kind": "annual",
            "meeting_on": date_parts(date(2026, 11, 20)),
            "convened_on": date_parts(date(2026, 11, 2)),
        },
    )
    assert response.status_code == 302
    review = session.scalar(sa.select(EhcReview).where(EhcReview.plan_id == plan.id))
    assert response.headers["Location"] == f"/ehc/reviews/{review.id}"
    assert (review.kind, review.meeting_on, review.convened_on) == (
        ReviewKind.ANNUAL,
        date(2026, 11, 20),
        date(2026, 11, 2),
    )

    assert client.post(f"/ehc/reviews/{review.id}/meeting", data=_meeting_form()).status_code == 302
    assert (
        client.post(f"/ehc/reviews/{review.id}/report", data={"report_sent_on": date_parts(TODAY)}).status_code == 302
    )

    login(world.users["la"])
    shown = client.page(f"/ehc/reviews/{review.id}")
    assert "Record the decision" in shown and "Record the meeting" not in shown
    decided = {"la_decision": "amend", "la_decided_on": date_parts(TODAY)}
    assert client.post(f"/ehc/reviews/{review.id}/decision", data=decided).status_code == 302
    proposed = {"amendments_proposed_on": date_parts(TODAY), "amended_final_on": ""}
    assert client.post(f"/ehc/reviews/{review.id}/amendments", data=proposed).status_code == 302
    session.expire_all()
    assert review.amendments_proposed_on == TODAY and review.amended_final_on is None
    assert (
        client.post(f"/ehc/reviews/{review.id}/amendments", data={"amended_final_on": date_parts(TODAY)}).status_code
        == 302
    )

    session.expire_all()
    assert (
        review.held_on,
        review.report_sent_on,
        review.la_decision,
        review.la_decided_on,
        review.amended_final_on,
    ) == (
        date(2026, 11, 20),
        TODAY,
        ReviewOutcome.AMEND,
        TODAY,
        TODAY,
    )
    actions = [
        "ehc_review_convened",
        "ehc_review_held",
        "ehc_review_reported",
        "ehc_review_decided",
        "ehc_amendments_proposed",
        "ehc_amended_plan_issued",
    ]
    assert [len(audit_events(session, action, pupil_id=plan.pupil_id)) for action in actions] == [1] * 6
    titles = session.scalars(
        sa.select(TimelineEvent.title).where(
            TimelineEvent.pupil_id == plan.pupil_id, TimelineEvent.kind == "ehc_review"
        )
    ).all()
    assert len(titles) == 6
    assert "EHC plan annual review meeting held: recommends to amend the plan" in titles

    final = client.page(f"/ehc/reviews/{review.id}")
    states = {row[0]: row[4] for row in final.table("Calendar, worked back from the due date")}
    assert states["Send the invitations and ask for advice"] == "Done"
    assert states["Hold the review meeting"] == "Done"
    assert states["Issue the amended plan"] == "Done"


def test_the_review_page_offers_each_role_only_its_own_steps(client, world, login, session, plan):
    review = _review(session, plan)
    login(world.users["senco"])
    page = client.page(f"/ehc/reviews/{review.id}")
    assert "Record the meeting" in page and "Record the decision" not in page
    login(world.users["head"])
    page = client.page(f"/ehc/reviews/{review.id}")
    assert "Record the meeting" not in page


def test_another_school_s_review_is_not_found(client, world, login, session):
    foreign = _plan(session, world, school=world.foreign, first="Zoe")
    review = _review(session, foreign)
    login(world.users["senco"])
    for url in (
        f"/ehc/reviews/{review.id}",
        f"/ehc/reviews/{review.id}/meeting",
        f"/ehc/plans/{foreign.id}/reviews/new",
    ):
        assert client.get(url).status_code == 404, url
    login(world.users["la"])
    assert client.get(f"/ehc/reviews/{review.id}/decision").status_code == 404


# --- Bad input and order: a clear message, nothing stored ---------------------------------------


def _refused(client, session, url, data, field):
    before = snapshot(session)
    page = client.post_page(url, data=data)
    assert snapshot(session) == before
    return page.field_error(field) if field else " ".join(page.error_summary())


def test_a_review_meeting_in_the_future_recorded_as_held_is_refused(client, world, login, session, plan):
    review = _review(session, plan)
    login(world.users["senco"])
    message = _refused(
        client,
        session,
        f"/ehc/reviews/{review.id}/meeting",
        _meeting_form(held_on=date_parts(TODAY + timedelta(days=1))),
        "held_on",
    )
    assert message == "A review meeting cannot be recorded as held on a date in the future"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"held_on": date_parts(date(2025, 11, 1))},
            "held_on",
            "The review meeting cannot be before the EHC plan was issued",
        ),
        (
            {"held_on": date_parts(date(2026, 11, 1))},
            "held_on",
            "The review meeting cannot be before the invitations were sent",
        ),
        ({"pupil_views": "  "}, "pupil_views", "Record the pupil's views, or how they were sought"),
        ({"recommendation": "maybe"}, "recommendation", "Select what the review recommends"),
    ],
)
def test_a_bad_meeting_is_refused_beside_the_field(client, world, login, session, plan, changes, field, message):
    review = _review(session, plan)
    login(world.users["senco"])
    assert _refused(client, session, f"/ehc/reviews/{review.id}/meeting", _meeting_form(**changes), field) == message


def test_convening_is_refused_before_the_plan_and_with_invitations_after_the_meeting(
    client, world, login, session, plan
):
    login(world.users["senco"])
    url = f"/ehc/plans/{plan.id}/reviews/new"
    early = {
        "kind": "annual",
        "meeting_on": date_parts(date(2025, 11, 1)),
        "convened_on": date_parts(date(2025, 10, 1)),
    }
    assert (
        _refused(client, session, url, early, "meeting_on")
        == "The review meeting cannot be before the EHC plan was issued"
    )
    after = {
        "kind": "annual",
        "meeting_on": date_parts(date(2026, 11, 2)),
        "convened_on": date_parts(date(2026, 11, 3)),
    }
    assert (
        _refused(client, session, url, after, "convened_on") == "The invitations must be sent before the review meeting"
    )
    future = {
        "kind": "interim",
        "meeting_on": date_parts(date(2026, 12, 20)),
        "convened_on": date_parts(date(2026, 12, 1)),
    }
    assert (
        _refused(client, session, url, future, "convened_on")
        == "The date the invitations were sent cannot be in the future"
    )


def test_one_annual_review_is_open_at_a_time_but_an_interim_may_be_added(client, world, login, session, plan):
    _review(session, plan)
    login(world.users["senco"])
    url = f"/ehc/plans/{plan.id}/reviews/new"
    data = {"kind": "annual", "meeting_on": date_parts(date(2026, 12, 18)), "convened_on": date_parts(TODAY)}
    assert "already convened" in _refused(client, session, url, data, "kind")

    assert client.post(url, data={**data, "kind": "interim"}).status_code == 302
    assert count(session, EhcReview, EhcReview.plan_id == plan.id, EhcReview.kind == ReviewKind.INTERIM) == 1


def test_an_annual_review_convened_by_someone_else_at_the_same_moment_is_refused_and_nothing_stored(
    session, world, plan
):
    """The plan as one person loaded it shows no open annual review; a colleague's convening is
    written in the meantime (straight to the table, as another request would). The database keeps
    one open annual review per plan: the second is refused as already convened, storing nothing."""
    assert flow.open_annual_review(plan) is None  # what this person's page saw
    session.execute(
        sa.insert(EhcReview).values(
            plan_id=plan.id, kind=ReviewKind.ANNUAL, meeting_on=date(2026, 12, 14), convened_on=TODAY, version=1
        )
    )
    before = snapshot(session)
    details = flow.ConveneDetails(ReviewKind.ANNUAL, date(2026, 12, 18), TODAY)

    with pytest.raises(RuleBroken, match="already convened") as refused:
        flow.convene_review(session, actor=world.users["senco"], plan=plan, details=details, today=TODAY)

    assert refused.value.field == "kind"
    assert snapshot(session) == before
    # An interim review beside it is still taken.
    interim = flow.ConveneDetails(ReviewKind.INTERIM, date(2026, 12, 18), TODAY)
    flow.convene_review(session, actor=world.users["senco"], plan=plan, details=interim, today=TODAY)
    assert count(session, EhcReview, EhcReview.plan_id == plan.id) == 2


def test_late_invitations_are_recorded_and_shown_late(client, world, login, session, plan):
    login(world.users["senco"])
    url = f"/ehc/plans/{plan.id}/reviews/new"
    data = {
        "kind": "annual",
        "meeting_on": date_parts(date(2026, 11, 30)),
        "convened_on": date_parts(date(2026, 11, 23)),
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    page = client.page(response.headers["Location"])
    row = page.one("#step-invitations")
    assert "16 November 2026" in row.get_text() and "Done late" in row.get_text()


def test_the_steps_keep_their_order(client, world, login, session, plan):
    review = _review(session, plan)
    login(world.users["senco"])
    assert "Record the review meeting before its report" in _refused(
        client, session, f"/ehc/reviews/{review.id}/report", {"report_sent_on": date_parts(TODAY)}, None
    )
    login(world.users["la"])
    assert "has not been recorded yet" in _refused(
        client,
        session,
        f"/ehc/reviews/{review.id}/decision",
        {"la_decision": "keep", "la_decided_on": date_parts(TODAY)},
        None,
    )
    assert "Amendments follow a decision to amend" in _refused(
        client, session, f"/ehc/reviews/{review.id}/amendments", {"amendments_proposed_on": date_parts(TODAY)}, None
    )


def test_a_report_or_decision_dated_before_the_meeting_is_refused(client, world, login, session, plan):
    review = _review(session, plan, **HELD)
    login(world.users["senco"])
    before = {"report_sent_on": date_parts(date(2026, 11, 19))}
    assert _refused(client, session, f"/ehc/reviews/{review.id}/report", before, "report_sent_on") == (
        "The report cannot be sent before the review meeting"
    )
    login(world.users["la"])
    decided = {"la_decision": "keep", "la_decided_on": date_parts(date(2026, 11, 19))}
    assert _refused(client, session, f"/ehc/reviews/{review.id}/decision", decided, "la_decided_on") == (
        "The decision cannot be before the review meeting"
    )


def test_a_step_is_recorded_once(session, world, plan):
    review = _review(session, plan, **HELD, report_sent_on=TODAY)
    with pytest.raises(RuleBroken, match="already recorded as sent"):
        flow.send_report(session, actor=world.users["senco"], review=review, details=TODAY, today=TODAY)
    with pytest.raises(RuleBroken, match="already recorded"):
        flow.record_meeting(
            session,
            actor=world.users["senco"],
            review=review,
            details=flow.MeetingDetails(TODAY, "A", "B", "C", None, ReviewOutcome.KEEP),
            today=TODAY,
        )


def test_a_late_amended_plan_is_recorded_and_shown_late(client, world, login, session):
    plan = _plan(session, world, issued=date(2025, 6, 2))
    review = _review(
        session,
        plan,
        meeting=date(2026, 6, 1),
        convened=date(2026, 5, 11),
        **{**HELD, "held_on": date(2026, 6, 1)},
        la_decision=ReviewOutcome.AMEND,
        la_decided_on=date(2026, 6, 20),
        amendments_proposed_on=date(2026, 6, 22),
    )
    login(world.users["la"])
    assert (
        client.post(f"/ehc/reviews/{review.id}/amendments", data={"amended_final_on": date_parts(TODAY)}).status_code
        == 302
    )
    page = client.page(f"/ehc/reviews/{review.id}")
    row = page.one("#step-amended").get_text()
    assert "17 August 2026" in row and "Done late" in row  # 8 weeks after 22 June (reg 22(3))
    assert "24 August 2026" in page.text("#calendar-notes")  # 12 weeks after the meeting


def test_a_decision_to_cease_is_recorded_and_the_plan_left_to_its_page(client, world, login, session, plan):
    review = _review(session, plan, **HELD)
    login(world.users["la"])
    response = client.post(
        f"/ehc/reviews/{review.id}/decision", data={"la_decision": "cease", "la_decided_on": date_parts(TODAY)}
    )
    assert response.status_code == 302
    session.expire_all()
    assert review.la_decision is ReviewOutcome.CEASE and plan.ceased_on is None
    assert client.page(f"/ehc/reviews/{review.id}").has("#cease-note")


# --- Preparing for adulthood ----------------------------------------------------------------------


def test_from_year_9_the_meeting_must_cover_preparing_for_adulthood(client, world, login, session):
    plan = _plan(session, world, year=9, years=(0, 11))  # the SENCO's school, teaching up to Year 11
    review = _review(session, plan)
    login(world.users["senco"])
    page = client.page(f"/ehc/reviews/{review.id}/meeting")
    assert page.has("#adulthood-required")
    assert _refused(client, session, f"/ehc/reviews/{review.id}/meeting", _meeting_form(), "adulthood") == (
        "From Year 9 every review covers preparing for adulthood: record what was discussed"
    )
    done = client.post(f"/ehc/reviews/{review.id}/meeting", data=_meeting_form(adulthood="Work experience in Year 10"))
    assert done.status_code == 302
    session.expire_all()
    assert review.adulthood == "Work experience in Year 10"


def test_in_year_8_the_adulthood_section_is_not_required(session, world):
    plan = _plan(session, world, school=world.sibling, year=8, years=(7, 11))
    review = _review(session, plan)
    details = flow.MeetingDetails(date(2026, 11, 20), "Mother", "Likes art", "Progress", None, ReviewOutcome.KEEP)
    flow.record_meeting(session, actor=world.users["senco"], review=review, details=details, today=TODAY)
    assert review.held_on == date(2026, 11, 20)
    assert not flow.review_calendar(plan, review, plan.pupil, plan.pupil.school, TODAY).adulthood


# --- The calendar against the date functions -----------------------------------------------------


def _calendar(plan, review=None):
    return flow.review_calendar(plan, review, plan.pupil, plan.pupil.school, TODAY)


def _steps(calendar) -> dict[str, date]:
    return {step.key: step.due_on for step in calendar.steps}


def test_an_under_five_is_reviewed_after_6_months_and_the_steps_work_back_from_it(session, world):
    plan = _plan(session, world, year=0, born=date(2022, 1, 15), issued=date(2026, 6, 1), years=(0, 6))
    calendar = _calendar(plan)

    assert calendar.due_on == date(2026, 12, 1) == ehc_dates.next_review_due(date(2026, 6, 1), None, date(2022, 1, 15))
    assert calendar.under_five
    assert _steps(calendar) == {
        "invitations": date(2026, 11, 17),  # 2 weeks before (reg 20(3))
        "meeting": date(2026, 12, 1),
        "report": date(2026, 12, 15),  # 2 weeks after (reg 20(7))
        "decision": date(2026, 12, 29),  # 4 weeks after (reg 20(10))
    }
    assert calendar.amended_plan_latest == date(2027, 2, 23)  # 12 weeks after the meeting
    assert calendar.transfer is None


def test_a_year_6_pupil_at_a_primary_school_is_reviewed_in_time_for_15_february(session, world):
    plan = _plan(session, world, year=6, issued=date(2026, 3, 1), years=(0, 6))
    calendar = _calendar(plan)

    assert calendar.transfer is ehc_dates.Transfer.PRIMARY_TO_SECONDARY
    assert calendar.transfer_deadline == date(2027, 2, 15)
    assert calendar.due_on == date(2026, 11, 23) == date(2027, 2, 15) - timedelta(weeks=12)  # not 1 March 2027
    assert _steps(calendar)["invitations"] == date(2026, 11, 9)
    assert _steps(calendar)["transfer"] == date(2027, 2, 15)


def test_a_year_11_pupil_at_a_school_without_a_sixth_form_is_reviewed_in_time_for_31_march(session, world):
    plan = _plan(session, world, school=world.sibling, year=11, issued=date(2026, 2, 1), years=(7, 11))
    calendar = _calendar(plan)

    assert calendar.transfer is ehc_dates.Transfer.SECONDARY_TO_FURTHER_EDUCATION
    assert calendar.transfer_deadline == date(2027, 3, 31)
    assert calendar.due_on == date(2027, 1, 6)  # 12 weeks before 31 March, not 1 February 2027
    assert calendar.adulthood


def test_with_a_sixth_form_year_11_is_no_transfer(session, world):
    plan = _plan(session, world, school=world.sibling, year=11, issued=date(2026, 2, 1), years=(7, 13))
    calendar = _calendar(plan)
    assert calendar.transfer is None and calendar.due_on == date(2027, 2, 1)


def test_an_annual_review_held_early_moves_the_next_due_date_and_an_interim_does_not(session, world, plan):
    assert _calendar(plan).due_on == date(2026, 12, 1)
    _review(
        session,
        plan,
        kind=ReviewKind.INTERIM,
        meeting=date(2026, 6, 1),
        convened=date(2026, 5, 11),
        **{
            **HELD,
            "held_on": date(2026, 6, 1),
        },
    )
    session.expire_all()
    assert _calendar(plan).due_on == date(2026, 12, 1)

    early = _review(
        session,
        plan,
        meeting=date(2026, 10, 1),
        convened=date(2026, 9, 14),
        **{
            **HELD,
            "held_on": date(2026, 10, 1),
        },
    )
    session.expire_all()
    assert _calendar(plan).due_on == date(2027, 10, 1)
    # The held review's own calendar keeps the due date it was held against.
    assert _calendar(plan, early).due_on == date(2026, 12, 1)
    # One definition: the schedule every other page reads says the same.
    (scheduled,) = review_schedule(session, TODAY, EhcPlan.id == plan.id)
    assert scheduled.due_on == date(2027, 10, 1)


def test_the_steps_after_a_meeting_count_from_the_day_it_was_held(session, world, plan):
    review = _review(session, plan, **{**HELD, "held_on": date(2026, 11, 23)})
    steps = _steps(_calendar(plan, review))
    assert steps["report"] == ehc_dates.report_due(date(2026, 11, 23)) == date(2026, 12, 7)
    assert steps["decision"] == ehc_dates.la_decision_due(date(2026, 11, 23)) == date(2026, 12, 21)
    assert steps["amended"] == ehc_dates.amended_plan_latest(date(2026, 11, 23))
