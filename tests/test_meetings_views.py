"""Meetings with parents and the SENCO's settings through the test client: recording and planning
from the pupil page, every bad input (nothing stored), term dates (overlaps refused), rule
settings, and the engagement shown on the pupil and home pages. The app's date is 27 Nov 2026."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import MeetingMode, ParentMeeting, Provision, SchoolTerm, TimelineEvent
from tests.factories import make_pupil
from tests.helpers import count, date_parts, field_error, text

TODAY = date(2026, 11, 27)


@pytest.fixture
def senco(client, world, login):
    return login(world.users["senco"])


def _meeting_form(world, **changes) -> dict:
    data = {
        "held_on": date_parts(date(2026, 11, 20)),
        "mode": "phone",
        "led_by_id": str(world.users["teacher"].id),
        "attendees": "Mother; class teacher",
        "pupil_views": "Likes the reading group",
        "outcomes": "Keep the reading group going",
        "actions": "Read at home nightly",
        "shared_with_parents_on": date_parts(date(2026, 11, 23)),
    }
    data.update(changes)
    return data


def _url(world, key="taught", rest="/meetings/new") -> str:
    return f"/pupils/{world.pupils[key].public_id}{rest}"


def test_the_class_teacher_records_a_meeting_from_the_pupil_page(client, world, login, session):
    login(world.users["teacher"])
    page = text(client.get(f"/pupils/{world.pupils['taught'].public_id}"))
    assert "Record a meeting with parents" in page

    response = client.post(_url(world), data=_meeting_form(world))

    assert response.status_code == 302
    meeting = session.scalar(sa.select(ParentMeeting))
    assert (meeting.held_on, meeting.mode, meeting.led_by_id, meeting.shared_with_parents_on) == (
        date(2026, 11, 20), MeetingMode.PHONE, world.users["teacher"].id, date(2026, 11, 23))
    assert meeting.recorded_by_id == world.users["teacher"].id
    page = text(client.get(response.headers["Location"]))
    assert "Keep the reading group going" in page
    assert "1 meeting held this year; 0 needed by now" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"held_on": date_parts(date(2026, 11, 28))}, "held_on", "The meeting cannot be recorded as held on a date in the future"),
        ({"held_on": ["", "", ""]}, "held_on", "Enter the date of the meeting"),
        ({"held_on": ["31", "2", "2026"]}, "held_on", "The date of the meeting must be a real date"),
        ({"shared_with_parents_on": date_parts(date(2026, 11, 19))}, "shared_with_parents_on",
         "The record cannot be shared with parents before the meeting was held"),
        ({"shared_with_parents_on": date_parts(date(2026, 11, 28))}, "shared_with_parents_on",
         "The date shared with parents cannot be in the future"),
        ({"led_by_id": ""}, "led_by_id", "Select who leads the meeting"),
        ({"mode": "carrier_pigeon"}, "mode", "Not a valid choice."),
        ({"outcomes": "   "}, "outcomes", "Record what was agreed at the meeting"),
        ({"attendees": ""}, "attendees", "Enter who attended"),
    ],
    ids=["future", "no-date", "not-a-date", "shared-before", "shared-future", "no-leader", "bad-mode", "no-outcomes", "no-attendees"],
)
def test_bad_input_is_explained_and_nothing_is_stored(client, world, senco, session, changes, field, message):
    response = client.post(_url(world), data=_meeting_form(world, **changes))

    assert response.status_code == 200
    assert field_error(text(response), field) == message
    assert count(session, ParentMeeting) == 0
    assert count(session, TimelineEvent, TimelineEvent.kind == "parent_meeting") == 0


@pytest.mark.parametrize("leader", ["governor", "foreign_senco"])
def test_a_leader_not_among_the_schools_staff_is_refused(client, world, senco, session, leader):
    response = client.post(_url(world), data=_meeting_form(world, led_by_id=str(world.users[leader].id)))

    assert response.status_code == 200
    assert field_error(text(response), "led_by_id")
    assert count(session, ParentMeeting) == 0


def test_a_meeting_is_planned_then_recorded_as_held(client, world, senco, session):
    response = client.post(_url(world, rest="/meetings/plan"), data={
        "planned_for": date_parts(date(2026, 12, 3)), "mode": "video", "led_by_id": str(world.users["senco"].id)})
    assert response.status_code == 302
    planned = session.scalar(sa.select(ParentMeeting))
    assert (planned.planned_for, planned.held_on) == (date(2026, 12, 3), None)
    page = text(client.get(f"/pupils/{world.pupils['taught'].public_id}"))
    assert "Planned for 3 December 2026" in page

    response = client.post(_url(world, rest=f"/meetings/{planned.id}/record"),
                           data=_meeting_form(world, held_on=date_parts(date(2026, 11, 26)), shared_with_parents_on=["", "", ""]))

    assert response.status_code == 302
    session.expire_all()
    assert count(session, ParentMeeting) == 1
    assert session.get(ParentMeeting, planned.id).held_on == date(2026, 11, 26)
    # Recorded once: a second try finds no planned meeting.
    assert client.get(_url(world, rest=f"/meetings/{planned.id}/record")).status_code == 404


def test_a_meeting_planned_in_the_past_is_refused(client, world, senco, session):
    response = client.post(_url(world, rest="/meetings/plan"), data={
        "planned_for": date_parts(date(2026, 11, 26)), "mode": "video", "led_by_id": str(world.users["senco"].id)})

    assert response.status_code == 200
    assert "cannot be in the past" in field_error(text(response), "planned_for")
    assert count(session, ParentMeeting) == 0


def test_a_planned_meeting_of_another_pupil_is_not_found(client, world, senco, session):
    other = ParentMeeting(pupil_id=world.pupils["untaught_k"].id, planned_for=date(2026, 12, 3), mode=MeetingMode.PHONE)
    session.add(other)
    session.commit()

    assert client.get(_url(world, rest=f"/meetings/{other.id}/record")).status_code == 404


# --- Engagement on the pupil and home pages ---------------------------------------------------

def test_the_pupil_page_shows_the_engagement_status(client, world, senco, session):
    world.school.parent_due_window_days = 40
    session.commit()
    page = text(client.get(f"/pupils/{world.pupils['taught'].public_id}"))

    # On K since 10 Sep 2025; autumn 2026 ends 31 Dec, 34 days away: within a 40-day window.
    assert "govuk-tag--yellow\">Due</strong>" in page
    assert "0 meetings held this year; 0 needed by now" in page


def test_the_senco_home_page_counts_and_lists_overdue_pupils(client, world, senco, session):
    # Terms of the school's own: autumn ended 20 Nov, so every Oak pupil on the register owes one.
    session.add(SchoolTerm(school_id=world.school.id, name="Short autumn", starts_on=date(2026, 9, 1), ends_on=date(2026, 11, 20)))
    session.add(ParentMeeting(pupil_id=world.pupils["untaught"].id, held_on=date(2026, 10, 1), mode=MeetingMode.IN_PERSON,
                               pupil_views="Likes maths"))
    session.commit()

    page = text(client.get("/"))

    assert "Parent engagement" in page
    assert 'id="engagement-overdue">2<' in page
    assert 'id="engagement-on-track">1<' in page
    assert world.pupils["taught"].last_name in page and world.pupils["untaught_k"].last_name in page


def test_the_head_sees_parent_engagement_too(client, world, login):
    login(world.users["head"])

    assert "Parent engagement" in text(client.get("/"))


def test_the_class_teacher_sees_the_engagement_of_their_pupils(client, world, login):
    login(world.users["teacher"])

    page = text(client.get("/"))

    assert "Parent meetings" in page
    assert "On track</strong><br><span class=\"govuk-body-s\">0 held this year, 0 needed so far</span>" in page


# --- Term dates and rule settings -----------------------------------------------------------

def _term(name, start, end) -> dict:
    return {"name": name, "starts_on": date_parts(start), "ends_on": date_parts(end)}


def test_the_senco_adds_and_changes_a_term(client, world, senco, session):
    response = client.post("/settings/terms/new", data=_term("Autumn 2026", date(2026, 9, 2), date(2026, 12, 18)))
    assert response.status_code == 302
    term = session.scalar(sa.select(SchoolTerm).where(SchoolTerm.school_id == world.school.id))
    assert (term.name, term.ends_on) == ("Autumn 2026", date(2026, 12, 18))

    response = client.post(f"/settings/terms/{term.id}", data=_term("Autumn 2026", date(2026, 9, 2), date(2026, 12, 17)))

    assert response.status_code == 302
    session.expire_all()
    assert session.get(SchoolTerm, term.id).ends_on == date(2026, 12, 17)
    assert "Autumn 2026" in text(client.get("/settings"))


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (date(2026, 12, 1), date(2027, 1, 10), "starts_on", "The dates overlap Autumn 2026 (02/09/2026 to 18/12/2026)"),
        (date(2026, 8, 1), date(2026, 9, 2), "starts_on", "The dates overlap Autumn 2026 (02/09/2026 to 18/12/2026)"),
        (date(2026, 10, 1), date(2026, 10, 30), "starts_on", "The dates overlap Autumn 2026 (02/09/2026 to 18/12/2026)"),
        (date(2027, 3, 1), date(2027, 1, 5), "ends_on", "The last day of the term must be after its first day"),
    ],
    ids=["overlaps-the-end", "overlaps-the-start", "inside", "ends-before-it-starts"],
)
def test_a_bad_term_is_refused_and_nothing_is_stored(client, world, senco, session, start, end, field, message):
    session.add(SchoolTerm(school_id=world.school.id, name="Autumn 2026", starts_on=date(2026, 9, 2), ends_on=date(2026, 12, 18)))
    session.commit()

    response = client.post("/settings/terms/new", data=_term("Spring 2027", start, end))

    assert response.status_code == 200
    assert field_error(text(response), field) == message
    assert count(session, SchoolTerm, SchoolTerm.school_id == world.school.id) == 1


def test_a_term_of_another_school_does_not_overlap_and_cannot_be_opened(client, world, senco, session):
    theirs = SchoolTerm(school_id=world.foreign.id, name="Far autumn", starts_on=date(2026, 9, 2), ends_on=date(2026, 12, 18))
    session.add(theirs)
    session.commit()

    assert client.post("/settings/terms/new", data=_term("Autumn 2026", date(2026, 9, 2), date(2026, 12, 18))).status_code == 302
    assert client.get(f"/settings/terms/{theirs.id}").status_code == 404


def _rules(**changes) -> dict:
    data = {"concern_deadline_days": "28", "review_interval_weeks": "8", "parent_meeting_min_days": "28",
            "parent_due_window_days": "14", "records_stale_weeks": "8"}
    data.update(changes)
    return data


def test_the_senco_changes_the_rule_settings(client, world, senco, session):
    response = client.post("/settings/rules", data=_rules())

    assert response.status_code == 302
    session.refresh(world.school)
    assert world.school.parent_due_window_days == 14


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"concern_deadline_days": "0"}, "concern_deadline_days", "Days to decide on a concern must be between 1 and 90"),
        ({"review_interval_weeks": "13"}, "review_interval_weeks", "Weeks from a plan's start to its review must be between 6 and 12"),
        ({"parent_meeting_min_days": "-1"}, "parent_meeting_min_days",
         "Days on the register before a term counts for parent meetings must be between 0 and 90"),
        ({"parent_due_window_days": "61"}, "parent_due_window_days",
         "Days before a term ends that a parent meeting is due must be between 1 and 60"),
        ({"records_stale_weeks": "two"}, "records_stale_weeks", "Weeks without an update before a record is stale must be a whole number"),
        ({"records_stale_weeks": ""}, "records_stale_weeks",
         "Enter a value for 'weeks without an update before a record is stale'"),
    ],
    ids=["concern", "review", "min-days", "window", "not-a-number", "empty"],
)
def test_a_setting_out_of_range_is_refused_and_nothing_is_stored(client, world, senco, session, changes, field, message):
    response = client.post("/settings/rules", data=_rules(**changes))

    assert response.status_code == 200
    assert field_error(text(response), field) == message
    session.refresh(world.school)
    assert world.school.parent_due_window_days == 21


def test_settings_change_the_engagement_rule(client, world, senco, session):
    pupil = make_pupil(session, world.school, first="Iris", last="Quinn", provision=Provision.SEN_SUPPORT, since=date(2026, 9, 1))
    session.commit()
    client.post("/settings/rules", data=_rules(parent_due_window_days="40"))

    page = text(client.get(f"/pupils/{pupil.public_id}"))

    # 34 days to 31 Dec is inside a 40-day window.
    assert ">Due</strong>" in page
