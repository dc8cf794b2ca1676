"""Setting one's own password through an invitation link, and the password change that a first
sign-in with a password chosen by someone else leads to."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from sentrack import audit, operations
from sentrack.auth import bp
from sentrack.auth.forms import SetPasswordForm
from sentrack.extensions import db
from sentrack.workflows import invitations as flow

# What a signed-in user who must change their password may still reach.
OPEN_BEFORE_CHANGE = frozenset(
    {"auth.change_password", "auth.sign_out", "auth.invitation", "auth.reset_password", "static"}
)


def private(body, status: int | None = None):
    """The link's token is in the URL: keep it out of Referer headers and caches."""
    response = make_response(body) if status is None else make_response(body, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    # Expiry is a security timing: the real clock, never the app's demo date.
    moment = flow.now_utc()
    found = flow.find_open(db.session, token, moment)
    if found is None:
        # Committed now: the refusal hook after a 404 keeps nothing the request began.
        operations.step(audit.record, back=url_for("auth.sign_in"), action="invitation_link_refused", details=None)
        return private(render_template("auth/invitation_ended.html"), 404)
    form = SetPasswordForm()
    if form.validate_on_submit() and operations.run(
        form, flow.accept, invitation=found, password=form.new_password.data, moment=moment
    ):
        flash("Your password is set. Sign in with your email address and your new password.", "success")
        return private(redirect(url_for("auth.sign_in")))
    return private(render_template("auth/invitation.html", form=form, member=found.user))


@bp.before_app_request
def _change_a_password_chosen_by_someone_else():
    """A password set by another person (with `flask create-user`) is changed before anything else."""
    if request.endpoint in OPEN_BEFORE_CHANGE or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password and not current_user.second_factor_pending:
        flash("Your password was set by someone else. Choose your own password before you go on.", "important")
        return redirect(url_for("auth.change_password"))
    return None
