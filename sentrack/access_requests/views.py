"""Subject access pages: the school's requests, recording one for a pupil, a request's page (its
due date, extension, how it ended, what is withheld) and the export's download. Each view loads
through `access`, calls one operation through `operations`, then renders, redirects or sends the
file; the request commits once. Every page naming a pupil is audited."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.access_requests import bp, queries
from sentrack.access_requests.forms import ButtonForm, CloseForm, ExtendForm, RequestForm, WithholdForm
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.models import SubjectAccessRequest
from sentrack.submissions import once
from sentrack.workflows import subject_access as flow
from sentrack.workflows import subject_access_export as export


def _request_url(request: SubjectAccessRequest, anchor: str = "") -> str:
    return url_for("access_requests.show", request_id=request.id) + anchor


def _load(request_id: int) -> SubjectAccessRequest:
    return access.get_access_request(operations.signed_in_user(), request_id)


@bp.route("/subject-access")
@access.requires(Ability.MANAGE_SUBJECT_ACCESS)
def index():
    """The school's requests for pupils' data: open ones by due date, then the latest closed."""
    user = operations.signed_in_user()
    page = queries.requests_page(db.session, user)
    rendered = render_template("access_requests/index.html", page=page, today=today(), overdue=queries.is_overdue)
    audit.record_for_pupils(db.session, "named_in_subject_access_list", actor=user, pupils=page.pupils)
    return audit.shown_school(db.session, rendered, "subject_access_list_viewed", actor=user, school_id=user.school_id)


@bp.route("/pupils/<public_id>/subject-access/new", methods=["GET", "POST"])
@once
def new(public_id: str):
    """Record a request for the pupil's data: its due date follows from its kind and the day received."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.MANAGE_SUBJECT_ACCESS)
    form = RequestForm.for_school(pupil.school.maintained)
    if form.validate_on_submit():
        done = operations.run(form, flow.record_request, actor=user, details=form.to_details(pupil), today=today())
        if done:
            flash(f"Request recorded. It is due by {done.value.due_on.day} {done.value.due_on:%B %Y}.", "success")
            return redirect(_request_url(done.value))
    return render_template(
        "access_requests/new.html",
        form=form,
        pupil=pupil,
        requests=queries.pupil_requests(db.session, pupil),
    )


@bp.route("/subject-access/<int:request_id>")
@access.requires(Ability.MANAGE_SUBJECT_ACCESS)
def show(request_id: int):
    user = operations.signed_in_user()
    found = _load(request_id)
    rendered = render_template(
        "access_requests/show.html",
        request_=found,
        pupil=found.pupil,
        marks=queries.marks_of(db.session, found),
        today=today(),
        overdue=queries.is_overdue(found, today()),
        may_extend=flow.extension_problem(found, today()) is None,
        button=ButtonForm(),
    )
    about = {"object_type": "subject_access_request", "object_id": found.id}
    return audit.shown(db.session, rendered, "subject_access_viewed", actor=user, pupil=found.pupil, **about)


@bp.route("/subject-access/<int:request_id>/extend", methods=["GET", "POST"])
@access.requires(Ability.MANAGE_SUBJECT_ACCESS)
def extend(request_id: int):
    found = _load(request_id)
    form = ExtendForm()
    if form.validate_on_submit():
        done = operations.run(
            form,
            flow.extend_request,
            actor=operations.signed_in_user(),
            request=found,
            reason=form.reason.data or "",
            today=today(),
        )
        if done:
            flash("Request extended by two months. Tell the person who asked, with the reason.", "success")
            return redirect(_request_url(found))
    return render_template("access_requests/extend.html", form=form, request_=found, pupil=found.pupil)


@bp.route("/subject-access/<int:request_id>/close", methods=["GET", "POST"])
@access.requires(Ability.MANAGE_SUBJECT_ACCESS)
def close(request_id: int):
    found = _load(request_id)
    form = CloseForm()
    if form.validate_on_submit():
        done = operations.run(
            form,
            flow.close_request,
            actor=operations.signed_in_user(),
            request=found,
            status=form.chosen_status,
            on=form.on.data,
            today=today(),
        )
        if done:
            flash(f"Request recorded as {found.status.label.lower()}.", "success")
            return redirect(_request_url(found))
    return render_template("access_requests/close.html", form=form, request_=found, pupil=found.pupil)


@bp.route("/subject-access/<int:request_id>/withhold", methods=["GET", "POST"])
@access.requires(Ability.MANAGE_SUBJECT_ACCESS)
@once
def withhold(request_id: int):
    """Mark a record withheld from the export, with why."""
    found = _load(request_id)
    form = WithholdForm()
    if form.validate_on_submit():
        done = operations.run(
            form,
            flow.withhold,
            actor=operations.signed_in_user(),
            request=found,
            table_name=form.table_name.data,
            row_id=form.row_id.data,
            reason=form.reason.data or "",
        )
        if done:
            flash("The record is withheld from the export.", "success")
            return redirect(_request_url(found, "#withheld"))
    return render_template("access_requests/withhold.html", form=form, request_=found, pupil=found.pupil)


@bp.route("/subject-access/<int:request_id>/withheld/<int:mark_id>/release", methods=["POST"])
@access.requires(Ability.MANAGE_SUBJECT_ACCESS)
def release(request_id: int, mark_id: int):
    found = _load(request_id)
    operations.button_posted(ButtonForm)
    mark = next((mark for mark in found.withheld if mark.id == mark_id), None)
    if mark is None:
        abort(404)
    back = _request_url(found)
    operations.step(flow.release, back=back, actor=operations.signed_in_user(), request=found, mark=mark)
    flash("The record is in the export again.", "success")
    return redirect(back)


@bp.route("/subject-access/<int:request_id>/export", methods=["POST"])
@access.requires(Ability.MANAGE_SUBJECT_ACCESS)
def download(request_id: int):
    """The export of everything held about the pupil, less what is withheld, built now and sent
    as an attachment, not cached. A POST, as each download is audited."""
    found = _load(request_id)
    operations.button_posted(ButtonForm)
    got = operations.step(
        export.download, back=_request_url(found), actor=operations.signed_in_user(), request=found, today=today()
    )
    response = Response(got.content, mimetype=got.media_type)
    response.headers.set("Content-Disposition", "attachment", filename=got.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
