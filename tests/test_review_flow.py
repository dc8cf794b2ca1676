"""Reviews that flow: the evidence beside each outcome at the review, the next cycle starting from
the last one's assessment and plan, the bank of outcome wordings, removing an outcome only after
asking, and dates in messages as people write them.

The app's date is 27 Nov 2026; cycles are driven by `tests.factories.drive_cycle` (opened 1 Sep,
plan from 7 Sep, review date 2 Nov, meeting 20 Nov).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from sentrack import submissions
from sentrack.cycles.evidence import review_evidence
from sentrack.models import (
    AreaOfNeed,
    Assessment,
    CycleState,
    InterventionSession,
    Observation,
    Outcome,
    OutcomeRating,
    OutcomeWording,
    Role,
    School,
    SessionAttendance,
    SupportCycle,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows import cycles as flow
from sentrack.workflows.outcome_bank import STARTING_WORDINGS, WordingDetails, save_wording, seed_outcome_bank
from sentrack.workflows.sweep import run_sweep
from tests.factories import (
    HELD_ON,
    REVIEW_DATE,
    drive_cycle,
    make_intervention,
    make_intervention_type,
    make_user,
    outcome_details,
    review_details,
)
from tests.helpers import audit_events, date_parts

TODAY = date(2026, 11, 27)


@pytest.fixture
def senco(client, world, login):
    return login(world.users["senco"])


def _drive(session, world, to: CycleState, **options) -> SupportCycle:
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=to, **options)
    session.commit()
    return cycle


def _url(cycle: SupportCycle, tail: str = "") -> str:
    return f"/pupils/{cycle.pupil.public_id}/cycles/{cycle.number}{tail}"


def _typed(page, name: str) -> str:
    """What the field `name` holds as the page shows it: a text box's text or an input's value."""
    box = page.all(f'textarea[name="{name}"]')
    return box[0].get_text().strip() if box else page.value(name)


def _bank(session, world) -> list[OutcomeWording]:
    seed_outcome_bank(session, [world.school.id])
    session.commit()
    return list(
        session.scalars(
            sa.select(OutcomeWording).where(OutcomeWording.school_id == world.school.id).order_by(OutcomeWording.id)
        )
    )


# --- The evidence beside each outcome at the review -------------------------------------------------


def _impact(session, world, cycle, *, outcome_id, name, area=AreaOfNeed.COGNITION, impact=1, comment=None):
    """An intervention for the cycle's pupil, its place linked to `outcome_id`, with two sessions
    (one attended) and the impact recorded."""
    senco = world.users["senco"]
    kind = make_intervention_type(session, actor=senco, name=f"{name} type", area_of_need=area)
    intervention = make_intervention(session, actor=senco, kind=kind, deliverer=world.users["ta"], pupils=[cycle.pupil])
    intervention.name = name
    place = intervention.places[0]
    place.outcome_id = outcome_id
    place.exit_score = "34"
    place.impact, place.impact_comment = impact, comment
    place.impact_recorded_on = date(2026, 11, 19) if impact is not None else None
    for day, attended in ((date(2026, 9, 14), True), (date(2026, 9, 17), False)):
        held = InterventionSession(intervention_id=intervention.id, held_on=day)
        session.add(held)
        session.flush()
        session.add(SessionAttendance(session_id=held.id, pupil_id=cycle.pupil.id, attended=attended))
    session.commit()
    return place


def test_the_review_shows_beside_each_outcome_its_observations_and_the_impact_of_its_interventions(
    senco, session, world
):
    cycle = _drive(session, world, CycleState.REVIEW)
    first, second = cycle.outcomes
    session.add_all(
        [
            Observation(cycle_id=cycle.id, outcome_id=first.id, observed_on=date(2026, 10, 5), note="Read 8 of 10"),
            Observation(cycle_id=cycle.id, outcome_id=None, observed_on=date(2026, 10, 6), note="Tired on Mondays"),
        ]
    )
    session.commit()
    _impact(session, world, cycle, outcome_id=first.id, name="Fluency group", comment="Reads with expression")

    page = senco.page(_url(cycle, "/review"))

    beside_first, beside_second = (page.one(f"#ratings-{n}-rating").find_parent("fieldset") for n in (0, 1))
    first_text, second_text = (" ".join(part.get_text(" ").split()) for part in (beside_first, beside_second))
    assert "Read 8 of 10" in first_text
    assert "Fluency group" in first_text and "attended 1 of 2 sessions" in first_text
    assert "More progress than expected: Reads with expression" in first_text
    assert "Words read correctly in a minute: 20 at the start, 34 at the end" in first_text
    assert "Read 8 of 10" not in second_text and "Fluency group" not in second_text
    assert "None recorded against this outcome" in second_text
    assert "Tired on Mondays" in page.text()  # with what belongs to no one outcome


def test_an_unlinked_intervention_in_the_cycle_is_shown_beside_outcomes_of_its_area_saying_so(senco, session, world):
    cycle = _drive(session, world, CycleState.REVIEW)
    _impact(session, world, cycle, outcome_id=None, name="Maths boost", impact=None)
    _impact(session, world, cycle, outcome_id=None, name="Social group", area=AreaOfNeed.SEMH, impact=None)

    page = senco.page(_url(cycle, "/review"))

    beside_first = " ".join(page.one("#ratings-0-rating").find_parent("fieldset").get_text(" ").split())
    assert "Maths boost" in beside_first and "not linked to an outcome: cognition and learning" in beside_first
    assert "Impact: not recorded yet" in beside_first
    assert "Social group" not in beside_first
    other = " ".join(page.one("h2:-soup-contains('Recorded for no one outcome')").parent.get_text(" ").split())
    assert "Social group" in other


def test_the_review_evidence_takes_the_same_number_of_queries_however_many_interventions(senco, session, world):
    cycle = _drive(session, world, CycleState.REVIEW)
    first = cycle.outcomes[0]
    _impact(session, world, cycle, outcome_id=first.id, name="Group one")

    def statements() -> int:
        seen = []
        engine = session.get_bind().engine

        def note(*args):
            seen.append(args[2])

        sa.event.listen(engine, "before_cursor_execute", note)
        try:
            senco.page(_url(cycle, "/review"))
        finally:
            sa.event.remove(engine, "before_cursor_execute", note)
        return len(seen)

    few = statements()
    for n in range(3):
        _impact(session, world, cycle, outcome_id=first.id, name=f"More {n}")
    assert statements() == few


# --- Continue: the next cycle starts from the last ----------------------------------------------------


def _continued(session, world) -> SupportCycle:
    """Cycle 1 reviewed on 20 Nov deciding to continue, outcome 1 not achieved: cycle 2, open."""
    senco = world.users["senco"]
    cycle = _drive(session, world, CycleState.REVIEW)
    first, second = cycle.outcomes
    ratings = {first.id: (OutcomeRating.NOT_ACHIEVED, None), second.id: (OutcomeRating.ACHIEVED, None)}
    details = review_details(cycle, ratings={}, pupil_views="I can read longer words now")
    details.ratings = ratings
    flow.save_review(session, actor=senco, cycle=cycle, details=details, expected_version=None, today=HELD_ON)
    following = flow.record_review(session, actor=senco, cycle=cycle, today=TODAY)
    session.commit()
    return following


def test_the_next_cycles_assessment_starts_from_the_last_with_the_views_its_review_heard(senco, session, world):
    following = _continued(session, world)

    page = senco.page(_url(following, "/assessment"))

    assert _typed(page, "strengths") == "Loves stories read aloud"
    assert _typed(page, "evidence") == "Phonics screening: 18 of 40"
    assert _typed(page, "pupil_views") == "I can read longer words now"  # as the review heard them
    assert [box.get("value") for box in page.all('input[name="assessed_on"]')] == date_parts(TODAY)
    assert "starts from the one of support cycle 1" in page.text()
    # Only a starting point: nothing is recorded, and the cycle is still at assess.
    assert session.scalar(sa.select(Assessment).where(Assessment.cycle_id == following.id)) is None
    assert following.state is CycleState.ASSESS
    assert flow.guard_problems(following, flow.Move.FINISH_ASSESSMENT, today=TODAY)


def test_saving_the_carried_assessment_records_it_as_changed(senco, session, world):
    following = _continued(session, world)
    page = senco.page(_url(following, "/assessment"))
    form = {
        name: _typed(page, name) for name in ("strengths", "difficulties", "evidence", "pupil_views", "parent_views")
    }
    form |= {"version": page.value("version"), "areas_of_need": ["cognition"], "assessed_on": date_parts(TODAY)}
    form["difficulties"] = "Longer words with three syllables"

    senco.post(_url(following, "/assessment"), data=form)

    saved = session.scalar(sa.select(Assessment).where(Assessment.cycle_id == following.id))
    assert (saved.difficulties, saved.strengths) == ("Longer words with three syllables", "Loves stories read aloud")


def test_the_next_cycles_plan_starts_from_the_last_plans_provision(senco, session, world):
    following = _continued(session, world)
    flow.save_assessment(
        session,
        actor=world.users["senco"],
        cycle=following,
        details=flow.assessment_starting_point(following, TODAY),
        today=TODAY,
    )
    flow.finish_assessment(session, actor=world.users["senco"], cycle=following, today=TODAY)
    session.commit()

    page = senco.page(_url(following, "/plan"))

    assert _typed(page, "provision") == "Daily phonics catch-up, 15 minutes"
    assert "Keep the group going" in page.text()  # the review's next steps, as a reminder
    assert following.plan is None
    assert [o.carried_from_id for o in following.outcomes] == [following.previous_cycle.outcomes[0].id]


def test_a_first_cycle_has_no_assessment_to_start_from(session, world):
    cycle = _drive(session, world, CycleState.ASSESS)

    assert flow.assessment_starting_point(cycle, TODAY) is None


# --- Removing an outcome asks first ---------------------------------------------------------------


def test_removing_an_outcome_asks_first_and_removes_only_when_confirmed(senco, session, world):
    cycle = _drive(session, world, CycleState.PLAN)
    flow.save_outcome(session, actor=world.users["senco"], cycle=cycle, details=outcome_details(1), today=TODAY)
    session.commit()
    outcome = cycle.outcomes[0]

    cycle_page = senco.page(_url(cycle))
    asked = senco.page(_url(cycle, f"/outcomes/{outcome.id}/confirm-removal"))

    assert _url(cycle, f"/outcomes/{outcome.id}/confirm-removal") in cycle_page.links()
    assert asked.text("h1") == "Remove outcome 1?"
    assert outcome.description in asked.text()
    assert session.get(Outcome, outcome.id) is not None  # asking removes nothing
    senco.post(asked.form(_url(cycle, f"/outcomes/{outcome.id}/remove"))["action"], data={})
    session.expire_all()
    assert session.get(Outcome, outcome.id) is None
    assert len(audit_events(session, "outcome_removed")) == 1


def test_asking_to_remove_an_outcome_once_support_started_says_why_not(senco, session, world):
    cycle = _drive(session, world, CycleState.DO)

    page = senco.page(_url(cycle, f"/outcomes/{cycle.outcomes[0].id}/confirm-removal"))

    assert page.text("h1") == "Outcome 1 stays in the plan"
    assert "outcomes can be removed only at plan" in page.text()
    assert "Yes, remove the outcome" not in page.buttons()


# --- The bank of outcome wordings -----------------------------------------------------------------


def test_every_school_without_a_bank_is_given_the_starting_wordings_once(session, world):
    assert seed_outcome_bank(session) == 3  # the world's three schools

    assert seed_outcome_bank(session) == 0
    count = session.scalar(sa.select(sa.func.count()).where(OutcomeWording.school_id == world.school.id))
    assert count == len(STARTING_WORDINGS)
    assert {area for area, _, _ in STARTING_WORDINGS} == set(AreaOfNeed)


def test_a_school_added_later_gets_the_bank_from_the_daily_sweep(session, world):
    seed_outcome_bank(session)
    school = School(urn="900009", name="New Primary", phase=world.school.phase, local_authority_id=world.la.id)
    session.add(school)
    session.commit()

    run_sweep(session, TODAY)

    assert session.scalar(sa.select(sa.func.count()).where(OutcomeWording.school_id == school.id)) == len(
        STARTING_WORDINGS
    )


def test_a_school_whose_wordings_are_all_retired_is_not_given_them_again(session, world):
    for entry in _bank(session, world):
        entry.active = False
    session.commit()

    assert seed_outcome_bank(session, [world.school.id]) == 0


def test_the_senco_adds_changes_and_retires_wordings(senco, session, world):
    _bank(session, world)

    senco.post(
        "/outcome-bank/new",
        data={"area_of_need": "semh", "wording": "The pupil  will join a lunchtime club", "success_criteria": ""},
    )
    added = session.scalar(sa.select(OutcomeWording).where(OutcomeWording.wording.like("%lunchtime club")))
    assert (added.wording, added.success_criteria, added.active) == (
        "The pupil will join a lunchtime club",
        None,
        True,
    )
    page = senco.page(f"/outcome-bank/{added.id}")
    senco.post(
        f"/outcome-bank/{added.id}",
        data={"version": page.value("version"), "area_of_need": "semh", "wording": added.wording},
    )  # the box "offer this wording" unticked
    session.expire_all()
    assert session.get(OutcomeWording, added.id).active is False
    bank = senco.page("/outcome-bank/")
    assert "Retired" in bank.text()
    assert [e.object_id for e in audit_events(session, "outcome_wording_saved")] == [str(added.id)] * 2


def test_a_repeated_or_empty_wording_is_refused_beside_its_field(senco, session, world):
    existing = _bank(session, world)[0]

    repeated = senco.post_page(
        "/outcome-bank/new",
        data={"area_of_need": existing.area_of_need.value, "wording": existing.wording.upper()},
    )
    empty = senco.post_page("/outcome-bank/new", data={"area_of_need": "", "wording": "  "})

    assert repeated.field_error("wording") == "The bank already has this outcome for this area of need"
    assert empty.field_error("wording") == "Enter the outcome"
    assert empty.field_error("area_of_need") == "Choose the area of need"
    assert session.scalar(sa.select(sa.func.count(OutcomeWording.id))) == len(STARTING_WORDINGS)


def test_another_schools_wording_is_not_found_and_the_bank_is_the_sencos(client, login, session, world):
    seed_outcome_bank(session)
    session.commit()
    theirs = session.scalar(sa.select(OutcomeWording).where(OutcomeWording.school_id == world.foreign.id))

    login(world.users["senco"])
    assert client.get(f"/outcome-bank/{theirs.id}").status_code == 404
    login(world.users["teacher"])
    assert client.get("/outcome-bank/").status_code == 403


def test_the_plans_outcome_form_offers_the_bank_and_a_pick_fills_the_outcome_to_tweak(senco, session, world):
    cycle = _drive(session, world, CycleState.PLAN)
    bank = _bank(session, world)
    retired = bank[0]
    retired.active = False
    picked = next(e for e in bank if e.area_of_need is AreaOfNeed.SEMH and e.success_criteria)
    session.commit()

    page = senco.page(_url(cycle, "/outcomes/new"))
    offered = [tag["value"] for tag in page.all("input[name=wording]")]
    assert str(picked.id) in offered and str(retired.id) not in offered
    # The assessment found cognition and learning: its wordings come first.
    assert session.get(OutcomeWording, int(offered[0])).area_of_need is AreaOfNeed.COGNITION

    filled = senco.post_page(
        _url(cycle, "/outcomes/new"),
        data={"wording": str(picked.id), "use_wording": "Use this wording", "target_date": date_parts(REVIEW_DATE)},
    )

    assert _typed(filled, "description") == picked.wording
    assert _typed(filled, "success_criteria") == picked.success_criteria
    assert filled.one("input[name=area_of_need][checked]")["value"] == "semh"
    assert filled.error_summary() == []
    assert session.scalar(sa.select(sa.func.count(Outcome.id)).where(Outcome.cycle_id == cycle.id)) == 0

    tweaked = picked.wording.replace("The pupil", "Sam")
    senco.post(
        _url(cycle, "/outcomes/new"),
        data={
            "description": tweaked,
            "success_criteria": _typed(filled, "success_criteria"),
            "area_of_need": "semh",
            "target_date": date_parts(REVIEW_DATE),
        },
    )
    saved = session.scalar(sa.select(Outcome).where(Outcome.cycle_id == cycle.id))
    assert (saved.description, saved.area_of_need) == (tweaked, AreaOfNeed.SEMH)


def test_a_pick_keeps_success_criteria_already_written(senco, session, world):
    cycle = _drive(session, world, CycleState.PLAN)
    picked = next(e for e in _bank(session, world) if e.success_criteria)

    filled = senco.post_page(
        _url(cycle, "/outcomes/new"),
        data={"wording": str(picked.id), "use_wording": "Use this wording", "success_criteria": "Our own words"},
    )

    assert _typed(filled, "success_criteria") == "Our own words"
    assert _typed(filled, "description") == picked.wording


def test_save_wording_refuses_an_empty_wording(session, world):
    with pytest.raises(RuleBroken) as refused:
        save_wording(
            session,
            actor=world.users["senco"],
            details=WordingDetails(area_of_need=AreaOfNeed.SEMH, wording="   ", success_criteria=None),
        )

    assert (refused.value.field, refused.value.message) == ("wording", "Enter the outcome")


# --- Dates in messages as people write them ---------------------------------------------------------


def test_a_refusal_writes_its_date_in_words(session, world):
    cycle = _drive(session, world, CycleState.CLOSED)

    with pytest.raises(RuleBroken) as refused:
        flow.save_plan(
            session,
            actor=world.users["senco"],
            cycle=cycle,
            details=flow.plan_starting_point(cycle, TODAY),
            expected_version=cycle.plan.version,
            today=TODAY,
        )

    assert refused.value.message.startswith(f"This cycle was reviewed on {HELD_ON.day} November 2026 and is locked")


def test_a_refusal_beside_a_field_on_a_page_writes_its_date_in_words(senco, session, world):
    cycle = _drive(session, world, CycleState.DO)

    page = senco.post_page(
        _url(cycle, "/observations/new"),
        data={"observed_on": date_parts(date(2026, 9, 1)), "outcome": "", "note": "Early"},
    )

    assert page.field_error("observed_on") == "The date cannot be before the plan started (7 September 2026)"


def test_no_message_in_the_app_writes_a_date_as_digits():
    """Messages (refusals, flashes) are written with `revisions.display` or the `date` filter;
    dates as digits are left to files, keys and the audit."""
    root = Path(__file__).resolve().parents[1] / "sentrack"
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "%d/%m/%Y" in line and re.search(r"RuleBroken|flash|raise|MeetingExists", line)
    ]

    assert found == []


def test_a_senco_of_another_school_sees_no_wording_of_ours_on_their_outcome_form(client, login, session, world):
    seed_outcome_bank(session)
    ours = session.scalar(sa.select(OutcomeWording).where(OutcomeWording.school_id == world.school.id))
    ours.wording = "Only at Oak: reads the school's own reading scheme"
    senco = make_user(session, "senco@ash.test", Role.SENCO, school=world.sibling)
    session.commit()
    cycle = drive_cycle(session, actor=senco, pupil=world.pupils["sibling_k"], to=CycleState.PLAN)
    session.commit()
    login(senco)

    page = client.page(_url(cycle, "/outcomes/new"))

    assert "Only at Oak" not in page.text()
    assert len(page.all("input[name=wording]")) == len(STARTING_WORDINGS)


def test_interventions_of_the_last_cycles_outcome_count_for_the_outcome_carried_from_it(session, world):
    following = _continued(session, world)
    earlier = following.previous_cycle.outcomes[0]
    _impact(session, world, following, outcome_id=earlier.id, name="Carried group")

    found = review_evidence(session, following, today=TODAY)

    carried = following.outcomes[0]
    assert carried.carried_from_id == earlier.id
    assert [i.name for i in found.of(carried.id).interventions] == ["Carried group"]
    assert found.of(carried.id).interventions[0].linked


@pytest.mark.parametrize("editing", [False, True], ids=["new", "changed"])
def test_a_wording_sent_twice_is_saved_once(app, senco, session, world, editing):
    existing = _bank(session, world)[0]
    url = f"/outcome-bank/{existing.id}" if editing else "/outcome-bank/new"
    token = submissions.issue(world.users["senco"].id, secret_key=app.secret_key)
    data = {"area_of_need": "semh", "wording": "The pupil will greet an adult each morning", "active": "y"}
    data |= {submissions.FIELD: token} | ({"version": str(existing.version)} if editing else {})

    first, second = (senco.post(url, data=data) for _ in range(2))

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    saved = session.scalars(sa.select(OutcomeWording).where(OutcomeWording.wording.like("%greet an adult%"))).all()
    assert len(saved) == 1
    assert len(audit_events(session, "outcome_wording_saved")) == 1
