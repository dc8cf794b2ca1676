"""Retention pages (issue 18, point 4): the records due for destruction, for the SENCO and the head
teacher; the page that names what a destruction removes and asks to confirm it, or holds the
records; and the destruction log. Each view loads through `access`, calls one operation through
`operations`, then renders or redirects; the request commits once."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.retention import bp, queries
from sentrack.retention.forms import DestroyForm, HoldForm, LiftHoldForm
from sentrack.submissions import once
from sentrack.workflows.destruction import REASONS, destroy_records, lift_hold, place_hold
from sentrack.workflows.retention import record_kind_label, retention_periods


def _confirm_url(pupil) -> str:
    return url_for("retention.confirm", public_id=pupil.public_id)


@bp.route("/retention")
@access.requires(Ability.APPROVE_DESTRUCTION)
def index():
    """The school's leavers whose records are past their retention date, or whose SEN file the
    next school has: due for destruction, or held. The pupils it names are audited."""
    user = operations.signed_in_user()
    found = queries.retention_page(db.session, user.school, today())
    page = render_template("retention/index.html", page=found, periods=retention_periods(user.school), reasons=REASONS)
    audit.record_for_pupils(db.session, "named_in_retention_list", actor=user, pupils=found.named_pupils)
    return audit.shown_school(db.session, page, "retention_viewed", actor=user, school_id=user.school_id)


def _confirm(pupil, hold_form: HoldForm | None = None) -> str:
    user = operations.signed_in_user()
    found = operations.found_or_404(queries.confirm_page(db.session, pupil, today()))
    page = render_template(
        "retention/confirm.html",
        pupil=pupil,
        page=found,
        reasons=REASONS,
        destroy_form=DestroyForm(),
        hold_form=hold_form or HoldForm(formdata=None),
        lift_form=LiftHoldForm(),
        may_hold=access.may(user, Ability.HOLD_RECORDS, pupil),
    )
    about = {"object_type": "pupil", "object_id": pupil.id}
    return audit.shown(db.session, page, "destruction_page_viewed", actor=user, pupil=pupil, **about)


@bp.route("/pupils/<public_id>/retention")
@access.requires(Ability.APPROVE_DESTRUCTION)
def confirm(public_id: str):
    """A leaver's retention: when it ends, why, any legal hold, and, once due, what destroying the
    records removes (rows by kind) with the button that does it."""
    pupil = access.get_pupil(operations.signed_in_user(), public_id, Ability.APPROVE_DESTRUCTION)
    return _confirm(pupil)


@bp.route("/pupils/<public_id>/destroy", methods=["POST"])
@access.requires(Ability.APPROVE_DESTRUCTION)
@once
def destroy(public_id: str):
    """Destroy the leaver's records: refused, with the reason, when not due or held."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.APPROVE_DESTRUCTION)
    operations.button_posted(DestroyForm)
    log = operations.step(destroy_records, back=_confirm_url(pupil), actor=user, pupil=pupil, today=today())
    flash(f"The records were destroyed: {log.rows_destroyed} rows. The destruction log names no child.", "success")
    return redirect(url_for("retention.index"))


@bp.route("/pupils/<public_id>/hold", methods=["POST"])
@access.requires(Ability.HOLD_RECORDS)
def hold(public_id: str):
    """Place a legal hold, with its reason (shown beside the field when missing). Sent twice, the
    second is refused beside the field: one hold stands at a time (a rule, and a unique index)."""
    pupil = access.get_pupil(operations.signed_in_user(), public_id, Ability.HOLD_RECORDS)
    form = HoldForm()
    if operations.submit(form, place_hold, pupil=pupil):
        flash("Legal hold placed: the records are not destroyed while it stands.", "success")
        return redirect(_confirm_url(pupil))
    return _confirm(pupil, form)


@bp.route("/pupils/<public_id>/hold/lift", methods=["POST"])
@access.requires(Ability.HOLD_RECORDS)
def lift(public_id: str):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.HOLD_RECORDS)
    operations.button_posted(LiftHoldForm)
    operations.step(lift_hold, back=_confirm_url(pupil), actor=user, pupil=pupil)
    flash("Legal hold lifted. The records are destroyed once approved, when their date has passed.", "success")
    return redirect(_confirm_url(pupil))


@bp.route("/retention/log")
@access.requires(Ability.APPROVE_DESTRUCTION)
def log():
    """What was destroyed, when, why and approved by whom: kinds of record and counts, no child named."""
    user = operations.signed_in_user()
    entries = queries.destruction_log(db.session, user.school_id)
    page = render_template("retention/log.html", entries=entries, reasons=REASONS, kind_label=record_kind_label)
    return audit.shown_school(db.session, page, "destruction_log_viewed", actor=user, school_id=user.school_id)
