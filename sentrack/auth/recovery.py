"""Account recovery: asking for a link to reset a forgotten password, and choosing a new password
with it (sentrack/workflows/password_resets.py)."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for

from sentrack import audit, operations
from sentrack.auth import bp, throttle
from sentrack.auth.forms import ForgottenPasswordForm, ResetPasswordForm
from sentrack.auth.invitations import private
from sentrack.extensions import db
from sentrack.workflows import password_resets as flow
from sentrack.workflows.links import now_utc

RESET_THROTTLED = "Too many requests for a link. Wait 15 minutes, then try again"


def _no_sooner_than(started: float, seconds: float) -> None:
    """Wait until `seconds` have passed since `started`: the answer takes as long whether or not
    a link was made, so its timing does not tell whether an account uses the address."""
    left = seconds - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)


@bp.route("/forgotten-password", methods=["GET", "POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    back = url_for("auth.sign_in")
    if not form.validate_on_submit():
        return render_template("auth/forgotten_password.html", form=form, back_url=back)
    started, email = time.monotonic(), form.email.data
    # Every request counts, for an address with an account or not: a refusal tells nothing.
    if throttle.password_reset_refused(email, request.remote_addr):
        audit.record(db.session, "password_reset_throttled", details=None)  # committed with the request
        form.email.errors.append(RESET_THROTTLED)
        return render_template("auth/forgotten_password.html", form=form, back_url=back), 429
    throttle.password_reset_asked(email, request.remote_addr)
    operations.step(
        flow.request_reset,
        back=url_for("auth.forgotten_password"),
        email=email,
        secret_key=current_app.config["SECRET_KEY"],
        moment=now_utc(),
        lifetime=timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"]),
    )
    _no_sooner_than(started, current_app.config["PASSWORD_RESET_ANSWER_SECONDS"])
    return render_template(
        "auth/reset_link_sent.html", email=email, minutes=current_app.config["PASSWORD_RESET_MINUTES"]
    )


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    # Expiry is a security timing: the real clock, never the app's demo date.
    moment = now_utc()
    found = flow.find_open(db.session, token, moment)
    if found is None:
        # Committed now: the refusal hook after a 404 keeps nothing the request began.
        operations.step(audit.record, back=url_for("auth.sign_in"), action="password_reset_link_refused", details=None)
        return private(render_template("auth/reset_link_ended.html"), 404)
    form = ResetPasswordForm()
    if form.validate_on_submit() and operations.run(
        form, flow.reset_password, reset=found, password=form.new_password.data, moment=moment
    ):
        flash(
            "Your password has been changed and every session of your account has ended. Sign in with your "
            "new password.",
            "success",
        )
        return private(redirect(url_for("auth.sign_in")))
    return private(render_template("auth/reset_password.html", form=form, member=found.user))
