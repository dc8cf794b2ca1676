"""Sign-in, sign-out and password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from sentrack import audit, operations
from sentrack.auth import accounts, bp, sessions, throttle
from sentrack.auth.forms import ChangePasswordForm, SignInForm
from sentrack.extensions import db

SIGN_IN_FAILED = "Enter a correct email address and password"


CURRENT_PASSWORD_THROTTLED = "Too many incorrect current passwords. Wait 15 minutes, then try again"


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    # Browsers read a backslash as a slash ("/\evil.example" is "//evil.example"), and control
    # characters are either dropped by browsers or break the Location header.
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# Where a page's form may send the person back to (the timeout warning's "Stay signed in" too).
safe_next = _safe_next


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        # Failed tries are counted (sentrack/auth/throttle.py); too many refuse the next before
        # its password is even checked.
        if throttle.sign_in_refused(form.email.data, request.remote_addr):
            return throttled_sign_in()
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            session.clear()  # no state survives from before sign-in (session fixation)
            operations.step(
                accounts.sign_in,
                back=url_for("auth.sign_in"),
                user=user,
                password=form.password.data,
                remote_addr=request.remote_addr,
                user_agent=request.headers.get("User-Agent"),
            )
            login_user(user)
            target = _safe_next(request.args.get("next"))
            if user.second_factor_pending:  # the password was right: the second factor next
                return redirect(url_for("auth.second_factor", next=target))
            return redirect(target or url_for("main.home"))
        # The audit of the failure is kept: the request commits it (operations.finish_request).
        throttle.sign_in_failed(form.email.data, request.remote_addr)
        form.email.errors.append(SIGN_IN_FAILED)
        form.password.errors.append(SIGN_IN_FAILED)
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    operations.step(accounts.sign_out, back=url_for("main.home"), user=operations.signed_in_user())
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/session/stay", methods=["POST"])
@login_required
def stay_signed_in():
    """ "Stay signed in" in the timeout warning: the session counts as active from now. The page's
    script asks for JSON (the time left, to set the warning again); without it the form is
    posted as any other and the person is sent back to the page they were on."""
    operations.button_posted(FlaskForm)
    user = operations.signed_in_user()
    operations.step(accounts.stay_signed_in, back=url_for("main.home"), user=user)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(session_time_left(user))
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))


def session_time_left(user) -> dict[str, int]:
    """Seconds until `user`'s session ends if they do nothing more, and at its absolute end."""
    idle, absolute = sessions.time_left(
        user,
        idle_timeout=current_app.config["SESSION_IDLE_TIMEOUT"],
        absolute_timeout=current_app.config["SESSION_ABSOLUTE_LIFETIME"],
    )
    return {"idle_left": idle, "absolute_left": absolute}


@bp.route("/change-password", methods=["GET", "POST"])
@login_required
def change_password():
    user = operations.signed_in_user()
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/change_password.html", form=form)
    if throttle.current_password_refused(user.id):
        # The audit row is committed with the request (a 429 is not an error of the app's).
        audit.record(db.session, "current_password_throttled", actor=user, object_type="user", object_id=user.id)
        form.current_password.errors.append(CURRENT_PASSWORD_THROTTLED)
        return render_template("auth/change_password.html", form=form), 429
    changed = operations.run(
        form,
        accounts.change_password,
        user=user,
        current=form.current_password.data,
        new=form.new_password.data,
        remote_addr=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
    if not changed:
        if form.current_password.errors:  # refused for a wrong current password: counted
            throttle.current_password_failed(user.id)
        return render_template("auth/change_password.html", form=form)
    session.clear()
    login_user(user)
    flash("Your password has been changed. You have been signed out everywhere else.", "success")
    return redirect(url_for("main.home"))


@bp.errorhandler(throttle.ThrottleUnavailable)
def throttle_unavailable(error):
    """The throttle cannot count password checks: refuse them rather than check uncounted."""
    db.session.rollback()
    return render_template("errors/503_sign_in.html"), 503, {"Retry-After": "60"}


def throttled_sign_in():
    """The sign-in page, refusing further attempts for now (called by the 429 handler)."""
    audit.record(db.session, "sign_in_throttled", details=None)  # committed with the request
    form = SignInForm()
    # Not validated, so `errors` is still WTForms' empty tuple: assign rather than append.
    form.email.errors = [
        "Too many failed attempts to sign in. Wait 15 minutes, then try again, or ask your school's "
        "administrator to check your account."
    ]
    return render_template("auth/sign_in.html", form=form), 429
