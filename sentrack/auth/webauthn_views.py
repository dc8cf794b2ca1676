"""Security keys and passkeys (WebAuthn): adding and removing them on the security page, and
signing in with one after the password.

Each ceremony is a JSON request for its options (sent by static/js/webauthn.js with the page's
CSRF token in the X-CSRFToken header), then the page's own form, posted with the browser's answer
in a hidden field, so that every refusal comes back as a page with its message, as any form's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from sentrack import access, audit, operations
from sentrack.auth import bp, factors, sessions, throttle
from sentrack.auth import webauthn as keys
from sentrack.auth.factor_views import FRESH_CODES
from sentrack.auth.views import CURRENT_PASSWORD_THROTTLED, safe_next
from sentrack.auth.webauthn_forms import AddKeyForm, KeySignInForm, RemoveKeyForm
from sentrack.extensions import db
from sentrack.submissions import once

THROTTLED = "Too many attempts to sign in with a second factor. Wait 15 minutes, then try again"

# Signing in with a key is part of the second-factor step; adding one is part of enrolling.
factors.OPEN_WHILE_PENDING.update({"auth.webauthn_sign_in_options", "auth.webauthn_sign_in"})
factors.OPEN_WHILE_ENROLLING.update({"auth.webauthn_add", "auth.webauthn_add_options"})


def party() -> keys.Party:
    """The relying party of this request: the configured origin, or (in development and tests,
    served on a free port) the request's own."""
    config = current_app.config
    origin = config["WEBAUTHN_ORIGIN"] or request.host_url.rstrip("/")
    return keys.Party(
        rp_id=config["WEBAUTHN_RP_ID"],
        name=config["WEBAUTHN_RP_NAME"],
        origin=origin,
        handle_key=current_app.secret_key.encode(),
    )


def keys_work_here() -> bool:
    """Whether this page is served at the relying party's host, where browsers use keys for it
    (never at a bare address such as 127.0.0.1)."""
    host = (urlsplit(request.host_url).hostname or "").lower()
    rp_id = current_app.config["WEBAUTHN_RP_ID"].lower()
    return host == rp_id or host.endswith("." + rp_id)


@bp.app_template_global("security_keys")
def security_keys() -> list:
    """The signed-in person's keys, for the security page (auth/_security_webauthn.html)."""
    return keys.keys_of(db.session, operations.signed_in_user())


bp.add_app_template_global(keys_work_here, "security_keys_work_here")


def _json(text: str) -> Response:
    return Response(text, mimetype="application/json")


# --- Adding and removing keys -------------------------------------------------------------------


@bp.route("/account/security/keys/add", methods=["GET", "POST"])
@once
def webauthn_add():
    user = operations.signed_in_user()
    form = AddKeyForm()
    page = {"form": form, "available": keys_work_here()}
    if not form.validate_on_submit():
        return render_template("auth/webauthn_add.html", **page)
    # The challenge goes with the first look at the answer, whatever it holds: one use only.
    challenge = operations.step(
        keys.take_challenge, back=url_for("auth.webauthn_add"), user=user, purpose=keys.REGISTER
    )
    refused: list[str] = []
    added = operations.run(
        form,
        _add,
        user=user,
        name=form.name.data,
        credential=form.credential.data or "",
        challenge=challenge,
        party=party(),
        refused=refused,
    )
    if not added:
        if refused:  # the key's answer, not the name: audited (the form's work is rolled back)
            operations.step(keys.key_not_added, back=url_for("auth.webauthn_add"), user=user, reason=refused[0])
        return render_template("auth/webauthn_add.html", **page)
    key, made = added.value
    flash(f"Your security key or passkey ‘{key.name}’ has been added.", "success")
    return redirect(url_for("auth.recovery_codes") if made else url_for("auth.security"))


def _add(session, *, user, refused: list[str], **arguments):
    """Add the key, and keep its recovery codes (if new) to be shown once, as for an app; the
    reason an answer was refused is noted in `refused`."""
    try:
        key, made = keys.add_key(session, user, **arguments)
    except keys.KeyRefused as refusal:
        refused.append(refusal.reason)
        raise
    if made:
        sessions.remember(session, user, FRESH_CODES, " ".join(made))
    return key, made


@bp.route("/account/security/keys/options", methods=["POST"])
@login_required
def webauthn_add_options():
    """The options of navigator.credentials.create() for a new key, once its name is fit; else
    the form's errors, as {"errors": ...} (the page then posts the form, which shows them beside
    the field, as for any form)."""
    if not keys_work_here():
        abort(404)
    form = AddKeyForm()
    if not form.validate_on_submit():
        return jsonify(errors=form.errors)
    user = operations.signed_in_user()
    made = operations.run(form, keys.registration_options, user=user, name=form.name.data, party=party())
    if not made:
        return jsonify(errors=form.errors)
    return _json(made.value)


@bp.route("/account/security/keys/<int:key_id>/remove", methods=["GET", "POST"])
@login_required
def webauthn_remove(key_id: int):
    user = operations.signed_in_user()
    key = access.get_security_key(user, key_id)
    form = RemoveKeyForm()
    status = 200
    if form.validate_on_submit():
        name = key.name
        if throttle.current_password_refused(user.id):
            audit.record(db.session, "current_password_throttled", actor=user, object_type="user", object_id=user.id)
            form.password.errors.append(CURRENT_PASSWORD_THROTTLED)
            status = 429
        elif operations.run(form, keys.remove_key, user=user, key=key, password=form.password.data):
            flash(f"Your security key or passkey ‘{name}’ has been removed. It no longer signs you in.", "success")
            return redirect(url_for("auth.security"))
        else:
            throttle.current_password_failed(user.id)
    return render_template("auth/webauthn_remove.html", form=form, key=key), status


# --- Signing in with a key ------------------------------------------------------------------------


def _not_awaiting(user) -> bool:
    return not factors.pending(user)


@bp.route("/sign-in/second-factor/key/options", methods=["POST"])
@login_required
def webauthn_sign_in_options():
    """The options of navigator.credentials.get() for the person's keys."""
    user = operations.signed_in_user()
    if _not_awaiting(user):
        return redirect(url_for("main.home"))
    if not keys_work_here():
        abort(404)
    operations.button_posted(KeySignInForm)
    if factors.throttled(user):
        return jsonify(errors={"credential": [THROTTLED]}), 429
    return _json(
        operations.step(keys.authentication_options, back=url_for("auth.second_factor"), user=user, party=party())
    )


@bp.route("/sign-in/second-factor/key", methods=["POST"])
@login_required
def webauthn_sign_in():
    user = operations.signed_in_user()
    if _not_awaiting(user):
        return redirect(url_for("main.home"))
    form = KeySignInForm()
    if not form.validate_on_submit():
        abort(400)
    if factors.throttled(user):
        audit.record(db.session, "second_factor_throttled", actor=user, object_type="user", object_id=user.id)
        flash(THROTTLED, "error")
        return redirect(url_for("auth.second_factor", next=request.args.get("next")))
    refusal = operations.step(
        keys.sign_in_with_key,
        back=url_for("auth.second_factor"),
        user=user,
        credential=form.credential.data or "",
        party=party(),
    )
    if refusal is not None:
        flash(refusal.message, "error")
        return redirect(url_for("auth.second_factor", next=request.args.get("next")))
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
