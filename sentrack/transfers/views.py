"""Transfer pages: a leaver's SEN file for the next school (the CTF and the transfer pack, each
download recorded and audited), and the transfers between schools of this SEN Track that the
SENCO confirms or declines. Each view loads through `access`, calls one operation through
`operations`, then renders, redirects or sends the file; the request commits once."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import login_required

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.models import ExportKind
from sentrack.pupils.queries import destination_choices
from sentrack.submissions import once
from sentrack.transfers import bp, queries
from sentrack.transfers.forms import ConfirmTransferForm, DeclineTransferForm, ExportForm, NextSchoolForm
from sentrack.workflows import transfer_pack
from sentrack.workflows.roll import record_destination
from sentrack.workflows.transfers import confirm_transfer, decline_transfer


def _leaver_url(pupil) -> str:
    return url_for("transfers.leaver", public_id=pupil.public_id)


@bp.route("/pupils/<public_id>/transfer")
@login_required
def leaver(public_id: str):
    """A leaver's SEN file for the next school: the destination, the task's due date, the files
    exported so far and the buttons that export. Audited as shown."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.EXPORT_CTF)
    found = queries.leaver_page(db.session, pupil, today())
    may_record_destination = access.may(user, Ability.RECORD_DESTINATION, pupil)
    page = render_template(
        "transfers/leaver.html",
        pupil=pupil,
        form=ExportForm(),
        today=today(),
        may_record_destination=may_record_destination,
        **vars(found),
    )
    about = {"object_type": "pupil", "object_id": pupil.id}
    return audit.shown(db.session, page, "transfer_page_viewed", actor=user, pupil=pupil, **about)


@bp.route("/pupils/<public_id>/transfer/destination", methods=["GET", "POST"])
@login_required
def destination(public_id: str):
    """Record the school a pupil who left moved to, learnt after the leaving: the leaving form's
    fields, saved over the version opened (a colleague's save meanwhile is shown, not overwritten)."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_DESTINATION)
    form = NextSchoolForm.for_pupil(pupil, destination_choices(db.session, pupil))
    outcome = operations.submit(form, record_destination, pupil=pupil)
    if outcome:
        flash("Next school recorded." if outcome.value else "Nothing was changed.", "success")
        if access.may(user, Ability.EXPORT_CTF, pupil):
            return redirect(_leaver_url(pupil))
        return redirect(url_for("pupils.show", public_id=pupil.public_id))
    return render_template("transfers/destination.html", form=form, pupil=pupil)


@bp.route("/pupils/<public_id>/transfer/ctf", methods=["POST"], endpoint="download_ctf", defaults={"kind": "ctf"})
@bp.route("/pupils/<public_id>/transfer/pack", methods=["POST"], endpoint="download_pack", defaults={"kind": "pack"})
@once
def download(public_id: str, kind: str):
    """Export the CTF, or the transfer pack holding it, and send it as an attachment, not cached.
    A POST, as each export is numbered and recorded; refused with the reason on the leaver's page."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.EXPORT_CTF)
    operations.button_posted(ExportForm)
    got = operations.step(
        transfer_pack.download, back=_leaver_url(pupil), actor=user, pupil=pupil, kind=ExportKind(kind), today=today()
    )
    response = Response(got.content, mimetype=got.media_type)
    response.headers.set("Content-Disposition", "attachment", filename=got.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _transfers(decline_forms: dict | None = None) -> str:
    """The transfers page, with the decline form of each awaiting transfer (one posted with errors
    shown as it was typed). The previous school's pupils it names are audited."""
    user = operations.signed_in_user()
    found = queries.transfers_page(db.session, user)
    forms = {t.id: DeclineTransferForm.for_transfer(t.id) for t in found.awaiting} | (decline_forms or {})
    page = render_template("transfers/index.html", page=found, decline_forms=forms)
    audit.record_for_pupils(db.session, "named_in_transfers_list", actor=user, pupils=found.named_pupils)
    return audit.shown_school(db.session, page, "transfers_viewed", actor=user, school_id=user.school_id)


@bp.route("/transfers")
@access.requires(Ability.CONFIRM_TRANSFER)
def index():
    """Transfers awaiting this school as the previous school, and those it asked for."""
    return _transfers()


@bp.route("/transfers/<int:transfer_id>/confirm", methods=["POST"])
@access.requires(Ability.CONFIRM_TRANSFER)
@once
def confirm(transfer_id: int):
    user = operations.signed_in_user()
    transfer = access.get_transfer(user, transfer_id)
    operations.button_posted(ConfirmTransferForm)
    back = url_for("transfers.index")
    operations.step(confirm_transfer, back=back, actor=user, transfer=transfer, today=today())
    flash(
        "Transfer confirmed. The other school has the pupil's record with the SEN history; "
        "this record is kept, read-only, with the leaving.",
        "success",
    )
    return redirect(back)


@bp.route("/transfers/<int:transfer_id>/decline", methods=["POST"])
@access.requires(Ability.CONFIRM_TRANSFER)
def decline(transfer_id: int):
    """Decline with the reason, shown beside the field when missing. It makes no record, and a
    transfer is decided once: a second decline is refused."""
    transfer = access.get_transfer(operations.signed_in_user(), transfer_id)
    form = DeclineTransferForm.for_transfer(transfer_id)
    if operations.submit(form, decline_transfer, transfer=transfer, details_as="note"):
        flash("Transfer declined. The other school adds the pupil without the SEN history.", "success")
        return redirect(url_for("transfers.index"))
    return _transfers({transfer_id: form})
