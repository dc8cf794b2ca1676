"""The outbox against a real SMTP server (aiosmtpd on loopback), and the scheduler's lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.extensions import db
from sentrack.models import Pupil
from sentrack.models.duties import EmailStatus, Notification
from sentrack.outbox import RETRY_WAITS, SMTPMailer, send_due
from sentrack.scheduler import take_scheduler_lock
from tests.helpers import email_text, free_port, smtp_server

NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
SENDER = "SEN Track <no-reply@sentrack.invalid>"
BASE = "https://sentrack.example.sch.uk"


@pytest.fixture
def smtp():
    with smtp_server() as (port, inbox):
        yield port, inbox


def _mailer(port: int) -> SMTPMailer:
    return SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=5)


def _notification(session, recipient, *, kind="review_due", subject_id=None, period="2026-11-27") -> Notification:
    if subject_id is None:  # Ada Brook, of the test world
        subject_id = session.scalar(sa.select(Pupil.id).where(Pupil.first_name == "Ada", Pupil.last_name == "Brook"))
    notification = Notification(
        recipient_id=recipient.id, kind=kind, subject_type="pupil", subject_id=subject_id, period=period,
        title="Hold the review for Ada Brook", body="Ada Brook's review is due on 3 December.",
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


def test_an_email_names_the_pupil_by_initials_only_and_links_to_the_place_to_act(session, world, smtp):
    port, inbox = smtp
    _notification(session, world.users["senco"])

    _send(session, port)

    [message] = inbox.messages
    text = email_text(message)
    assert "Ada" not in text and "Brook" not in text
    assert "Hold the review for A.B. (Year 4)" in text
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


def test_after_the_last_retry_the_email_is_marked_failed_with_its_error(session, world):
    notification = _notification(session, world.users["senco"])
    closed_port = free_port()
    moment = NOW
    for _ in range(len(RETRY_WAITS) + 1):
        send_due(session, mailer=_mailer(closed_port), now=moment, sender=SENDER, base_url=BASE)
        moment += timedelta(hours=3)

    assert notification.email_status is EmailStatus.FAILED
    assert notification.attempts == len(RETRY_WAITS) + 1
    assert "Error" in notification.last_error
    assert notification.next_attempt_at is None


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
