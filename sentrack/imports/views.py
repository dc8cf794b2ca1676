"""Import pages: uploading a file from the MIS (a Common Transfer File or a CSV) with the school's
recent imports below; its preview; confirming or setting it aside; and the SENCO's list of
imported SEN histories that differ from the school's records, each accepted or kept."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.imports import bp, queries
from sentrack.imports.csv_templates import TEMPLATE_HELP
from sentrack.imports.forms import ButtonForm, UploadForm
from sentrack.submissions import once
from sentrack.workflows import imports as flow
from sentrack.workflows import sen_differences
from sentrack.workflows.ctf_format import MAX_FILE_BYTES

UPLOAD_ENDPOINT = "imports.upload"


def allow_import_uploads() -> None:
    """Before anything reads the request: the upload page takes a request as large as the largest
    file imported (with room for the form's other fields)."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = MAX_FILE_BYTES + 64 * 1024


@bp.route("/imports", methods=["GET", "POST"], endpoint="upload")
@access.requires(Ability.IMPORT_ROLL)
@once
def upload():
    """Choose the kind of file and the file; it is previewed, and nothing is stored of the
    school's records until the preview is confirmed."""
    user = operations.signed_in_user()
    form = UploadForm()
    done = operations.submit(form, flow.preview_upload, school=user.school, today=today())
    if done:
        return redirect(url_for("imports.preview", batch_id=done.value.id))
    page = render_template(
        "imports/upload.html",
        form=form,
        recent=queries.recent_imports(db.session, user.school_id),
        may_reconcile=access.can(user, Ability.RECONCILE_SEN),
        template_help=TEMPLATE_HELP,
    )
    if request.method != "GET":
        return page  # the form again, with the reason beside the field: nothing is recorded
    return audit.shown_school(db.session, page, "imports_viewed", actor=user, school_id=user.school_id)


@bp.route("/imports/<int:batch_id>", endpoint="preview")
@access.requires(Ability.IMPORT_ROLL)
def preview(batch_id: int):
    """What the file would do, row by row. SEN that differs is shown to the SENCO; to an
    administrator only how many pupils' SEN differs."""
    user = operations.signed_in_user()
    batch = access.get_import_batch(user, batch_id)
    groups = queries.preview_groups(batch)
    page = render_template(
        "imports/preview.html",
        batch=batch,
        groups=groups,
        matches=flow.MATCHES,
        sees_sen=access.sees_imported_sen(user),
        file_sen=queries.file_sen,
    )
    matched = {row.record_id: batch.school_id for group in groups for row in group.rows if row.record_id is not None}
    audit.record_for_pupils(
        db.session,
        "named_in_import_preview",
        actor=user,
        pupil_schools=matched,
        object_type="import_batch",
        object_id=batch.id,
    )
    return audit.shown(db.session, page, "import_preview_viewed", actor=user, school_id=batch.school_id, about=batch)


@bp.route("/imports/<int:batch_id>/confirm", methods=["POST"], endpoint="confirm")
@bp.route("/imports/<int:batch_id>/discard", methods=["POST"], endpoint="discard")
@access.requires(Ability.IMPORT_ROLL)
def decide(batch_id: int):
    """Apply the preview, or set it aside. Of two presses at once (a double click, a colleague)
    one is taken; the other is told it was already done."""
    user = operations.signed_in_user()
    batch = access.get_import_batch(user, batch_id)
    operations.button_posted(ButtonForm)
    back = url_for("imports.preview", batch_id=batch.id)
    if request.endpoint == "imports.confirm":
        operations.step(flow.confirm, back=back, actor=user, batch=batch, today=today())
        flash("Import applied: rows in error were left out.", "success")
        return redirect(back)
    operations.step(flow.discard, back=back, actor=user, batch=batch)
    flash("Import set aside: nothing in it was applied.", "success")
    return redirect(url_for("imports.upload"))


@bp.route("/imports/sen-differences", endpoint="differences")
@access.requires(Ability.RECONCILE_SEN)
def differences():
    """Each pupil whose imported SEN history differs from the school's record, side by side."""
    user = operations.signed_in_user()
    found = queries.open_differences(db.session, user)
    page = render_template("imports/differences.html", found=found)
    audit.record_for_pupils(db.session, "named_in_sen_differences", actor=user, pupils=[row.pupil for row in found])
    return audit.shown_school(db.session, page, "sen_differences_viewed", actor=user, school_id=user.school_id)


@bp.route("/imports/sen-differences/<int:difference_id>/accept", methods=["POST"], endpoint="accept")
@bp.route("/imports/sen-differences/<int:difference_id>/keep", methods=["POST"], endpoint="keep")
@access.requires(Ability.RECONCILE_SEN)
def decide_difference(difference_id: int):
    """Take the file's SEN for the pupil, or keep the school's record."""
    user = operations.signed_in_user()
    difference = access.get_sen_difference(user, difference_id)
    operations.button_posted(ButtonForm)
    back = url_for("imports.differences")
    if request.endpoint == "imports.accept":
        operations.step(sen_differences.accept_difference, back=back, actor=user, difference=difference, today=today())
        flash(f"{difference.pupil.full_name}'s SEN status was taken from the file.", "success")
    else:
        operations.step(sen_differences.keep_school_record, back=back, actor=user, difference=difference, today=today())
        flash(f"The school's SEN record of {difference.pupil.full_name} was kept.", "success")
    return redirect(back)
