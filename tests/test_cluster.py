"""More than one server on one PostgreSQL database and one Redis (bench/cluster.py): two app
servers (gunicorn with deploy/gunicorn.conf.py, production settings) and two schedulers, each a
process of its own.

- A session signed in on one server works on the other, and signing out on one ends it on both
  (sessions are rows in the database, the cookie only names one).
- Failed sign-ins on one server count on the other (the throttle's counts are in Redis).
- One scheduler sends at a time; killed with SIGKILL while an email is in flight, the other takes
  over within a minute and sends the rest, sending nothing twice (the one in flight stays under
  its lease, sentrack/outbox.py).

These need PostgreSQL and Redis whatever database the suite runs on: the database named by
SENTRACK_CLUSTER_DATABASE_URL, else SENTRACK_TEST_DATABASE_URL when it is PostgreSQL, else
postgresql://postgres@127.0.0.1:5432/test; a database of their own is made on that server. With
no PostgreSQL or Redis to reach, they fail, saying so. Each process's log is printed when a test
fails.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade
from limits import parse

from bench.cluster import LEADING, WAITING, Cluster, wait_until
from bench.load import CSRF, Client
from config import Config
from sentrack import create_app
from sentrack.extensions import db
from sentrack.models import EmailDelivery, NotificationPreference, Pupil, User
from sentrack.models.duties import EmailStatus, Notification
from sentrack.scheduler import LOCK_KEY
from tests import factories
from tests.helpers import email_text, own_postgresql_database, postgresql_server, smtp_server

pytestmark = pytest.mark.no_transaction

REDIS = "redis://127.0.0.1:6379/0"


def _redis() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS, socket_connect_timeout=5)
    try:
        connection.ping()
    except redis.RedisError as error:
        pytest.fail(f"Running several servers needs Redis at {REDIS} ({type(error).__name__}).", pytrace=False)
    return connection


@dataclass
class Database:
    url: str  # as psycopg and the processes take it
    app: object  # an app of the tests' own on it, to make records and read them
    people: dict[str, tuple[str, str]]  # role -> (email, full name)


@pytest.fixture(scope="module")
def database():
    """A migrated database of the module's own holding the test world (tests/factories.py)."""
    with ExitStack() as stack:
        name = f"sentrack_cluster_{os.getpid()}"
        url = stack.enter_context(own_postgresql_database(postgresql_server("Running several servers"), name))
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            world = factories.build_world(db.session)
            db.session.commit()
            people = {role: (user.email, user.full_name) for role, user in world.users.items()}
            db.session.remove()
        stack.callback(lambda: _disposed(app))
        plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        yield Database(plain, app, people)


def _disposed(app) -> None:
    with app.app_context():
        db.engine.dispose()  # before the database is dropped


@pytest.fixture(scope="module")
def cluster(database, tmp_path_factory):
    """Two app servers of two workers each on the module's database and Redis, with throttle keys
    of their own in Redis (removed afterwards): schedulers are started by the test of them."""
    store = _redis()
    prefix = f"sentrack-cluster-test-{uuid.uuid4().hex}"
    servers = Cluster(
        database.url,
        logs=tmp_path_factory.mktemp("cluster-logs"),
        redis_url=REDIS,
        workers=2,
        settings={"THROTTLE_KEY_PREFIX": prefix},
    )
    with servers:
        servers.start_server("server-a")
        servers.start_server("server-b")
        yield servers
    for key in store.scan_iter(f"{prefix}*"):
        store.delete(key)
    store.close()


@pytest.fixture(autouse=True)
def _logs_on_failure(request):
    """Print every process's log after the test: pytest shows it when the test failed."""
    yield
    if "cluster" in request.fixturenames:
        print(request.getfixturevalue("cluster").report())


def _signed_in(port: int, email: str) -> Client:
    client = Client("127.0.0.1", port)
    client.sign_in(email, factories.PASSWORD)
    return client


def _sign_in_answer(port: int, email: str, password: str) -> int:
    client = Client("127.0.0.1", port)
    token = client.csrf_token("/sign-in")
    return client.request("POST", "/sign-in", {"csrf_token": token, "email": email, "password": password}).status


def test_a_session_signed_in_on_one_server_works_on_the_other_and_signing_out_on_it_ends_it_on_both(cluster, database):
    a, b = cluster.servers()
    email, name = database.people["teacher"]
    on_a = _signed_in(a.port, email)
    on_b = Client("127.0.0.1", b.port)
    on_b.cookies = dict(on_a.cookies)  # the same browser, its next request sent to the other server

    home_on_b = on_b.request("GET", "/")
    assert home_on_b.status == 200
    assert name in home_on_b.body
    assert on_a.request("GET", "/").status == 200

    token = CSRF.search(home_on_b.body)
    signed_out = on_b.request("POST", "/sign-out", {"csrf_token": token.group(1) or token.group(2)})
    after_on_a = on_a.request("GET", "/")  # the cookie from before signing out, on the first server

    assert signed_out.status == 302
    assert after_on_a.status == 302
    assert after_on_a.headers["location"].startswith("/sign-in")


def test_a_page_kept_by_the_servers_is_written_again_when_another_process_changes_its_records(cluster, database):
    """Each server's workers keep the teacher's home (sentrack.kept) until the school's version
    moves: a change committed by another process (here the tests' own app) is on the next view
    from either server."""
    a, b = cluster.servers()
    email, name = database.people["teacher"]
    first = name.split(" ")[0]
    clients = [_signed_in(a.port, email), _signed_in(b.port, email)]
    for client in clients:
        for _ in range(4):  # kept by each worker of each server
            assert f"Good to see you, {first}" in client.request("GET", "/").body
    try:
        _rename(database, email, f"Marigold {name}")
        for client in clients:
            for _ in range(4):
                assert "Good to see you, Marigold" in client.request("GET", "/").body
    finally:
        _rename(database, email, name)


def _rename(database, email: str, full_name: str) -> None:
    with database.app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        user.full_name = full_name
        db.session.commit()
        db.session.remove()


def test_failed_sign_ins_on_one_server_count_on_the_other(cluster, database):
    a, b = cluster.servers()
    email, _ = database.people["ta"]
    limit = parse(Config.SIGN_IN_LIMIT_PER_ACCOUNT).amount  # the servers' setting: 5 in 15 minutes
    assert limit >= 2  # so that neither server alone sees the limit reached

    failures = [_sign_in_answer((a, b)[n % 2].port, email, "not the password") for n in range(limit)]

    assert failures == [200] * limit  # each the form again, with its error
    # Each server saw about half the failures; together they are the limit: even the right
    # password is refused, on either.
    assert _sign_in_answer(a.port, email, factories.PASSWORD) == 429
    assert _sign_in_answer(b.port, email, factories.PASSWORD) == 429


# --- Two schedulers ----------------------------------------------------------------------------------


class HoldingInbox:
    """An SMTP handler keeping every message, that never answers the one whose text holds `hold`
    once the server has it: the sender is left waiting with the message in flight."""

    def __init__(self, hold: str):
        self.messages, self.hold = [], hold
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.messages.append(envelope)
        if self.hold in email_text(envelope) and not self.holding.is_set():
            self.holding.set()
            await asyncio.Event().wait()  # until the server stops
        return "250 OK"

    def numbers(self) -> list[str]:
        """The numbered messages received, by the link each carries, in order received."""
        found = (re.search(r"/messages/(\d\d)", email_text(m)) for m in list(self.messages))
        return [match.group(1) for match in found if match]


def _queue(app, numbers: range) -> None:
    """Notifications for the SENCO, who takes them as they happen, each linking to /messages/NN."""
    with app.app_context():
        senco = db.session.scalar(sa.select(User).where(User.email == "senco@oak.test"))
        pupil_id = db.session.scalar(sa.select(Pupil.id).order_by(Pupil.id).limit(1))
        chosen = sa.select(NotificationPreference.id).where(
            NotificationPreference.user_id == senco.id, NotificationPreference.kind == "review_due"
        )
        if db.session.scalar(chosen) is None:
            db.session.add(
                NotificationPreference(user_id=senco.id, kind="review_due", delivery=EmailDelivery.IMMEDIATE)
            )
        for number in numbers:
            db.session.add(
                Notification(
                    recipient_id=senco.id,
                    kind="review_due",
                    subject_type="pupil",
                    subject_id=pupil_id,
                    period=f"cluster/{number}",
                    title="A review is due",
                    body="A review is due.",
                    link=f"/messages/{number:02d}",
                )
            )
        db.session.commit()
        db.session.remove()


def _statuses(app) -> dict[str, tuple[EmailStatus, datetime | None]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Notification.link, Notification.email_status, Notification.next_attempt_at).where(
                Notification.link.like("/messages/%")
            )
        ).all()
        db.session.remove()
    return {link.removeprefix("/messages/"): (status, lease) for link, status, lease in rows}


@pytest.fixture
def schedulers(cluster):
    """The cluster, for a test that starts schedulers: each sends the outbox (and checks its lock)
    every 2 seconds; they are stopped after the test, and the settings it gave them forgotten."""
    settings = dict(cluster.settings)
    cluster.settings["SCHEDULER_OUTBOX_SECONDS"] = "2"
    try:
        yield cluster
    finally:
        for scheduler in cluster.schedulers():
            scheduler.stop()
        cluster.settings = settings


def _leader_and_follower(cluster, first: str, second: str):
    leader = cluster.start_scheduler(first)
    wait_until(lambda: leader.said(LEADING), timeout=60, what=f"{first} running")
    follower = cluster.start_scheduler(second)
    wait_until(lambda: follower.said(WAITING), timeout=60, what=f"{second} waiting")
    return leader, follower


def test_one_scheduler_sends_and_when_it_is_killed_the_other_takes_over_sending_nothing_twice(schedulers, database):
    cluster = schedulers
    inbox = HoldingInbox(hold="/messages/02")
    with smtp_server(inbox) as (port, _):
        cluster.settings.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="0")
        first, second = _leader_and_follower(cluster, "scheduler-a", "scheduler-b")

        _queue(database.app, range(6))
        # The first sends 00 and 01, and the server keeps 02 without answering.
        wait_until(inbox.holding.is_set, timeout=30, what="the first scheduler sending")
        assert inbox.numbers() == ["00", "01", "02"]
        assert not second.said("Outbox:")  # the second has sent nothing: it waits for the lock

        first.kill()
        killed = time.monotonic()
        # Within a minute the second holds the lock and sends the rest; 02 is under its lease.
        wait_until(lambda: len(inbox.numbers()) >= 6, timeout=60, what="the second scheduler sending the rest")
        print(f"The second scheduler sent the rest {time.monotonic() - killed:.1f} s after the first was killed")
        wait_until(lambda: second.said(LEADING), timeout=30, what="the second scheduler running")
        _queue(database.app, range(6, 8))  # and it goes on sending, on its own schedule
        wait_until(lambda: len(inbox.numbers()) >= 8, timeout=30, what="the second scheduler sending more")

    assert sorted(inbox.numbers()) == [f"{n:02d}" for n in range(8)]  # each once: none twice
    statuses = _statuses(database.app)
    in_flight_status, lease = statuses.pop("02")
    assert in_flight_status == EmailStatus.PENDING  # its result never came back: sent again after
    assert lease > datetime.now(UTC)  # claimed by the killed scheduler: no one sends it until then
    assert {status for status, _ in statuses.values()} == {EmailStatus.SENT}


def _end_lock_session(url: str) -> int:
    """End the database session holding the scheduler's lock, as a restart of the database or a cut
    in the network would: answers how many sessions were ended."""
    import psycopg

    held = (
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND ((classid::bigint << 32) | objid::bigint) = %s AND database = ("
        "SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with psycopg.connect(url, autocommit=True) as connection:
        return len(connection.execute(held, (LOCK_KEY,)).fetchall())


def test_a_scheduler_that_loses_its_lock_with_its_connection_stops_and_the_other_takes_over(schedulers, database):
    cluster = schedulers
    first, second = _leader_and_follower(cluster, "scheduler-c", "scheduler-d")

    assert _end_lock_session(database.url) == 1

    wait_until(lambda: not first.running(), timeout=60, what="the scheduler that lost its lock stopping")
    assert first.popen.returncode != 0  # a failure, for its service manager to start it again
    assert first.said("lock was lost")
    wait_until(lambda: second.said(LEADING), timeout=60, what="the other scheduler taking over")
    assert second.running()
