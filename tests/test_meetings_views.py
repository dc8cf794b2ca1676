"""Meetings with parents and the SENCO's settings through the test client: recording and planning
from the pupil page, every bad input (nothing stored), term dates (overlaps refused), rule
settings, and the engagement shown on the pupil and home pages. The app's date is 27 Nov 2026."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import MeetingMode, ParentMeeting, Provision, SchoolTerm, Season, TimelineEvent
from sentrack.workflows.engagement import engagement_for_pupil
from tests.factories import make_pupil
from tests.helpers import audit_events, count, date_parts
from tests.pages import Page, words

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
    page = client.page(f"/pupils/{world.pupils['taught'].public_id}")
    assert "Record a meeting with parents" in page

    response = client.post(_url(world), data=_meeting_form(world))

    assert response.status_code == 302
    meeting = session.scalar(sa.select(ParentMeeting))
    assert (meeting.held_on, meeting.mode, meeting.led_by_id, meeting.shared_with_parents_on) == (
        date(2026, 11, 20),
        MeetingMode.PHONE,
        world.users["teacher"].id,
        date(2026, 11, 23),
    )
    assert meeting.recorded_by_id == world.users["teacher"].id
    page = client.page(response.headers["Location"])
    assert "Keep the reading group going" in page
    assert "1 meeting held this year; on track: the next is needed by 31 March." in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"held_on": date_parts(date(2026, 11, 28))},
            "held_on",
            "The meeting cannot be recorded as held on a date in the future",
        ),
        ({"held_on": ["", "", ""]}, "held_on", "Enter the date of the meeting"),
        ({"held_on": ["31", "2", "2026"]}, "held_on", "The date of the meeting must be a real date"),
        (
            {"shared_with_parents_on": date_parts(date(2026, 11, 19))},
            "shared_with_parents_on",
            "The record cannot be shared with parents before the meeting was held",
        ),
        (
            {"shared_with_parents_on": date_parts(date(2026, 11, 28))},
            "shared_with_parents_on",
            "The date shared with parents cannot be in the future",
        ),
        ({"led_by_id": ""}, "led_by_id", "Select who leads the meeting"),
        ({"mode": "carrier_pigeon"}, "mode", "Not a valid choice."),
        ({"outcomes": "   "}, "outcomes", "Record what was agreed at the meeting"),
        ({"attendees": ""}, "attendees", "Enter who attended"),
    ],
    ids=[
        "future",
        "no-date",
        "not-a-date",
        "shared-before",
        "shared-future",
        "no-leader",
        "bad-mode",
        "no-outcomes",
        "no-attendees",
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(client, world, senco, session, changes, field, message):
    response = client.post(_url(world), data=_meeting_form(world, **changes))

    page = Page(response)
    assert page.field_error(field) == message
    assert count(session, ParentMeeting) == 0
    assert count(session, TimelineEvent, TimelineEvent.kind == "parent_meeting") == 0


@pytest.mark.parametrize("leader", ["governor", "foreign_senco"])
def test_a_leader_not_among_the_schools_staff_is_refused(client, world, senco, session, leader):
    response = client.post(_url(world), data=_meeting_form(world, led_by_id=str(world.users[leader].id)))

    page = Page(response)
    assert page.field_error("led_by_id")
    assert count(session, ParentMeeting) == 0


def test_a_meeting_is_planned_then_recorded_as_held(client, world, senco, session):
    response = client.post(
        _url(world, rest="/meetings/plan"),
        data={"planned_for": date_parts(date(2026, 12, 3)), "mode": "video", "led_by_id": str(world.users["senco"].id)},
    )
    assert response.status_code == 302
    planned = session.scalar(sa.select(ParentMeeting))
    assert (planned.planned_for, planned.held_on) == (date(2026, 12, 3), None)
    page = client.page(f"/pupils/{world.pupils['taught'].public_id}")
    assert "Planned for 3 December 2026" in page

    response = client.post(
        _url(world, rest=f"/meetings/{planned.id}/record"),
        data=_meeting_form(world, held_on=date_parts(date(2026, 11, 26)), shared_with_parents_on=["", "", ""]),
    )

    assert response.status_code == 302
    session.expire_all()
    assert count(session, ParentMeeting) == 1
    assert session.get(ParentMeeting, planned.id).held_on == date(2026, 11, 26)
    # Recorded once: a second try finds no planned meeting.
    assert client.get(_url(world, rest=f"/meetings/{planned.id}/record")).status_code == 404


def test_a_meeting_planned_in_the_past_is_refused(client, world, senco, session):
    response = client.post(
        _url(world, rest="/meetings/plan"),
        data={
            "planned_for": date_parts(date(2026, 11, 26)),
            "mode": "video",
            "led_by_id": str(world.users["senco"].id),
        },
    )

    page = Page(response)
    assert "cannot be in the past" in page.field_error("planned_for")
    assert count(session, ParentMeeting) == 0


def test_a_planned_meeting_of_another_pupil_is_not_found(client, world, senco, session):
    other = ParentMeeting(pupil_id=world.pupils["untaught_k"].id, planned_for=date(2026, 12, 3), mode=MeetingMode.PHONE)
    session.add(other)
    session.commit()

    assert client.get(_url(world, rest=f"/meetings/{other.id}/record")).status_code == 404


# --- One meeting a day: duplicates, separate meetings with another parent ---------------------


def _held(session, world, key="taught") -> list[ParentMeeting]:
    return list(
        session.scalars(
            sa.select(ParentMeeting)
            .where(ParentMeeting.pupil_id == world.pupils[key].id, ParentMeeting.held_on.is_not(None))
            .order_by(ParentMeeting.id)
        )
    )


def test_a_second_meeting_on_the_same_day_is_refused_and_the_first_is_offered(client, world, senco, session):
    assert client.post(_url(world), data=_meeting_form(world)).status_code == 302
    first = _held(session, world)[0]

    response = client.post(_url(world), data=_meeting_form(world, outcomes="The same meeting again"))

    page = Page(response)
    assert page.field_error("held_on") == (
        "A meeting with parents on 20 November 2026 is already recorded for this pupil. "
        "If this was a separate meeting with another parent or carer, say so below"
    )
    assert f"/pupils/{world.pupils['taught'].public_id}#meeting-{first.id}" in page.links()
    assert [m.id for m in _held(session, world)] == [first.id]
    assert count(session, TimelineEvent, TimelineEvent.kind == "parent_meeting") == 1
    # The link finds it on the pupil page.
    assert client.page(f"/pupils/{world.pupils['taught'].public_id}").has(f"#meeting-{first.id}")


def test_the_same_day_for_another_pupil_is_not_a_duplicate(client, world, senco, session):
    assert client.post(_url(world), data=_meeting_form(world)).status_code == 302
    assert client.post(_url(world, key="untaught"), data=_meeting_form(world)).status_code == 302
    assert len(_held(session, world)) == len(_held(session, world, "untaught")) == 1


@pytest.mark.parametrize("day", [date(2026, 11, 19), date(2026, 11, 21)], ids=["day-before", "day-after"])
def test_a_meeting_the_day_before_or_after_is_another_meeting_and_counts(client, world, senco, session, day):
    assert client.post(_url(world), data=_meeting_form(world)).status_code == 302

    response = client.post(
        _url(world), data=_meeting_form(world, held_on=date_parts(day), shared_with_parents_on=["", "", ""])
    )

    assert response.status_code == 302
    assert [m.held_on for m in _held(session, world)] == [date(2026, 11, 20), day]
    assert engagement_for_pupil(session, world.pupils["taught"], TODAY).held == 2


def test_a_separate_meeting_with_another_parent_is_recorded_and_the_day_counts_once(client, world, senco, session):
    assert client.post(_url(world), data=_meeting_form(world)).status_code == 302

    response = client.post(
        _url(world),
        data=_meeting_form(
            world,
            attendees="Father; class teacher",
            separate="y",
            separate_with="The pupil's father (parents live apart)",
        ),
    )

    assert response.status_code == 302
    first, second = _held(session, world)
    assert (first.separate_with, second.separate_with) == (None, "The pupil's father (parents live apart)")
    assert second.held_on == first.held_on == date(2026, 11, 20)
    assert engagement_for_pupil(session, world.pupils["taught"], TODAY).held == 1
    assert audit_events(session, "parent_meeting_recorded")[-1].details == {"planned": False, "separate": True}
    page = client.page(f"/pupils/{world.pupils['taught'].public_id}")
    assert "(a separate meeting with The pupil's father (parents live apart))" in page
    assert "1 meeting held this year" in page


def test_a_separate_meeting_must_say_who_it_was_with(client, world, senco, session):
    assert client.post(_url(world), data=_meeting_form(world)).status_code == 302

    response = client.post(_url(world), data=_meeting_form(world, separate="y", separate_with="  "))

    page = Page(response)
    assert page.field_error("separate_with") == "Enter the parent or carer this separate meeting was with"
    assert len(_held(session, world)) == 1


def test_planning_a_second_meeting_for_a_day_already_planned_is_refused_unless_separate(client, world, senco, session):
    plan = {"planned_for": date_parts(date(2026, 12, 3)), "mode": "video", "led_by_id": str(world.users["senco"].id)}
    assert client.post(_url(world, rest="/meetings/plan"), data=plan).status_code == 302
    first = session.scalar(sa.select(ParentMeeting))

    response = client.post(_url(world, rest="/meetings/plan"), data=plan)

    page = Page(response)
    assert page.field_error("planned_for").startswith(
        "A meeting with parents on 3 December 2026 is already planned for this pupil."
    )
    assert any(href.endswith(f"#meeting-{first.id}") for href in page.links())
    assert count(session, ParentMeeting) == 1
    # The next day is free; a separate meeting with the other parent the same day may be planned.
    assert (
        client.post(
            _url(world, rest="/meetings/plan"), data={**plan, "planned_for": date_parts(date(2026, 12, 4))}
        ).status_code
        == 302
    )
    assert (
        client.post(
            _url(world, rest="/meetings/plan"), data={**plan, "separate": "y", "separate_with": "Father"}
        ).status_code
        == 302
    )
    assert sorted((m.planned_for, m.separate_with or "") for m in session.scalars(sa.select(ParentMeeting))) == [
        (date(2026, 12, 3), ""),
        (date(2026, 12, 3), "Father"),
        (date(2026, 12, 4), ""),
    ]


def test_recording_a_planned_meeting_on_a_day_already_recorded_is_refused(client, world, senco, session):
    assert (
        client.post(
            _url(world),
            data=_meeting_form(world, held_on=date_parts(date(2026, 11, 26)), shared_with_parents_on=["", "", ""]),
        ).status_code
        == 302
    )
    planned = ParentMeeting(pupil_id=world.pupils["taught"].id, planned_for=date(2026, 12, 3), mode=MeetingMode.PHONE)
    session.add(planned)
    session.commit()

    response = client.post(
        _url(world, rest=f"/meetings/{planned.id}/record"),
        data=_meeting_form(world, held_on=date_parts(date(2026, 11, 26)), shared_with_parents_on=["", "", ""]),
    )

    page = Page(response)
    assert "already recorded" in page.field_error("held_on")
    session.expire_all()
    assert session.get(ParentMeeting, planned.id).held_on is None


def test_a_separate_meeting_planned_is_recorded_as_separate(client, world, senco, session):
    assert (
        client.post(
            _url(world), data=_meeting_form(world, held_on=date_parts(TODAY), shared_with_parents_on=["", "", ""])
        ).status_code
        == 302
    )
    planned = ParentMeeting(
        pupil_id=world.pupils["taught"].id, planned_for=TODAY, mode=MeetingMode.PHONE, separate_with="Father"
    )
    session.add(planned)
    session.commit()

    page = client.page(_url(world, rest=f"/meetings/{planned.id}/record"))
    assert page.one('input[name="separate"]').has_attr("checked") and page.value("separate_with") == "Father"

    response = client.post(
        _url(world, rest=f"/meetings/{planned.id}/record"),
        data=_meeting_form(
            world, held_on=date_parts(TODAY), shared_with_parents_on=["", "", ""], separate="y", separate_with="Father"
        ),
    )

    assert response.status_code == 302
    assert [(m.held_on, m.separate_with) for m in _held(session, world)] == [(TODAY, None), (TODAY, "Father")]


# --- The pupil's views, and the record shared with parents ----------------------------------------


def test_the_pupils_views_or_why_they_could_not_be_gathered_is_required(client, world, senco, session):
    response = client.post(_url(world), data=_meeting_form(world, pupil_views="", views_not_gathered=" "))

    page = Page(response)
    assert page.field_error("pupil_views") == "Record the pupil's views, or why they could not be gathered"
    assert count(session, ParentMeeting) == 0


def test_the_reason_the_views_could_not_be_gathered_stands_for_them(client, world, senco, session):
    reason = "The pupil was absent; the teacher will ask them in school"
    response = client.post(_url(world), data=_meeting_form(world, pupil_views="", views_not_gathered=reason))

    assert response.status_code == 302
    meeting = session.scalar(sa.select(ParentMeeting))
    assert (meeting.pupil_views, meeting.views_not_gathered) == (None, reason)
    page = client.page(f"/pupils/{world.pupils['taught'].public_id}")
    assert "The pupil's views were not gathered" in page and reason in page


def test_views_given_make_a_reason_unnecessary(client, world, senco, session):
    assert client.post(_url(world), data=_meeting_form(world, views_not_gathered="Absent")).status_code == 302
    meeting = session.scalar(sa.select(ParentMeeting))
    assert (meeting.pupil_views, meeting.views_not_gathered) == ("Likes the reading group", None)


def test_a_record_may_be_shared_on_the_day_of_the_meeting(client, world, senco, session):
    response = client.post(
        _url(world), data=_meeting_form(world, shared_with_parents_on=date_parts(date(2026, 11, 20)))
    )
    assert response.status_code == 302
    assert session.scalar(sa.select(ParentMeeting)).shared_with_parents_on == date(2026, 11, 20)


def _unshared(client, world, session) -> ParentMeeting:
    assert client.post(_url(world), data=_meeting_form(world, shared_with_parents_on=["", "", ""])).status_code == 302
    return session.scalar(sa.select(ParentMeeting))


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2026, 11, 19), "The record cannot be shared with parents before the meeting was held"),
        (date(2026, 11, 28), "The date shared with parents cannot be in the future"),
        (None, "Enter the date the record was shared with parents"),
    ],
    ids=["day-before-the-meeting", "tomorrow", "no-date"],
)
def test_marking_the_record_shared_on_a_bad_date_is_refused(client, world, senco, session, day, message):
    meeting = _unshared(client, world, session)

    response = client.post(
        _url(world, rest=f"/meetings/{meeting.id}/shared"),
        data={"shared_with_parents_on": date_parts(day) if day else ["", "", ""]},
    )

    page = Page(response)
    assert page.field_error("shared_with_parents_on") == message
    session.expire_all()
    assert session.get(ParentMeeting, meeting.id).shared_with_parents_on is None
    assert audit_events(session, "parent_meeting_shared") == []


@pytest.mark.parametrize("day", [date(2026, 11, 20), TODAY], ids=["day-of-the-meeting", "today"])
def test_the_pupil_page_offers_to_mark_the_record_shared_which_is_audited_and_on_the_timeline(
    client, world, senco, session, day
):
    meeting = _unshared(client, world, session)
    url = _url(world, rest=f"/meetings/{meeting.id}/shared")
    page = client.page(f"/pupils/{world.pupils['taught'].public_id}")
    assert "Record not yet shared" in page and url in page.links()

    response = client.post(url, data={"shared_with_parents_on": date_parts(day)})

    assert response.status_code == 302
    session.expire_all()
    assert session.get(ParentMeeting, meeting.id).shared_with_parents_on == day
    (event,) = audit_events(session, "parent_meeting_shared")
    assert (event.object_id, event.details) == (str(meeting.id), {"shared_on": day.isoformat()})
    timeline = session.scalar(sa.select(TimelineEvent).where(TimelineEvent.kind == "parent_meeting_shared"))
    assert (timeline.effective_on, timeline.title) == (day, "Meeting record shared with parents")
    page = client.page(f"/pupils/{world.pupils['taught'].public_id}")
    assert "Record not yet shared" not in page.html and f'href="{url}"' not in page.html  # nowhere in the markup
    # Shared once: marking it again is refused and changes nothing.
    again = client.post(url, data={"shared_with_parents_on": date_parts(TODAY)})
    assert "already shared" in Page(again)
    session.expire_all()
    assert session.get(ParentMeeting, meeting.id).shared_with_parents_on == day


def test_a_planned_meeting_or_another_pupils_cannot_be_marked_shared(client, world, senco, session):
    planned = ParentMeeting(pupil_id=world.pupils["taught"].id, planned_for=date(2026, 12, 3), mode=MeetingMode.PHONE)
    session.add(planned)
    session.commit()
    assert client.get(_url(world, rest=f"/meetings/{planned.id}/shared")).status_code == 404
    meeting = _unshared(client, world, session)
    assert client.get(_url(world, key="untaught", rest=f"/meetings/{meeting.id}/shared")).status_code == 404


# --- Engagement on the pupil and home pages ---------------------------------------------------


def test_the_pupil_page_shows_the_engagement_status(client, world, senco, session):
    world.school.parent_due_window_days = 40
    session.commit()
    page = client.page(f"/pupils/{world.pupils['taught'].public_id}")

    # On K since 10 Sep 2025; autumn 2026 ends 31 Dec, 34 days away: within a 40-day window.
    assert page.texts("strong.govuk-tag--yellow") == ["Due"]
    assert "No meetings held this year; 1 needed by 31 December." in page


def test_the_senco_home_page_counts_and_lists_overdue_pupils(client, world, senco, session):
    # Terms of the school's own: autumn ended 20 Nov, so every Oak pupil on the register owes one.
    session.add(
        SchoolTerm(
            school_id=world.school.id,
            academic_year=2026,
            season=Season.AUTUMN,
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 11, 20),
        )
    )
    session.add(
        ParentMeeting(
            pupil_id=world.pupils["untaught"].id,
            held_on=date(2026, 10, 1),
            mode=MeetingMode.IN_PERSON,
            pupil_views="Likes maths",
        )
    )
    session.commit()

    page = client.page("/")

    assert "Parent engagement" in page
    assert page.text("#engagement-overdue") == "2"
    assert page.text("#engagement-on-track") == "1"
    assert world.pupils["taught"].last_name in page and world.pupils["untaught_k"].last_name in page
    assert "No meetings held this year; 1 overdue, needed by 20 November" in page


def test_the_head_sees_parent_engagement_too(client, world, login):
    login(world.users["head"])

    assert "Parent engagement" in client.page("/")


def test_the_class_teacher_sees_the_engagement_of_their_pupils(client, world, login):
    login(world.users["teacher"])

    page = client.page("/")

    assert "Parent meetings" in page
    assert (
        "On track",
        "No meetings held this year; on track: the next is needed by 31 December",
    ) in [(words(tag), words(tag.find_next_sibling("span", class_="govuk-body-s"))) for tag in page.all("strong")]


# --- Term dates and rule settings -----------------------------------------------------------


def _term(year, season, start, end, half=None) -> dict:
    data = {"academic_year": str(year), "season": season, "starts_on": date_parts(start), "ends_on": date_parts(end)}
    if half:
        data |= {"half_term_starts_on": date_parts(half[0]), "half_term_ends_on": date_parts(half[1])}
    return data


def test_the_senco_sets_and_changes_a_terms_dates(client, world, senco, session):
    response = client.post(
        "/settings/terms/new",
        data=_term(2026, "autumn", date(2026, 9, 2), date(2026, 12, 18), (date(2026, 10, 26), date(2026, 10, 30))),
    )
    assert response.status_code == 302
    term = session.scalar(sa.select(SchoolTerm).where(SchoolTerm.school_id == world.school.id))
    assert (term.name, term.season, term.academic_year, term.ends_on) == (
        "Autumn 2026",
        Season.AUTUMN,
        2026,
        date(2026, 12, 18),
    )
    assert (term.half_term_starts_on, term.half_term_ends_on) == (date(2026, 10, 26), date(2026, 10, 30))
    assert [e.action for e in audit_events(session, "term_added", object_type="school_term")] == ["term_added"]

    response = client.post(
        f"/settings/terms/{term.id}",
        data=dict(_term(2026, "autumn", date(2026, 9, 2), date(2026, 12, 17)), version=str(term.version)),
    )

    assert response.status_code == 302
    session.expire_all()
    changed = session.get(SchoolTerm, term.id)
    assert (changed.ends_on, changed.half_term_starts_on) == (date(2026, 12, 17), None)
    assert count(session, SchoolTerm, SchoolTerm.school_id == world.school.id) == 1


def test_the_settings_page_shows_this_and_next_years_terms_and_which_are_default(client, world, senco, session):
    session.add(
        SchoolTerm(
            school_id=world.school.id,
            academic_year=2026,
            season=Season.SPRING,
            starts_on=date(2027, 1, 5),
            ends_on=date(2027, 3, 26),
            half_term_starts_on=date(2027, 2, 15),
            half_term_ends_on=date(2027, 2, 19),
        )
    )
    session.commit()

    page = client.page("/settings")

    assert "2026 to 2027 (this academic year)" in page and "2027 to 2028 (next academic year)" in page
    # Five default terms (autumn and summer of this year, all of next) and the school's spring.
    assert page.texts("strong").count("Default") == 5
    assert "15 Feb 2027 to 19 Feb 2027" in page
    assert "/settings/terms/new?year=2026&season=autumn" in page.links()
    assert "/settings/terms/new?year=2027&season=summer" in page.links()


def test_the_new_term_form_is_filled_from_the_link(client, world, senco):
    page = client.page("/settings/terms/new?year=2027&season=spring")

    selected = page.one('select[name="academic_year"] option[selected]')
    assert (selected["value"], words(selected)) == ("2027", "2027 to 2028")
    assert page.one('input[name="season"][checked]')["value"] == "spring"


@pytest.mark.parametrize(
    ("year", "season", "start", "end", "half", "field", "message"),
    [
        (
            2026,
            "spring",
            date(2026, 12, 1),
            date(2027, 3, 10),
            None,
            "starts_on",
            "The spring term of 2026 to 2027 must start between 1 January 2027 and 31 January 2027",
        ),
        (
            2026,
            "summer",
            date(2027, 3, 20),
            date(2027, 7, 20),
            None,
            "starts_on",
            "The dates overlap Spring 2027 (1 January 2027 to 31 March 2027, "
            "the default dates: set Spring 2027's own dates first)",
        ),
        (
            2026,
            "spring",
            date(2027, 1, 4),
            date(2027, 4, 20),
            None,
            "ends_on",
            "The dates overlap Summer 2027 (1 April 2027 to 31 August 2027, "
            "the default dates: set Summer 2027's own dates first)",
        ),
        (
            2026,
            "spring",
            date(2027, 3, 1),
            date(2027, 1, 5),
            None,
            "ends_on",
            "The last day of the term must be after its first day",
        ),
        (
            2026,
            "autumn",
            date(2026, 9, 3),
            date(2026, 12, 18),
            None,
            "season",
            "Autumn 2026 already has the school's own dates: change those instead",
        ),
        (
            2026,
            "spring",
            date(2027, 1, 4),
            date(2027, 3, 26),
            (date(2027, 2, 15), None),
            "half_term_ends_on",
            "Enter the last day of the half-term holiday, or leave both days blank",
        ),
        (
            2026,
            "spring",
            date(2027, 1, 4),
            date(2027, 3, 26),
            (date(2027, 3, 22), date(2027, 3, 26)),
            "half_term_ends_on",
            "The half-term holiday must end before the last day of the term",
        ),
        (
            2028,
            "spring",
            date(2029, 1, 4),
            date(2029, 3, 26),
            None,
            "academic_year",
            "Select this academic year or the next",
        ),
        (2026, "winter", date(2027, 1, 4), date(2027, 3, 26), None, "season", "Select autumn, spring or summer"),
    ],
    ids=[
        "outside-its-place",
        "overlaps-a-default-before",
        "overlaps-a-default-after",
        "ends-before-it-starts",
        "already-set",
        "half-term-missing-a-day",
        "half-term-at-the-end",
        "year-not-offered",
        "no-such-season",
    ],
)
def test_a_bad_term_is_refused_beside_its_field_and_nothing_is_stored(
    client, world, senco, session, year, season, start, end, half, field, message
):
    session.add(
        SchoolTerm(
            school_id=world.school.id,
            academic_year=2026,
            season=Season.AUTUMN,
            starts_on=date(2026, 9, 2),
            ends_on=date(2026, 12, 18),
        )
    )
    session.commit()
    data = _term(year, season, start, end)
    if half:
        data |= {
            "half_term_starts_on": date_parts(half[0]) if half[0] else ["", "", ""],
            "half_term_ends_on": date_parts(half[1]) if half[1] else ["", "", ""],
        }

    response = client.post("/settings/terms/new", data=data)

    page = Page(response)
    assert page.field_error(field) == message
    assert count(session, SchoolTerm, SchoolTerm.school_id == world.school.id) == 1


def test_the_senco_gives_a_term_the_default_dates_again(client, world, senco, session):
    term = SchoolTerm(
        school_id=world.school.id,
        academic_year=2026,
        season=Season.AUTUMN,
        starts_on=date(2026, 9, 3),
        ends_on=date(2026, 12, 18),
    )
    session.add(term)
    session.commit()
    page = client.page(f"/settings/terms/{term.id}")
    assert "Use the default dates for Autumn 2026" in page
    assert len(page.all(f'form[action="/settings/terms/{term.id}/default"]')) == 1

    response = client.post(f"/settings/terms/{term.id}/default")

    assert response.status_code == 302 and response.headers["Location"].endswith("/settings#terms")
    assert count(session, SchoolTerm, SchoolTerm.school_id == world.school.id) == 0
    assert [e.details for e in audit_events(session, "term_removed", object_type="school_term")] == [
        {"term": "Autumn 2026"}
    ]
    assert "The term has the default dates again." in client.page("/settings").flashes()


def test_a_default_that_would_overlap_the_schools_other_term_is_refused(client, world, senco, session):
    # Summer from 22 March stands only while spring ends before it: the default spring would not.
    spring = SchoolTerm(
        school_id=world.school.id,
        academic_year=2026,
        season=Season.SPRING,
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 3, 19),
    )
    session.add_all(
        [
            spring,
            SchoolTerm(
                school_id=world.school.id,
                academic_year=2026,
                season=Season.SUMMER,
                starts_on=date(2027, 3, 22),
                ends_on=date(2027, 7, 21),
            ),
        ]
    )
    session.commit()
    page = client.post_page(f"/settings/terms/{spring.id}/default", follow_redirects=True)

    assert (
        "The default dates of Spring 2027 (1 January 2027 to 31 March 2027) would overlap Summer 2027"
        " (22 March 2027 to 21 July 2027): change Summer 2027 first"
    ) in " ".join(page.flashes())
    assert count(session, SchoolTerm, SchoolTerm.school_id == world.school.id) == 2
    assert audit_events(session, "term_removed") == []


def test_a_term_of_another_school_does_not_overlap_and_cannot_be_opened(client, world, senco, session):
    theirs = SchoolTerm(
        school_id=world.foreign.id,
        academic_year=2026,
        season=Season.AUTUMN,
        starts_on=date(2026, 9, 2),
        ends_on=date(2026, 12, 18),
    )
    session.add(theirs)
    session.commit()

    assert (
        client.post("/settings/terms/new", data=_term(2026, "autumn", date(2026, 9, 2), date(2026, 12, 18))).status_code
        == 302
    )
    assert client.get(f"/settings/terms/{theirs.id}").status_code == 404


def _rules(**changes) -> dict:
    data = {
        "concern_deadline_days": "28",
        "review_interval_weeks": "8",
        "parent_meeting_min_days": "28",
        "parent_due_window_days": "14",
        "records_stale_weeks": "8",
        "assistant_access_weeks": "4",
        "sen_file_kept_years": "31",
        "pupil_record_kept_years": "25",
        "lowest_year": "0",
        "highest_year": "6",
        "version": "1",
    }
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
        (
            {"concern_deadline_days": "0"},
            "concern_deadline_days",
            "Days to decide on a concern must be between 1 and 90",
        ),
        (
            {"review_interval_weeks": "13"},
            "review_interval_weeks",
            "Weeks from a plan's start to its review must be between 6 and 12",
        ),
        (
            {"parent_meeting_min_days": "-1"},
            "parent_meeting_min_days",
            "Days on the register before a term counts for parent meetings must be between 0 and 90",
        ),
        (
            {"parent_due_window_days": "61"},
            "parent_due_window_days",
            "Days before a term ends that a parent meeting is due must be between 1 and 60",
        ),
        (
            {"records_stale_weeks": "two"},
            "records_stale_weeks",
            "Weeks without an update before a record is stale must be a whole number",
        ),
        (
            {"records_stale_weeks": ""},
            "records_stale_weeks",
            "Enter a value for 'weeks without an update before a record is stale'",
        ),
        (
            {"lowest_year": "3", "highest_year": "2"},
            "highest_year",
            "The oldest year group taught cannot be younger than the youngest",
        ),
        ({"highest_year": "15"}, "highest_year", "Select the oldest year group taught"),
        ({"lowest_year": "nursery"}, "lowest_year", "Select the youngest year group taught"),
    ],
    ids=["concern", "review", "min-days", "window", "not-a-number", "empty", "years-reversed", "year-15", "year-text"],
)
def test_a_setting_out_of_range_is_refused_and_nothing_is_stored(
    client, world, senco, session, changes, field, message
):
    response = client.post("/settings/rules", data=_rules(**changes))

    page = Page(response)
    assert page.field_error(field) == message
    session.refresh(world.school)
    assert world.school.parent_due_window_days == 21


def test_the_years_taught_decide_a_phase_transfer_and_bring_the_review_forward(client, world, senco, session):
    """A first school teaching Reception to Year 4: its Year 4 pupils move on at the year's end, so an
    EHC plan's review comes early enough for the amended plan to name the new setting by 15 February."""
    from sentrack.models import EhcPlan, NeedType
    from sentrack.workflows.ehc_schedule import review_schedule

    pupil = world.pupils["untaught"]  # Year 4, on "E"
    session.add(
        EhcPlan(
            pupil_id=pupil.id,
            local_authority_id=world.la.id,
            issued_on=date(2026, 4, 20),
            named_setting="Oak Primary",
            primary_need=NeedType.ASD,
        )
    )
    session.commit()
    (before,) = review_schedule(session, date(2026, 11, 27), EhcPlan.pupil_id == pupil.id)
    assert before.due_on == date(2027, 4, 20)  # 12 months on: a primary school keeps Year 4 pupils

    response = client.post("/settings/rules", data=_rules(lowest_year="0", highest_year="4"))

    assert response.status_code == 302
    session.expire_all()
    assert (world.school.lowest_year, world.school.highest_year) == (0, 4)
    (after,) = review_schedule(session, date(2026, 11, 27), EhcPlan.pupil_id == pupil.id)
    assert after.due_on == date(2026, 11, 23)  # 15 February 2027 less 12 weeks
    page = client.page("/settings/rules")
    assert page.one('select[name="highest_year"] option[selected]').get_text(strip=True) == "Year 4"


def test_settings_change_the_engagement_rule(client, world, senco, session):
    pupil = make_pupil(
        session, world.school, first="Iris", last="Quinn", provision=Provision.SEN_SUPPORT, since=date(2026, 9, 1)
    )
    session.commit()
    client.post("/settings/rules", data=_rules(parent_due_window_days="40"))

    page = client.page(f"/pupils/{pupil.public_id}")

    # 34 days to 31 Dec is inside a 40-day window.
    assert "Due" in page.texts("strong")


# --- One-time steps taken by two people at once -------------------------------------------------
# Each person's request loaded the meeting before the other saved: the step is claimed in one
# compare-and-set, so the second is told and the first person's record stays as they saved it.


def _taken_meanwhile(session, meeting, **values) -> None:
    """Someone else's save of `meeting`, reaching the database after this request loaded it."""
    session.execute(
        sa.update(ParentMeeting)
        .where(ParentMeeting.id == meeting.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def test_a_planned_meeting_recorded_by_someone_else_meanwhile_is_not_recorded_over(world, session):
    from sentrack.workflows import RuleBroken
    from sentrack.workflows.meetings import MeetingDetails, record_meeting

    pupil, senco = world.pupils["taught"], world.users["senco"]
    planned = ParentMeeting(pupil_id=pupil.id, planned_for=date(2026, 11, 26), mode=MeetingMode.PHONE)
    session.add(planned)
    session.commit()
    assert planned.held_on is None  # loaded by this request
    _taken_meanwhile(session, planned, held_on=date(2026, 11, 26), outcomes="Theirs", pupil_views="Theirs too")

    with pytest.raises(RuleBroken, match="already been recorded"):
        record_meeting(
            session,
            actor=senco,
            pupil=pupil,
            today=TODAY,
            planned=planned,
            details=MeetingDetails(
                held_on=date(2026, 11, 25),
                mode=MeetingMode.IN_PERSON,
                led_by_id=senco.id,
                attendees="Mother",
                pupil_views="Likes maths",
                outcomes="Mine",
                actions="",
                shared_with_parents_on=None,
            ),
        )

    session.expire_all()
    kept = session.get(ParentMeeting, planned.id)
    assert (kept.held_on, kept.outcomes) == (date(2026, 11, 26), "Theirs")


def test_a_record_marked_shared_by_someone_else_meanwhile_keeps_their_date(world, session):
    from sentrack.workflows import RuleBroken
    from sentrack.workflows.meetings import mark_shared

    pupil, senco = world.pupils["taught"], world.users["senco"]
    held = ParentMeeting(
        pupil_id=pupil.id,
        held_on=date(2026, 11, 20),
        mode=MeetingMode.PHONE,
        outcomes="Agreed",
        pupil_views="Likes maths",
    )
    session.add(held)
    session.commit()
    assert held.shared_with_parents_on is None  # loaded by this request
    _taken_meanwhile(session, held, shared_with_parents_on=date(2026, 11, 23))

    with pytest.raises(RuleBroken, match="already shared with parents on 23 November 2026"):
        mark_shared(session, actor=senco, meeting=held, shared_on=date(2026, 11, 25), today=TODAY)

    session.expire_all()
    assert session.get(ParentMeeting, held.id).shared_with_parents_on == date(2026, 11, 23)
