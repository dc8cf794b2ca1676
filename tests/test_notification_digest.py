"""The daily email against a real SMTP server (aiosmtpd on loopback): one email a day per person
with the notifications waiting for it, by default; as it happens, or not at all, as each person
chose; made and sent once however many schedulers run; retried like the outbox; no pupil named."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.clock import SCHOOL_TIME as LONDON
from sentrack.digest import LISTED, gather, send_due_digests
from sentrack.extensions import db
from sentrack.models import EmailDelivery, EmailDigest, NotificationPreference, Task
from sentrack.models.duties import EmailStatus, Notification
from sentrack.outbox import MAX_ATTEMPTS, RETRY_WAITS, SMTPMailer, send_due
from sentrack.scheduler import past_digest_hour
from sentrack.workflows import RuleBroken
from sentrack.workflows.duty_catalogue import sync_catalogue
from sentrack.workflows.invitations import INVITATION
from sentrack.workflows.notices import choose_emails
from sentrack.workflows.tasks import resend_failed_emails
from tests.conftest import TODAY
from tests.helpers import email_text, free_port, smtp_server
from tests.test_outbox import own_database  # noqa: F401 - a fixture

MORNING = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
SENDER = "SEN Track <no-reply@sentrack.invalid>"
BASE = "https://sentrack.example.sch.uk"


def _mailer(port: int) -> SMTPMailer:
    return SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=5)


def _send(session, port: int, moment: datetime = MORNING):
    return send_due_digests(session, mailer=_mailer(port), now=moment, sender=SENDER, base_url=BASE)


def _notice(session, recipient, *, kind="task_assigned", number=1, title="Hold Ada Brook's review", **more):
    notification = Notification(
        recipient_id=recipient.id,
        kind=kind,
        subject_type="pupil",
        subject_id=number,
        period=f"2026-11-{number:02d}",
        title=title,
        body="Ada Brook's review is due on 3 December.",
        link="/pupils/abc123/cycles/1",
        created_at=MORNING - timedelta(hours=12, minutes=number),
        **more,
    )
    session.add(notification)
    session.flush()
    return notification


def _chooses(session, user, kind: str, delivery: EmailDelivery) -> None:
    session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
    session.flush()


def _links(message) -> list[int]:
    return [int(n) for n in re.findall(r"/notifications/(\d+)\s", email_text(message))]


def test_each_person_gets_one_daily_email_listing_their_notifications(session, world):
    senco, head = world.users["senco"], world.users["head"]
    to_senco = [_notice(session, senco, number=n) for n in (1, 2, 3)]
    to_head = _notice(session, head, number=4)

    with smtp_server() as (port, inbox):
        made = gather(session, day=TODAY, now=MORNING)
        session.commit()
        summary = _send(session, port)

    assert (made, summary.sent) == (2, 2)
    by_person = {m.rcpt_tos[0]: m for m in inbox.messages}
    assert sorted(by_person) == ["head@oak.test", "senco@oak.test"]
    assert sorted(_links(by_person["senco@oak.test"])) == sorted(n.id for n in to_senco)
    assert _links(by_person["head@oak.test"]) == [to_head.id]
    assert "Subject: SEN Track: your daily email, 3 new notifications" in email_text(by_person["senco@oak.test"])
    session.expire_all()
    for notification in [*to_senco, to_head]:
        assert notification.email_status is EmailStatus.SENT and notification.sent_at == MORNING
        assert notification.digest_id is not None
    assert {d.email_status for d in session.scalars(sa.select(EmailDigest))} == {EmailStatus.SENT}


def test_the_daily_email_names_no_pupil_and_carries_no_typed_title(session, world):
    pupil = world.pupils["taught"]
    _notice(session, world.users["senco"], title=f"Hold {pupil.full_name}'s review")
    _notice(session, world.users["senco"], kind="wave3_off_register", number=2, title="Lego group\r\nBcc: x@y.test")

    with smtp_server() as (port, inbox):
        gather(session, day=TODAY, now=MORNING)
        _send(session, port)

    [message] = inbox.messages
    text = email_text(message)
    for word in (pupil.first_name, pupil.last_name, "Lego", "x@y.test", "abc123"):
        assert word not in text
    assert "A pupil in a wave 3 intervention is not on the SEN register" in text
    assert f"{BASE}/account/notifications" in text
    assert b"Bcc" not in message.content.split(b"\r\n\r\n", 1)[0]


def test_a_task_line_says_which_duty_and_by_when_not_the_stored_title(session, world):
    duty = sync_catalogue(session)["senco_holds_review"]
    task = Task(
        school_id=world.school.id,
        duty_id=duty.id,
        subject_type="pupil",
        subject_id=1,
        period="",
        assigned_to_id=world.users["senco"].id,
        for_role=duty.role,
        title="Hold Ada Brook's review",
        due_on=date(2026, 12, 3),
    )
    session.add(task)
    session.flush()
    notification = _notice(session, world.users["senco"])
    notification.subject_type, notification.subject_id = "task", task.id

    with smtp_server() as (port, inbox):
        gather(session, day=TODAY, now=MORNING)
        _send(session, port)

    text = email_text(inbox.messages[0])
    assert f"- A task for you: {duty.title} (due by 3 December 2026)" in text
    assert "Ada" not in text


def test_gathering_again_or_at_once_makes_no_second_email_and_later_ones_wait_for_tomorrow(session, world):
    senco = world.users["senco"]
    first = _notice(session, senco, number=1)

    assert gather(session, day=TODAY, now=MORNING) == 1
    later = _notice(session, senco, number=2)
    assert gather(session, day=TODAY, now=MORNING + timedelta(hours=3)) == 0
    with smtp_server() as (port, inbox):
        today_sent = _send(session, port)
        again = _send(session, port, MORNING + timedelta(hours=1))
        tomorrow = gather(session, day=TODAY + timedelta(days=1), now=MORNING + timedelta(days=1))
        tomorrow_sent = _send(session, port, MORNING + timedelta(days=1))

    assert (today_sent.sent, again.sent, tomorrow, tomorrow_sent.sent) == (1, 0, 1, 1)
    assert [_links(m) for m in inbox.messages] == [[first.id], [later.id]]


def test_what_was_read_in_the_app_before_the_daily_email_is_left_out(session, world):
    senco = world.users["senco"]
    read = _notice(session, senco, number=1, read_at=MORNING - timedelta(hours=1))
    unread = _notice(session, senco, number=2)

    with smtp_server() as (port, inbox):
        gather(session, day=TODAY, now=MORNING)
        _send(session, port)

    assert [_links(m) for m in inbox.messages] == [[unread.id]]
    session.expire_all()
    assert (read.email_status, read.digest_id) == (EmailStatus.SKIPPED, None)


def test_someone_who_read_everything_gets_no_daily_email(session, world):
    _notice(session, world.users["senco"], read_at=MORNING - timedelta(hours=1))

    with smtp_server() as (port, inbox):
        made = gather(session, day=TODAY, now=MORNING)
        _send(session, port)

    assert made == 0 and inbox.messages == []


def test_a_kind_chosen_as_it_happens_goes_through_the_outbox_and_not_in_the_daily_email(session, world):
    senco = world.users["senco"]
    _chooses(session, senco, "transfer_asked", EmailDelivery.IMMEDIATE)
    at_once = _notice(session, senco, kind="transfer_asked", number=1)
    daily = _notice(session, senco, number=2)

    with smtp_server() as (port, inbox):
        outbox = send_due(session, mailer=_mailer(port), now=MORNING, sender=SENDER, base_url=BASE)
        gather(session, day=TODAY, now=MORNING)
        digests = _send(session, port)

    assert (outbox.sent, digests.sent) == (1, 1)
    [first, second] = [email_text(m) for m in inbox.messages]
    assert "Another school asks for the SEN record of a pupil who joined it" in first
    assert "Subject: SEN Track: your daily email, 1 new notification" in second
    assert _links(inbox.messages[1]) == [daily.id]
    session.expire_all()
    assert (at_once.email_status, at_once.digest_id) == (EmailStatus.SENT, None)


def test_no_email_for_a_kind_the_person_switched_off(session, world):
    senco = world.users["senco"]
    _chooses(session, senco, "wave3_off_register", EmailDelivery.NONE)
    quiet = _notice(session, senco, kind="wave3_off_register")

    with smtp_server() as (port, inbox):
        outbox = send_due(session, mailer=_mailer(port), now=MORNING, sender=SENDER, base_url=BASE)
        made = gather(session, day=TODAY, now=MORNING)
        _send(session, port)

    assert (outbox.sent, made, inbox.messages) == (0, 0, [])
    session.expire_all()
    assert quiet.email_status is EmailStatus.SKIPPED and quiet.read_at is None  # still on their page


def test_a_duty_switched_off_behind_the_forms_back_still_comes_in_the_daily_email(session, world):
    senco = world.users["senco"]
    _chooses(session, senco, "task_assigned", EmailDelivery.NONE)  # as if stored by hand
    duty = _notice(session, senco)

    with smtp_server() as (port, inbox):
        gather(session, day=TODAY, now=MORNING)
        _send(session, port)

    assert [_links(m) for m in inbox.messages] == [[duty.id]]


def test_an_invitation_goes_at_once_whatever_anyone_chose(session, world):
    newcomer = world.users["teacher"]
    _chooses(session, newcomer, INVITATION, EmailDelivery.NONE)
    invitation = _notice(session, newcomer, kind=INVITATION)
    invitation.subject_type = "pupil"  # no invitation record behind it: built as a plain notification

    with smtp_server() as (port, inbox):
        made = gather(session, day=TODAY, now=MORNING)
        outbox = send_due(session, mailer=_mailer(port), now=MORNING, sender=SENDER, base_url=BASE)

    assert (made, outbox.sent, [m.rcpt_tos for m in inbox.messages]) == (0, 1, [["teacher@oak.test"]])


def test_no_daily_email_for_an_account_that_was_deactivated(session, world):
    leaver = world.users["teacher"]
    _notice(session, leaver)
    leaver.active = False
    session.flush()

    assert gather(session, day=TODAY, now=MORNING) == 0


def test_a_long_daily_email_lists_the_first_ones_and_says_how_many_more(session, world):
    senco = world.users["senco"]
    notifications = [_notice(session, senco, number=n) for n in range(1, LISTED + 8)]

    with smtp_server() as (port, inbox):
        gather(session, day=TODAY, now=MORNING)
        _send(session, port)

    [message] = inbox.messages
    assert len(_links(message)) == LISTED
    assert f"And 7 more: {BASE}/notifications" in email_text(message)
    session.expire_all()
    assert {n.email_status for n in notifications} == {EmailStatus.SENT}  # all of them were told of


def test_a_daily_email_that_cannot_reach_the_server_is_retried_then_sent(session, world):
    notification = _notice(session, world.users["senco"])
    gather(session, day=TODAY, now=MORNING)

    failed = _send(session, free_port())
    with smtp_server() as (port, inbox):
        too_soon = _send(session, port, MORNING + timedelta(seconds=30))
        later = _send(session, port, MORNING + RETRY_WAITS[0])

    assert (failed.retried, too_soon.sent, later.sent) == (1, 0, 1)
    assert len(inbox.messages) == 1
    session.expire_all()
    digest = session.scalar(sa.select(EmailDigest))
    assert (digest.email_status, digest.attempts) == (EmailStatus.SENT, 2)
    assert (notification.email_status, notification.attempts) == (EmailStatus.SENT, 1)


def test_a_daily_email_failed_for_good_fails_its_notifications_and_the_senco_resends_it(session, world):
    notification = _notice(session, world.users["head"])
    gather(session, day=TODAY, now=MORNING)
    digest = session.scalar(sa.select(EmailDigest))
    moment, port, tries = MORNING, free_port(), 0
    while digest.email_status is EmailStatus.PENDING and tries < 100:
        _send(session, port, moment)
        tries += 1
        moment = digest.next_attempt_at or moment

    assert (digest.email_status, digest.attempts, tries) == (EmailStatus.FAILED, MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert notification.email_status is EmailStatus.FAILED
    assert notification.last_error.startswith("The daily email could not be sent: ")

    assert resend_failed_emails(session, actor=world.users["senco"]) == 1
    with smtp_server() as (port, inbox):
        summary = _send(session, port, moment)

    assert summary.sent == 1 and [m.rcpt_tos for m in inbox.messages] == [["head@oak.test"]]
    assert _links(inbox.messages[0]) == [notification.id]
    assert (digest.email_status, notification.email_status) == (EmailStatus.SENT, EmailStatus.SENT)


def test_choosing_no_email_for_a_duty_is_refused_beside_its_question(session, world):
    with pytest.raises(RuleBroken) as refused:
        choose_emails(session, actor=world.users["senco"], details={"task_assigned": EmailDelivery.NONE})

    assert refused.value.field == "task_assigned"
    assert session.scalar(sa.select(sa.func.count(NotificationPreference.id))) == 0


def test_a_kind_never_sent_to_the_person_cannot_be_chosen(session, world):
    with pytest.raises(RuleBroken):
        choose_emails(session, actor=world.users["teacher"], details={"transfer_asked": EmailDelivery.IMMEDIATE})


def test_the_daily_email_is_made_from_seven_in_the_morning_london_time():
    assert not past_digest_hour(datetime(2026, 7, 1, 5, 59, tzinfo=UTC))  # 06:59 in summer time
    assert past_digest_hour(datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    assert not past_digest_hour(datetime(2026, 12, 1, 6, 59, tzinfo=UTC))
    assert past_digest_hour(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))


def test_the_scheduler_run_by_hand_sends_the_daily_emails_once(app, session, world):
    _notice(session, world.users["head"], kind="role_proposed")
    session.commit()
    runner = app.test_cli_runner()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    with smtp_server() as (port, inbox):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
        try:
            first = runner.invoke(args=["scheduler", "--once"])
            second = runner.invoke(args=["scheduler", "--once"])
        finally:
            app.config.update(saved)

    recipients = session.scalar(sa.select(sa.func.count(sa.distinct(Notification.recipient_id))))
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert f"Daily email: {{'made': {recipients}, 'sent': {recipients}" in first.output
    assert "Daily email: {'made': 0, 'sent': 0" in second.output
    assert len(inbox.messages) == recipients
    assert "head@oak.test" in {m.rcpt_tos[0] for m in inbox.messages}


@pytest.mark.no_transaction
@pytest.mark.parametrize("schedulers", [2, 3])
def test_schedulers_running_at_once_send_each_person_one_daily_email(own_database, schedulers):  # noqa: F811
    """Several schedulers gather and send the same morning at the same moment, each through its
    own connection (an SQLite file, or PostgreSQL): each person gets one email with each of their
    notifications once."""
    from tests import factories

    app = own_database
    with app.app_context():
        world = factories.build_world(db.session)
        people = [world.users[key] for key in ("senco", "head", "teacher", "ta")]
        for index, person in enumerate(people):
            for number in range(1, 6):
                _notice(db.session, person, number=index * 10 + number)
        db.session.commit()
        expected = {p.email: 5 for p in people}
        db.session.remove()

    start, errors = threading.Barrier(schedulers), []

    def scheduler(port):
        try:
            with app.app_context():
                start.wait()
                gather(db.session, day=TODAY, now=MORNING)
                db.session.commit()
                send_due_digests(db.session, mailer=_mailer(port), now=MORNING, sender=SENDER, base_url=BASE)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    with smtp_server() as (port, inbox):
        threads = [threading.Thread(target=scheduler, args=(port,)) for _ in range(schedulers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert {m.rcpt_tos[0]: len(_links(m)) for m in inbox.messages} == expected
    assert len(inbox.messages) == len(expected)
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(Notification.email_status)))
        digests = db.session.scalar(sa.select(sa.func.count(EmailDigest.id)))
        db.session.remove()
    assert (statuses, digests) == ({EmailStatus.SENT}, len(expected))


def test_the_demo_dates_the_sweeps_reminders_over_the_days_before_with_their_daily_emails(session, world):
    from sentrack.demo.notices import spread_notifications
    from sentrack.workflows.sweep import run_sweep

    run_sweep(session, TODAY)
    session.execute(sa.update(Notification).values(email_status=EmailStatus.SENT))
    made = spread_notifications(session, today=TODAY, seed=3)

    notifications = session.scalars(sa.select(Notification)).all()
    digests = {d.id: d for d in session.scalars(sa.select(EmailDigest))}
    assert made == len(digests) > 0
    for notification in notifications:
        digest = digests[notification.digest_id]
        assert digest.recipient_id == notification.recipient_id
        assert digest.day == notification.created_at.astimezone(LONDON).date() <= TODAY
        assert notification.read_at is None or notification.read_at > digest.sent_at > notification.created_at
    assert len({(d.recipient_id, d.day) for d in digests.values()}) == len(digests)
