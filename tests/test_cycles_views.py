"""Support cycle pages through the test client: the journey, bad input, two people editing at once,
locked cycles, concern decisions, letters, the printable plan, and who may do what.

The app's date is 27 Nov 2026. Cycles set up outside a request are driven through the workflow by
`tests.factories.drive_cycle` (plan from 7 Sep 2026, review date 2 Nov, meeting 20 Nov).
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import (
    AreaOfNeed,
    Concern,
    ConcernStatus,
    CycleState,
    NeedType,
    Observation,
    Outcome,
    OutcomeRating,
    ParentLetter,
    Plan,
    Provision,
    Review,
    ReviewDecision,
    Role,
    SenStatus,
    SupportCycle,
    TeachingGroup,
    TimelineEvent,
)
from sentrack.workflows.concerns import raise_concern
from tests.factories import HELD_ON, PLAN_STARTS, REVIEW_DATE, drive_cycle, make_user
from tests.helpers import audit_events, count, date_parts
from tests.pages import Html, Page, words

TODAY = date(2026, 11, 27)


@pytest.fixture
def senco(client, world, login):
    return login(world.users["senco"])


@pytest.fixture
def colleague(session, world):
    """A second SENCO of the same school, for two people editing at once."""
    user = make_user(session, "deputy.senco@oak.test", Role.SENCO, school=world.school, name="Dana Deputy")
    session.commit()
    return user


def _drive(session, world, to: CycleState, pupil_key="taught", **options) -> SupportCycle:
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=world.pupils[pupil_key], to=to, **options)
    session.commit()
    return cycle


def _url(cycle: SupportCycle, rest: str = "") -> str:
    return f"/pupils/{cycle.pupil.public_id}/cycles/{cycle.number}{rest}"


def _cycle(session, pupil, number) -> SupportCycle:
    session.expire_all()
    return session.scalar(
        sa.select(SupportCycle).where(SupportCycle.pupil_id == pupil.id, SupportCycle.number == number)
    )


def _hidden(page: Html, name: str) -> str:
    return page.one(f'input[type="hidden"][name="{name}"]')["value"]


def _date_value(page: Html, name: str) -> date:
    """The date a GOV.UK date field on the page holds."""
    parts = [page.one(f"#{name}-{part}")["value"] for part in ("year", "month", "day")]
    return date(*map(int, parts))


def _textarea(page: Html, name: str) -> str:
    return page.one(f'textarea[name="{name}"]').get_text().strip()


def _general_errors(page: Html) -> str:
    """The text of the error summary that heads a form page."""
    return page.text(".govuk-error-summary__body") if page.has(".govuk-error-summary__body") else ""


# --- Forms as the browser posts them -----------------------------------------------------------


def _assessment_form(version="0", **changes) -> dict:
    form = {
        "version": version,
        "areas_of_need": ["cognition", "communication"],
        "strengths": "Loves stories read aloud",
        "difficulties": "Decoding unfamiliar words",
        "evidence": "Phonics screening 18 of 40",
        "pupil_views": "Long words are hard",
        "parent_views": "Reads at home with support",
        "outside_agencies": "",
        "assessed_on": date_parts(date(2026, 9, 1)),
    }
    form.update(changes)
    return form


def _plan_form(version="0", **changes) -> dict:
    form = {
        "version": version,
        "starts_on": date_parts(PLAN_STARTS),
        "strategies": "Seat near the front; instructions one step at a time",
        "provision": "Daily phonics catch-up, 15 minutes",
        "expected_impact": "Reading age up 6 months by the review",
        "responsibilities": "TA runs the group; class teacher checks progress weekly",
        "review_date": date_parts(REVIEW_DATE),
        "agreed_with_parents_on": date_parts(PLAN_STARTS),
        "agreed_how": "without_meeting",
    }
    form.update(changes)
    return form


def _outcome_form(description="Reads a book at the right band", version="0", **changes) -> dict:
    form = {
        "version": version,
        "description": description,
        "success_criteria": "9 words in 10 read correctly",
        "area_of_need": "cognition",
        "target_date": date_parts(REVIEW_DATE),
    }
    form.update(changes)
    return form


def _review_form(cycle, *, version, record=False, ratings=None, **changes) -> dict:
    ratings = ratings if ratings is not None else {o.id: "achieved" for o in cycle.outcomes}
    form = {
        "version": str(version),
        "held_on": date_parts(HELD_ON),
        "attendees": "SENCO, class teacher, mother",
        "parent_attended": "y",
        "provision_impact": "Reading age up 6 months",
        "pupil_views": "I like the reading group",
        "parent_views": "Happy with progress",
        "next_steps": "Keep the group going",
        "decision": "continue",
        "decision_reason": "",
        "ehc_requested_on": ["", "", ""],
    }
    positions = {outcome.id: position for position, outcome in enumerate(cycle.outcomes)}
    for outcome_id, rating in ratings.items():
        index = positions.get(outcome_id, len(positions))
        form[f"ratings-{index}-outcome_id"] = str(outcome_id)
        form[f"ratings-{index}-rating"] = rating
        form[f"ratings-{index}-note"] = ""
    form["record" if record else "save"] = "Record" if record else "Save draft"
    form.update(changes)
    return form


# --- The journey --------------------------------------------------------------------------------


def _first_cycle_to_review(client, session, pupil) -> SupportCycle:
    """Open, assess, plan (two outcomes), start and observe, through the pages; then start the
    review, and add an observation made in October."""
    base = f"/pupils/{pupil.public_id}/cycles/1"

    response = client.post(f"/pupils/{pupil.public_id}/cycles")
    assert response.headers["Location"] == f"{base}/assessment"
    assert client.post(f"{base}/assessment", data=_assessment_form()).status_code == 302
    assert client.post(f"{base}/move/finish_assessment").status_code == 302
    assert _cycle(session, pupil, 1).state is CycleState.PLAN

    assert client.post(f"{base}/plan", data=_plan_form()).status_code == 302
    assert client.post(f"{base}/outcomes/new", data=_outcome_form("Reads a book at the right band")).status_code == 302
    assert (
        client.post(f"{base}/outcomes/new", data=_outcome_form("Writes a sentence with a capital letter")).status_code
        == 302
    )
    response = client.post(f"{base}/start", data={"primary_need": "SPLD", "secondary_need": ""})
    assert response.status_code == 302
    cycle = _cycle(session, pupil, 1)
    assert cycle.state is CycleState.DO

    first, second = cycle.outcomes
    for outcome, note in (
        (first, "Read 7 of 10 words on the banded book"),
        (second, "Capital letters in 3 of 5 sentences"),
    ):
        data = {"observed_on": date_parts(date(2026, 10, 1)), "outcome": str(outcome.id), "note": note}
        assert client.post(f"{base}/observations/new", data=data).status_code == 302

    response = client.post(f"{base}/move/start_review")
    assert response.headers["Location"] == f"{base}/review"
    # Typed in now, about mid-October: it belongs there in the chronology.
    late = {
        "observed_on": date_parts(date(2026, 10, 15)),
        "outcome": "",
        "note": "Reading with more confidence at home",
    }
    assert client.post(f"{base}/observations/new", data=late).status_code == 302
    return _cycle(session, pupil, 1)


def test_a_senco_takes_a_pupil_through_a_cycle_that_continues(senco, world, session):
    pupil = world.pupils["taught_plain"]
    cycle = _first_cycle_to_review(senco, session, pupil)
    first, second = cycle.outcomes

    # Placed on SEN support from the plan's start, with the letter to parents prepared.
    [status] = session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id)).all()
    assert (status.provision, status.primary_need, status.start_date) == (
        Provision.SEN_SUPPORT,
        NeedType.SPLD,
        PLAN_STARTS,
    )
    assert count(session, ParentLetter, ParentLetter.pupil_id == pupil.id) == 1
    # The cycle page shows what was planned beside what was recorded.
    page = senco.page(_url(cycle))
    card = '.govuk-summary-card:has(h4.govuk-summary-card__title:-soup-contains("1. Reads a book at the right band"))'
    assert "Read 7 of 10 words on the banded book" in page.summary(card)["Recorded so far"]
    assert "Capital letters in 3 of 5 sentences" not in str(page.one(card))

    ratings = {first.id: "not_achieved", second.id: "achieved"}
    draft = senco.post(_url(cycle, "/review"), data=_review_form(cycle, version=0, ratings=ratings))
    assert draft.status_code == 302
    review = _cycle(session, pupil, 1).review
    assert (review.version, review.recorded_at, review.held_on) == (1, None, HELD_ON)
    assert _cycle(session, pupil, 1).state is CycleState.REVIEW

    recorded = senco.post(_url(cycle, "/review"), data=_review_form(cycle, version=1, ratings=ratings, record=True))

    assert recorded.headers["Location"] == f"/pupils/{pupil.public_id}/cycles/2"
    closed, following = _cycle(session, pupil, 1), _cycle(session, pupil, 2)
    assert (closed.state, closed.closed_on, closed.review.decision) == (
        CycleState.CLOSED,
        HELD_ON,
        ReviewDecision.CONTINUE,
    )
    assert following.state is CycleState.ASSESS
    assert [(o.description, o.carried_from_id) for o in following.outcomes] == [
        ("Reads a book at the right band", first.id)
    ]
    assert "carried forward from the last cycle" in senco.page(_url(following))


def test_the_next_cycle_ends_in_a_step_down_shown_in_the_history_and_timeline(senco, world, session):
    pupil = world.pupils["taught_plain"]
    cycle = _first_cycle_to_review(senco, session, pupil)
    ratings = {cycle.outcomes[0].id: "not_achieved", cycle.outcomes[1].id: "exceeded"}
    senco.post(_url(cycle, "/review"), data=_review_form(cycle, version=0, ratings=ratings, record=True))
    base = f"/pupils/{pupil.public_id}/cycles/2"

    # Cycle 2: a short plan whose review date (26 Nov) has been reached by today (27 Nov).
    assert (
        senco.post(f"{base}/assessment", data=_assessment_form(assessed_on=date_parts(date(2026, 11, 21)))).status_code
        == 302
    )
    assert senco.post(f"{base}/move/finish_assessment").status_code == 302
    # The carried outcome aims at the default review date: brought within this short plan first.
    carried = _cycle(session, pupil, 2).outcomes[0]
    assert (
        senco.post(
            f"{base}/outcomes/{carried.id}",
            data=_outcome_form(
                carried.description, version=str(carried.version), target_date=date_parts(date(2026, 11, 26))
            ),
        ).status_code
        == 302
    )
    plan = _plan_form(
        starts_on=date_parts(date(2026, 11, 21)),
        review_date=date_parts(date(2026, 11, 26)),
        agreed_with_parents_on=date_parts(date(2026, 11, 21)),
    )
    assert senco.post(f"{base}/plan", data=plan).status_code == 302
    assert senco.post(f"{base}/start", data={}).status_code == 302  # already on K: no need asked for
    assert senco.post(f"{base}/move/start_review").status_code == 302
    second = _cycle(session, pupil, 2)
    step_down = _review_form(
        second,
        version=0,
        record=True,
        held_on=date_parts(TODAY),
        decision="step_down",
        decision_reason="Reading now at age-related expectations",
        ratings={second.outcomes[0].id: "achieved"},
    )
    response = senco.post(f"{base}/review", data=step_down)

    assert response.headers["Location"] == base
    assert _cycle(session, pupil, 2).state is CycleState.CLOSED
    assert count(session, SupportCycle, SupportCycle.pupil_id == pupil.id) == 2
    support, none = session.scalars(
        sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id).order_by(SenStatus.start_date)
    ).all()
    assert (support.start_date, support.end_date) == (PLAN_STARTS, date(2026, 11, 26))
    assert (none.provision, none.start_date, none.end_date) == (Provision.NONE, TODAY, None)

    record = senco.page(f"/pupils/{pupil.public_id}")
    history = record.table("SEN status periods, newest first")
    reason = "Stepped down from SEN support at the review: Reading now at age-related expectations"
    assert any(row[4].startswith(reason) for row in history)

    timeline = senco.page(f"/pupils/{pupil.public_id}/timeline")
    events = list(
        zip(
            [date.fromisoformat(time["datetime"]) for time in timeline.all("time[datetime]")],
            timeline.texts("h3.moj-timeline__title"),
            strict=True,
        )
    )
    assert len(events) == count(session, TimelineEvent, TimelineEvent.pupil_id == pupil.id)
    assert [when for when, _ in events] == sorted((when for when, _ in events), reverse=True)
    assert events == [
        (date(2026, 11, 27), "Taken off the SEN register"),
        (date(2026, 11, 27), "Parents met at the review"),
        (date(2026, 11, 27), "Review held: stepped down from SEN support"),
        (date(2026, 11, 26), "Review started"),
        (date(2026, 11, 21), "Plan started: review on 26 November 2026"),
        (date(2026, 11, 21), "Plan written"),
        (date(2026, 11, 21), "Assessment finished: planning begins"),
        (date(2026, 11, 21), "Assessment recorded"),
        (date(2026, 11, 20), "Support cycle 2 opened: assessment begins"),
        (date(2026, 11, 20), "Parents met at the review"),
        (date(2026, 11, 20), "Review held: SEN support continues in a new cycle"),
        (date(2026, 11, 2), "Review started"),
        (date(2026, 10, 15), "Observation recorded"),
        (date(2026, 10, 1), "Observation recorded"),
        (date(2026, 10, 1), "Observation recorded"),
        (date(2026, 9, 7), "Plan started: review on 2 November 2026"),
        (date(2026, 9, 7), "Placed on SEN support"),
        (date(2026, 9, 7), "Plan written"),
        (date(2026, 9, 1), "Assessment finished: planning begins"),
        (date(2026, 9, 1), "Assessment recorded"),
        (date(2026, 9, 1), "Support cycle 1 opened: assessment begins"),
    ]
    # Each entry shows when it was typed in as well as when it happened.
    entered = timeline.texts(".moj-timeline__item .moj-timeline__date .govuk-hint")
    assert len(entered) == len(events)
    assert all(when.startswith("(entered 27 November 2026 at") for when in entered)


def test_the_plan_form_offers_the_schools_review_interval(senco, world, session):
    world.school.review_interval_weeks = 6
    session.commit()
    cycle = _drive(session, world, CycleState.PLAN)

    page = senco.page(_url(cycle, "/plan"))

    assert _date_value(page, "starts_on") == TODAY
    assert _date_value(page, "review_date") == date(2027, 1, 8)  # 27 Nov 2026 + 6 weeks


def test_an_assessment_records_who_assessed_and_every_part(senco, world, session):
    cycle = _drive(session, world, CycleState.ASSESS)

    senco.post(_url(cycle, "/assessment"), data=_assessment_form(outside_agencies="Speech and language therapy"))

    assessment = _cycle(session, cycle.pupil, 1).assessment
    assert assessment.areas == [AreaOfNeed.COGNITION, AreaOfNeed.COMMUNICATION]
    assert (assessment.pupil_views, assessment.parent_views, assessment.outside_agencies) == (
        "Long words are hard",
        "Reads at home with support",
        "Speech and language therapy",
    )
    assert (assessment.assessed_by_id, assessment.assessed_on) == (world.users["senco"].id, date(2026, 9, 1))


def test_a_move_refused_by_its_guard_says_why(senco, world, session):
    cycle = _drive(session, world, CycleState.ASSESS)

    response = senco.post(_url(cycle, "/move/finish_assessment"), follow_redirects=True)

    assert Page(response).flashes() == ["Record the assessment first"]
    assert _cycle(session, cycle.pupil, 1).state is CycleState.ASSESS


def test_an_unknown_move_is_not_found(senco, world, session):
    cycle = _drive(session, world, CycleState.DO)

    assert senco.post(_url(cycle, "/move/record_review")).status_code == 404
    assert _cycle(session, cycle.pupil, 1).state is CycleState.DO


# --- Bad input: a message beside the field, and nothing stored ---------------------------------


def test_a_review_date_not_after_the_start_is_refused(senco, world, session):
    cycle = _drive(session, world, CycleState.PLAN)

    response = senco.post(_url(cycle, "/plan"), data=_plan_form(review_date=date_parts(PLAN_STARTS)))

    assert response.status_code == 200
    assert Page(response).field_error("review_date") == "The review date must be after the date the plan starts"
    assert count(session, Plan) == 0


def test_a_plan_agreed_on_a_date_must_say_whether_at_a_meeting(senco, world, session):
    cycle = _drive(session, world, CycleState.PLAN)

    response = senco.post(_url(cycle, "/plan"), data=_plan_form(agreed_how=""))

    assert response.status_code == 200
    assert Page(response).field_error("agreed_how") == "Select how the plan was agreed with parents"
    assert count(session, Plan) == 0
    # Not yet agreed: no choice needed.
    assert (
        senco.post(
            _url(cycle, "/plan"), data=_plan_form(agreed_how="", agreed_with_parents_on=["", "", ""])
        ).status_code
        == 302
    )


def test_a_plan_agreed_at_a_meeting_records_it_once_and_the_pupil_page_says_so(senco, world, session):
    from sentrack.models import ParentMeeting

    cycle = _drive(session, world, CycleState.PLAN)

    response = senco.post(_url(cycle, "/plan"), data=_plan_form(agreed_how="meeting"))

    assert response.status_code == 302
    (meeting,) = session.scalars(sa.select(ParentMeeting)).all()
    assert (meeting.held_on, meeting.plan_id) == (PLAN_STARTS, cycle.plan.id)
    page = senco.page(f"/pupils/{cycle.pupil.public_id}")
    assert "(plan for cycle 1 agreed)" in page
    form = senco.page(_url(cycle, "/plan"))
    assert form.one('input[name="agreed_how"][value="meeting"]').has_attr("checked")
    # Recording the same meeting again by hand is refused: it is the day's meeting already.
    again = senco.post(
        f"/pupils/{cycle.pupil.public_id}/meetings/new",
        data={
            "held_on": date_parts(PLAN_STARTS),
            "mode": "in_person",
            "led_by_id": str(world.users["senco"].id),
            "attendees": "Mother",
            "pupil_views": "Fine",
            "outcomes": "Plan agreed",
        },
    )
    assert "already recorded" in Page(again).field_error("held_on")
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(ParentMeeting)) == 1


def test_an_empty_outcome_is_refused(senco, world, session):
    cycle = _drive(session, world, CycleState.DO)

    response = senco.post(_url(cycle, "/outcomes/new"), data=_outcome_form(description="   "))

    assert response.status_code == 200
    assert Page(response).field_error("description") == "Describe the outcome"
    assert count(session, Outcome) == 2


def test_recording_a_review_with_an_outcome_unrated_is_refused(senco, world, session):
    cycle = _drive(session, world, CycleState.REVIEW)
    first, second = cycle.outcomes

    response = senco.post(
        _url(cycle, "/review"), data=_review_form(cycle, version=0, record=True, ratings={second.id: "achieved"})
    )

    assert response.status_code == 200
    assert (
        Page(response).field_error("ratings-0-rating")  # the first outcome's rating
        == "Rate the outcome 'Outcome 1: reads a book banded at the right level'"
    )
    cycle = _cycle(session, cycle.pupil, 1)
    assert (cycle.state, cycle.review.version, cycle.review.pupil_views) == (CycleState.REVIEW, 0, None)
    assert [o.rating for o in cycle.outcomes] == [None, None]
    # What was typed is still in the form.
    assert _textarea(Page(response), "pupil_views") == "I like the reading group"


def test_each_rating_is_kept_for_the_outcome_its_hidden_id_names(senco, world, session):
    """The ratings are sent in a list of sub-forms, each with its outcome's id: sent in another
    order, each rating still goes to its own outcome."""
    cycle = _drive(session, world, CycleState.REVIEW)
    first, second = cycle.outcomes
    data = _review_form(cycle, version=0, ratings={})
    data.update(
        {
            "ratings-0-outcome_id": str(second.id),
            "ratings-0-rating": "exceeded",
            "ratings-0-note": "Reads everything",
            "ratings-1-outcome_id": str(first.id),
            "ratings-1-rating": "not_achieved",
            "ratings-1-note": "",
        }
    )

    assert senco.post(_url(cycle, "/review"), data=data).status_code == 302
    cycle = _cycle(session, cycle.pupil, 1)
    assert [(o.rating, o.rating_note) for o in cycle.outcomes] == [
        (OutcomeRating.NOT_ACHIEVED, None),
        (OutcomeRating.EXCEEDED, "Reads everything"),
    ]


def test_a_review_meeting_dated_in_the_future_is_refused(senco, world, session):
    cycle = _drive(session, world, CycleState.REVIEW)

    response = senco.post(
        _url(cycle, "/review"), data=_review_form(cycle, version=0, held_on=date_parts(date(2026, 11, 28)))
    )

    assert response.status_code == 200
    assert Page(response).field_error("held_on") == "The review meeting cannot be dated in the future"
    review = _cycle(session, cycle.pupil, 1).review
    assert (review.version, review.held_on) == (0, None)


def test_an_observation_dated_in_the_future_is_refused(senco, world, session):
    cycle = _drive(session, world, CycleState.DO)

    data = {"observed_on": date_parts(date(2026, 11, 28)), "outcome": "", "note": "Read well"}
    response = senco.post(_url(cycle, "/observations/new"), data=data)

    assert response.status_code == 200
    assert Page(response).field_error("observed_on") == "The date cannot be in the future"
    assert count(session, Observation) == 0


def test_starting_support_for_a_pupil_not_on_the_register_needs_a_primary_need(senco, world, session):
    cycle = _drive(session, world, CycleState.PLAN, pupil_key="taught_plain")
    senco.post(_url(cycle, "/plan"), data=_plan_form())
    senco.post(_url(cycle, "/outcomes/new"), data=_outcome_form())

    response = senco.post(_url(cycle, "/start"), data={"primary_need": "", "secondary_need": ""})

    assert response.status_code == 200
    assert (
        Page(response).field_error("primary_need")
        == "Select the pupil's primary type of need to place them on SEN support"
    )
    assert _cycle(session, cycle.pupil, 1).state is CycleState.PLAN
    assert (count(session, SenStatus, SenStatus.pupil_id == cycle.pupil_id), count(session, ParentLetter)) == (0, 0)


def _overdue_concern(session, world, pupil_key="taught_plain") -> Concern:
    concern = raise_concern(
        session,
        actor=world.users["teacher"],
        pupil=world.pupils[pupil_key],
        raised_on=date(2026, 10, 1),
        area_of_need=AreaOfNeed.COGNITION,
        description="Reverses letters",
        today=TODAY,
    )
    session.commit()
    return concern


def test_no_further_action_without_a_reason_is_refused(senco, world, session):
    concern = _overdue_concern(session, world)

    data = {"decision": "no_further_action", "reason": "  ", "version": "1", "decided_on": date_parts(TODAY)}
    response = senco.post(f"/pupils/{concern.pupil.public_id}/concerns/{concern.id}/decide", data=data)

    assert response.status_code == 200
    assert Page(response).field_error("reason") == "Give the reason no further action is needed"
    session.refresh(concern)
    assert (concern.status, concern.decided_on) == (ConcernStatus.OPEN, None)


# --- Two people editing at once -----------------------------------------------------------------


def test_a_plan_saved_by_someone_else_meanwhile_is_a_conflict_that_loses_nothing(
    app, senco, login, world, session, colleague
):
    cycle = _drive(session, world, CycleState.DO)
    opened = senco.page(_url(cycle, "/plan"))
    assert _hidden(opened, "version") == "1"
    other = login(colleague, app.test_client())
    assert (
        other.post(_url(cycle, "/plan"), data=_plan_form(version="1", strategies="Visual timetable")).status_code == 302
    )

    mine = _plan_form(version="1", provision="Precision teaching, 10 minutes daily")
    response = senco.post(_url(cycle, "/plan"), data=mine)

    page = Page(response)
    assert response.status_code == 200
    assert "Dana Deputy saved a change to this record" in page.text(".app-conflict")
    changed = page.table("What they changed")
    assert ["Strategies for everyone who teaches the pupil", "Visual timetable"] in changed
    assert not any("Provision" in cell for row in changed for cell in row)
    assert _textarea(page, "provision") == "Precision teaching, 10 minutes daily"
    assert _hidden(page, "version") == "2"
    plan = _cycle(session, cycle.pupil, 1).plan
    assert (plan.version, plan.strategies, plan.provision) == (
        2,
        "Visual timetable",
        "Daily phonics catch-up, 15 minutes",
    )

    again = senco.post(_url(cycle, "/plan"), data=dict(mine, version=_hidden(page, "version")))

    assert again.status_code == 302
    plan = _cycle(session, cycle.pupil, 1).plan
    assert (plan.version, plan.provision, plan.updated_by_id) == (
        3,
        "Precision teaching, 10 minutes daily",
        world.users["senco"].id,
    )


def test_two_people_writing_the_first_plan_at_once_is_a_conflict(app, senco, login, world, session, colleague):
    cycle = _drive(session, world, CycleState.PLAN)
    mine = _plan_form(version=_hidden(senco.page(_url(cycle, "/plan")), "version"), provision="Mine")
    other = login(colleague, app.test_client())
    theirs = _plan_form(version=_hidden(other.page(_url(cycle, "/plan")), "version"), provision="Theirs")
    assert other.post(_url(cycle, "/plan"), data=theirs).status_code == 302

    response = senco.post(_url(cycle, "/plan"), data=mine)

    assert response.status_code == 200
    assert "Dana Deputy saved a change to this record" in Page(response).text(".app-conflict")
    assert _cycle(session, cycle.pupil, 1).plan.provision == "Theirs"


def test_a_review_saved_by_someone_else_meanwhile_is_a_conflict_that_loses_nothing(
    app, senco, login, world, session, colleague
):
    cycle = _drive(session, world, CycleState.REVIEW)
    assert _hidden(senco.page(_url(cycle, "/review")), "version") == "0"
    other = login(colleague, app.test_client())
    theirs = _review_form(cycle, version=0, pupil_views="Likes working with the TA")
    assert other.post(_url(cycle, "/review"), data=theirs).status_code == 302

    mine = _review_form(cycle, version=0, next_steps="Add a spelling outcome")
    response = senco.post(_url(cycle, "/review"), data=mine)

    page = Page(response)
    assert response.status_code == 200
    assert "Dana Deputy saved a change to this record" in page.text(".app-conflict")
    changed = page.table("What they changed")
    assert any("Likes working with the TA" in value for _, value in changed)
    assert _textarea(page, "next_steps") == "Add a spelling outcome"
    review = _cycle(session, cycle.pupil, 1).review
    assert (review.version, review.next_steps, review.updated_by_id) == (1, "Keep the group going", colleague.id)

    assert senco.post(_url(cycle, "/review"), data=dict(mine, version=_hidden(page, "version"))).status_code == 302
    assert _cycle(session, cycle.pupil, 1).review.next_steps == "Add a spelling outcome"


def test_an_outcome_changed_by_someone_else_meanwhile_is_a_conflict(app, senco, login, world, session, colleague):
    cycle = _drive(session, world, CycleState.DO)
    outcome = cycle.outcomes[0]
    url = _url(cycle, f"/outcomes/{outcome.id}")
    assert _hidden(senco.page(url), "version") == "1"
    other = login(colleague, app.test_client())
    assert other.post(url, data=_outcome_form("Reads 50 exception words", version="1")).status_code == 302

    response = senco.post(url, data=_outcome_form("Reads a whole chapter", version="1"))

    assert response.status_code == 200
    page = Page(response)
    assert "Reads 50 exception words" in [value for _, value in page.table("What they changed")]
    assert _textarea(page, "description") == "Reads a whole chapter"
    assert _cycle(session, cycle.pupil, 1).outcomes[0].description == "Reads 50 exception words"


# --- A reviewed cycle is locked -----------------------------------------------------------------


def _state_of(session, cycle) -> tuple:
    cycle = _cycle(session, cycle.pupil, cycle.number)
    return (
        cycle.state,
        cycle.plan.version,
        cycle.plan.strategies,
        cycle.review.version,
        cycle.review.pupil_views,
        cycle.assessment.strengths,
        [(o.description, o.version, o.rating) for o in cycle.outcomes],
        count(session, Outcome),
        count(session, Observation),
        count(session, TimelineEvent),
    )


LOCKED_POSTS = {
    "assessment": lambda c: ("/assessment", _assessment_form(strengths="Changed")),
    "plan": lambda c: ("/plan", _plan_form(version=str(c.plan.version), strategies="Changed")),
    "new outcome": lambda c: ("/outcomes/new", _outcome_form("Changed")),
    "outcome": lambda c: (
        f"/outcomes/{c.outcomes[0].id}",
        _outcome_form("Changed", version=str(c.outcomes[0].version)),
    ),
    "observation": lambda c: (
        "/observations/new",
        {"observed_on": date_parts(TODAY), "outcome": "", "note": "Late note"},
    ),
    "review draft": lambda c: ("/review", _review_form(c, version=c.review.version, pupil_views="Changed")),
    "review record": lambda c: (
        "/review",
        _review_form(c, version=c.review.version, record=True, pupil_views="Changed"),
    ),
}


@pytest.mark.parametrize("post", list(LOCKED_POSTS))
def test_a_reviewed_cycle_refuses_changes(senco, world, session, post):
    cycle = _drive(session, world, CycleState.CLOSED)
    before = _state_of(session, cycle)
    path, data = LOCKED_POSTS[post](cycle)

    response = senco.post(_url(cycle, path), data=data)

    assert response.status_code == 200
    assert "This cycle was reviewed on 20 November 2026 and is locked" in _general_errors(Page(response))
    assert _state_of(session, cycle) == before


@pytest.mark.parametrize("path", ["/move/start_review", "/move/finish_assessment", "/outcomes/{outcome}/remove"])
def test_a_reviewed_cycle_refuses_moves_and_removals(senco, world, session, path):
    cycle = _drive(session, world, CycleState.CLOSED)
    before = _state_of(session, cycle)

    response = senco.post(_url(cycle, path.format(outcome=cycle.outcomes[0].id)), follow_redirects=True)

    assert response.status_code == 200
    [flash] = Page(response).flashes()
    assert "cannot" in flash or "locked" in flash
    assert _state_of(session, cycle) == before


def test_a_reviewed_cycle_offers_no_change_links(senco, world, session):
    cycle = _drive(session, world, CycleState.CLOSED)

    page = senco.page(_url(cycle))

    assert "This cycle is locked" in page
    for link in ('/plan"', "/outcomes/new", "/observations/new", '/assessment"'):
        assert _url(cycle, link) not in page.html


# --- Concerns -----------------------------------------------------------------------------------


def _past_deadline(page: Html) -> str:
    """The markup of the home page's table of concerns past their deadline ("" when there is none)."""
    tables = [table for table in page.all("table") if table.caption and words(table.caption) == "Past their deadline"]
    return str(tables[0]) if tables else ""


def test_assessing_a_concern_opens_a_cycle_linked_to_it(senco, world, session):
    concern = _overdue_concern(session, world)
    pupil = concern.pupil
    home = senco.page("/")
    assert f"/pupils/{pupil.public_id}#concerns" in home.links(
        'table:has(> caption:-soup-contains("Past their deadline"))'
    )

    data = {"decision": "assess", "reason": "", "version": "1", "decided_on": date_parts(TODAY)}
    response = senco.post(f"/pupils/{pupil.public_id}/concerns/{concern.id}/decide", data=data)

    assert response.headers["Location"] == f"/pupils/{pupil.public_id}/cycles/1/assessment"
    session.refresh(concern)
    assert (concern.status, concern.decided_on, concern.decided_by_id) == (
        ConcernStatus.ASSESSED,
        TODAY,
        world.users["senco"].id,
    )
    assert _cycle(session, pupil, 1).concern_id == concern.id
    assert pupil.public_id not in _past_deadline(senco.page("/"))


def test_no_further_action_with_a_reason_closes_the_concern(senco, world, session):
    concern = _overdue_concern(session, world)
    pupil = concern.pupil

    data = {
        "decision": "no_further_action",
        "reason": "Caught up after a phonics recap",
        "version": "1",
        "decided_on": date_parts(date(2026, 11, 2)),
    }
    response = senco.post(f"/pupils/{pupil.public_id}/concerns/{concern.id}/decide", data=data)

    assert response.status_code == 302
    session.refresh(concern)
    assert (concern.status, concern.decided_on, concern.decision_note) == (
        ConcernStatus.NO_FURTHER_ACTION,
        date(2026, 11, 2),
        "Caught up after a phonics recap",
    )
    assert count(session, SupportCycle) == 0
    home = senco.page("/")
    assert pupil.public_id not in _past_deadline(home)
    assert home.texts("section[aria-labelledby=concerns-heading] > p")[0].startswith("0 open concerns")


def test_a_decided_concern_cannot_be_decided_again(senco, world, session):
    concern = _overdue_concern(session, world)
    url = f"/pupils/{concern.pupil.public_id}/concerns/{concern.id}/decide"
    senco.post(
        url, data={"decision": "no_further_action", "reason": "Fine", "version": "1", "decided_on": date_parts(TODAY)}
    )

    response = senco.post(
        url, data={"decision": "assess", "reason": "", "version": "1", "decided_on": date_parts(TODAY)}
    )

    assert response.status_code == 200  # opened before the first decision: told of it
    warning = Page(response).text(".app-conflict")
    assert "changed this record" in warning or "saved a change to this record" in warning
    session.refresh(concern)
    assert concern.status is ConcernStatus.NO_FURTHER_ACTION
    assert count(session, SupportCycle) == 0


# --- The letter to parents and the printable plan -----------------------------------------------


def test_the_letter_names_the_pupil_and_the_parents(senco, world, session):
    _drive(session, world, CycleState.DO, pupil_key="taught_plain")
    pupil = world.pupils["taught_plain"]
    letter = session.scalar(sa.select(ParentLetter).where(ParentLetter.pupil_id == pupil.id))

    page = senco.page(f"/pupils/{pupil.public_id}/letters/{letter.id}")

    assert page.text("h1") == "Letter to parents: SEN support"
    assert page.texts("article h2") == ["Special educational provision for Ben Cole"]
    assert "Dear Parent of Ben," in page.texts("p")
    assert any("from 7 September 2026" in p for p in page.texts("p"))  # SEN support from the plan's start


def test_a_letter_is_marked_sent_once(app, senco, login, world, session, colleague):
    _drive(session, world, CycleState.DO, pupil_key="taught_plain")
    pupil = world.pupils["taught_plain"]
    letter = session.scalar(sa.select(ParentLetter).where(ParentLetter.pupil_id == pupil.id))
    url = f"/pupils/{pupil.public_id}/letters/{letter.id}/sent"

    first = senco.post(url)

    assert first.headers["Location"] == f"/pupils/{pupil.public_id}#letters"
    session.refresh(letter)
    assert (letter.sent_on, letter.sent_by_id) == (TODAY, world.users["senco"].id)

    other = login(colleague, app.test_client())
    second = other.post(url, follow_redirects=True)

    assert Page(second).flashes() == ["This letter was already sent on 27 November 2026"]
    session.refresh(letter)
    assert (letter.sent_on, letter.sent_by_id) == (TODAY, world.users["senco"].id)
    assert len(audit_events(session, "letter_sent")) == 1
    assert count(session, TimelineEvent, TimelineEvent.kind == "letter_sent") == 1


def test_the_printable_plan_shows_the_outcomes(senco, world, session):
    cycle = _drive(session, world, CycleState.DO)

    page = senco.page(_url(cycle, "/plan/print"))

    assert page.text("h1") == "Ada Brook's SEN support plan"
    for outcome in cycle.outcomes:
        assert outcome.description in page
        assert outcome.success_criteria in page
    assert "2 November 2026" in page


def test_a_cycle_without_a_plan_has_nothing_to_print(senco, world, session):
    cycle = _drive(session, world, CycleState.PLAN)

    assert senco.get(_url(cycle, "/plan/print")).status_code == 404


def test_text_typed_into_a_cycle_is_escaped(senco, world, session):
    cycle = _drive(session, world, CycleState.DO)
    note = "<script>alert(1)</script>"

    senco.post(_url(cycle, "/observations/new"), data={"observed_on": date_parts(TODAY), "outcome": "", "note": note})

    for page in (senco.page(_url(cycle)), senco.page(f"/pupils/{cycle.pupil.public_id}/timeline")):
        assert note not in page.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.html
        assert note in page


# --- Who may do what ----------------------------------------------------------------------------


def test_another_pupils_records_are_not_found_under_this_pupil(senco, world, session):
    mine = _drive(session, world, CycleState.DO)
    theirs = _drive(session, world, CycleState.DO, pupil_key="taught_plain")
    letter = session.scalar(sa.select(ParentLetter).where(ParentLetter.pupil_id == theirs.pupil_id))
    concern = _overdue_concern(session, world, pupil_key="taught_plain")
    base = f"/pupils/{mine.pupil.public_id}"

    for url in (
        _url(mine, f"/outcomes/{theirs.outcomes[0].id}"),
        f"{base}/letters/{letter.id}",
        f"{base}/concerns/{concern.id}/decide",
        _url(mine).replace("/cycles/1", "/cycles/2"),
    ):
        assert senco.get(url).status_code == 404, url
    assert senco.post(f"{base}/letters/{letter.id}/sent").status_code == 404
    assert (
        senco.post(
            _url(mine, f"/outcomes/{theirs.outcomes[0].id}"), data=_outcome_form("Changed", version="1")
        ).status_code
        == 404
    )
    session.refresh(letter)
    assert letter.sent_on is None
    assert (
        _cycle(session, theirs.pupil, 1).outcomes[0].description == "Outcome 1: reads a book banded at the right level"
    )


def test_the_pupils_teacher_opens_a_cycle_and_records_the_assessment(client, login, world, session):
    teacher = world.users["teacher"]
    pupil = world.pupils["taught"]
    login(teacher)

    assert client.post(f"/pupils/{pupil.public_id}/cycles").status_code == 302
    response = client.post(f"/pupils/{pupil.public_id}/cycles/1/assessment", data=_assessment_form())

    assert response.status_code == 302
    cycle = _cycle(session, pupil, 1)
    assert (cycle.opened_by_id, cycle.assessment.assessed_by_id) == (teacher.id, teacher.id)


def test_the_pupils_teacher_records_observations(client, login, world, session):
    cycle = _drive(session, world, CycleState.DO)
    login(world.users["teacher"])

    data = {
        "observed_on": date_parts(date(2026, 11, 2)),
        "outcome": str(cycle.outcomes[0].id),
        "note": "Read the whole page",
    }
    response = client.post(_url(cycle, "/observations/new"), data=data)

    assert response.status_code == 302
    [observation] = session.scalars(sa.select(Observation)).all()
    assert (observation.recorded_by_id, observation.outcome_id, observation.observed_on) == (
        world.users["teacher"].id,
        cycle.outcomes[0].id,
        date(2026, 11, 2),
    )


def _manage_requests(cycle, letter) -> list[tuple[str, str]]:
    """Every page and action that needs MANAGE_CYCLE, for `cycle` (at review) and `letter`."""
    outcome = cycle.outcomes[0]
    pupil_base = f"/pupils/{cycle.pupil.public_id}"
    requests = []
    for path in ("/plan", "/outcomes/new", f"/outcomes/{outcome.id}", "/start", "/review"):
        requests += [("GET", _url(cycle, path)), ("POST", _url(cycle, path))]
    requests += [
        ("POST", _url(cycle, "/move/start_review")),
        ("POST", _url(cycle, "/move/finish_assessment")),
        ("POST", _url(cycle, f"/outcomes/{outcome.id}/remove")),
        ("GET", f"{pupil_base}/letters/{letter.id}"),
        ("POST", f"{pupil_base}/letters/{letter.id}/sent"),
    ]
    return requests


@pytest.fixture
def cycle_at_review_with_letter(session, world):
    """Ben Cole (taught by the world's teacher) placed on K by cycle 1, now at review."""
    cycle = _drive(session, world, CycleState.REVIEW, pupil_key="taught_plain")
    letter = session.scalar(sa.select(ParentLetter).where(ParentLetter.pupil_id == cycle.pupil_id))
    return cycle, letter


def _snapshot(session, cycle, letter) -> tuple:
    session.expire_all()
    return (
        _cycle(session, cycle.pupil, 1).state,
        count(session, Plan),
        count(session, Outcome),
        count(session, Review),
        session.get(Review, cycle.review.id).version,
        session.get(ParentLetter, letter.id).sent_on,
        count(session, TimelineEvent),
    )


def test_the_pupils_teacher_may_not_plan_review_start_or_send_letters(
    client, login, world, session, cycle_at_review_with_letter
):
    cycle, letter = cycle_at_review_with_letter
    before = _snapshot(session, cycle, letter)
    login(world.users["teacher"])

    answers = {
        (method, url): client.open(url, method=method, data={}).status_code
        for method, url in _manage_requests(cycle, letter)
    }

    assert set(answers.values()) == {404}, answers
    assert _snapshot(session, cycle, letter) == before


def test_the_pupils_teacher_may_not_decide_a_concern(client, login, world, session):
    concern = _overdue_concern(session, world)
    login(world.users["teacher"])

    url = f"/pupils/{concern.pupil.public_id}/concerns/{concern.id}/decide"
    data = {"decision": "no_further_action", "reason": "Fine", "version": "1", "decided_on": date_parts(TODAY)}

    assert client.get(url).status_code == 404
    assert client.post(url, data=data).status_code == 404
    session.refresh(concern)
    assert concern.status is ConcernStatus.OPEN


def _every_request(cycle, letter) -> list[tuple[str, str]]:
    pupil_base = f"/pupils/{cycle.pupil.public_id}"
    return _manage_requests(cycle, letter) + [
        ("GET", _url(cycle)),
        ("GET", _url(cycle, "/plan/print")),
        ("GET", f"{pupil_base}/timeline"),
        ("POST", f"{pupil_base}/cycles"),
        ("GET", _url(cycle, "/assessment")),
        ("POST", _url(cycle, "/assessment")),
        ("GET", _url(cycle, "/observations/new")),
        ("POST", _url(cycle, "/observations/new")),
    ]


@pytest.fixture
def other_class_teacher(session, world):
    teacher = make_user(session, "teacher.elm@oak.test", Role.TEACHER, school=world.school)
    group = TeachingGroup(school_id=world.school.id, name="5 Pine", year_group=5)
    group.teachers.append(teacher)
    group.pupils.append(world.pupils["untaught_k"])
    session.add(group)
    session.commit()
    return teacher


@pytest.mark.parametrize("who", ["other_class_teacher", "la", "governor", "ta", "admin", "foreign_senco"])
def test_everyone_else_is_told_the_cycle_does_not_exist(
    request, client, login, world, session, cycle_at_review_with_letter, who
):
    cycle, letter = cycle_at_review_with_letter
    before = _snapshot(session, cycle, letter)
    login(request.getfixturevalue(who) if who == "other_class_teacher" else world.users[who])
    observation = {"observed_on": date_parts(TODAY), "outcome": "", "note": "Seen"}

    answers = {
        (method, url): client.open(url, method=method, data=observation if "observations" in url else {}).status_code
        for method, url in _every_request(cycle, letter)
    }

    assert set(answers.values()) == {404}, answers
    assert _snapshot(session, cycle, letter) == before
    assert count(session, Observation) == 0


def test_the_head_sees_the_cycle_but_cannot_change_it(client, login, world, session, cycle_at_review_with_letter):
    cycle, letter = cycle_at_review_with_letter
    login(world.users["head"])

    assert client.get(_url(cycle)).status_code == 200
    assert {client.open(url, method=method).status_code for method, url in _manage_requests(cycle, letter)} == {404}
    page = client.page(_url(cycle))
    assert "Complete the review" not in page.html
    assert _url(cycle, "/observations/new") not in page.html


# --- The cycle as the Code of Practice reads (CoP 6.48 to 6.52) -----------------------------------


def test_the_expected_impact_is_written_on_the_plan_and_shown_to_staff_and_parents(senco, world, session):
    cycle = _drive(session, world, CycleState.PLAN)

    page = senco.page(_url(cycle, "/plan"))
    assert page.has('[name="expected_impact"]')
    response = senco.post(
        _url(cycle, "/plan"), data=_plan_form(version="0", expected_impact="Reads Book Band 5 fluently by the review")
    )

    assert response.status_code == 302
    assert _cycle(session, cycle.pupil, 1).plan.expected_impact == "Reads Book Band 5 fluently by the review"
    assert "Reads Book Band 5 fluently by the review" in senco.page(_url(cycle))
    printed = senco.page(_url(cycle, "/plan/print"))
    assert "What difference we expect it to make" in printed.texts("h2")
    assert "Reads Book Band 5 fluently by the review" in printed.texts("p")


def test_the_cycle_page_asks_for_the_expected_impact_before_support_starts(senco, world, session):
    cycle = _drive(session, world, CycleState.PLAN)
    senco.post(_url(cycle, "/plan"), data=_plan_form(version="0", expected_impact=""))
    senco.post(_url(cycle, "/outcomes/new"), data=_outcome_form())

    page = senco.page(_url(cycle))

    assert "Describe the expected impact of the support" in page
    assert senco.post(_url(cycle, "/start"), data={}).status_code == 200
    assert _cycle(session, cycle.pupil, 1).state is CycleState.PLAN


def test_the_next_cycles_plan_form_starts_from_the_last_plan(senco, world, session):
    cycle = _drive(session, world, CycleState.CLOSED, review={"decision": ReviewDecision.CONTINUE})
    base = f"/pupils/{cycle.pupil.public_id}/cycles/2"

    page = senco.page(f"{base}/plan")

    assert _textarea(page, "provision") == "Daily phonics catch-up, 15 minutes"
    assert _textarea(page, "expected_impact") == "Reading age up 6 months by the review"
    assert _textarea(page, "strategies") == "Seat near the front; instructions one step at a time"
    assert _date_value(page, "starts_on") == TODAY
    assert "The last cycle's plan is filled in as a starting point" in page


def test_an_outcome_aimed_after_the_review_date_is_refused_beside_the_target_date(senco, world, session):
    cycle = _drive(session, world, CycleState.DO)
    before = count(session, Outcome, Outcome.cycle_id == cycle.id)

    response = senco.post(_url(cycle, "/outcomes/new"), data=_outcome_form(target_date=date_parts(date(2026, 11, 3))))

    assert response.status_code == 200
    assert (
        Page(response).field_error("target_date")
        == "The target date cannot be after the plan's review date (2 November 2026)"
    )
    assert count(session, Outcome, Outcome.cycle_id == cycle.id) == before


def test_a_review_date_before_an_outcomes_target_is_refused_beside_it_naming_the_outcome(senco, world, session):
    cycle = _drive(session, world, CycleState.DO)
    version = str(cycle.plan.version)

    response = senco.post(
        _url(cycle, "/plan"), data=_plan_form(version=version, review_date=date_parts(date(2026, 11, 1)))
    )

    assert response.status_code == 200
    assert Page(response).field_error("review_date") == (
        "The outcome 'Outcome 1: reads a book banded at the right level' has a target date of 2 November 2026, "
        "after this review date: choose a later review date or change the outcome first"
    )
    assert _cycle(session, cycle.pupil, 1).plan.review_date == REVIEW_DATE


@pytest.fixture
def before_review_date(app, monkeypatch):
    """The app's date the day before the plan's review date (2 Nov 2026)."""
    monkeypatch.setitem(app.config, "TODAY", date(2026, 11, 1))


def test_before_the_review_date_the_senco_is_offered_to_start_early(senco, world, session, before_review_date):
    cycle = _drive(session, world, CycleState.DO)

    page = senco.page(_url(cycle))

    assert "The review is not due until 2 November 2026: to hold it earlier, choose why" in page
    assert "Start the review early" in page.buttons() and page.has('[name="early_reason"]')


def test_starting_early_without_a_reason_is_refused_beside_the_choice(senco, world, session, before_review_date):
    cycle = _drive(session, world, CycleState.DO)

    response = senco.post(_url(cycle, "/move/start_review"), data={"early_reason": "", "early_reason_detail": ""})

    assert response.status_code == 200
    assert (
        Page(response).field_error("early_reason")
        == "The review is not due until 2 November 2026: to hold it earlier, choose why"
    )
    assert _cycle(session, cycle.pupil, 1).state is CycleState.DO
    assert count(session, Review, Review.cycle_id == cycle.id) == 0


def test_starting_early_with_a_choice_but_no_words_keeps_the_choice_and_asks_for_them(
    senco, world, session, before_review_date
):
    cycle = _drive(session, world, CycleState.DO)

    response = senco.post(
        _url(cycle, "/move/start_review"), data={"early_reason": "needs_changed", "early_reason_detail": ""}
    )

    page = Page(response)
    assert page.field_error("early_reason_detail") == "Say why the review is held before the review date"
    assert page.one('input[name="early_reason"][value="needs_changed"]').has_attr("checked")
    assert _cycle(session, cycle.pupil, 1).state is CycleState.DO


def test_the_senco_starts_the_review_early_with_a_reason(senco, world, session, before_review_date):
    cycle = _drive(session, world, CycleState.DO)

    response = senco.post(
        _url(cycle, "/move/start_review"),
        data={"early_reason": "needs_changed", "early_reason_detail": "New diagnosis of dyslexia"},
    )

    assert response.headers["Location"] == _url(cycle, "/review")
    review = _cycle(session, cycle.pupil, 1).review
    assert (review.early_reason.value, review.early_reason_detail) == ("needs_changed", "New diagnosis of dyslexia")
    page = senco.page(_url(cycle))
    assert "The pupil's needs have changed: New diagnosis of dyslexia" in page


def test_a_teacher_cannot_start_a_review_at_all(client, world, login, session, before_review_date):
    cycle = _drive(session, world, CycleState.DO)
    login(world.users["teacher"])

    response = client.post(
        _url(cycle, "/move/start_review"), data={"early_reason": "parents_asked", "early_reason_detail": "Asked"}
    )

    assert response.status_code == 404
    assert _cycle(session, cycle.pupil, 1).state is CycleState.DO


@pytest.mark.parametrize(
    ("held_on", "error"),
    [
        (date(2026, 9, 6), "The review cannot be before the plan started (7 September 2026)"),
        (date(2026, 9, 7), None),
    ],
    ids=["day-before-the-plan-started", "day-the-plan-started"],
)
def test_a_review_cannot_be_dated_before_the_plan_started(senco, world, session, app, monkeypatch, held_on, error):
    cycle = _drive(session, world, CycleState.DO)
    monkeypatch.setitem(app.config, "TODAY", date(2026, 9, 8))
    senco.post(
        _url(cycle, "/move/start_review"),
        data={"early_reason": "parents_asked", "early_reason_detail": "Parents worried"},
    )
    cycle = _cycle(session, cycle.pupil, 1)

    response = senco.post(
        _url(cycle, "/review"),
        data=_review_form(
            cycle,
            version=0,
            record=True,
            held_on=date_parts(held_on),
            early_reason="parents_asked",
            early_reason_detail="Parents worried",
        ),
    )

    if error:
        assert response.status_code == 200
        assert Page(response).field_error("held_on") == error
        assert _cycle(session, cycle.pupil, 1).review.held_on is None
        assert _cycle(session, cycle.pupil, 1).state is CycleState.REVIEW
    else:
        assert response.status_code == 302
        closed = _cycle(session, cycle.pupil, 1)
        assert (closed.state, closed.closed_on, closed.review.early_reason.value) == (
            CycleState.CLOSED,
            held_on,
            "parents_asked",
        )


def test_an_early_review_without_a_reason_is_refused_beside_the_reason(senco, world, session):
    cycle = _drive(session, world, CycleState.REVIEW)

    response = senco.post(
        _url(cycle, "/review"), data=_review_form(cycle, version=0, record=True, held_on=date_parts(date(2026, 11, 1)))
    )

    assert (
        Page(response).field_error("early_reason")
        == "The review is not due until 2 November 2026: to hold it earlier, choose why"
    )
    assert _cycle(session, cycle.pupil, 1).state is CycleState.REVIEW
