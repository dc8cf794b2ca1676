"""Pupil pages. Each view loads through `access`, calls one workflow operation through
`operations`, then renders or redirects; the request commits once."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from sentrack import access, audit, kept, operations
from sentrack.access import Ability
from sentrack.auth.sessions import recall, remember
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.forms import bounded_int
from sentrack.pupils import bp
from sentrack.pupils.forms import (
    ConcernForm,
    ContactForm,
    LeaverSearchForm,
    LeavingForm,
    PupilEditForm,
    PupilForm,
    PupilSearchForm,
    SenStatusForm,
    UndoLeavingForm,
)
from sentrack.pupils.queries import (
    PupilFilters,
    audit_page,
    destination_choices,
    find_contact,
    group_choices,
    leaver_page,
    pupil_page,
    record_page,
)
from sentrack.submissions import once
from sentrack.workflows.concerns import record_concern
from sentrack.workflows.passports import mark_passport_read
from sentrack.workflows.pupils import add_contact, add_pupil, update_contact, update_pupil
from sentrack.workflows.roll import MOVED_SCHOOL, leave_roll, undo_leaving
from sentrack.workflows.sen_status import current_status, record_status

# The search text is kept on the server, with the signed-in session (auth/sessions.py), never in
# the cookie or the URL: it is often a pupil's name.
SEARCH_KEY = "pupil_search"
LEAVER_SEARCH_KEY = "leaver_search"

AUDIT_PER_PAGE = 50
NO_DESTINATION = (
    "No destination school was recorded. If you learn where the pupil went, the SENCO can send their"
    " file on; until then it goes to the DfE's lost pupils database."
)


def _record_url(pupil, part: str = "") -> str:
    """The pupil's record page, at `part` (an anchor such as "#contacts") when given."""
    return url_for("pupils.show", public_id=pupil.public_id) + part


def _to_record(pupil, part: str, message: str):
    """Back to the pupil's record, at `part`, saying what was saved."""
    flash(message, "success")
    return redirect(_record_url(pupil, part))


def _searched(form, key: str) -> bool:
    """Whether the search form was posted, valid, and its text kept for the session under `key`."""
    if request.method != "POST" or not form.validate():
        return False
    return bool(operations.run(form, remember, user=operations.signed_in_user(), name=key, value=form.q.data))


def _page_number() -> int:
    return request.args.get("page", type=bounded_int) or 1


def _window() -> dict:
    """Which page of a list of pupils to show, and how long a page is."""
    return {"page": _page_number(), "per_page": current_app.config["PUPILS_PER_PAGE"], "today": today()}


def _listed(template: str, action: str, pupils, **context) -> str:
    """A list of pupils rendered; when shown (not a refused search, which stores nothing, its
    audit included) each pupil it names is audited, in one statement."""
    shown = render_template(template, **context)
    if request.method == "GET":
        audit.record_for_pupils(db.session, action, actor=operations.signed_in_user(), pupils=pupils)
    return shown


@bp.route("/", methods=["GET", "POST"])
@access.requires(Ability.VIEW_PUPILS)
def index():
    user = operations.signed_in_user()
    q = recall(db.session, user, SEARCH_KEY) or None
    if request.method == "POST":
        form = _search_form(user)
        if _searched(form, SEARCH_KEY):
            return redirect(url_for("pupils.index", **form.filter_args(access.can(user, Ability.VIEW_SEN))))
        # A refused search: shown with its errors beside the fields; nothing stored, kept or audited.
        listed = _pupil_list(user, form, q)
        return render_template("pupils/index.html", content=listed.html, errors=True)
    part = kept.part(
        "pupil_list",
        user,
        args=(q,),
        write=lambda: _pupil_list(user, _search_form(user), q),
    )
    part.audit(user)
    return render_template("pupils/index.html", content=part.html, errors=False)


def _search_form(user) -> PupilSearchForm:
    form = PupilSearchForm.posted()
    form.group.choices = [("", "All classes")] + [(str(i), n) for i, n in group_choices(db.session, user)]
    return form


def _pupil_list(user, form: PupilSearchForm, q: str | None) -> kept.Part:
    """The body of the list of pupils (`q` the search kept for the session), and the pupils it names."""
    sen = access.can(user, Ability.VIEW_SEN)
    filters = PupilFilters.from_args(request.args, q=q, sen=sen)
    form.show_filters(filters)
    page = pupil_page(db.session, user, filters, **_window())
    query_args = {k: v for k, v in request.args.items() if k != "page"}
    context = {"form": form, "page": page, "filters": filters, "sen": sen, "query_args": query_args}
    html = Markup(render_template("pupils/_index.html", **context))
    return kept.Part(
        html, named=(kept.Named("named_in_pupil_list", {r.pupil.id: r.pupil.school_id for r in page.rows}),)
    )


@bp.route("/left", methods=["GET", "POST"])
@access.requires(Ability.VIEW_LEAVERS)
def leavers():
    """The pupils who have left the roll: their records stay, read-only."""
    user = operations.signed_in_user()
    form = LeaverSearchForm.posted()
    if _searched(form, LEAVER_SEARCH_KEY):
        return redirect(url_for("pupils.leavers"))
    q = recall(db.session, user, LEAVER_SEARCH_KEY) or None
    form.show_search(q)
    page = leaver_page(db.session, user, q, **_window())
    return _listed("pupils/leavers.html", "named_in_leavers_list", page.pupils, form=form, page=page, q=q)


@bp.route("/clear-search", methods=["POST"], defaults={"listing": "pupils.index"})
@bp.route(
    "/left/clear-search", methods=["POST"], endpoint="clear_leaver_search", defaults={"listing": "pupils.leavers"}
)
@login_required
def clear_search(listing: str):
    """Forget the search kept for the list at `listing` and go back to it."""
    back = url_for(listing)
    key = LEAVER_SEARCH_KEY if listing == "pupils.leavers" else SEARCH_KEY
    operations.step(remember, back=back, user=operations.signed_in_user(), name=key, value=None)
    return redirect(back)


@bp.route("/new", methods=["GET", "POST"])
@access.requires(Ability.EDIT_PUPIL)
@once
def new():
    user = operations.signed_in_user()
    form = PupilForm.from_record(None, group_choices(db.session, user))
    outcome = operations.submit(form, add_pupil, school_id=user.school_id, group_ids=form.group_ids, today=today())
    if outcome:
        return _to_record(outcome.value, "", "Pupil added to the roll.")
    return render_template("pupils/form.html", form=form, pupil=None)


@bp.route("/<public_id>")
@login_required
def show(public_id: str):
    """The pupil's record, audited as shown."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id)
    part = kept.part("pupil", user, schools=[pupil.school_id], args=(pupil.id,), write=lambda: _record(user, pupil))
    page = render_template("pupils/show.html", content=part.html)
    return audit.shown(
        db.session, page, "pupil_viewed", actor=user, pupil=pupil, object_type="pupil", object_id=pupil.id
    )


def _record(user, pupil) -> kept.Part:
    """The body of the pupil's record as the user may see it."""
    record = record_page(db.session, user, pupil, today())
    undo_form = UndoLeavingForm() if Ability.UNDO_LEAVING in record.reach else None
    return kept.Part(Markup(render_template("pupils/_show.html", undo_form=undo_form, **record.context())))


@bp.route("/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit(public_id: str):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.EDIT_PUPIL)
    form = PupilEditForm.from_record(pupil, group_choices(db.session, user))
    outcome = operations.submit(
        form, update_pupil, pupil=pupil, group_ids=form.group_ids, today=today(), expected_version=form.expected_version
    )
    if outcome:
        return _to_record(pupil, "", "Pupil details saved." if outcome.value else "Nothing was changed.")
    return render_template("pupils/form.html", form=form, pupil=pupil)


@bp.route("/<public_id>/contacts/new", methods=["GET", "POST"])
@bp.route("/<public_id>/contacts/<int:contact_id>", methods=["GET", "POST"])
@once
def contact(public_id: str, contact_id: int | None = None):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.EDIT_PUPIL)
    existing = None if contact_id is None else find_contact(db.session, pupil, contact_id)
    if contact_id is not None and existing is None:
        abort(404)
    form = ContactForm.from_record(existing)
    if existing is None:
        outcome = operations.submit(form, add_contact, pupil=pupil)
    else:
        outcome = operations.submit(form, update_contact, contact=existing, expected_version=form.expected_version)
    if outcome:
        return _to_record(pupil, "#contacts", "Contact saved.")
    return render_template("pupils/contact.html", form=form, pupil=pupil, contact=existing)


@bp.route("/<public_id>/sen-status", methods=["GET", "POST"])
@once
def sen_status(public_id: str):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.CHANGE_SEN_STATUS)
    open_period = current_status(db.session, pupil)
    form = SenStatusForm.from_record(open_period)
    if operations.submit(form, record_status, pupil=pupil, today=today()):
        return _to_record(pupil, "#sen-status", "SEN status saved.")
    return render_template("pupils/sen_status.html", form=form, pupil=pupil, current=open_period)


@bp.route("/<public_id>/concerns/new", methods=["GET", "POST"])
@once
def raise_concern_view(public_id: str):
    pupil = access.get_pupil(operations.signed_in_user(), public_id, Ability.RAISE_CONCERN)
    form = ConcernForm.from_record(noticed_on=today())
    if operations.submit(form, record_concern, pupil=pupil, today=today()):
        return _to_record(pupil, "#concerns", "Concern raised. The SENCO will see it on their home page.")
    return render_template("pupils/concern.html", form=form, pupil=pupil)


@bp.route("/<public_id>/leaving", methods=["GET", "POST"])
@once
def leaving(public_id: str):
    """Record that the pupil leaves the roll."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_LEAVING)
    form = LeavingForm.offering(destination_choices(db.session, pupil))
    if operations.submit(form, leave_roll, pupil=pupil, today=today()):
        flash("Leaving recorded. From the leaving date the pupil is in the list of pupils who have left.", "success")
        if pupil.destination_name is None and form.reason.data == MOVED_SCHOOL:
            flash(NO_DESTINATION, "warning")
        if access.may(user, Ability.VIEW_PUPILS, pupil):
            return redirect(_record_url(pupil))
        return redirect(url_for("pupils.index"))
    return render_template("pupils/leaving.html", form=form, pupil=pupil)


@bp.route("/<public_id>/leaving/undo", methods=["POST"])
@login_required
def undo_leaving_view(public_id: str):
    """Put the pupil back on the roll: the leaving was recorded by mistake."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.UNDO_LEAVING)
    operations.button_posted(UndoLeavingForm)
    operations.step(undo_leaving, back=_record_url(pupil), actor=user, pupil=pupil, today=today())
    return _to_record(pupil, "", "The leaving was undone: the pupil is on the roll again.")


@bp.route("/<public_id>/passport/read", methods=["POST"])
@once
def passport_read(public_id: str):
    """'I have read it': the teacher or assistant has read the pupil's passport."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.READ_PASSPORT)  # the CSRF token is checked for every POST
    back = url_for("main.home") + "#passports-heading"
    operations.step(mark_passport_read, back=back, actor=user, pupil=pupil, today=today())
    flash("Passport marked as read.", "success")
    return redirect(back)


@bp.route("/<public_id>/audit")
@login_required
def audit_trail(public_id: str):
    """Who did what to the pupil's record, when and from where, newest first: for the SENCO and
    the head teacher. Reading it is itself audited, before the trail is read, so that it is listed."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.VIEW_AUDIT)
    audit.record(db.session, "audit_viewed", actor=user, pupil=pupil, object_type="pupil", object_id=pupil.id)
    trail = audit_page(db.session, pupil, page=max(_page_number(), 1), per_page=AUDIT_PER_PAGE)
    if trail.page > trail.pages:
        abort(404)
    return render_template("pupils/audit.html", pupil=pupil, trail=trail)
