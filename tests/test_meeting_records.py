"""A meeting with parents as a record of its own: recorded on one page with its actions as rows,
opened from the pupil page and the timeline, corrected by whoever led it or the SENCO with the
history kept, and printed as the record for parents. The app's date is 27 November 2026."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import (
    Contact,
    ContactMethod,
    CycleState,
    MeetingAction,
    MeetingMode,
    ParentMeeting,
    RecordRevision,
    TimelineEvent,
)
from sentrack.workflows.meeting_records import MEETING_CORRECTED
from tests.factories import HELD_ON, drive_cycle
from tests.helpers import audit_events, count, date_parts
from tests.pages import Page

TODAY = date(2026, 11, 27)
HELD = date(2026, 11, 20)


def _base(world, key: str = "taught") -> str:
    return f"/pupils/{world.pupils[key].public_id}"


def _action(n: int, **fields) -> dict:
    return {f"action_items-{n}-{name}": value for name, value in fields.items()}


def _new_meeting(world, **changes) -> dict:
    """The record form as a class teacher fills it in: two actions, a blank third row."""
    data = {
        "held_on": date_parts(HELD),
        "mode": "in_person",
        "led_by_id": str(world.users["teacher"].id),
        "attendees": "Mother; class teacher",
        "pupil_views": "Likes the reading group",
        "discussion": "Reading at home has picked up since half-term",
        "outcomes": "Keep the reading group going",
        **_action(
            0,
            what="Send home the phonics cards",
            owner_id=str(world.users["teacher"].id),
            owner_name="",
            due_on=date_parts(date(2026, 11, 24)),
            done_on=["", "", ""],
        ),
        **_action(
            1,
            what="Read with Ada for ten minutes a night",
            owner_id="",
            owner_name="Ada's mother",
            due_on=date_parts(date(2026, 12, 18)),
            done_on=["", "", ""],
        ),
        **_action(2, what="", owner_id="", owner_name="", due_on=["", "", ""], done_on=["", "", ""]),
        "shared_with_parents_on": ["", "", ""],
    }
    data.update(changes)
    return data


def _recorded(client, world, session, login, who: str = "teacher", **changes) -> ParentMeeting:
    login(world.users[who])
    response = client.post(f"{_base(world)}/meetings/new", data=_new_meeting(world, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    return session.scalars(sa.select(ParentMeeting).order_by(ParentMeeting.id.desc())).first()


def _correction(page: Page) -> dict:
    """The correction form as shown: every field with the value it was filled with."""
    form = page.one("form:not([action])")
    data: dict[str, object] = {}
    for field in form.select("input, textarea, select"):
        name = field.get("name")
        if not name or field.get("type") == "submit":
            continue
        if field.name == "textarea":
            value = field.text.lstrip("\n")
        elif field.name == "select":
            chosen = field.select_one("option[selected]")
            value = chosen.get("value", "") if chosen else ""
        elif field.get("type") in ("radio", "checkbox"):
            if not field.has_attr("checked"):
                continue
            value = field.get("value", "y")
        else:
            value = field.get("value", "")
        data[name] = (
            [*data[name], value]
            if name in data and isinstance(data[name], list)
            else ([data[name], value] if name in data else value)
        )
    return data


# --- Recording on one page ----------------------------------------------------------------------


def test_a_meeting_is_recorded_with_its_actions_on_one_page(client, world, login, session):
    meeting = _recorded(client, world, session, login)

    actions = meeting.action_items
    assert [(a.position, a.what, a.owner_id, a.owner_name, a.due_on) for a in actions] == [
        (1, "Send home the phonics cards", world.users["teacher"].id, None, date(2026, 11, 24)),
        (2, "Read with Ada for ten minutes a night", None, "Ada's mother", date(2026, 12, 18)),
    ]
    assert meeting.discussion == "Reading at home has picked up since half-term"
    event = session.scalar(sa.select(TimelineEvent).where(TimelineEvent.kind == "parent_meeting"))
    assert event.meeting_id == meeting.id


def test_the_pupil_page_and_the_timeline_link_to_the_meetings_record(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    url = f"{_base(world)}/meetings/{meeting.id}"

    pupil_page = client.page(_base(world))
    timeline = client.page(f"{_base(world)}/timeline")

    assert url in pupil_page.links()
    assert url in timeline.links()
    assert "2 actions, 0 done" in pupil_page.text("#meeting-" + str(meeting.id))
    assert "1 overdue" in pupil_page.text("#meeting-" + str(meeting.id))  # due 24 November, not done


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"what": "", "owner_name": "Mother"}, "what", "Enter what is to be done, or clear the row"),
        ({"owner_id": "", "owner_name": ""}, "owner_id", "Choose who will do it, or name them"),
        ({"owner_name": "Mother"}, "owner_name", "Leave the name blank when a member of staff will do it"),
        ({"owner_id": "999999"}, "owner_id", "Choose a member of staff from the list, or name someone else"),
        ({"due_on": ["", "", ""]}, "due_on", "Enter the date it is to be done by"),
        ({"due_on": date_parts(date(2026, 11, 19))}, "due_on", "The date it is to be done by cannot be before"),
        ({"due_on": ["30", "2", "2026"]}, "due_on", "The date it is to be done by must be a real date"),
        ({"done_on": date_parts(date(2026, 11, 28))}, "done_on", "The date it was done cannot be in the future"),
        ({"done_on": date_parts(date(2026, 11, 19))}, "done_on", "The date it was done cannot be before the meeting"),
    ],
    ids=[
        "no-what",
        "no-one",
        "both",
        "not-staff",
        "no-date",
        "before-meeting",
        "not-a-date",
        "done-later",
        "done-before",
    ],
)
def test_a_bad_action_is_explained_beside_its_field_and_nothing_is_stored(
    client, world, login, session, row, field, message
):
    login(world.users["teacher"])
    data = _new_meeting(world, **_action(0, **row))

    page = Page(client.post(f"{_base(world)}/meetings/new", data=data))

    assert message in (page.field_error(f"action_items-0-{field}") or "")
    assert any(message in error for error in page.error_summary())
    assert page.one('[name="attendees"]').get_text().strip() == "Mother; class teacher"  # nothing typed is lost
    assert count(session, ParentMeeting) == count(session, MeetingAction) == 0
    assert count(session, TimelineEvent, TimelineEvent.kind == "parent_meeting") == 0


def test_add_another_action_gives_a_row_more_and_saves_nothing(client, world, login, session):
    login(world.users["teacher"])

    page = Page(client.post(f"{_base(world)}/meetings/new", data=_new_meeting(world, add_action="Add another action")))

    assert page.has('[name="action_items-3-what"]')
    assert page.one('[name="action_items-1-owner_name"]')["value"] == "Ada's mother"
    assert page.error_summary() == []
    assert count(session, ParentMeeting) == 0


# --- The meeting's page --------------------------------------------------------------------------


def test_the_meetings_page_shows_the_whole_record_and_how_its_actions_stand(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    meeting.action_items[1].done_on = date(2026, 11, 25)
    session.commit()

    page = client.page(f"{_base(world)}/meetings/{meeting.id}")

    summary = page.summary()
    assert summary["Who attended"] == "Mother; class teacher"
    assert summary["The pupil's views"] == "Likes the reading group"
    assert summary["What was discussed"] == "Reading at home has picked up since half-term"
    assert summary["What was agreed"] == "Keep the reading group going"
    assert summary["Shared with parents"] == "Not yet"
    assert page.table("Actions agreed at the meeting") == [
        ["Send home the phonics cards", "Teacher", "24 November 2026", "Overdue"],
        ["Read with Ada for ten minutes a night", "Ada's mother", "18 December 2026", "Done 25 November 2026"],
    ]
    assert "1 done, 1 to do, of which 1 overdue" in page
    (viewed,) = audit_events(session, "parent_meeting_viewed")
    assert viewed.object_id == str(meeting.id)


@pytest.mark.parametrize("rest", ["", "/edit", "/print"])
def test_a_teacher_cannot_open_a_meeting_of_another_class_s_pupil(client, world, login, session, rest):
    other = world.pupils["untaught_k"]
    meeting = ParentMeeting(
        pupil_id=other.id, held_on=HELD, mode=MeetingMode.PHONE, pupil_views="Fine", outcomes="Agreed"
    )
    session.add(meeting)
    session.commit()
    login(world.users["teacher"])

    assert client.get(f"/pupils/{other.public_id}/meetings/{meeting.id}{rest}").status_code == 404
    # Nor through a pupil they teach: the meeting is not that pupil's.
    assert client.get(f"{_base(world)}/meetings/{meeting.id}{rest}").status_code == 404


# --- Corrections ----------------------------------------------------------------------------------


def test_a_teacher_who_did_not_lead_the_meeting_cannot_correct_it(client, world, login, session):
    meeting = _recorded(client, world, session, login, led_by_id=str(world.users["senco"].id))
    url = f"{_base(world)}/meetings/{meeting.id}"

    page = client.page(url)
    assert f"{url}/edit" not in page.links()
    assert client.get(f"{url}/edit").status_code == 403
    response = client.post(f"{url}/edit", data=_new_meeting(world, version="1", outcomes="Changed by me"))

    assert response.status_code == 403
    session.expire_all()
    assert session.get(ParentMeeting, meeting.id).outcomes == "Keep the reading group going"
    assert count(session, RecordRevision, RecordRevision.record_type == "parent_meeting") == 0


@pytest.mark.parametrize(("role", "pupil"), [("head", "taught"), ("la", "untaught")])
def test_others_who_read_the_record_cannot_correct_it(client, world, login, session, role, pupil):
    meeting = ParentMeeting(
        pupil_id=world.pupils[pupil].id, held_on=HELD, mode=MeetingMode.PHONE, pupil_views="Fine", outcomes="Agreed"
    )
    session.add(meeting)
    session.commit()
    login(world.users[role])
    url = f"{_base(world, pupil)}/meetings/{meeting.id}"

    page = client.page(url)

    assert f"{url}/edit" not in page.links()
    assert client.get(f"{url}/edit").status_code == (403 if role == "head" else 404)  # the head could lead one


def test_the_leader_corrects_the_record_and_the_page_shows_who_changed_what(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    url = f"{_base(world)}/meetings/{meeting.id}"
    form = _correction(client.page(f"{url}/edit"))
    assert form["version"] == "1"
    form["attendees"] = "Mother; father; class teacher"
    form["action_items-0-done_on"] = date_parts(date(2026, 11, 26))

    response = client.post(f"{url}/edit", data=form)

    assert response.status_code == 302 and response.headers["Location"] == url
    session.expire_all()
    corrected = session.get(ParentMeeting, meeting.id)
    assert (corrected.version, corrected.attendees) == (2, "Mother; father; class teacher")
    assert corrected.action_items[0].done_on == date(2026, 11, 26)
    assert len(corrected.action_items) == 2  # the spare blank row is left out
    page = client.page(url)
    assert page.flashes() == ["The record is corrected."]
    (history,) = [t for t in page.all("table") if "version 2" in t.caption.get_text()]
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in history.tbody.find_all("tr")]
    assert rows[0] == ["Who attended", "Mother; class teacher", "Mother; father; class teacher"]
    assert rows[1][0] == "Actions" and "done 26 November 2026" in rows[1][2] and "done" not in rows[1][1]
    assert "by Teacher" in history.caption.get_text()
    event = session.scalar(sa.select(TimelineEvent).where(TimelineEvent.kind == "parent_meeting_corrected"))
    assert (event.title, event.meeting_id) == (MEETING_CORRECTED, meeting.id)
    (audited,) = audit_events(session, "parent_meeting_corrected")
    assert audited.details == {"version": 2, "fields": ["attendees", "action_lines"]}


def test_the_senco_corrects_any_meeting_s_record(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    login(world.users["senco"])
    url = f"{_base(world)}/meetings/{meeting.id}"
    assert f"{url}/edit" in client.page(url).links()
    form = _correction(client.page(f"{url}/edit"))
    form["outcomes"] = "Keep the reading group going until February"
    form["action_items-2-what"] = "Book the next meeting"
    form["action_items-2-owner_id"] = str(world.users["senco"].id)
    form["action_items-2-due_on"] = date_parts(date(2027, 1, 15))

    assert client.post(f"{url}/edit", data=form).status_code == 302

    session.expire_all()
    corrected = session.get(ParentMeeting, meeting.id)
    assert corrected.outcomes == "Keep the reading group going until February"
    assert [a.what for a in corrected.action_items][-1] == "Book the next meeting"
    assert corrected.recorded_by_id == world.users["teacher"].id  # who recorded it stays


def test_a_correction_saving_nothing_new_says_so_and_leaves_no_trace(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    url = f"{_base(world)}/meetings/{meeting.id}"

    client.post(f"{url}/edit", data=_correction(client.page(f"{url}/edit")))

    assert client.page(url).flashes() == ["Nothing was changed."]
    assert audit_events(session, "parent_meeting_corrected") == []
    assert count(session, TimelineEvent, TimelineEvent.kind == "parent_meeting_corrected") == 0
    assert "The record has not been changed since it was recorded." in client.page(url)


def test_a_correction_sent_twice_is_saved_once(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    url = f"{_base(world)}/meetings/{meeting.id}"
    form = _correction(client.page(f"{url}/edit"))  # with the one-time token the page carried
    form["attendees"] = "Mother; father; class teacher"

    answers = [client.post(f"{url}/edit", data=form) for _ in range(2)]

    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"] == url
    session.expire_all()
    assert session.get(ParentMeeting, meeting.id).version == 2
    assert len(audit_events(session, "parent_meeting_corrected")) == 1


def test_a_correction_over_a_colleague_s_is_refused_showing_what_they_changed(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    url = f"{_base(world)}/meetings/{meeting.id}"
    mine = _correction(client.page(f"{url}/edit"))  # the teacher opens the form
    senco = login(world.users["senco"], client.application.test_client())
    theirs = _correction(senco.page(f"{url}/edit"))
    theirs["outcomes"] = "The SENCO's wording"
    assert senco.post(f"{url}/edit", data=theirs).status_code == 302

    mine["discussion"] = "My addition"
    page = Page(client.post(f"{url}/edit", data=mine))

    assert "saved a change to this record" in page
    assert page.table("What they changed") == [["What was agreed", "The SENCO's wording"]]
    assert page.one('[name="discussion"]').get_text().strip() == "My addition"  # nothing typed is lost
    assert page.value("version") == "2"
    session.expire_all()
    kept = session.get(ParentMeeting, meeting.id)
    assert (kept.outcomes, kept.discussion, kept.version) == (
        "The SENCO's wording",
        "Reading at home has picked up since half-term",
        2,
    )


def test_marking_the_record_shared_moves_its_version_so_an_open_correction_is_told(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    url = f"{_base(world)}/meetings/{meeting.id}"
    mine = _correction(client.page(f"{url}/edit"))
    assert client.post(f"{url}/shared", data={"shared_with_parents_on": date_parts(TODAY)}).status_code == 302

    page = Page(client.post(f"{url}/edit", data=mine))

    assert page.table("What they changed") == [["Date the record was shared with parents", "27 November 2026"]]
    session.expire_all()
    assert session.get(ParentMeeting, meeting.id).shared_with_parents_on == TODAY


def test_a_bad_correction_is_explained_and_nothing_is_changed(client, world, login, session):
    meeting = _recorded(client, world, session, login)
    url = f"{_base(world)}/meetings/{meeting.id}"
    form = _correction(client.page(f"{url}/edit"))
    form["outcomes"] = "  "
    form["action_items-1-owner_name"] = ""

    page = Page(client.post(f"{url}/edit", data=form))

    assert page.field_error("outcomes") == "Record what was agreed at the meeting"
    session.expire_all()
    kept = session.get(ParentMeeting, meeting.id)
    assert (kept.version, kept.outcomes, kept.action_items[1].owner_name) == (
        1,
        "Keep the reading group going",
        "Ada's mother",
    )


def test_the_date_of_a_meeting_that_was_the_review_stays_the_review_s(client, world, login, session):
    pupil = world.pupils["taught"]
    drive_cycle(session, actor=world.users["senco"], pupil=pupil, to=CycleState.CLOSED)
    session.commit()
    meeting = session.scalar(sa.select(ParentMeeting).where(ParentMeeting.review_id.is_not(None)))
    login(world.users["senco"])
    url = f"{_base(world)}/meetings/{meeting.id}"
    form = _correction(client.page(f"{url}/edit"))
    form["held_on"] = date_parts(date(2026, 11, 19))

    page = Page(client.post(f"{url}/edit", data=form))

    assert page.field_error("held_on") == (
        "This meeting was the review: its date is the review's, changed with the review"
    )
    session.expire_all()
    assert session.get(ParentMeeting, meeting.id).held_on == HELD_ON
    form["held_on"], form["discussion"] = date_parts(HELD_ON), "How the reading group went"
    assert client.post(f"{url}/edit", data=form).status_code == 302  # the rest of it may be corrected


# --- The record for parents -----------------------------------------------------------------------


def test_the_printed_record_for_parents_has_everything_and_who_it_is_copied_to(client, world, login, session):
    pupil = world.pupils["taught"]
    session.add(
        Contact(
            pupil_id=pupil.id,
            name="Uncle Tom",
            relationship_to_pupil="Uncle",
            parental_responsibility=False,
            phone="07700 900456",
            preferred_contact=ContactMethod.PHONE,
            priority=2,
        )
    )
    session.commit()
    meeting = _recorded(client, world, session, login)

    page = client.page(f"{_base(world)}/meetings/{meeting.id}/print")

    assert "Oak Primary" in page and "Ada Brook" in page
    summary = page.summary()
    assert (summary["Date of the meeting"], summary["Who was there"]) == ("20 November 2026", "Mother; class teacher")
    for words in ("Likes the reading group", "Reading at home has picked up", "Keep the reading group going"):
        assert words in page
    assert page.table("Who will do what") == [
        ["Send home the phonics cards", "Teacher", "24 November 2026", ""],
        ["Read with Ada for ten minutes a night", "Ada's mother", "18 December 2026", ""],
    ]
    copy = page.text("p:-soup-contains('Copy for:')")
    assert "Parent of Ada (Mother)" in copy and "Uncle Tom" not in copy
    assert page.has(f".app-no-print a[href$='/meetings/{meeting.id}']")
    (printed,) = audit_events(session, "parent_meeting_printed")
    assert printed.object_id == str(meeting.id)


def test_a_planned_meeting_has_a_page_but_no_print_or_correction(client, world, login, session):
    planned = ParentMeeting(
        pupil_id=world.pupils["taught"].id, planned_for=date(2026, 12, 3), mode=MeetingMode.PHONE, attendees="Mother"
    )
    session.add(planned)
    session.commit()
    login(world.users["teacher"])
    url = f"{_base(world)}/meetings/{planned.id}"

    page = client.page(url)

    assert "Meeting with parents planned for 3 December 2026" in page
    assert f"{url}/record" in page.links()
    assert client.get(f"{url}/print").status_code == 404
    assert client.get(f"{url}/edit").status_code == 404
