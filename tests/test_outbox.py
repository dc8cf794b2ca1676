"""The outbox against a real SMTP server (aiosmtpd on loopback), and the scheduler's lock. The
outbox sends the emails people take as they happen; the daily email, everyone's default, is
tests/test_notification_digest.py's."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.extensions import db
from sentrack.models import EmailDelivery, NotificationPreference, Pupil
from sentrack.models.duties import EmailStatus, Notification
from sentrack.outbox import LEASE, MAX_ATTEMPTS, RETRY_CAP, RETRY_FOR, RETRY_WAITS, SMTPMailer, send_due
from sentrack.scheduler import take_scheduler_lock
from tests.helpers import audit_events, email_text, free_port, smtp_server, text

NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
SENDER = "SEN Track <no-reply@sentrack.invalid>"
BASE = "https://sentrack.example.sch.uk"


@pytest.fixture
def smtp():
    with smtp_server() as (port, inbox):
        yield port, inbox


def _mailer(port: int) -> SMTPMailer:
    return SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=5)


def _takes_at_once(session, recipient, kind: str) -> None:
    """`recipient` chose to have the emails of `kind` as they happen: the outbox's emails (the
    default, the daily email, is tests/test_notification_digest.py's)."""
    chosen = sa.select(NotificationPreference).where(
        NotificationPreference.user_id == recipient.id, NotificationPreference.kind == kind
    )
    if session.scalar(chosen) is None:
        session.add(NotificationPreference(user_id=recipient.id, kind=kind, delivery=EmailDelivery.IMMEDIATE))


def _notification(session, recipient, *, kind="review_due", subject_id=None, period="2026-11-27") -> Notification:
    _takes_at_once(session, recipient, kind)
    if subject_id is None:  # Ada Brook, of the test world
        subject_id = session.scalar(sa.select(Pupil.id).where(Pupil.first_name == "Ada", Pupil.last_name == "Brook"))
    notification = Notification(
        recipient_id=recipient.id,
        kind=kind,
        subject_type="pupil",
        subject_id=subject_id,
        period=period,
        title="Hold the review for Ada Brook",
        body="Ada Brook's review is due on 3 December.",
        link="/pupils/abc123/cycles/1",
    )
    session.add(notification)
    session.flush()
    return notification


def _send(session, port):
    return send_due(session, mailer=_mailer(port), now=NOW, sender=SENDER, base_url=BASE)


def test_each_pending_email_is_sent_once_and_only_once(session, world, smtp):
    port, inbox = smtp
    first = _notification(session, world.users["senco"])
    second = _notification(session, world.users["head"], period="2026-11-28")

    summary = _send(session, port)
    again = _send(session, port)

    assert (summary.sent, again.sent) == (2, 0)
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["head@oak.test", "senco@oak.test"]
    assert [(n.email_status, n.sent_at, n.attempts) for n in (first, second)] == [(EmailStatus.SENT, NOW, 1)] * 2


def test_an_email_names_no_pupil_not_even_by_initials_and_links_to_the_place_to_act(session, world, smtp):
    port, inbox = smtp
    _notification(session, world.users["senco"])

    _send(session, port)

    [message] = inbox.messages
    text = email_text(message)
    assert "Ada" not in text and "Brook" not in text and "A.B." not in text
    assert "Subject: SEN Track: You have a new notification" in text
    assert f"{BASE}/pupils/abc123/cycles/1" in text
    assert message.mail_from == "no-reply@sentrack.invalid"


def test_a_failed_send_is_retried_after_a_wait_and_then_succeeds(session, world, smtp):
    port, inbox = smtp
    notification = _notification(session, world.users["senco"])
    closed_port = free_port()  # nothing listens there

    failed = _send(session, closed_port)
    too_soon = send_due(session, mailer=_mailer(port), now=NOW + timedelta(seconds=30), sender=SENDER, base_url=BASE)
    later = send_due(session, mailer=_mailer(port), now=NOW + RETRY_WAITS[0], sender=SENDER, base_url=BASE)

    assert (failed.retried, too_soon.sent, later.sent) == (1, 0, 1)
    assert notification.email_status is EmailStatus.SENT
    assert notification.attempts == 2
    assert len(inbox.messages) == 1


def _fail_until_failed(session, notification, port) -> list[datetime]:
    """Send against `port` at each moment the outbox asks for, until the email is failed: the
    moments of the tries."""
    moments, moment = [], NOW
    while notification.email_status is EmailStatus.PENDING and len(moments) < 100:
        send_due(session, mailer=_mailer(port), now=moment, sender=SENDER, base_url=BASE)
        moments.append(moment)
        if notification.next_attempt_at is not None:
            moment = notification.next_attempt_at
    return moments


def test_after_three_days_of_retries_the_email_is_marked_failed_with_its_error(session, world):
    notification = _notification(session, world.users["senco"])

    moments = _fail_until_failed(session, notification, free_port())

    assert notification.email_status is EmailStatus.FAILED
    assert notification.attempts == len(moments) == MAX_ATTEMPTS
    # Retried for at least three days, never waiting longer than the cap between two tries.
    assert moments[-1] - moments[0] >= RETRY_FOR
    assert moments[-2] - moments[0] < RETRY_FOR
    assert max(b - a for a, b in zip(moments, moments[1:], strict=False)) == RETRY_CAP
    assert "Error" in notification.last_error
    assert notification.next_attempt_at is None


def test_an_smtp_outage_longer_than_a_day_loses_nothing(session, world):
    notification = _notification(session, world.users["senco"])
    closed_port = free_port()
    moment = NOW
    while moment < NOW + timedelta(days=2, hours=12):  # the server is down for two and a half days
        send_due(session, mailer=_mailer(closed_port), now=moment, sender=SENDER, base_url=BASE)
        assert notification.email_status is EmailStatus.PENDING
        assert notification.next_attempt_at - moment <= RETRY_CAP
        moment = notification.next_attempt_at
    tries = notification.attempts

    with smtp_server() as (port, inbox):
        too_soon = send_due(
            session, mailer=_mailer(port), now=moment - timedelta(seconds=1), sender=SENDER, base_url=BASE
        )
        back = send_due(session, mailer=_mailer(port), now=moment, sender=SENDER, base_url=BASE)

    assert (too_soon.sent, back.sent) == (0, 1)
    assert notification.email_status is EmailStatus.SENT and notification.attempts == tries + 1
    assert [m.rcpt_tos for m in inbox.messages] == [["senco@oak.test"]]


def test_a_line_break_in_a_title_or_a_name_adds_no_header_and_the_email_is_sent(session, world, smtp):
    port, inbox = smtp
    notification = _notification(session, world.users["senco"])
    notification.title = "Lego group\r\nBcc: x@y.test\u202e\x1b starts"  # (PostgreSQL stores no NUL)
    world.users["senco"].full_name = "Sam\r\nBcc: z@y.test"
    session.flush()

    summary = _send(session, port)

    assert summary.sent == 1 and notification.email_status is EmailStatus.SENT
    [message] = inbox.messages
    assert message.rcpt_tos == ["senco@oak.test"]
    headers = message.content.split(b"\r\n\r\n", 1)[0]
    assert b"Bcc" not in headers and b"x@y.test" not in message.content
    assert "Subject: SEN Track: You have a new notification" in email_text(message)
    assert "Hello Sam Bcc: z@y.test," in email_text(message)


def test_a_message_that_cannot_be_built_fails_alone_and_the_rest_are_sent_once(session, world, smtp):
    port, inbox = smtp
    first = _notification(session, world.users["head"], period="2026-11-26")
    bad = _notification(session, world.users["teacher"])
    world.users["teacher"].email = "teacher@oak.test\r\nBcc: x@y.test"
    behind = [_notification(session, world.users["senco"], period=f"2026-11-{day}") for day in (28, 29)]
    session.flush()

    summary = _send(session, port)
    again = _send(session, port)

    assert (summary.sent, summary.failed, again.sent, again.failed) == (3, 1, 0, 0)
    assert bad.email_status is EmailStatus.FAILED and bad.attempts == 1 and bad.next_attempt_at is None
    assert bad.last_error == "Could not be built: ValueError"
    assert [n.email_status for n in (first, *behind)] == [EmailStatus.SENT] * 3
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["head@oak.test", "senco@oak.test", "senco@oak.test"]
    assert not any("x@y.test" in m.rcpt_tos for m in inbox.messages)


def test_the_senco_resends_failed_emails_audited_and_they_are_sent(client, login, session, world, smtp):
    port, inbox = smtp
    notification = _notification(session, world.users["head"])
    _fail_until_failed(session, notification, free_port())
    other = _notification(session, world.users["senco"], period="2026-11-28")  # still waiting: untouched
    other.attempts, other.next_attempt_at = 2, NOW + timedelta(hours=1)
    session.commit()
    login(world.users["senco"])

    page = text(client.get("/notifications/email"))
    response = client.post("/notifications/email/resend")
    nothing_left = client.post("/notifications/email/resend", follow_redirects=True)

    assert "Resend the failed email" in page
    assert response.status_code == 302 and response.headers["Location"] == "/notifications/email"
    assert "There are no failed emails to resend" in text(nothing_left)
    session.expire_all()
    assert (notification.email_status, notification.attempts, notification.next_attempt_at) == (
        EmailStatus.PENDING,
        0,
        None,
    )
    assert (other.email_status, other.attempts) == (EmailStatus.PENDING, 2)
    [event] = audit_events(session, "email_resent", user_id=world.users["senco"].id)
    assert event.object_id == str(notification.id)

    summary = _send(session, port)

    assert summary.sent == 1 and notification.email_status is EmailStatus.SENT
    assert [m.rcpt_tos for m in inbox.messages] == [["head@oak.test"]]


def test_a_teacher_cannot_resend_failed_emails(client, login, session, world):
    notification = _notification(session, world.users["head"])
    _fail_until_failed(session, notification, free_port())
    session.commit()
    login(world.users["teacher"])

    response = client.post("/notifications/email/resend")

    session.expire_all()
    assert response.status_code == 403 and notification.email_status is EmailStatus.FAILED
    assert audit_events(session, "email_resent") == []


def test_no_email_goes_to_an_account_that_was_deactivated(session, world, smtp):
    port, inbox = smtp
    leaver = world.users["teacher"]
    _notification(session, leaver)
    leaver.active = False
    session.flush()

    summary = _send(session, port)

    assert summary.sent == 0 and inbox.messages == []


def test_a_second_scheduler_waits_for_the_first(app):
    """On PostgreSQL the advisory lock lets one scheduler in at a time; SQLite has one process."""
    with db.engine.connect() as first, db.engine.connect() as second:
        postgres = first.dialect.name == "postgresql"
        assert take_scheduler_lock(first, wait=False) is True
        assert take_scheduler_lock(second, wait=False) is (not postgres)
        if postgres:
            first.execute(sa.text("SELECT pg_advisory_unlock(7221006401)"))
            assert take_scheduler_lock(second, wait=False) is True
            second.execute(sa.text("SELECT pg_advisory_unlock(7221006401)"))


def test_the_scheduler_survives_a_job_that_raises_and_logs_no_pupil_details(app, session, world, monkeypatch, caplog):
    import sentrack.workflows.sweep as sweep

    def broken_sweep(*args, **kwargs):
        raise RuntimeError("Ada Brook's review could not be read")

    monkeypatch.setattr(sweep, "run_sweep", broken_sweep)
    _notification(session, world.users["senco"])
    session.commit()
    runner = app.test_cli_runner()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    with smtp_server() as (port, inbox), caplog.at_level("ERROR"):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
        try:
            result = runner.invoke(args=["scheduler", "--once"])
        finally:
            app.config.update(saved)

    assert result.exit_code == 0, result.output
    assert "Sweep: {'error': 'RuntimeError'}" in result.output
    assert "'sent': 1" in result.output and len(inbox.messages) == 1  # the outbox ran all the same
    assert "RuntimeError" in caplog.text and "Ada" not in caplog.text and "Brook" not in caplog.text


# --- Several senders, and a sender killed part way -----------------------------------------------


class Killed(BaseException):
    """The sender's process ending (kill, power cut): nothing in send_due catches it."""


class DiesAt:
    """An SMTP mailer that dies on its `call`-th send: before handing the message over
    (`after_handing_over` False: killed between messages) or just after the server took it
    (True: killed during one, before the database recorded it)."""

    def __init__(self, port: int, call: int, *, after_handing_over: bool):
        self.mailer, self.call, self.after = _mailer(port), call, after_handing_over
        self.calls = 0

    def __enter__(self):
        self.mailer.__enter__()
        return self

    def __exit__(self, *exc):
        self.mailer.__exit__(*exc)

    def send(self, message):
        self.calls += 1
        if self.calls == self.call and not self.after:
            raise Killed
        self.mailer.send(message)
        if self.calls == self.call:
            raise Killed


def _numbered(session, world, how_many: int) -> list[Notification]:
    notifications = []
    for number in range(how_many):
        notification = _notification(session, world.users["senco"], period=f"2026-11-27/{number}")
        notification.link = f"/messages/{number:02d}"
        notifications.append(notification)
    session.commit()
    return notifications


def _subjects(inbox) -> list[str]:
    """Which numbered message each email was, by the link it carries."""
    found = [re.search(r"/messages/(\d\d)", email_text(m)) for m in inbox.messages]
    return sorted(f"Message {match.group(1)}" for match in found)


@pytest.fixture
def own_database(tmp_path):
    """A database of this test's own, outside the test transaction, so that two senders can work
    on it at once through their own connections: SQLite, or PostgreSQL when the suite runs on it."""
    import os
    from contextlib import ExitStack

    from flask_migrate import upgrade

    from sentrack import create_app
    from tests.helpers import own_postgresql_database

    with ExitStack() as stack:
        url = os.environ.get("SENTRACK_TEST_DATABASE_URL")
        if url:
            url = stack.enter_context(own_postgresql_database(url, f"sentrack_outbox_{os.getpid()}"))
        else:
            url = f"sqlite:///{tmp_path / 'senders.sqlite'}"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.mark.no_transaction
@pytest.mark.parametrize("senders", [2, 4])
def test_senders_running_at_once_send_each_message_once(own_database, senders):
    import threading

    from tests import factories

    app = own_database
    with app.app_context():
        world = factories.build_world(db.session)
        db.session.commit()
        _numbered(db.session, world, 24)
        db.session.remove()

    start, results, errors = threading.Barrier(senders), [], []

    def sender(port):
        try:
            with app.app_context():
                start.wait()
                results.append(send_due(db.session, mailer=_mailer(port), now=NOW, sender=SENDER, base_url=BASE))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    with smtp_server() as (port, inbox):
        threads = [threading.Thread(target=sender, args=(port,)) for _ in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert _subjects(inbox) == [f"Message {n:02d}" for n in range(24)]
    assert sum(r.sent for r in results) == 24
    with app.app_context():
        statuses = db.session.scalars(sa.select(Notification.email_status)).all()
        db.session.remove()
    assert statuses == [EmailStatus.SENT] * 24


def test_a_sender_killed_between_messages_loses_none_and_repeats_none(session, world, smtp):
    port, inbox = smtp
    notifications = _numbered(session, world, 4)

    with pytest.raises(Killed):  # sends Message 00, claims Message 01 and dies before sending it
        send_due(session, mailer=DiesAt(port, 2, after_handing_over=False), now=NOW, sender=SENDER, base_url=BASE)
    session.rollback()
    other = send_due(session, mailer=_mailer(port), now=NOW + timedelta(minutes=1), sender=SENDER, base_url=BASE)
    lease_over = send_due(session, mailer=_mailer(port), now=NOW + LEASE, sender=SENDER, base_url=BASE)

    assert (other.sent, lease_over.sent) == (2, 1)  # Message 01 waits for the lease to end
    assert _subjects(inbox) == [f"Message {n:02d}" for n in range(4)]
    assert {n.email_status for n in notifications} == {EmailStatus.SENT}


def test_a_sender_killed_during_a_message_sends_that_one_again_and_no_other(session, world, smtp):
    port, inbox = smtp
    notifications = _numbered(session, world, 3)

    with pytest.raises(Killed):  # the server took Message 00; the sender died before recording it
        send_due(session, mailer=DiesAt(port, 1, after_handing_over=True), now=NOW, sender=SENDER, base_url=BASE)
    session.rollback()
    other = send_due(
        session, mailer=_mailer(port), now=NOW + LEASE - timedelta(seconds=1), sender=SENDER, base_url=BASE
    )
    lease_over = send_due(session, mailer=_mailer(port), now=NOW + LEASE, sender=SENDER, base_url=BASE)
    later = send_due(session, mailer=_mailer(port), now=NOW + timedelta(days=1), sender=SENDER, base_url=BASE)

    assert (other.sent, lease_over.sent, later.sent) == (2, 1, 0)
    assert _subjects(inbox) == ["Message 00", "Message 00", "Message 01", "Message 02"]
    assert {n.email_status for n in notifications} == {EmailStatus.SENT}


# --- Senders in processes of their own, and a sender killed with SIGKILL -----------------------------


class HoldingInbox:
    """An SMTP handler that keeps every message, and holds the `hold`-th one: at RCPT, before
    the server has it (`taken` False: a sender killed then has handed nothing over), or after DATA
    was received and kept but before the server answers (`taken` True: the server has the message,
    the sender never hears so). `holding` is set once it holds."""

    def __init__(self, hold: int, *, taken: bool):
        import threading

        self.messages, self.hold, self.taken = [], hold, taken
        self.holding = threading.Event()
        self.rcpts = 0

    async def _hold_forever(self):
        import asyncio

        self.holding.set()
        await asyncio.Event().wait()  # until the sender is killed and the server stops

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.rcpts == self.hold and not self.taken:
            await self._hold_forever()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        if len(self.messages) == self.hold and self.taken:
            await self._hold_forever()
        return "250 OK"


def _sender_process(app, port: int, moment: datetime) -> subprocess.Popen:
    """`python -m tests.outbox_sender` on the test's own database: a sender in its own process."""
    root = pathlib.Path(__file__).resolve().parent.parent
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.outbox_sender",
            app.config["SQLALCHEMY_DATABASE_URI"],
            str(port),
            moment.isoformat(),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def _filled(app, how_many: int) -> None:
    from tests import factories

    with app.app_context():
        world = factories.build_world(db.session)
        db.session.commit()
        _numbered(db.session, world, how_many)
        db.session.remove()


def _send_in(app, port: int, moment: datetime):
    with app.app_context():
        summary = send_due(db.session, mailer=_mailer(port), now=moment, sender=SENDER, base_url=BASE)
        statuses = db.session.scalars(sa.select(Notification.email_status).order_by(Notification.id)).all()
        db.session.remove()
    return summary, statuses


@pytest.mark.no_transaction
def test_senders_in_processes_of_their_own_send_each_message_once(own_database):
    """Three senders, each a process of its own, on one database (an SQLite file, or PostgreSQL):
    every message is sent, none twice."""
    app = own_database
    _filled(app, 30)

    with smtp_server() as (port, inbox):
        senders = [_sender_process(app, port, NOW) for _ in range(3)]
        outputs = [sender.communicate(timeout=180) for sender in senders]

    assert [sender.returncode for sender in senders] == [0, 0, 0], outputs
    assert sum(int(out.split()[1]) for out, _ in outputs) == 30
    assert _subjects(inbox) == [f"Message {n:02d}" for n in range(30)]
    _, statuses = _send_in(app, free_port(), NOW + timedelta(days=1))
    assert statuses == [EmailStatus.SENT] * 30


@pytest.mark.no_transaction
@pytest.mark.parametrize("taken", [False, True], ids=["between-messages", "during-a-message"])
def test_a_sender_killed_with_sigkill_loses_no_message_and_repeats_at_most_the_one_in_flight(own_database, taken):
    """A sender process is killed (SIGKILL) while the SMTP server holds its third message: before
    the server has taken it (killed between handing messages over), or after (killed during one,
    before the database recorded it). Another sender then sends the rest at once, and the third
    when its lease ends: every message is delivered, only the one in flight may come twice."""
    app = own_database
    _filled(app, 6)

    holding = HoldingInbox(3, taken=taken)
    with smtp_server(holding) as (port, _):
        sender = _sender_process(app, port, NOW)
        try:
            assert holding.holding.wait(timeout=120), "the sender never reached the third message"
        finally:
            os.kill(sender.pid, signal.SIGKILL)
            sender.communicate(timeout=60)  # reaps it and closes its pipes
    assert sender.returncode == -signal.SIGKILL
    kept_before = [m for m in holding.messages]

    with smtp_server() as (port, inbox):
        other, _ = _send_in(app, port, NOW + timedelta(minutes=1))
        lease_over, statuses = _send_in(app, port, NOW + LEASE)
        later, _ = _send_in(app, port, NOW + timedelta(days=1))

    assert (other.sent, lease_over.sent, later.sent) == (3, 1, 0)
    delivered = _subjects(type("Both", (), {"messages": kept_before + inbox.messages}))
    twice = ["Message 02"] if taken else []
    assert delivered == sorted([f"Message {n:02d}" for n in range(6)] + twice)
    assert statuses == [EmailStatus.SENT] * 6


@pytest.mark.no_transaction
def test_a_sender_passes_over_a_message_another_is_claiming_without_waiting_for_it(own_database):
    """On PostgreSQL a message whose row another sender holds locked is skipped (SKIP LOCKED), not
    waited for: the sender sends the others and leaves it to the holder. SQLite has one writer at
    a time, so there is no row to hold: everything is sent."""
    import threading

    app = own_database
    _filled(app, 3)
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        holder = db.engine.connect()
        if postgres:
            holder.execute(sa.text("SELECT id FROM notification ORDER BY id LIMIT 1 FOR UPDATE"))
    results = []
    with smtp_server() as (port, inbox):
        worker = threading.Thread(target=lambda: results.append(_send_in(app, port, NOW)))
        worker.start()
        worker.join(timeout=30)
        finished_while_held = not worker.is_alive()
        holder.rollback()
        holder.close()
        worker.join(timeout=60)

    [(summary, _)] = results
    assert finished_while_held
    assert (summary.sent, summary.taken_elsewhere) == ((2, 1) if postgres else (3, 0))
    assert _subjects(inbox) == (
        ["Message 01", "Message 02"] if postgres else ["Message 00", "Message 01", "Message 02"]
    )


def _scheduler_once(app):
    runner = app.test_cli_runner()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    with smtp_server() as (port, inbox):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
        try:
            result = runner.invoke(args=["scheduler", "--once"])
        finally:
            app.config.update(saved)
    return result, inbox


def test_the_scheduler_sends_the_rest_when_one_message_has_a_bad_header(app, session, world):
    """A name with a line break used to stop the scheduler at start-up: now that one message fails
    with its reason and the others go, as they happen or in the daily email (the sweep's, at
    start-up); the teacher's daily email, to the same bad address, fails alone too."""
    bad = _notification(session, world.users["teacher"])
    world.users["teacher"].email = "teacher@oak.test\r\nBcc: x@y.test"
    good = [_notification(session, world.users["senco"], period=f"2026-11-{day}").id for day in (28, 29)]
    session.commit()
    teacher_id, bad_id = world.users["teacher"].id, bad.id

    result, inbox = _scheduler_once(app)

    assert result.exit_code == 0, result.output
    assert "Outbox: {'sent': 2, 'retried': 0, 'failed': 1}" in result.output
    rows = session.scalars(sa.select(Notification)).all()  # with those the sweep made at start-up
    to_teacher = [n for n in rows if n.recipient_id == teacher_id]
    others = [n for n in rows if n.recipient_id != teacher_id]
    assert bad_id in {n.id for n in to_teacher} and len(to_teacher) > 1  # the teacher's tasks too
    assert {n.last_error for n in to_teacher} == {
        "Could not be built: ValueError",
        "The daily email could not be sent: Could not be built: ValueError",
    }
    assert {n.email_status for n in to_teacher} == {EmailStatus.FAILED}
    assert {n.email_status for n in others} == {EmailStatus.SENT} and set(good) <= {n.id for n in others}
    daily = {n.recipient_id for n in others if n.digest_id is not None}
    assert len(inbox.messages) == len(good) + len(daily)
    assert not any("x@y.test" in m.rcpt_tos or "teacher@oak.test" in m.rcpt_tos for m in inbox.messages)


def test_the_scheduler_survives_an_outbox_run_that_raises(app, session, world, monkeypatch, caplog):
    import sentrack.scheduler as scheduler

    def broken_send(*args, **kwargs):
        raise RuntimeError("Ada Brook's email could not be read")

    monkeypatch.setattr(scheduler, "send_due", broken_send)
    session.commit()

    with caplog.at_level("ERROR"):
        result, inbox = _scheduler_once(app)
        after = scheduler.guarded(scheduler.send_outbox_job)(app)  # the next run goes on too

    assert result.exit_code == 0, result.output
    assert "Sweep: {'date'" in result.output and "Outbox: {'error': 'RuntimeError'}" in result.output
    assert after == {"error": "RuntimeError"}
    # Only the daily emails of the sweep's reminders went: the daily email runs on its own.
    assert inbox.messages and all("Subject: SEN Track: your daily email" in email_text(m) for m in inbox.messages)
    assert "Ada" not in caplog.text and "Brook" not in caplog.text
