"""How a view runs a workflow operation, and where a request's work is committed.

A view loads its records through `access`, checks the form and calls one operation:

- `submit(form, operation, ...)` for a posted form: once the form validates, `run` runs the
  operation as the signed-in user and, for a form that edits a record, at the version the form
  was opened at. `run(form, operation, ...)` underneath: a refused operation (`RuleBroken`) is
  rolled back and its message put beside the field it names, and the form is shown again as
  typed; a done one is committed, with the form's one-time token (`submissions.once`).
- `step(operation, back=..., ...)` for a button-only post: a done one is committed; a refused one
  raises, and the application's handler (`refused`) rolls it back and answers with the message on
  the page the button was on.

Views never commit. What a request records by the way (the audit of pages shown and of requests
refused, the session's last activity) is committed once, by `finish_request`, after the view and
after the audit's own hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from sentrack.auth.sessions import keep_activity
from sentrack.extensions import db
from sentrack.forms import VersionedForm, attach_error
from sentrack.workflows import RuleBroken
from sentrack.workflows.drafts import forget_draft


@dataclass(frozen=True)
class Outcome:
    """What `run` did: `done` (true when the operation was committed) and the operation's result."""

    done: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.done


REFUSED = Outcome(done=False)


def signed_in_user():
    """The signed-in user as the model object (not Flask-Login's proxy), for the workflows."""
    return current_user._get_current_object()


def run(form, operation: Callable[..., Any], /, **arguments: Any) -> Outcome:
    """Run `operation(db.session, **arguments)` for `form` and commit. A `RuleBroken` is rolled
    back and its message attached beside the form's field (or at the head of the form); the
    outcome is then false and the view shows the form again with what was typed."""
    try:
        value = operation(db.session, **arguments)
    except RuleBroken as error:
        db.session.rollback()
        attach_error(form, error)
        return REFUSED
    if getattr(form, "draft_key", None):  # a long form, saved: its draft has done its work
        forget_draft(db.session, actor=signed_in_user(), key=form.draft_key)
    db.session.commit()
    return Outcome(done=True, value=value)


def submit(form, operation: Callable[..., Any], /, *, details_as: str = "details", **arguments: Any) -> Outcome:
    """Once `form` is posted and valid, `run` `operation` with `arguments`, the form's
    `to_details()` as the argument `details_as` names, the signed-in user as `actor` and, for a
    form that edits a record, the version it was opened at as `expected_version` (unless
    `arguments` give them). Not posted, or not valid: a false outcome, and the form shows its
    errors; its details are only read once it is valid."""
    if not form.validate_on_submit():
        return REFUSED
    arguments.setdefault(details_as, form.to_details())
    arguments.setdefault("actor", signed_in_user())
    if isinstance(form, VersionedForm):
        arguments.setdefault("expected_version", form.expected_version)
    return run(form, operation, **arguments)


def found_or_404(record):
    """`record`, or Not Found when the page query found none."""
    if record is None:
        abort(404)
    return record


def button_posted(form_class) -> None:
    """A button-only post: Bad Request unless its form (the token against forgery) validates."""
    if not form_class().validate_on_submit():
        abort(400)


def step(operation: Callable[..., Any], /, *, back: str, **arguments: Any) -> Any:
    """Run `operation(db.session, **arguments)` for a button with no fields and commit; return
    its result. Refused, it raises, and `refused` sends the person to `back` with the message."""
    g.refused_back = back
    value = operation(db.session, **arguments)
    db.session.commit()
    return value


def _same_site_referrer() -> str | None:
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def refused(error: RuleBroken) -> Response:
    """The application's answer to an operation refused outside a form: nothing it began is
    kept, and the person is sent back to the page the button was on with the reason."""
    db.session.rollback()
    for problem in error.each:
        flash(problem.message, "error")
    return redirect(g.get("refused_back") or _same_site_referrer() or url_for("main.home"))


def finish_request(response: Response) -> Response:
    """The request's one commit of what it recorded by the way, the session's last activity with
    it; an error answer keeps nothing."""
    if response.status_code >= 500:
        db.session.rollback()
        return response
    user = g.get("_login_user")  # only a user already loaded: a static file loads nobody
    if user is not None and user.is_authenticated:
        keep_activity(db.session, user)
    db.session.commit()
    return response


def init_app(app: Flask) -> None:
    """Register before the audit's hook: Flask runs `after_request` functions last-registered
    first, so the audit's rows are added before `finish_request` commits them."""
    app.register_error_handler(RuleBroken, refused)
    app.after_request(finish_request)
