"""The sign-in throttle across workers, and the client address it counts by.

Two `create_app()` calls stand for two workers: each has its own connection to the throttle's
storage, as two gunicorn processes would.
"""

from __future__ import annotations

import logging
import socket
import uuid

import pytest
import sqlalchemy as sa

from sentrack import create_app
from sentrack.models import AuditEvent, UserSession
from sentrack.proxies import client_address
from tests.factories import PASSWORD
from tests.pages import Page

REDIS = "redis://127.0.0.1:6379/0"
THROTTLED = "Too many failed attempts to sign in"


def _worker(app, **settings):
    worker = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TODAY": app.config["TODAY"],
            **settings,
        }
    )
    return worker


@pytest.fixture
def redis_workers(app):
    """Two workers counting in the real Redis server, under a prefix of this test's own."""
    prefix = f"sentrack-test-{uuid.uuid4().hex}"
    workers = [_worker(app, RATELIMIT_STORAGE_URI=REDIS, THROTTLE_KEY_PREFIX=prefix) for _ in range(2)]
    yield workers
    workers[0].extensions["sentrack.throttle"].reset()


def _attempt(worker, email, password="wrong password", address="192.0.2.1", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return worker.test_client().post(
        "/sign-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _failed_from(session) -> list[str | None]:
    return list(
        session.scalars(
            sa.select(AuditEvent.remote_addr).where(AuditEvent.action == "sign_in_failed").order_by(AuditEvent.id)
        )
    )


# --- Shared storage ------------------------------------------------------------------------------


def test_two_workers_on_redis_count_one_accounts_failures_together(world, redis_workers):
    first, second = redis_workers
    assert type(first.extensions["sentrack.throttle"].storage).__name__ == "RedisStorage"
    for worker in (first, second, first, second, first):
        assert _attempt(worker, "senco@oak.test").status_code == 200

    for worker in (first, second):
        refused = _attempt(worker, "senco@oak.test", PASSWORD)
        assert THROTTLED in Page(refused, status=429)
    assert _attempt(second, "head@oak.test", PASSWORD).status_code == 302


def test_two_workers_on_redis_count_one_addresses_failures_together(app, world, redis_workers):
    first, second = redis_workers
    limit = int(app.config["SIGN_IN_LIMIT_PER_ADDRESS"].split()[0])
    for n in range(limit):
        _attempt(redis_workers[n % 2], f"guess{n}@oak.test")

    # The address is busy on both: one more wrong try per account from it, then refused.
    assert _attempt(first, "teacher@oak.test").status_code == 200
    assert _attempt(second, "teacher@oak.test", PASSWORD).status_code == 429
    assert _attempt(second, "head@oak.test", PASSWORD).status_code == 302


def test_workers_counting_in_their_own_memory_each_allow_the_full_limit(app, world):
    """Why production refuses to start without REDIS_URL: in memory each worker counts alone."""
    first, second = _worker(app), _worker(app)
    for worker in (first, second, first, second, first):
        _attempt(worker, "senco@oak.test")

    assert _attempt(second, "senco@oak.test", PASSWORD).status_code == 302


# --- Forwarded addresses -------------------------------------------------------------------------


def test_with_no_trusted_proxy_a_forwarded_address_changes_nothing(app, world, session):
    assert app.config["PROXY_HOPS"] == 0
    limit = int(app.config["SIGN_IN_LIMIT_PER_ADDRESS"].split()[0])
    for n in range(limit):
        _attempt(app, f"guess{n}@oak.test", forwarded=f"203.0.113.{n + 1}")

    assert set(_failed_from(session)) == {"192.0.2.1"}
    # Rotating the header did not escape the per-address count: the address is busy.
    assert _attempt(app, "teacher@oak.test", forwarded="198.51.100.99").status_code == 200
    assert _attempt(app, "teacher@oak.test", forwarded="198.51.100.100").status_code == 429


def test_with_one_trusted_proxy_only_the_last_forwarded_address_is_believed(app, world, session):
    worker = _worker(app, PROXY_HOPS=1)
    limit = int(app.config["SIGN_IN_LIMIT_PER_ADDRESS"].split()[0])
    for n in range(limit):
        # The client wrote the first entry itself; the proxy appended the address it saw.
        _attempt(worker, f"guess{n}@oak.test", address="10.0.0.1", forwarded=f"203.0.113.{n + 1}, 198.51.100.20")

    assert set(_failed_from(session)) == {"198.51.100.20"}
    assert (
        _attempt(worker, "teacher@oak.test", address="10.0.0.1", forwarded="1.1.1.1, 198.51.100.20").status_code == 200
    )
    assert (
        _attempt(worker, "teacher@oak.test", address="10.0.0.1", forwarded="2.2.2.2, 198.51.100.20").status_code == 429
    )
    # Another client behind the same proxy is counted apart.
    assert (
        _attempt(worker, "teacher@oak.test", PASSWORD, address="10.0.0.1", forwarded="198.51.100.21").status_code == 302
    )


MALFORMED = [
    "a" * 46,
    "2001:0db8:0000:0000:0000:ff00:0042:8329:1234:5678",
    "1" * 200,
    "999.1.2.3",
    "<script>alert(1)</script>",
    "192.0.2.1 OR 1=1",
    "unknown",
    "\u202e1.2.3.4",
    "fe80::1%" + "x" * 60,
    "",
]


def test_a_malformed_or_long_forwarded_address_is_ignored_not_an_error(app, world, session):
    worker = _worker(app, PROXY_HOPS=1)
    values = MALFORMED + [",".join(MALFORMED[:3]), "1.2.3.4, " + "b" * 60]

    for n, forwarded in enumerate(values):
        failed = _attempt(worker, f"nobody{n}@oak.test", address="10.0.0.1", forwarded=forwarded)
        signed_in = _attempt(worker, "senco@oak.test", PASSWORD, address="10.0.0.1", forwarded=forwarded)
        assert (failed.status_code, signed_in.status_code) == (200, 302), forwarded
        assert worker.test_client().get("/accessibility", headers={"X-Forwarded-For": forwarded}).status_code == 200

    assert _failed_from(session) == ["10.0.0.1"] * len(values)
    assert set(session.scalars(sa.select(UserSession.remote_addr))) == {"10.0.0.1"}


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1 ", "192.0.2.1"),
        ("192.0.2.1:443", "192.0.2.1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("fe80::1%eth0", "fe80::1"),
        ("fe80::1%" + "x" * 40, None),
        ("a" * 46, None),
        ("192.0.2.1, 198.51.100.1", None),
        ("", None),
        (None, None),
    ],
)
def test_client_addresses_are_checked_and_written_one_way(value, address):
    assert client_address(value) == address


# --- Storage unreachable -------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.mark.parametrize("password", [PASSWORD, "wrong password"])
def test_with_the_throttles_storage_unreachable_sign_in_is_refused_with_a_clear_page(
    app, world, session, caplog, password
):
    worker = _worker(app, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0")
    client = worker.test_client()
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/sign-in",
            data={"email": "senco@oak.test", "password": password},
            environ_base={"REMOTE_ADDR": "192.0.2.7"},
        )

    assert "Sign-in is unavailable for a moment, try again" in Page(response, status=503)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    assert client.get("/pupils/").status_code == 302  # not signed in
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "unreachable" in logged
    assert "senco" not in logged and "oak.test" not in logged and "192.0.2.7" not in logged
