"""The notifications a person manages: the unread count in the account bar, the page grouped by
day and paged, "Mark all as read", each notification's link to the place to act (checked again
when followed), and the choice of how each kind comes by email."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.models import (
    EmailDelivery,
    Notification,
    NotificationPreference,
    Role,
    Task,
    group_pupils,
)
from sentrack.workflows.duty_catalogue import sync_catalogue
from tests.helpers import audit_events

NOON = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # TODAY, at noon


def _notice(session, user, *, title="Review due for a pupil", at=NOON, number=None, read=False, **more):
    number = number if number is not None else session.scalar(sa.select(sa.func.count(Notification.id))) + 1
    notification = Notification(
        recipient_id=user.id,
        kind=more.pop("kind", "wave3_off_register"),
        subject_type=more.pop("subject_type", "pupil"),
        subject_id=more.pop("subject_id", number),
        period=f"p{number}",
        title=title,
        body="Something needs you.",
        link=more.pop("link", "/tasks"),
        created_at=at,
        read_at=at + timedelta(minutes=5) if read else None,
        **more,
    )
    session.add(notification)
    session.commit()
    return notification


def _task_about(session, world, pupil, *, assignee="teacher", code="teacher_meets_parents") -> Task:
    duty = sync_catalogue(session)[code]
    task = Task(
        school_id=world.school.id,
        duty_id=duty.id,
        subject_type="pupil",
        subject_id=pupil.id,
        period="",
        pupil_id=pupil.id,
        assigned_to_id=world.users[assignee].id,
        for_role=Role.TEACHER,
        title=f"Meet the parents of {pupil.full_name}",
        title_template="Meet the parents of {pupil}",
        link_endpoint="pupils.show",
        link_args={"public_id": pupil.public_id},
        due_on=date(2026, 12, 18),
    )
    session.add(task)
    session.commit()
    return task


@pytest.fixture
def teacher(client, world, login):
    return login(world.users["teacher"])


@pytest.fixture
def senco(client, world, login):
    return login(world.users["senco"])


# --- The count in the account bar ---------------------------------------------------------------


def test_the_account_bar_counts_the_users_own_unread_notifications_on_every_page(session, world, senco):
    for number in (1, 2, 3):
        _notice(session, world.users["senco"], number=number)
    _notice(session, world.users["senco"], number=4, read=True)
    _notice(session, world.users["head"], number=5)  # someone else's

    for path in ("/", "/tasks", "/duties"):
        bar = senco.page(path).one(".app-account-bar")
        link = bar.select_one("a.app-unread")
        assert link["href"] == "/notifications"
        assert " ".join(link.get_text(" ").split()) == "3 unread notifications"
        assert link.select_one(".govuk-visually-hidden").get_text() == " notifications"


def test_one_unread_is_said_in_the_singular_and_none_shows_no_count(session, world, senco):
    first = _notice(session, world.users["senco"])

    assert " ".join(senco.page("/").one("a.app-unread").get_text(" ").split()) == "1 unread notification"
    first.read_at = NOON
    session.commit()
    assert not senco.page("/").has("a.app-unread")


def test_a_signed_out_page_has_no_count(client, world):
    assert not client.page("/sign-in").has(".app-unread")


# --- The page: grouped by day, paged -------------------------------------------------------------


def test_notifications_are_grouped_under_today_yesterday_and_the_date(session, world, senco):
    senco_user = world.users["senco"]
    _notice(session, senco_user, title="This morning", at=NOON - timedelta(hours=3))
    _notice(session, senco_user, title="This noon", at=NOON)
    _notice(session, senco_user, title="Yesterday's", at=NOON - timedelta(days=1))
    _notice(session, senco_user, title="Last week's", at=datetime(2026, 11, 20, 9, tzinfo=UTC))

    page = senco.page("/notifications")

    assert page.texts(".app-notifications__day") == ["Today", "Yesterday", "20 November 2026"]
    assert page.texts(".app-notification__title") == [
        "New This noon",
        "New This morning",
        "New Yesterday's",
        "New Last week's",
    ]


def test_a_day_is_the_day_in_london_not_in_utc(session, world, senco):
    # 23:30 UTC on 26 November is 23:30 in London (winter); 23:30 UTC on 26 June is 00:30 on 27 June.
    _notice(session, world.users["senco"], title="Late", at=datetime(2026, 11, 26, 23, 30, tzinfo=UTC))
    _notice(session, world.users["senco"], title="Summer", at=datetime(2026, 6, 26, 23, 30, tzinfo=UTC))

    assert senco.page("/notifications").texts(".app-notifications__day") == ["Yesterday", "27 June 2026"]


def test_the_page_shows_25_at_a_time_newest_first(session, world, senco):
    for number in range(30):
        _notice(session, world.users["senco"], title=f"Notice {number:02d}", at=NOON - timedelta(hours=number))

    first = senco.page("/notifications")
    second = senco.page("/notifications?page=2")
    beyond = senco.page("/notifications?page=99")

    assert first.texts(".app-notification__title")[:2] == ["New Notice 00", "New Notice 01"]
    assert len(first.all(".app-notification")) == 25
    assert [t.removeprefix("New ") for t in second.texts(".app-notification__title")] == [
        f"Notice {n}" for n in range(25, 30)
    ]
    assert "/notifications?page=2" in first.links(".govuk-pagination")
    assert beyond.texts(".app-notification__title") == second.texts(".app-notification__title")
    assert "(page 2 of 2)" in second.title


def test_someone_with_no_notifications_is_told_so(world, teacher):
    page = teacher.page("/notifications")

    assert "You have no notifications." in page
    assert not page.has("form[action='/notifications/read-all']")


# --- Mark all as read ----------------------------------------------------------------------------


def test_mark_all_as_read_marks_only_the_users_own_and_is_audited(session, world, senco):
    mine = [_notice(session, world.users["senco"], number=n) for n in (1, 2, 3)]
    theirs = _notice(session, world.users["head"], number=4)
    newest = senco.page("/notifications").one("form[action='/notifications/read-all'] input[name=newest]")["value"]

    response = senco.post("/notifications/read-all", data={"newest": newest}, follow_redirects=True)

    session.expire_all()
    assert all(n.read_at is not None for n in mine) and theirs.read_at is None
    assert "3 notifications are marked as read." in response.get_data(as_text=True)
    [event] = audit_events(session, "notifications_marked_read", user_id=world.users["senco"].id)
    assert event.details == {"count": 3} and event.pupil_id is None


def test_one_that_came_after_the_page_was_shown_stays_unread(session, world, senco):
    _notice(session, world.users["senco"], number=1)
    newest = senco.page("/notifications").one("input[name=newest]")["value"]
    came_later = _notice(session, world.users["senco"], number=2)

    senco.post("/notifications/read-all", data={"newest": newest})

    session.expire_all()
    assert came_later.read_at is None
    assert " ".join(senco.page("/").one("a.app-unread").get_text(" ").split()) == "1 unread notification"


def test_mark_all_as_read_with_nothing_unread_says_so_and_audits_nothing(session, world, senco):
    _notice(session, world.users["senco"], read=True)

    response = senco.post("/notifications/read-all", follow_redirects=True)

    assert "You have no unread notifications" in response.get_data(as_text=True)
    assert audit_events(session, "notifications_marked_read") == []


# --- Following a notification to the place to act ------------------------------------------------


def test_following_a_notification_marks_it_read_and_goes_to_the_place_to_act(session, world, teacher):
    pupil = world.pupils["taught"]
    task = _task_about(session, world, pupil)
    notification = _notice(
        session, world.users["teacher"], kind="task_assigned", subject_type="task", subject_id=task.id, link="/tasks"
    )

    response = teacher.get(f"/notifications/{notification.id}")

    assert response.status_code == 302 and response.headers["Location"] == f"/pupils/{pupil.public_id}"
    session.expire_all()
    assert notification.read_at is not None
    assert teacher.page(f"/pupils/{pupil.public_id}").status == 200


def test_a_notification_about_a_pupil_who_left_the_teachers_class_leaks_nothing(session, world, teacher):
    pupil = world.pupils["taught"]
    task = _task_about(session, world, pupil)
    notification = _notice(
        session,
        world.users["teacher"],
        kind="task_assigned",
        subject_type="task",
        subject_id=task.id,
        title="Meet the parents of a pupil",
    )
    listed = teacher.page("/notifications")
    assert f"Meet the parents of {pupil.full_name}" in listed.texts(".app-notification__title")[0]

    session.execute(sa.delete(group_pupils).where(group_pupils.c.pupil_id == pupil.id))
    session.commit()
    listed = teacher.page("/notifications")
    followed = teacher.page(f"/notifications/{notification.id}")

    assert listed.texts(".app-notification__title") == ["New Meet the parents of a pupil"]
    for page in (listed, followed):
        assert pupil.first_name not in page.text() and pupil.public_id not in page.html
    assert followed.one("h1").get_text() == "This notification is no longer yours to act on"
    [event] = audit_events(session, "notification_link_refused", user_id=world.users["teacher"].id)
    assert (event.object_id, event.pupil_id, event.details) == (str(notification.id), None, {"kind": "task_assigned"})


def test_a_link_to_a_pupil_out_of_reach_is_refused_when_followed(session, world, teacher):
    untaught = world.pupils["untaught"]
    notification = _notice(session, world.users["teacher"], link=f"/pupils/{untaught.public_id}")

    page = teacher.page(f"/notifications/{notification.id}")

    assert "no longer yours to act on" in page.title and untaught.first_name not in page.text()


def test_a_task_given_to_someone_else_is_no_longer_followed(session, world, teacher):
    task = _task_about(session, world, world.pupils["taught"])
    notification = _notice(
        session, world.users["teacher"], kind="task_assigned", subject_type="task", subject_id=task.id
    )
    task.assigned_to_id = world.users["senco"].id
    session.commit()

    assert "no longer yours" in teacher.page(f"/notifications/{notification.id}").title


def test_another_persons_notification_is_not_found(session, world, teacher):
    theirs = _notice(session, world.users["senco"])

    assert teacher.get(f"/notifications/{theirs.id}").status_code == 404
    session.expire_all()
    assert theirs.read_at is None


def test_the_page_audits_the_pupils_its_titles_name(session, world, teacher):
    pupil = world.pupils["taught"]
    task = _task_about(session, world, pupil)
    _notice(session, world.users["teacher"], kind="task_assigned", subject_type="task", subject_id=task.id)

    teacher.page("/notifications")

    [event] = audit_events(session, "named_in_notifications", user_id=world.users["teacher"].id)
    assert event.pupil_id == pupil.id


# --- How notifications come by email --------------------------------------------------------------


def _choices(page) -> dict[str, str]:
    return {i["name"]: i["value"] for i in page.all("input[type=radio][checked]")}


def test_everyone_starts_with_the_daily_email_and_sees_only_the_kinds_they_may_get(world, client, login):
    login(world.users["teacher"])
    teacher_page = client.page("/account/notifications")
    login(world.users["senco"])
    senco_page = client.page("/account/notifications")

    assert _choices(teacher_page) == {"task_assigned": "digest"}
    assert set(_choices(senco_page)) == {
        "task_assigned",
        "transfer_asked",
        "transfer_decided",
        "wave3_off_register",
        "role_proposed",
    }
    assert set(_choices(senco_page).values()) == {"digest"}
    # A duty cannot be switched off: no "No email" for tasks.
    assert not teacher_page.has("input[name=task_assigned][value=none]")
    assert senco_page.has("input[name=wave3_off_register][value=none]")


def test_choices_are_saved_audited_and_shown_again(session, world, senco):
    response = senco.post(
        "/account/notifications",
        data={
            "task_assigned": "immediate",
            "transfer_asked": "digest",
            "transfer_decided": "none",
            "wave3_off_register": "digest",
            "role_proposed": "none",
        },
    )

    assert response.status_code == 302 and response.headers["Location"] == "/account/notifications"
    stored = dict(session.execute(sa.select(NotificationPreference.kind, NotificationPreference.delivery)).all())
    assert stored == {
        "task_assigned": EmailDelivery.IMMEDIATE,
        "transfer_decided": EmailDelivery.NONE,
        "role_proposed": EmailDelivery.NONE,
    }
    [event] = audit_events(session, "notification_emails_chosen", user_id=world.users["senco"].id)
    assert event.details == {"task_assigned": "immediate", "transfer_decided": "none", "role_proposed": "none"}
    page = senco.page("/account/notifications")
    assert _choices(page)["task_assigned"] == "immediate" and _choices(page)["role_proposed"] == "none"


def test_no_email_for_a_duty_is_refused_beside_the_question_and_nothing_is_stored(session, world, senco):
    page = senco.post_page(
        "/account/notifications",
        data={
            "task_assigned": "none",
            "transfer_asked": "immediate",
            "transfer_decided": "none",
            "wave3_off_register": "digest",
        },
    )

    assert page.field_error("task_assigned")
    assert page.field_error("role_proposed") == "Choose how these notifications reach you by email"
    assert len(page.error_summary()) == 2
    assert _choices(page)["transfer_asked"] == "immediate"  # what was chosen is kept
    assert session.scalar(sa.select(sa.func.count(NotificationPreference.id))) == 0


def test_a_kind_never_sent_to_the_person_is_ignored_when_posted(session, world, teacher):
    response = teacher.post("/account/notifications", data={"task_assigned": "digest", "transfer_asked": "immediate"})

    assert response.status_code == 302
    assert session.scalar(sa.select(sa.func.count(NotificationPreference.id))) == 0


def test_the_email_page_says_what_went_in_a_daily_email_and_what_was_never_emailed(session, world, senco):
    from sentrack.models import EmailDigest, EmailStatus

    digest = EmailDigest(recipient_id=world.users["head"].id, day=date(2026, 11, 27), email_status=EmailStatus.SENT)
    session.add(digest)
    session.flush()
    _notice(session, world.users["head"], number=1, email_status=EmailStatus.SENT, digest_id=digest.id, sent_at=NOON)
    _notice(session, world.users["head"], number=2, email_status=EmailStatus.SKIPPED, read=True)
    _notice(session, world.users["teacher"], number=3, email_status=EmailStatus.SKIPPED)

    statuses = [
        row[3]
        for row in senco.page("/notifications/email").table("[aria-label='Emails, failed first, then newest first']")
    ]

    assert "Sent 27 November 2026 at 12:00pm in their daily email" in statuses
    assert "Not emailed Read in SEN Track before their daily email" in statuses
    assert "Not emailed They chose no email for this kind" in statuses
