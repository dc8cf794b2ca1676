"""EHC pages: plans. The plan with its outcomes, documents and reviews; recording a plan already
issued (the SENCO for a pupil on "E" without a plan record, or the LA officer); the authority's
changes and ceasing; uploading documents and downloading them, each download audited."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from sentrack import access, audit, drafts, kept, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.ehc import bp, queries
from sentrack.ehc.forms import CeasePlanForm, DocumentForm, EditPlanForm, NewPlanForm
from sentrack.extensions import db
from sentrack.models import EhcDocument, EhcPlan, EhcRequest
from sentrack.submissions import once
from sentrack.templating import format_date
from sentrack.workflows import ehc_documents as documents
from sentrack.workflows import ehc_plans as flow
from sentrack.workflows.ehc_plans import plan_in_force_for

# The endpoints that take an upload: their requests may be as large as a document (see create_app).
UPLOAD_ENDPOINTS = frozenset({"ehc.new_document"})


def _plan_url(plan: EhcPlan) -> str:
    return url_for("ehc.plan", plan_id=plan.id)


@bp.route("/ehc/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    user = operations.signed_in_user()
    record = access.get_ehc_record(user, EhcPlan, plan_id)
    part = kept.part(
        "ehc_plan",
        user,
        schools=[record.pupil.school_id],
        args=(record.id,),
        write=lambda: _plan_part(user, record),
    )
    page = render_template("ehc/plan_show.html", pupil=record.pupil, content=part.html)
    return audit.shown(
        db.session, page, "ehc_plan_viewed", actor=user, pupil=record.pupil, object_type="ehc_plan", object_id=plan_id
    )


def _plan_part(user, record: EhcPlan) -> kept.Part:
    reach = access.abilities_on(user, record.pupil)
    found = queries.plan_page(db.session, record, today=today())
    html = render_template(
        "ehc/_plan_show.html",
        plan=record,
        pupil=record.pupil,
        today=today(),
        may_change=Ability.RECORD_EHC_LA in reach and record.ceased_on is None,
        may_upload=Ability.UPLOAD_EHC_DOCUMENT in reach,
        may_download=Ability.VIEW_EHC_DOCUMENTS in reach,
        may_convene=Ability.RECORD_EHC_SCHOOL in reach and record.ceased_on is None,
        **vars(found),
    )
    return kept.Part(Markup(html))


@bp.route("/pupils/<public_id>/ehc/plans/new", methods=["GET", "POST"])
@drafts.keeps
@once
def new_plan(public_id: str):
    user = operations.signed_in_user()
    ability = access.ehc_plan_recorder(user)
    if ability is None:
        abort(404)  # about one pupil: never confirm they exist
    pupil = access.get_pupil(user, public_id, ability)
    form = NewPlanForm()
    drafts.keep(form)
    done = operations.submit(form, flow.add_plan, pupil=pupil, today=today())
    if done:
        flash("EHC plan recorded. The pupil's SEN status is EHC plan, with the plan's needs.", "success")
        return redirect(_plan_url(done.value))
    return render_template(
        "ehc/plan_new.html", form=form, pupil=pupil, in_force=plan_in_force_for(db.session, pupil, today())
    )


# The authority's changes to a plan in force, by endpoint: the form, the operation, the template,
# what is said once saved; and the end of what is said when the plan has already ceased.
_CHANGES = {
    "edit_plan": (EditPlanForm, flow.update_plan, "ehc/plan_edit.html", "Plan saved."),
    "cease_plan": (
        CeasePlanForm,
        flow.cease_plan,
        "ehc/plan_cease.html",
        "The plan has ceased. The pupil's SEN status has changed from the same day.",
    ),
}
_CEASED = {"edit_plan": ": it can no longer be changed.", "cease_plan": " already."}


@bp.route("/ehc/plans/<int:plan_id>/edit", methods=["GET", "POST"], endpoint="edit_plan")
@bp.route("/ehc/plans/<int:plan_id>/cease", methods=["GET", "POST"], endpoint="cease_plan")
@drafts.keeps
@once
def change_plan(plan_id: int):
    """The authority changes the plan, or records that it ceases; a plan that has ceased is
    changed no more."""
    endpoint = request.endpoint.rpartition(".")[2]
    form_class, operation, template, done = _CHANGES[endpoint]
    user = operations.signed_in_user()
    record = access.get_ehc_record(user, EhcPlan, plan_id, Ability.RECORD_EHC_LA)
    if record.ceased_on is not None:
        flash(f"This plan ceased on {format_date(record.ceased_on)}{_CEASED[endpoint]}", "error")
        return redirect(_plan_url(record))
    form = form_class.from_record(record)
    drafts.keep(form)
    if operations.submit(form, operation, plan=record, today=today()):
        flash(done, "success")
        return redirect(_plan_url(record))
    return render_template(template, form=form, plan=record, pupil=record.pupil)


# --- Documents ------------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(current_app.config.get("EHC_DOCUMENT_MAX_BYTES") or documents.DEFAULT_MAX_BYTES)


@bp.route("/ehc/plans/<int:plan_id>/documents/new", methods=["GET", "POST"], endpoint="new_document")
@bp.route("/ehc/requests/<int:request_id>/documents/new", methods=["GET", "POST"], endpoint="new_document")
@once
def new_document(plan_id: int | None = None, request_id: int | None = None):
    user = operations.signed_in_user()
    ability = Ability.UPLOAD_EHC_DOCUMENT
    owner = (
        access.get_ehc_record(user, EhcPlan, plan_id, ability)
        if plan_id is not None
        else access.get_ehc_record(user, EhcRequest, request_id, ability)
    )
    back = _plan_url(owner) if plan_id is not None else _request_url(owner)
    form = DocumentForm()
    form.max_bytes = max_upload_bytes()
    held = {"plan": owner} if plan_id is not None else {"request": owner}
    done = operations.submit(
        form, documents.add_document, pupil=owner.pupil, today=today(), max_bytes=form.max_bytes, **held
    )
    if done:
        flash("Document added.", "success")
        return redirect(back)
    return render_template(
        "ehc/plan_document_new.html",
        form=form,
        pupil=owner.pupil,
        back_url=back,
        limit=documents.max_size_words(form.max_bytes),
    )


def _request_url(ehc_request: EhcRequest) -> str:
    return url_for("ehc.request", request_id=ehc_request.id)


@bp.route("/ehc/documents/<int:document_id>")
@login_required
def document(document_id: int):
    """The file as it was uploaded, as an attachment (never shown inline), with its stored media
    type, not sniffed, not cached; every download audited."""
    user = operations.signed_in_user()
    found = access.get_ehc_record(user, EhcDocument, document_id, Ability.VIEW_EHC_DOCUMENTS)
    response = Response(found.content, mimetype=found.media_type)
    response.headers.set("Content-Disposition", "attachment", filename=documents.safe_filename(found.filename))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    about = {"object_type": "ehc_document", "object_id": found.id}
    return audit.shown(db.session, response, "ehc_document_downloaded", actor=user, pupil=found.pupil, **about)


def allow_uploads() -> None:
    """Before anything reads the request: an upload page takes a request as large as a document
    (with room for the form's other fields); every other page keeps MAX_CONTENT_LENGTH."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = max_upload_bytes() + 64 * 1024
