"""Sign-in, sign-out and password change."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from sentrack import audit
from sentrack.auth import bp
from sentrack.auth.forms import ChangePasswordForm, SignInForm
from sentrack.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from sentrack.auth.sessions import end_all_sessions, end_session, start_session
from sentrack.clock import now
from sentrack.extensions import db, limiter
from sentrack.models import User

SIGN_IN_FAILED = "Enter a correct email address and password"
_DUMMY_HASH = hash_password("no account has this password")


def _account_key() -> str:
    return "sign-in-account:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    """Only refused sign-ins count towards the throttle (a success redirects)."""
    return response.status_code == 200


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


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-address",
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-account",
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data.lower()
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
        # An unknown address costs the same hashing time, so timing does not reveal accounts.
        password_ok = verify_password(user.password_hash if user else _DUMMY_HASH, form.password.data)
        if user is not None and user.active and password_ok:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            session.clear()  # no state survives from before sign-in (session fixation)
            start_session(
                db.session,
                user,
                remote_addr=request.remote_addr,
                user_agent=request.headers.get("User-Agent"),
            )
            user.last_signed_in_at = now()
            audit.record(db.session, "signed_in", actor=user, object_type="user", object_id=user.id)
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        audit.record(
            db.session,
            "sign_in_failed",
            actor=user,
            school_id=user.school_id if user else None,
            object_type="user",
            object_id=user.id if user else None,
            details=None if user else {"unknown_account": True},
        )
        db.session.commit()
        form.email.errors.append(SIGN_IN_FAILED)
        form.password.errors.append(SIGN_IN_FAILED)
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    user = current_user._get_current_object()
    end_session(db.session, user.session_token, reason="signed_out")
    audit.record(db.session, "signed_out", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/change-password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.new_password.data, email=user.email)
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your current password is incorrect")
        elif problem:
            form.new_password.errors.append(problem)
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append("The new password must be different from the current one")
        else:
            user.password_hash = hash_password(form.new_password.data)
            user.password_changed_at = now()
            # Every session ends, this one too: a cookie copied before the change stops working.
            end_all_sessions(db.session, user, reason="password_changed")
            session.clear()
            start_session(
                db.session, user, remote_addr=request.remote_addr, user_agent=request.headers.get("User-Agent")
            )
            audit.record(db.session, "password_changed", actor=user, object_type="user", object_id=user.id)
            db.session.commit()
            login_user(user)
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


def throttled_sign_in():
    """The sign-in page, refusing further attempts for now (called by the 429 handler)."""
    audit.record(db.session, "sign_in_throttled", details=None)
    db.session.commit()
    form = SignInForm()
    # Not validated, so `errors` is still WTForms' empty tuple: assign rather than append.
    form.email.errors = [
        "Too many failed attempts to sign in. Wait 15 minutes, then try again, or ask your school's "
        "administrator to check your account."
    ]
    return render_template("auth/sign_in.html", form=form), 429
