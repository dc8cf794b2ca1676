"""The second step of signing in, and a person's own second factors (the account's security page).

While a session awaits its second factor (`sentrack.auth.factors`), `_second_factor_first` sends
every page but the second-factor pages, sign-out and static files to the second-factor page, or to
setting up an authenticator app when the person must have a factor and has none."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from sentrack import access, audit, operations
from sentrack.auth import bp, codes, factors, queries, sessions
from sentrack.auth.forms import EnrolTotpForm, RecoveryCodeForm, RemoveTotpForm, SecondFactorForm
from sentrack.auth.views import safe_next
from sentrack.extensions import db
from sentrack.submissions import once

THROTTLED = "Too many incorrect codes. Wait 15 minutes, then try again"
# What the enrolment page keeps server-side between showing the QR code and the code that confirms
# it, and the recovery codes just made until they are shown (sessions.remember: never the cookie).
PENDING_SECRET = "totp_secret"
FRESH_CODES = "recovery_codes"


@bp.before_app_request
def _second_factor_first():
    """A session awaiting its second factor reaches only the second-factor pages."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in factors.OPEN_WHILE_PENDING:
        return None
    if not current_user.is_authenticated or not factors.pending(current_user):
        return None
    user = operations.signed_in_user()
    if not factors.has_second_factor(db.session, user):
        if endpoint in factors.OPEN_WHILE_ENROLLING:
            return None
        return redirect(url_for(factors.ENROL_ENDPOINT))
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.second_factor", next=back))


def _real_now() -> datetime:
    return datetime.now(UTC)


def _done():
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))


def _throttled(form, user):
    """The form, refusing further codes for now: audited (committed with the request)."""
    audit.record(db.session, "second_factor_throttled", actor=user, object_type="user", object_id=user.id)
    form.code.errors.append(THROTTLED)
    return 429


@bp.route("/sign-in/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    user = operations.signed_in_user()
    if not factors.pending(user):
        return _done()
    methods = factors.enrolled_methods(db.session, user)
    if not factors.has_second_factor(db.session, user):
        return redirect(url_for(factors.ENROL_ENDPOINT))
    form = SecondFactorForm()
    status = 200
    if "totp" in methods and form.validate_on_submit():
        if factors.throttled(user):
            status = _throttled(form, user)
        elif operations.run(form, codes.sign_in_with_totp, user=user, code=form.code.data):
            return _done()
        else:
            factors.second_factor_failed(db.session, user, "totp")
    return render_template("auth/second_factor.html", form=form, methods=methods), status


@bp.route("/sign-in/second-factor/recovery", methods=["GET", "POST"])
@login_required
def second_factor_recovery():
    user = operations.signed_in_user()
    if not factors.pending(user):
        return _done()
    form = RecoveryCodeForm()
    status = 200
    if form.validate_on_submit():
        if factors.throttled(user):
            status = _throttled(form, user)
        else:
            used = operations.run(form, codes.sign_in_with_recovery_code, user=user, code=form.code.data)
            if used:
                _say_codes_left(used.value)
                return _done()
            factors.second_factor_failed(db.session, user, factors.RECOVERY)
    return render_template("auth/second_factor_recovery.html", form=form), status


def _say_codes_left(left: int) -> None:
    if left <= codes.FEW_RECOVERY_CODES:
        flash(
            f"You have {left} recovery {'code' if left == 1 else 'codes'} left. "
            "Make new ones on your sign-in security page.",
            "important",
        )


@bp.route("/account/security")
@login_required
def security():
    user = operations.signed_in_user()
    return render_template(
        "auth/security.html",
        methods=factors.enrolled_methods(db.session, user),
        totp=codes.totp_factor(db.session, user),
        codes_left=codes.recovery_codes_left(db.session, user),
        few=codes.FEW_RECOVERY_CODES,
        required=factors.pending(user) or _required(user),
        sets_rule=access.may_set_second_factor_rule(user),
        resets=access.may_reset_colleagues(user),
    )


def _required(user) -> bool:
    return access.second_factor_required(user)


@bp.route("/account/security/authenticator", methods=["GET", "POST"])
@login_required
@once
def totp_enrol():
    user = operations.signed_in_user()
    if codes.totp_factor(db.session, user) is not None:
        flash("You already have an authenticator app. Remove it before you set up another.", "info")
        return redirect(url_for("auth.security"))
    secret = sessions.recall(db.session, user, PENDING_SECRET)
    if secret is None:
        secret = codes.new_secret()
        operations.step(sessions.remember, back=url_for("auth.security"), user=user, name=PENDING_SECRET, value=secret)
    form = EnrolTotpForm()
    if form.validate_on_submit():
        made = operations.run(form, _enrol, user=user, secret=secret, code=form.code.data)
        if made:
            flash("Your authenticator app is set up. You will be asked for a code when you sign in.", "success")
            return redirect(url_for("auth.recovery_codes") if made.value else url_for("auth.security"))
    return render_template(
        "auth/totp_enrol.html", form=form, qr=codes.qr_code(secret, user), key=codes.grouped(secret), user=user
    )


def _enrol(session, *, user, secret: str, code: str) -> bool:
    """Save the authenticator and keep its recovery codes to be shown once; whether any were made."""
    made = codes.enrol_totp(session, user, secret=secret, code=code)
    sessions.forget(session, user, PENDING_SECRET)
    if made:
        sessions.remember(session, user, FRESH_CODES, " ".join(made))
    return bool(made)


@bp.route("/account/security/authenticator/remove", methods=["GET", "POST"])
@login_required
def totp_remove():
    user = operations.signed_in_user()
    form = RemoveTotpForm()
    status = 200
    if form.validate_on_submit():
        if factors.throttled(user):
            audit.record(db.session, "second_factor_throttled", actor=user, object_type="user", object_id=user.id)
            form.proof.errors.append(THROTTLED)
            status = 429
        elif operations.run(form, _remove, user=user, proof=form.proof.data):
            flash("Your authenticator app has been removed.", "success")
            return redirect(url_for("auth.security"))
        else:
            factors.second_factor_failed(db.session, user, "totp")
    return render_template("auth/totp_remove.html", form=form, totp=codes.totp_factor(db.session, user)), status


def _remove(session, *, user, proof: str) -> None:
    codes.remove_totp(session, user, proof=proof)
    if access.second_factor_required(user) and not factors.has_second_factor(session, user):
        factors.mark_pending(session, user)  # the person must set one up again before going on


@bp.route("/account/security/recovery-codes")
@login_required
def recovery_codes():
    """The recovery codes just made, shown once."""
    user = operations.signed_in_user()
    shown = sessions.recall(db.session, user, FRESH_CODES)
    if shown is None:
        return redirect(url_for("auth.security"))
    sessions.forget(db.session, user, FRESH_CODES)  # committed with the request: shown once
    return render_template("auth/recovery_codes.html", codes=shown.split())


@bp.route("/account/security/recovery-codes/new", methods=["POST"])
@login_required
@once
def recovery_codes_new():
    """New recovery codes, replacing the old ones, to be shown once."""
    operations.button_posted(FlaskForm)
    user = operations.signed_in_user()
    operations.step(_regenerate, back=url_for("auth.security"), user=user)
    return redirect(url_for("auth.recovery_codes"))


def _regenerate(session, *, user) -> None:
    made = codes.regenerate_recovery_codes(session, user)
    sessions.remember(session, user, FRESH_CODES, " ".join(made))


# --- Resetting a colleague's second factor -------------------------------------------------------


@bp.route("/account/security/resets")
@login_required
def second_factor_resets():
    user = operations.signed_in_user()
    if not access.may_reset_colleagues(user):
        abort(403)
    return render_template(
        "auth/second_factor_resets.html",
        colleagues=queries.resettable_colleagues(db.session, user),
    )


@bp.route("/account/security/resets/<int:user_id>")
@login_required
def second_factor_reset(user_id: int):
    member = access.get_resettable_member(operations.signed_in_user(), user_id)
    return render_template("auth/second_factor_reset.html", member=member)


@bp.route("/account/security/resets/<int:user_id>/reset", methods=["POST"])
@login_required
@once
def second_factor_reset_post(user_id: int):
    user = operations.signed_in_user()
    member = access.get_resettable_member(user, user_id)
    operations.button_posted(FlaskForm)
    back = url_for("auth.second_factor_reset", user_id=member.id)
    operations.step(factors.reset_second_factor, back=back, member=member, actor=user, moment=_real_now())
    flash(
        f"{member.full_name}'s second factor has been reset and they have been signed out. "
        "We have emailed them to set up a new one.",
        "success",
    )
    return redirect(url_for("auth.second_factor_resets"))
