"""The roll (issue 12, section 3): a pupil leaves on a date, with a reason; from that day they drop
off every list, register and figure, and their records stay, read-only, in the list of pupils who
have left. A UPN is unique among a school's roll; SEN status recorded here starts on the roll.

Today is Friday 27 November 2026 (tests/conftest.py). "Left on D" means D is the first day the
pupil is no longer on the roll: with D tomorrow the pupil is still there today (the day before),
with D today they are gone (on the day), and with D yesterday too (after).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.models import (
    Concern,
    ConcernStatus,
    NeedType,
    ParentLetter,
    Provision,
    Pupil,
    SenStatus,
    TimelineEvent,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows import interventions as iflow
from sentrack.workflows.engagement import engagement_for_pupil, engagement_for_school
from sentrack.workflows.figures import register_figures
from sentrack.workflows.provision_map import on_roll_during, provision_map
from sentrack.workflows.roll import LEFT_EVENT, record_leaving, undo_leaving
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER, change_sen_status
from sentrack.workflows.terms import Term
from tests.conftest import TODAY
from tests.factories import make_intervention, make_intervention_type, make_pupil
from tests.helpers import audit_events, count, date_parts
from tests.pages import Page, words

YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
# The leaving date, and whether the pupil is still on the roll today with it.
BOUNDARIES = [
    pytest.param(TOMORROW, True, id="the-day-before"),
    pytest.param(TODAY, False, id="on-the-day"),
    pytest.param(YESTERDAY, False, id="the-day-after"),
]


def _leave(session, pupil: Pupil, left_on: date, reason: str = "Moved away from the area") -> None:
    """A leaving stored as the workflow stores it (its rules are tested below)."""
    pupil.left_on, pupil.leaving_reason = left_on, reason
    session.commit()


def _leaving_form(left_on: date, reason: str = "moved_away", detail: str = "") -> dict:
    return {"left_on": date_parts(left_on), "reason": reason, "detail": detail}


# --- Recording a leaving -----------------------------------------------------------------------


def test_the_senco_records_a_leaving_audited_and_on_the_timeline(client, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["senco"])

    response = client.post(f"/pupils/{pupil.public_id}/leaving", data=_leaving_form(date(2026, 12, 7), detail="Leeds"))

    assert response.status_code == 302
    session.refresh(pupil)
    assert (pupil.left_on, pupil.leaving_reason) == (date(2026, 12, 7), "Moved away from the area: Leeds")
    [event] = audit_events(session, "pupil_left", pupil_id=pupil.id)
    assert event.user_id == world.users["senco"].id
    [entry] = session.scalars(
        sa.select(TimelineEvent).where(TimelineEvent.pupil_id == pupil.id, TimelineEvent.kind == LEFT_EVENT)
    )
    assert entry.effective_on == date(2026, 12, 7)


@pytest.mark.parametrize("role", ["head", "admin"])
def test_the_head_and_the_administrator_record_a_leaving(client, world, login, session, role):
    pupil = world.pupils["taught_plain"]
    login(world.users[role])

    response = client.post(f"/pupils/{pupil.public_id}/leaving", data=_leaving_form(TODAY, reason="home_education"))

    assert response.status_code == 302
    session.refresh(pupil)
    assert (pupil.left_on, pupil.leaving_reason) == (TODAY, "Educated at home")


def test_a_leaving_date_before_admission_is_refused_beside_the_field_and_nothing_is_stored(
    client, world, login, session
):
    pupil = world.pupils["taught"]
    pupil.admitted_on = date(2026, 9, 3)
    session.commit()
    login(world.users["senco"])

    response = client.post(f"/pupils/{pupil.public_id}/leaving", data=_leaving_form(date(2026, 9, 2)))

    assert (
        Page(response).field_error("left_on")
        == "The leaving date must be after the pupil was admitted (3 September 2026)"
    )
    session.refresh(pupil)
    assert (pupil.left_on, pupil.leaving_reason) == (None, None)
    assert audit_events(session, "pupil_left") == []
    assert count(session, TimelineEvent, TimelineEvent.kind == LEFT_EVENT) == 0


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"reason": ""}, "reason", "Select why the pupil left"),
        ({"reason": "other", "detail": "  "}, "detail", "Enter why the pupil left"),
        ({"left_on": ["", "", ""]}, "left_on", "Enter the date the pupil leaves the roll"),
    ],
)
def test_bad_leaving_input_is_refused_beside_the_field(client, world, login, session, form, field, message):
    pupil = world.pupils["taught"]
    login(world.users["senco"])

    response = client.post(f"/pupils/{pupil.public_id}/leaving", data=_leaving_form(TODAY) | form)

    assert Page(response).field_error(field) == message
    session.refresh(pupil)
    assert pupil.left_on is None


@pytest.mark.parametrize(
    ("left_on", "refused"),
    [
        (date(2026, 9, 3), True),  # on the admission day: the pupil was on the roll that day
        (date(2026, 9, 4), False),  # the day after
    ],
)
def test_the_leaving_date_follows_admission(session, world, left_on, refused):
    pupil = world.pupils["taught"]
    pupil.admitted_on = date(2026, 9, 3)
    session.flush()

    if refused:
        with pytest.raises(RuleBroken) as error:
            record_leaving(
                session,
                actor=world.users["senco"],
                pupil=pupil,
                left_on=left_on,
                reason="moved_away",
                detail=None,
                today=TODAY,
            )
        assert error.value.field == "left_on"
        assert pupil.left_on is None
    else:
        record_leaving(
            session,
            actor=world.users["senco"],
            pupil=pupil,
            left_on=left_on,
            reason="moved_away",
            detail=None,
            today=TODAY,
        )
        assert pupil.left_on == left_on


@pytest.mark.parametrize(("days_ahead", "refused"), [(31, False), (32, True)])
def test_a_leaving_is_recorded_at_most_31_days_ahead(session, world, days_ahead, refused):
    pupil = world.pupils["taught"]
    left_on = TODAY + timedelta(days=days_ahead)

    if refused:
        with pytest.raises(RuleBroken, match="at most 31 days ahead") as error:
            record_leaving(
                session,
                actor=world.users["senco"],
                pupil=pupil,
                left_on=left_on,
                reason="moved_away",
                detail=None,
                today=TODAY,
            )
        assert error.value.field == "left_on"
    else:
        record_leaving(
            session,
            actor=world.users["senco"],
            pupil=pupil,
            left_on=left_on,
            reason="moved_away",
            detail=None,
            today=TODAY,
        )
        assert pupil.left_on == left_on


@pytest.mark.parametrize(("left_on", "refused"), [(date(2026, 11, 20), True), (date(2026, 11, 21), False)])
def test_the_leaving_date_follows_the_pupils_latest_record(session, world, left_on, refused):
    """A concern raised on 20 November means the pupil was on the roll that day."""
    from sentrack.workflows.concerns import raise_concern

    pupil = world.pupils["taught"]
    raise_concern(
        session,
        actor=world.users["teacher"],
        pupil=pupil,
        raised_on=date(2026, 11, 20),
        area_of_need=None,
        description="Reverses letters",
        today=TODAY,
    )

    if refused:
        with pytest.raises(RuleBroken, match="record dated 20 November 2026"):
            record_leaving(
                session,
                actor=world.users["senco"],
                pupil=pupil,
                left_on=left_on,
                reason="moved_away",
                detail=None,
                today=TODAY,
            )
    else:
        record_leaving(
            session,
            actor=world.users["senco"],
            pupil=pupil,
            left_on=left_on,
            reason="moved_away",
            detail=None,
            today=TODAY,
        )
        assert pupil.left_on == left_on


def test_a_second_leaving_is_refused(session, world):
    pupil = world.pupils["taught"]
    record_leaving(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        left_on=TOMORROW,
        reason="moved_away",
        detail=None,
        today=TODAY,
    )

    with pytest.raises(RuleBroken, match="already recorded"):
        record_leaving(
            session, actor=world.users["senco"], pupil=pupil, left_on=TODAY, reason="excluded", detail=None, today=TODAY
        )
    assert pupil.left_on == TOMORROW


# --- Undoing a leaving recorded by mistake -------------------------------------------------------


def test_the_senco_undoes_a_leaving_recorded_by_mistake(client, world, login, session):
    pupil = world.pupils["taught"]
    _leave(session, pupil, TODAY)
    login(world.users["senco"])

    response = client.post(f"/pupils/{pupil.public_id}/leaving/undo")

    assert response.status_code == 302
    session.refresh(pupil)
    assert (pupil.left_on, pupil.leaving_reason) == (None, None)
    assert len(audit_events(session, "leaving_undone", pupil_id=pupil.id)) == 1
    assert pupil.public_id in client.page("/pupils/").pupil_links()


def test_a_leaving_cannot_be_undone_while_another_pupil_on_the_roll_holds_the_upn(session, world):
    pupil = world.pupils["taught"]
    _leave(session, pupil, TODAY)
    newcomer = make_pupil(session, world.school, first="New", last="Comer")
    newcomer.upn = pupil.upn
    session.flush()

    with pytest.raises(RuleBroken, match="Another pupil on the school's roll has this pupil's UPN"):
        undo_leaving(session, actor=world.users["senco"], pupil=pupil, today=TODAY)
    assert pupil.left_on == TODAY


def test_undoing_a_leaving_that_was_never_recorded_changes_nothing(client, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["head"])

    response = client.post(f"/pupils/{pupil.public_id}/leaving/undo", follow_redirects=True)

    assert "No leaving is recorded for this pupil" in Page(response).flashes()
    assert audit_events(session, "leaving_undone") == []
    assert count(session, TimelineEvent, TimelineEvent.pupil_id == pupil.id) == 0


def test_the_head_undoes_a_leaving_ahead_of_its_date(client, world, login, session):
    pupil = world.pupils["taught"]
    _leave(session, pupil, TOMORROW)
    login(world.users["head"])

    assert client.post(f"/pupils/{pupil.public_id}/leaving/undo").status_code == 302
    session.refresh(pupil)
    assert pupil.left_on is None


@pytest.mark.parametrize("role", ["admin", "teacher"])
def test_only_the_senco_and_head_undo_a_leaving(client, world, login, session, role):
    pupil = world.pupils["taught"]
    _leave(session, pupil, TOMORROW)
    login(world.users[role])

    assert client.post(f"/pupils/{pupil.public_id}/leaving/undo").status_code == 404
    session.refresh(pupil)
    assert pupil.left_on == TOMORROW


# --- The record of a pupil who left: read-only -----------------------------------------------------


def test_the_record_of_a_pupil_who_left_says_so_and_offers_no_change(client, world, login, session):
    pupil = world.pupils["taught"]
    _leave(session, pupil, date(2026, 11, 16))
    login(world.users["senco"])

    page = client.page(f"/pupils/{pupil.public_id}")

    assert "Left on 16 November 2026: moved away from the area" in page
    for action in (
        "Edit details",
        "Change SEN status",
        "Raise a concern",
        "Add a parent or carer",
        "Record that the pupil left",
        "Open a support cycle",
    ):
        assert action not in page.html, action
    assert "Undo the leaving" in page
    assert "Audit trail" in page


def test_the_record_of_a_pupil_on_the_roll_offers_the_changes(client, world, login, session):
    """The control for the test above."""
    pupil = world.pupils["taught"]
    login(world.users["senco"])

    page = client.page(f"/pupils/{pupil.public_id}")

    assert "Left on" not in page.html
    for action in ("Edit details", "Change SEN status", "Raise a concern", "Record that the pupil left"):
        assert action in page, action


def test_a_leaving_recorded_ahead_shows_the_date_and_leaves_the_record_open(client, world, login, session):
    pupil = world.pupils["taught"]
    _leave(session, pupil, date(2026, 12, 18))
    login(world.users["senco"])

    page = client.page(f"/pupils/{pupil.public_id}")

    assert "Leaves on 18 December 2026: moved away from the area" in page
    assert "Edit details" in page
    client.page(f"/pupils/{pupil.public_id}/edit")


# --- Dropping off lists and figures from the leaving date ------------------------------------------


@pytest.mark.parametrize(("left_on", "listed"), BOUNDARIES)
def test_the_pupil_list_and_its_search(client, world, login, session, left_on, listed):
    pupil = world.pupils["taught"]
    _leave(session, pupil, left_on)
    login(world.users["senco"])

    assert (pupil.public_id in client.page("/pupils/").pupil_links()) is listed
    assert (pupil.public_id in client.page("/pupils/?provision=K").pupil_links()) is listed
    client.post("/pupils/", data={"q": pupil.upn})
    assert (pupil.public_id in client.page("/pupils/").pupil_links()) is listed


@pytest.mark.parametrize(("left_on", "listed"), BOUNDARIES)
def test_the_la_officers_list(client, world, login, session, left_on, listed):
    pupil = world.pupils["untaught"]  # an EHC plan
    _leave(session, pupil, left_on)
    login(world.users["la"])

    assert (pupil.public_id in client.page("/pupils/").pupil_links()) is listed
    # The officer keeps the record of a pupil with an EHC plan who left.
    client.page(f"/pupils/{pupil.public_id}")


@pytest.mark.parametrize(("left_on", "listed"), BOUNDARIES)
def test_the_teachers_home_page_and_record(client, world, login, session, left_on, listed):
    pupil = world.pupils["taught"]
    _leave(session, pupil, left_on)
    login(world.users["teacher"])

    assert (pupil.last_name in client.page("/").html) is listed
    assert client.get(f"/pupils/{pupil.public_id}").status_code == (200 if listed else 404)


@pytest.mark.parametrize(("left_on", "listed"), BOUNDARIES)
def test_the_senco_home_pages_concerns_and_letters(client, world, login, session, left_on, listed):
    pupil = world.pupils["taught"]
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id))
    session.add_all(
        [
            Concern(
                pupil_id=pupil.id,
                raised_on=date(2026, 10, 1),
                description="Reverses letters",
                deadline=date(2026, 10, 29),
                status=ConcernStatus.OPEN,
            ),
            ParentLetter(
                pupil_id=pupil.id, sen_status_id=status.id, kind=SEN_SUPPORT_LETTER, created_on=date(2026, 11, 2)
            ),
        ]
    )
    _leave(session, pupil, left_on)
    login(world.users["senco"])

    page = client.page("/")

    assert (f"/pupils/{pupil.public_id}#concerns" in page.links()) is listed
    assert any(href.startswith(f"/pupils/{pupil.public_id}/letters/") for href in page.links()) is listed
    assert ("1 open concern, 1 past its deadline." in page) is listed
    if not listed:  # nor anywhere else in the markup
        assert pupil.public_id not in page.html


@pytest.mark.parametrize(("left_on", "counted"), BOUNDARIES)
def test_figures_engagement_and_class_counts(client, world, login, session, left_on, counted):
    pupil = world.pupils["taught"]
    _leave(session, pupil, left_on)

    figures = register_figures(session, [world.school.id], TODAY)[world.school.id]
    assert figures.pupils == (4 if counted else 3)
    assert figures.count(Provision.SEN_SUPPORT) == (2 if counted else 1)
    assert (pupil.id in engagement_for_school(session, world.school, TODAY)) is counted
    login(world.users["head"])
    classes = client.page("/staff/classes").table('[aria-label="Classes"]')
    # 4 Oak holds Ada (the leaver) and Ben; 4 Elm holds Cara and Dev.
    counts = [(row[0], row[3]) for row in classes if row[0] in ("4 Oak", "4 Elm")]
    assert counts == [("4 Elm", "2"), ("4 Oak", "2" if counted else "1")]
    login(world.users["admin"])
    home = client.page("/")
    on_roll = [
        words(card.select_one(".app-card__figure"))
        for card in home.all(".app-card")
        if words(card.select_one(".app-card__label")).startswith("pupils on roll")
    ]
    assert on_roll == [str(4 if counted else 3)]


@pytest.mark.parametrize(("left_on", "listed"), BOUNDARIES)
def test_intervention_registers(session, world, left_on, listed):
    pupil, other = world.pupils["taught"], world.pupils["taught_plain"]
    kind = make_intervention_type(session, actor=world.users["senco"])
    intervention = make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[pupil, other],
        weekdays=[0, 1, 2, 3, 4],
    )
    _leave(session, pupil, left_on)

    on_register = {place.pupil_id for place in iflow.register_places(intervention, TODAY)}
    register = iflow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=TODAY,
        attended={other.id},
        note=None,
        today=TODAY,
    )

    assert (pupil.id in on_register) is listed
    assert (pupil.id in {row.pupil_id for row in register.attendance}) is listed
    # A session before the leaving date still has the pupil on its register.
    earlier = iflow.record_session(
        session,
        actor=world.users["ta"],
        intervention=intervention,
        held_on=date(2026, 11, 20),
        attended={pupil.id, other.id},
        note=None,
        today=TODAY,
    )
    assert pupil.id in {row.pupil_id for row in earlier.attendance}


@pytest.mark.parametrize(("left_on", "listed"), BOUNDARIES)
def test_the_add_pupil_choices_of_an_intervention(client, world, login, session, left_on, listed):
    pupil, other = world.pupils["taught"], world.pupils["taught_plain"]
    kind = make_intervention_type(session, actor=world.users["senco"])
    _leave(session, pupil, left_on)
    login(world.users["senco"])

    page = client.page(f"/interventions/new?type={kind.id}&group={world.group.id}")
    values = {element["value"] for element in page.all("[value]")}

    assert other.public_id in values  # the control: the class's other pupil is offered
    assert (pupil.public_id in values) is listed


def test_a_leaver_is_refused_a_place_on_a_register_they_are_off(session, world):
    pupil, other = world.pupils["taught"], world.pupils["taught_plain"]
    kind = make_intervention_type(session, actor=world.users["senco"])
    intervention = make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[pupil, other],
        weekdays=[0, 1, 2, 3, 4],
    )
    _leave(session, pupil, TODAY)

    with pytest.raises(RuleBroken, match="Only pupils in the intervention"):
        iflow.record_session(
            session,
            actor=world.users["ta"],
            intervention=intervention,
            held_on=TODAY,
            attended={pupil.id, other.id},
            note=None,
            today=TODAY,
        )


@pytest.mark.parametrize(
    ("left_on", "expected"),
    [
        (date(2026, 9, 1), False),  # left on the first day of the term: never on the roll in it
        (date(2026, 9, 2), True),  # on the roll on its first day
        (None, True),
    ],
)
def test_the_provision_map_counts_a_pupil_in_the_terms_they_were_on_the_roll(session, world, left_on, expected):
    pupil = world.pupils["taught"]
    term = Term("Autumn 2026", date(2026, 9, 1), date(2026, 12, 31))
    kind = make_intervention_type(session, actor=world.users["senco"])
    make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[pupil],
        starts_on=date(2026, 9, 1),
        today=date(2026, 9, 1),
    )
    if left_on is not None:
        _leave(session, pupil, left_on)

    rows = provision_map(session, world.school, term).rows

    assert ([p.id for p in rows[0].pupils] == [pupil.id]) is expected
    assert on_roll_during(pupil, term.starts_on, term.ends_on) is expected


def test_the_provision_map_of_the_next_term_leaves_out_a_pupil_who_left_in_this_one(session, world):
    pupil = world.pupils["taught"]
    kind = make_intervention_type(session, actor=world.users["senco"])
    make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[pupil],
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 2, 12),
        today=date(2026, 9, 1),
    )
    _leave(session, pupil, date(2026, 12, 31))

    autumn = provision_map(session, world.school, Term("Autumn 2026", date(2026, 9, 1), date(2026, 12, 31)))
    spring = provision_map(session, world.school, Term("Spring 2027", date(2027, 1, 1), date(2027, 3, 31)))

    assert autumn.pupil_count == 1
    assert spring.pupil_count == 0


# --- The list of pupils who have left ------------------------------------------------------------


@pytest.mark.parametrize(("left_on", "on_roll"), BOUNDARIES)
def test_the_leavers_list_holds_a_pupil_from_the_leaving_date(client, world, login, session, left_on, on_roll):
    pupil = world.pupils["taught"]
    _leave(session, pupil, left_on)
    login(world.users["head"])

    page = client.page("/pupils/left")

    assert (pupil.public_id in page.pupil_links()) is not on_roll
    if not on_roll:
        assert f"{left_on.day} November 2026" in page
        assert "Moved away from the area" in page


def test_the_pupil_list_links_to_the_leavers(client, world, login):
    login(world.users["senco"])

    assert "/pupils/left" in client.page("/pupils/").links()


def test_the_leavers_list_searches_by_name_and_upn(client, world, login, session):
    ada, cara = world.pupils["taught"], world.pupils["untaught"]
    _leave(session, ada, TODAY)
    _leave(session, cara, YESTERDAY)
    login(world.users["senco"])

    client.post("/pupils/left", data={"q": "ada brook"})
    assert client.page("/pupils/left").pupil_links() == [ada.public_id]
    client.post("/pupils/left", data={"q": cara.upn})
    assert client.page("/pupils/left").pupil_links() == [cara.public_id]
    client.post("/pupils/left/clear-search")
    assert client.page("/pupils/left").pupil_links() == [ada.public_id, cara.public_id]  # latest first


def test_the_leavers_list_is_paged(client, world, login, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUPILS_PER_PAGE", 1)
    ada, cara = world.pupils["taught"], world.pupils["untaught"]
    _leave(session, ada, TODAY)
    _leave(session, cara, YESTERDAY)
    login(world.users["senco"])

    first, second = client.page("/pupils/left"), client.page("/pupils/left?page=2")

    assert first.pupil_links() == [ada.public_id]
    assert second.pupil_links() == [cara.public_id]
    assert "page 1 of 2" in first


def test_the_leavers_list_holds_no_other_school(client, world, login, session):
    _leave(session, world.pupils["foreign"], TODAY)
    login(world.users["senco"])

    assert client.page("/pupils/left").pupil_links() == []


# --- UPN reuse ----------------------------------------------------------------------------------


def _pupil_form(upn: str) -> dict:
    return {
        "upn": upn,
        "first_name": "Ada",
        "last_name": "Brook",
        "preferred_name": "",
        "date_of_birth": date_parts(date(2017, 1, 15)),
        "year_group": "5",
        "admitted_on": date_parts(TODAY),
        "medical_notes": "",
    }


def test_a_pupil_who_returns_after_leaving_gets_a_new_record_with_the_same_upn(client, world, login, session):
    pupil = world.pupils["taught"]
    _leave(session, pupil, date(2026, 10, 1))
    login(world.users["senco"])
    before = count(session, Pupil)

    response = client.post("/pupils/new", data=_pupil_form(pupil.upn))

    assert response.status_code == 302
    assert count(session, Pupil) == before + 1
    assert count(session, Pupil, Pupil.upn == pupil.upn, Pupil.school_id == world.school.id) == 2


def test_a_upn_held_by_a_pupil_on_the_roll_is_refused(client, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["senco"])
    before = count(session, Pupil)

    response = client.post("/pupils/new", data=_pupil_form(pupil.upn))

    assert Page(response).field_error("upn") == "Another pupil on the school's roll already has this UPN"
    assert count(session, Pupil) == before


# --- SEN status and admission ------------------------------------------------------------------


def _status_form(start: date) -> dict:
    return {
        "provision": "E",
        "primary_need": "SPLD",
        "secondary_need": "",
        "start_date": date_parts(start),
        "reason": "EHC plan issued",
    }


@pytest.mark.parametrize(("start", "refused"), [(date(2026, 11, 1), True), (date(2026, 11, 2), False)])
def test_sen_status_recorded_here_cannot_start_before_admission(client, world, login, session, start, refused):
    pupil = world.pupils["taught"]
    pupil.admitted_on = date(2026, 11, 2)
    session.commit()
    login(world.users["senco"])
    before = count(session, SenStatus, SenStatus.pupil_id == pupil.id)

    response = client.post(f"/pupils/{pupil.public_id}/sen-status", data=_status_form(start))

    if refused:
        assert Page(response).field_error("start_date") == (
            "The date the status starts cannot be before the pupil was admitted (2 November 2026)"
        )
        assert count(session, SenStatus, SenStatus.pupil_id == pupil.id) == before
    else:
        assert response.status_code == 302
        assert count(session, SenStatus, SenStatus.pupil_id == pupil.id) == before + 1


# --- Admission and leaving in the middle of terms: the parent-engagement rule ------------------------


def _carried(session, world, *, admitted_on: date, last: str) -> Pupil:
    """A pupil on SEN support since 2025, carried from a previous school, admitted on `admitted_on`."""
    pupil = make_pupil(
        session, world.school, last=last, provision=Provision.SEN_SUPPORT, need=NeedType.SPLD, since=date(2025, 3, 1)
    )
    pupil.admitted_on = admitted_on
    session.flush()
    return pupil


def test_a_pupil_admitted_mid_spring_with_support_from_a_previous_school_owes_nothing_for_the_autumn(session, world):
    spring = _carried(session, world, admitted_on=date(2027, 2, 22), last="Spring")
    autumn = _carried(session, world, admitted_on=date(2026, 9, 1), last="Autumn")  # the control

    on = date(2027, 2, 25)
    late, early = engagement_for_pupil(session, spring, on), engagement_for_pupil(session, autumn, on)

    assert (late.required, late.status.value) == (0, "on_track")
    assert (early.required, early.status.value) == (1, "overdue")


@pytest.mark.parametrize(
    ("held_on", "counted"),
    [
        (date(2027, 1, 3), False),  # the day before admission: a meeting of the pupil's time elsewhere
        (date(2027, 1, 4), True),  # the day of admission
        (date(2027, 1, 5), True),
    ],
)
def test_only_meetings_held_while_the_pupil_was_on_this_schools_roll_count(session, world, held_on, counted):
    from sentrack.models import MeetingMode, ParentMeeting

    pupil = _carried(session, world, admitted_on=date(2027, 1, 4), last="January")
    session.add(
        ParentMeeting(
            pupil_id=pupil.id,
            held_on=held_on,
            mode=MeetingMode.IN_PERSON,
            outcomes="Agreed",
            pupil_views="Likes reading",
        )
    )
    session.flush()

    # Spring (1 January to 31 March) counts: on the roll and the register from 4 January.
    found = engagement_for_pupil(session, pupil, date(2027, 4, 1))

    assert found.required == 1
    assert (found.held, found.status.value) == ((1, "on_track") if counted else (0, "overdue"))


@pytest.mark.parametrize(
    ("admitted_on", "on_register"),
    [
        (date(2027, 2, 26), False),  # admitted tomorrow
        (date(2027, 2, 25), True),  # admitted today
    ],
)
def test_a_pupil_is_on_the_register_here_from_admission(session, world, admitted_on, on_register):
    pupil = _carried(session, world, admitted_on=admitted_on, last="Newcomer")

    assert (engagement_for_pupil(session, pupil, date(2027, 2, 25)) is not None) is on_register


@pytest.mark.parametrize(("left_on", "counted"), BOUNDARIES)
def test_a_pupil_leaving_mid_term_drops_off_the_engagement_figures_from_that_day(session, world, left_on, counted):
    pupil = world.pupils["taught"]
    _leave(session, pupil, left_on)

    assert (engagement_for_pupil(session, pupil, TODAY) is not None) is counted


def test_sen_status_changed_before_a_leaving_keeps_the_history(session, world):
    """The leaving closes nothing: the SEN history stays as recorded, read-only."""
    pupil = world.pupils["taught"]
    change_sen_status(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        provision=Provision.EHC_PLAN,
        primary_need=NeedType.SPLD,
        secondary_need=None,
        start_date=date(2026, 11, 2),
        reason="Plan issued",
        today=TODAY,
    )
    record_leaving(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        left_on=TOMORROW,
        reason="moved_school",
        detail=None,
        today=TODAY,
    )

    assert [s.provision for s in sorted(pupil.sen_statuses, key=lambda s: s.start_date)] == [
        Provision.SEN_SUPPORT,
        Provision.EHC_PLAN,
    ]


# --- The demo ----------------------------------------------------------------------------------


def test_the_demo_has_pupils_who_left_this_year_after_their_last_record(session):
    from sentrack.demo import build_demo
    from sentrack.models import InterventionSession, ParentMeeting, SessionAttendance

    summary = build_demo(session, today=TODAY, schools=2, pupils_per_school=140)

    leavers = session.scalars(sa.select(Pupil).where(Pupil.left_on.is_not(None))).all()
    assert summary.leavers == len(leavers) == 6
    for pupil in leavers:
        assert date(2026, 9, 15) <= pupil.left_on < TODAY
        assert pupil.left_on.weekday() < 5
        assert pupil.leaving_reason
        last = session.scalar(
            sa.select(sa.func.max(TimelineEvent.effective_on)).where(
                TimelineEvent.pupil_id == pupil.id, TimelineEvent.kind != LEFT_EVENT
            )
        )
        assert last is None or last < pupil.left_on
        registers = session.scalar(
            sa.select(sa.func.max(InterventionSession.held_on))
            .join(SessionAttendance, SessionAttendance.session_id == InterventionSession.id)
            .where(SessionAttendance.pupil_id == pupil.id)
        )
        assert registers is None or registers < pupil.left_on
        meetings = session.scalar(
            sa.select(sa.func.max(ParentMeeting.held_on)).where(ParentMeeting.pupil_id == pupil.id)
        )
        assert meetings is None or meetings < pupil.left_on
        assert len(audit_events(session, "pupil_left", pupil_id=pupil.id)) == 1
    # Those on the register leave first, so that the leavers' list shows SEN records.
    assert any(
        session.scalar(sa.select(SenStatus.provision).where(SenStatus.pupil_id == p.id, SenStatus.end_date.is_(None)))
        in (Provision.SEN_SUPPORT, Provision.EHC_PLAN)
        for p in leavers
    )


def test_the_demo_admits_a_pupil_in_january_with_support_from_a_previous_school(session):
    from sentrack.demo import build_demo
    from sentrack.models import SupportCycle

    summary = build_demo(session, today=TODAY, schools=1, pupils_per_school=140)

    carried = session.execute(
        sa.select(Pupil, SenStatus)
        .join(SenStatus, SenStatus.pupil_id == Pupil.id)
        .where(SenStatus.start_date < Pupil.admitted_on)
    ).all()
    assert summary.carried_admissions == len(carried) == 1
    [(pupil, status)] = carried
    assert pupil.admitted_on == date(2026, 1, 5)  # the first school day after the new year's break
    assert status.provision is Provision.SEN_SUPPORT
    assert status.recorded_at.date() >= pupil.admitted_on
    cycles = session.scalars(sa.select(SupportCycle).where(SupportCycle.pupil_id == pupil.id)).all()
    assert all(cycle.opened_on >= pupil.admitted_on for cycle in cycles)


@pytest.mark.parametrize(("left_on", "listed"), BOUNDARIES)
def test_passports_on_the_home_page_of_staff_who_deliver(session, world, left_on, listed):
    """A SENCO who also teaches reads every record of the school, the leavers' too: the passports
    of the pupils they work with still leave out a pupil who left."""
    from sentrack.interventions.home import home_interventions, passport_pupils
    from sentrack.models import Role
    from tests.factories import make_user

    both = make_user(session, "both@oak.test", Role.SENCO, Role.TEACHER, school=world.school)
    pupil, other = world.pupils["taught"], world.pupils["taught_plain"]
    kind = make_intervention_type(session, actor=world.users["senco"])
    make_intervention(
        session, actor=world.users["senco"], kind=kind, deliverer=both, pupils=[pupil, other], weekdays=[0, 1, 2, 3, 4]
    )
    _leave(session, pupil, left_on)

    pupils, _names = passport_pupils(session, both, TODAY)
    week = home_interventions(session, both, TODAY).this_week

    assert other.id in {p.id for p in pupils}
    assert (pupil.id in {p.id for p in pupils}) is listed
    assert (pupil.id in {place.pupil_id for row in week for place in row.intervention.places}) is listed


def test_the_demo_senco_finds_the_leavers_and_their_read_only_records(client, login, session):
    from sentrack.demo import build_demo
    from sentrack.models import User

    build_demo(session, today=TODAY, schools=1, pupils_per_school=140)
    session.commit()
    login(session.scalar(sa.select(User).where(User.email == "senco@demo.test")))

    listed = client.page("/pupils/left").pupil_links()
    on_roll = client.page("/pupils/").pupil_links()

    assert len(listed) == 3
    assert not set(listed) & set(on_roll)
    page = client.page(f"/pupils/{listed[0]}")
    assert "Left on " in page and "Undo the leaving" in page and "Edit details" not in page.html


@pytest.mark.parametrize(("left_on", "counted"), BOUNDARIES)
def test_the_record_of_a_pupil_who_left_tags_nothing_overdue(client, world, login, session, left_on, counted):
    from sentrack.models import Concern, CycleState
    from tests.factories import drive_cycle

    pupil = world.pupils["taught"]
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=pupil, to=CycleState.DO)  # review date 2 Nov
    session.add(
        Concern(
            pupil_id=pupil.id,
            raised_by_id=world.users["teacher"].id,
            raised_on=date(2026, 10, 1),
            deadline=date(2026, 10, 29),
            description="Reading",
        )
    )
    _leave(session, pupil, left_on)
    login(world.users["senco"])

    shown = client.page(f"/pupils/{pupil.public_id}").html
    cycle_page = client.page(f"/pupils/{pupil.public_id}/cycles/{cycle.number}").html

    assert ("Review overdue" in shown) is counted
    assert ("Past deadline" in shown) is counted
    assert ("Review overdue" in cycle_page) is counted
