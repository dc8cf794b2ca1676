"""Forms saved once: a one-time token on every form that creates a record.

Each form page carries a hidden `submission_token`, signed for the user it was shown to and good
for a day. The view of a form that creates a record is decorated with `@once`: when its post first
writes to the database, the token's row (`FormSubmission`) is inserted in the same flush, so it
commits with the record or not at all, and the unique token hash lets only one of two identical
posts commit, whichever server takes them. The row then keeps where that post was sent on.

A repeat of the post (a double click, Back then Save) finds the row and is answered with the same
redirect, saving nothing; a repeat arriving while the first is still being saved waits for its
answer. A post without a token, or with one that is garbled, out of date or another user's, is
refused with a message before it writes anything, after the view's own access checks, so that a
record outside the user's reach is still not found. Rows older than a day are purged by the daily
sweep job: a token that old is refused anyway.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, g, has_request_context, redirect, request, session, url_for
from flask_login import current_user, login_required
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from sentrack.extensions import db
from sentrack.models import AuditEvent, Draft, FormSubmission, UserSession

FIELD = "submission_token"
MAX_AGE = timedelta(days=1)
_SALT = "sentrack.form-submission"
_LONGEST_TOKEN = 300

# How long a repeat waits for the first post's answer (it is saved, its redirect not yet stored).
_WAIT_STEP_SECONDS = 0.05
_WAIT_STEPS = 100
# How often a post is tried again when SQLite reports the database locked by another writer.
_LOCKED_TRIES = 20

MISSING = (
    "Nothing was saved: the form was sent without the code that stops it being saved twice. Fill it in again and save."
)
NOT_VALID = (
    "Nothing was saved: the form was out of date or was not opened from your account. Fill it in again and save."
)
STILL_SAVING = "This form was already sent and is still being saved. Check the record before you send it again."


class SubmissionRefused(Exception):
    """A create form's post carried no usable token; nothing it would write is written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _real_now() -> datetime:
    # Token ages are security timings: the real clock, never the app's demo date.
    return datetime.now(UTC)


def _serializer(secret_key: str | None = None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key or current_app.secret_key, salt=_SALT)


def issue(user_id: int, *, secret_key: str | None = None) -> str:
    """A new token for a form shown to the user with `user_id` (signed with the app's key)."""
    return _serializer(secret_key).dumps([user_id, secrets.token_urlsafe(16)])


def token_problem(token: str | None, user_id: int) -> str | None:
    """Why `token` cannot stand for a form sent by the user with `user_id`, or None when it can."""
    if not token or not token.strip():
        return MISSING
    if len(token) > _LONGEST_TOKEN:
        return NOT_VALID
    try:
        payload = _serializer().loads(token, max_age=int(MAX_AGE.total_seconds()))
    except SignatureExpired:
        return NOT_VALID
    except BadData:
        return NOT_VALID
    if not (isinstance(payload, list) and len(payload) == 2 and payload[0] == user_id and isinstance(payload[1], str)):
        return NOT_VALID
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def field() -> Markup:
    """The hidden input every form page writes beside its CSRF token (a Jinja global)."""
    if not current_user.is_authenticated:
        return Markup("")
    from sentrack import kept

    value = kept.form_mark() or issue(current_user.id)
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(value))


def purge(db_session: Session, now: datetime) -> int:
    """Delete the rows of tokens older than a token lives; returns how many. The caller commits."""
    result = db_session.execute(sa.delete(FormSubmission).where(FormSubmission.created_at < now - MAX_AGE))
    return result.rowcount or 0


# --- Claiming the token with the first write ---------------------------------------------------

# Rows written alongside any request that are not the record a form creates.
_NOT_RECORDS = (AuditEvent, FormSubmission, UserSession, Draft)


@dataclass
class _Pending:
    session: Session
    user_id: int
    digest: str | None
    problem: str | None
    claim: FormSubmission | None = dataclass_field(default=None)


def _writes_a_record(db_session: Session) -> bool:
    if any(not isinstance(obj, _NOT_RECORDS) for obj in db_session.new):
        return True
    if any(not isinstance(obj, _NOT_RECORDS) for obj in db_session.deleted):
        return True
    return any(not isinstance(obj, _NOT_RECORDS) and db_session.is_modified(obj) for obj in db_session.dirty)


@event.listens_for(Session, "before_flush")
def _claim_with_the_first_write(db_session: Session, flush_context, instances) -> None:
    if not has_request_context():
        return
    pending: _Pending | None = g.get("_submission")
    if pending is None or db_session is not pending.session:
        return
    if pending.claim is not None and pending.claim in db_session:
        return
    if not _writes_a_record(db_session):
        return
    if pending.problem is not None:
        raise SubmissionRefused(pending.problem)
    pending.claim = FormSubmission(token_hash=pending.digest, user_id=pending.user_id, created_at=_real_now())
    db_session.add(pending.claim)


# --- The decorator ---------------------------------------------------------------------------------


def _back() -> str:
    """Where a refused post is sent: the form's own page, else the page the form was on."""
    if request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.home")


def _row(digest: str):
    return db.session.execute(
        sa.select(FormSubmission.user_id, FormSubmission.location).where(FormSubmission.token_hash == digest)
    ).first()


def _answer_of_earlier(digest: str, user_id: int):
    """The answer the first post with this token was given, or None if no such post was saved."""
    row = _row(digest)
    steps = 0
    while row is not None and row.location is None and steps < _WAIT_STEPS:
        db.session.rollback()  # see the first post's commit on the next read
        time.sleep(_WAIT_STEP_SECONDS)
        row = _row(digest)
        steps += 1
    if row is None or row.user_id != user_id:
        return None
    if row.location is None:
        flash(STILL_SAVING, "info")
        return redirect(_back())
    return redirect(row.location)


def _locked(error: OperationalError) -> bool:
    return isinstance(error.orig, sqlite3.OperationalError) and "locked" in str(error.orig)


def _keep_flashes(kept: list) -> None:
    """Drop the messages a post flashed before it turned out to be a repeat or to be retried."""
    if kept:
        session["_flashes"] = list(kept)
    else:
        session.pop("_flashes", None)


def once(view):
    """Make `view`, a form that creates a record, save each of its forms once (see the module);
    only for someone signed in, as `login_required`."""

    @wraps(view)
    def saved_once(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        user_id = current_user.id
        token = request.form.get(FIELD, "")
        problem = token_problem(token, user_id)
        digest = None if problem else token_hash(token)
        if digest is not None:
            earlier = _answer_of_earlier(digest, user_id)
            if earlier is not None:
                return earlier
        kept = list(session.get("_flashes", []))
        for attempt in range(_LOCKED_TRIES):
            pending = _Pending(db.session(), user_id, digest, problem)
            g._submission = pending
            try:
                response = view(*args, **kwargs)
            except SubmissionRefused as refusal:
                db.session.rollback()
                flash(refusal.message, "error")
                return redirect(_back())
            except IntegrityError:
                db.session.rollback()
                earlier = _answer_of_earlier(digest, user_id) if digest else None
                if earlier is None:
                    raise
                _keep_flashes(kept)
                return earlier
            except OperationalError as error:
                if not _locked(error) or attempt == _LOCKED_TRIES - 1:
                    raise
                # Another post holds SQLite's write lock: start again once it has finished.
                db.session.rollback()
                _keep_flashes(kept)
                time.sleep(_WAIT_STEP_SECONDS * (attempt + 1))
                continue
            finally:
                g.pop("_submission", None)
            return _settle(pending, response, kept)
        raise AssertionError("unreachable")

    saved_once.saved_once = True
    return login_required(saved_once)  # a post is saved once for the person signed in


def _settle(pending: _Pending, response, kept: list):
    """After the view: store where a saved post was sent; let a post saved with no record go."""
    # What the view did not commit is not kept, as at the end of any request.
    db.session.rollback()
    claim = pending.claim
    if claim is not None and sa.inspect(claim).persistent:
        mine = FormSubmission.token_hash == pending.digest
        if 300 <= response.status_code < 400 and response.location:
            db.session.execute(sa.update(FormSubmission).where(mine).values(location=response.location))
        else:
            db.session.execute(sa.delete(FormSubmission).where(mine, FormSubmission.location.is_(None)))
        db.session.commit()
        return response
    if pending.digest is not None:
        # Another post with this token was saved while this one ran: answer as it was answered.
        earlier = _answer_of_earlier(pending.digest, pending.user_id)
        if earlier is not None:
            _keep_flashes(kept)
            return earlier
    return response


def init_app(app) -> None:
    app.add_template_global(field, "submission_field")
