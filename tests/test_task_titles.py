"""Task titles are composed from the pupil's current record whenever they are shown, and emails
name no pupil at all: a pupil renamed is shown by their new name in every list of tasks, on each
task and in notifications, and by their previous name nowhere.

The app's date is 27 Nov 2026.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from sentrack.digest import gather, send_due_digests
from sentrack.models import EmailDelivery, Notification, NotificationPreference, Pupil, Task, TaskStatus
from sentrack.outbox import SMTPMailer, send_due
from sentrack.workflows.sweep import run_sweep
from sentrack.workflows.tasks import reassign_task
from tests.conftest import TODAY
from tests.helpers import email_text, smtp_server
from tests.pages import Page

SENDER = "SEN Track <no-reply@sentrack.invalid>"


def _page(client, path: str) -> Page:
    return client.page(path)


def _anywhere(page: Page) -> str:
    """The page's whole HTML with its entities read, attributes included: where a name must not be."""
    return html.unescape(page.html)


def _rename(session, pupil: Pupil) -> None:
    pupil.first_name, pupil.last_name, pupil.preferred_name = "Zainab", "Quarrie", None
    session.commit()


def test_a_renamed_pupil_is_shown_by_the_new_name_in_every_task_list_and_the_old_nowhere(session, world, client, login):
    run_sweep(session, TODAY)
    session.commit()
    ada = world.pupils["taught"]
    tasks = session.scalars(sa.select(Task).where(Task.pupil_id == ada.id, Task.status == TaskStatus.OPEN)).all()
    assert {t.duty.code for t in tasks} >= {"teacher_meets_parents", "teacher_acknowledges_passport"}
    assert all("Ada Brook" in t.title for t in tasks)  # as made, before the rename

    _rename(session, ada)

    login(world.users["teacher"])
    pages = [_page(client, "/tasks"), _page(client, "/notifications")]
    meeting = next(t for t in tasks if t.duty.code == "teacher_meets_parents")
    assert meeting.assigned_to_id == world.users["teacher"].id
    pages.append(_page(client, f"/tasks/{meeting.id}"))
    teachers = [t for t in tasks if t is not meeting and t.assigned_to_id == world.users["teacher"].id]
    pages += [_page(client, f"/tasks/{t.id}") for t in teachers]
    login(world.users["senco"])
    pages += [_page(client, "/tasks/all?status="), _page(client, "/tasks/all?status=open&role=teacher")]
    pages += [_page(client, f"/tasks/{t.id}") for t in tasks] + [
        _page(client, f"/tasks/{t.id}/reassign") for t in tasks
    ]
    for page in pages:
        assert "Ada" not in _anywhere(page) and "Brook" not in _anywhere(page)
    for page in pages[:3]:
        assert "Meet the parents of Zainab Quarrie" in page
    assert "Read Zainab Quarrie's passport" in pages[0]


def test_notifications_show_the_task_as_it_is_now(session, world, client, login):
    run_sweep(session, TODAY)
    session.commit()
    ada = world.pupils["taught"]
    task = session.scalar(sa.select(Task).where(Task.pupil_id == ada.id, Task.period.like("term:%")))
    stored = session.scalars(sa.select(Notification).where(Notification.subject_id == task.id)).all()

    _rename(session, ada)
    login(world.users["teacher"])
    page = _page(client, "/notifications")

    assert stored and not any("Ada" in n.title + n.body or "Brook" in n.title + n.body for n in stored)
    assert "Meet the parents of Zainab Quarrie" in page and "Brook" not in _anywhere(page)


def test_no_email_the_sweep_or_a_workflow_sends_names_a_pupil(session, world):
    """Every email of a sweep over every duty, at the start of term and later in the year (with
    the reminders it makes), and of a task reassigned by hand, names no pupil by first, preferred
    or last name, nor by initials."""
    world.pupils["untaught_k"].preferred_name = "Devraj"
    session.commit()
    moments = [datetime(2026, 11, 27, 6, 30, tzinfo=UTC)]
    run_sweep(session, TODAY)
    later = TODAY + timedelta(days=150)
    run_sweep(session, later)
    task = session.scalar(
        sa.select(Task)
        .where(Task.pupil_id == world.pupils["taught"].id, Task.status == TaskStatus.OPEN)
        .order_by(Task.id)
    )
    reassign_task(session, actor=world.users["senco"], task=task, to=world.users["senco"])
    session.commit()
    pupils = session.scalars(sa.select(Pupil)).all()
    words = {w for p in pupils for w in (p.first_name, p.last_name, p.preferred_name) if w}
    initials = {f"{p.first_name[0]}.{p.last_name[0]}." for p in pupils}
    # The SENCO has them in the daily email (the default); everyone else as they happen.
    senco_id = world.users["senco"].id
    for user_id in set(session.scalars(sa.select(Notification.recipient_id))) - {senco_id}:
        session.add(NotificationPreference(user_id=user_id, kind="task_assigned", delivery=EmailDelivery.IMMEDIATE))
    session.commit()
    at_once = session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.recipient_id != senco_id))

    with smtp_server() as (port, inbox):
        mailer = SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=5)
        sent = 0
        while True:  # batches of 200 until the outbox is empty
            summary = send_due(session, mailer=mailer, now=moments[0], sender=SENDER, base_url="https://s.example")
            sent += summary.sent
            if summary.sent == 0:
                break
        gather(session, day=later, now=moments[0])
        daily = send_due_digests(session, mailer=mailer, now=moments[0], sender=SENDER, base_url="https://s.example")

    assert (sent, daily.sent) == (at_once, 1) and len(inbox.messages) == at_once + 1 and at_once > 5
    for message in inbox.messages:
        body = email_text(message)
        assert not any(word in body for word in words | initials), body
        assert "A task for you: " in body
        assert ("sign in first" if "your daily email" not in body else "once you have signed in") in body
