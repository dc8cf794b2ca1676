"""Pupil pages. Each view loads through `access`, calls one workflow operation, then renders or
redirects; the request commits once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from sentrack import access, audit
from sentrack.access import Ability
from sentrack.auth.sessions import recall, remember
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.forms import attach_error, bounded_int, opened_at
from sentrack.interventions.queries import pupil_interventions
from sentrack.models import (
    AreaOfNeed,
    Contact,
    ContactMethod,
    NeedType,
    ParentLetter,
    Provision,
    SenStatus,
    SupportCycle,
    TimelineEvent,
)
from sentrack.pupils import bp
from sentrack.pupils.forms import (
    ConcernForm,
    ContactEditForm,
    ContactForm,
    LeaverSearchForm,
    LeavingForm,
    PupilEditForm,
    PupilForm,
    PupilSearchForm,
    SenStatusForm,
    UndoLeavingForm,
)
from sentrack.pupils.queries import PupilFilters, leaver_page, load_staff, pupil_page
from sentrack.submissions import once
from sentrack.workflows import RuleBroken
from sentrack.workflows.concerns import raise_concern
from sentrack.workflows.engagement import engagement_for_pupil
from sentrack.workflows.meetings import pupil_meetings
from sentrack.workflows.passports import mark_passport_read
from sentrack.workflows.pupils import ContactDetails, PupilDetails, add_contact, add_pupil, update_contact, update_pupil
from sentrack.workflows.register import is_on_roll
from sentrack.workflows.roll import record_leaving, undo_leaving
from sentrack.workflows.sen_status import change_sen_status, current_status

# The search text is kept on the server, with the signed-in session (auth/sessions.py), never in
# the cookie or the URL: it is often a pupil's name.
SEARCH_KEY = "pupil_search"
LEAVER_SEARCH_KEY = "leaver_search"


def _user():
    return current_user._get_current_object()


def _group_choices(user) -> list[tuple[int, str]]:
    return [(g.id, g.name) for g in db.session.scalars(access.school_groups(user))]


def _filters_from_args() -> PupilFilters:
    def enum_arg(name, enum):
        try:
            return enum(request.args[name]) if request.args.get(name) else None
        except ValueError:
            return None

    def int_arg(name):
        return bounded_int(request.args.get(name, ""))

    sort = request.args.get("sort", "name")
    return PupilFilters(
        q=recall(db.session, _user(), SEARCH_KEY) or None,
        year=int_arg("year"),
        group=int_arg("group"),
        provision=enum_arg("provision", Provision),
        need=enum_arg("need", NeedType),
        sort=sort if sort in ("name", "year", "provision") else "name",
        descending=request.args.get("order") == "desc",
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
@access.requires(Ability.VIEW_PUPILS)
def index():
    user = _user()
    sen = access.can(user, Ability.VIEW_SEN)
    form = PupilSearchForm(request.form if request.method == "POST" else None, data=None)
    form.group.choices = [("", "All classes")] + [(str(i), n) for i, n in _group_choices(user)]
    if request.method == "POST":
        if form.validate():
            remember(db.session, user, SEARCH_KEY, form.q.data)
            db.session.commit()
            args = {
                name: getattr(form, name).data
                for name in ("year", "group", "provision", "need")
                if getattr(form, name).data and (sen or name not in ("provision", "need"))
            }
            return redirect(url_for("pupils.index", **args))
    filters = _filters_from_args()
    if not sen:
        filters.provision = filters.need = None
    if request.method == "GET":
        form.q.data = filters.q or ""
        form.year.data = "" if filters.year is None else str(filters.year)
        form.group.data = "" if filters.group is None else str(filters.group)
        form.provision.data = filters.provision.value if filters.provision else ""
        form.need.data = filters.need.value if filters.need else ""
    page = pupil_page(
        db.session,
        user,
        filters,
        page=request.args.get("page", type=bounded_int) or 1,
        per_page=current_app.config["PUPILS_PER_PAGE"],
        today=today(),
    )
    query_args = {k: v for k, v in request.args.items() if k != "page"}
    shown = render_template("pupils/index.html", form=form, page=page, filters=filters, sen=sen, query_args=query_args)
    if request.method == "GET":  # a refused search stores nothing, its audit included
        # Each pupil the page names, in one statement, once rendered (the commit expires what it loaded).
        audit.record_for_pupils(db.session, "named_in_pupil_list", actor=user, pupils=[row.pupil for row in page.rows])
        db.session.commit()
    return shown


@bp.route("/clear-search", methods=["POST"])
@login_required
def clear_search():
    remember(db.session, _user(), SEARCH_KEY, None)
    db.session.commit()
    return redirect(url_for("pupils.index"))


@bp.route("/left", methods=["GET", "POST"])
@login_required
@access.requires(Ability.VIEW_LEAVERS)
def leavers():
    """The pupils who have left the roll: their records stay, read-only."""
    user = _user()
    form = LeaverSearchForm(request.form if request.method == "POST" else None, data=None)
    if request.method == "POST":
        if form.validate():
            remember(db.session, user, LEAVER_SEARCH_KEY, form.q.data)
            db.session.commit()
            return redirect(url_for("pupils.leavers"))
    q = recall(db.session, user, LEAVER_SEARCH_KEY) or None
    if request.method == "GET":
        form.q.data = q or ""
    page = leaver_page(
        db.session,
        user,
        q,
        page=request.args.get("page", type=bounded_int) or 1,
        per_page=current_app.config["PUPILS_PER_PAGE"],
        today=today(),
    )
    shown = render_template("pupils/leavers.html", form=form, page=page, q=q)
    if request.method == "GET":  # a refused search stores nothing, its audit included
        audit.record_for_pupils(db.session, "named_in_leavers_list", actor=user, pupils=page.pupils)
        db.session.commit()
    return shown


@bp.route("/left/clear-search", methods=["POST"])
@login_required
def clear_leaver_search():
    remember(db.session, _user(), LEAVER_SEARCH_KEY, None)
    db.session.commit()
    return redirect(url_for("pupils.leavers"))


def _details(form: PupilForm) -> PupilDetails:
    return PupilDetails(
        upn=form.upn.data,
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        preferred_name=form.preferred_name.data,
        date_of_birth=form.date_of_birth.data,
        year_group=int(form.year_group.data),
        looked_after=form.looked_after.data,
        medical_conditions=form.medical_conditions.data,
        medical_notes=form.medical_notes.data,
        admitted_on=form.admitted_on.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@access.requires(Ability.EDIT_PUPIL)
@once
def new():
    user = _user()
    form = PupilForm()
    form.groups.choices = _group_choices(user)
    if form.validate_on_submit():
        try:
            pupil = add_pupil(
                db.session,
                actor=user,
                school_id=user.school_id,
                details=_details(form),
                group_ids=form.groups.data or [],
                today=today(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Pupil added to the roll.", "success")
            return redirect(url_for("pupils.show", public_id=pupil.public_id))
    return render_template("pupils/form.html", form=form, pupil=None)


@bp.route("/<public_id>")
@login_required
def show(public_id: str):
    """The pupil's record. Each part is one query whatever the pupil's history, and the page is
    rendered before the view is audited and committed, so that the commit expires nothing the
    template still reads."""
    user = _user()
    pupil = access.get_pupil(user, public_id)
    reach = access.abilities_on(user, pupil)
    sen_visible = Ability.VIEW_SEN in reach
    statuses = pupil.sen_statuses if sen_visible else []
    concerns = pupil.concerns if sen_visible else []
    cycles, letters, events, interventions = [], [], [], []
    engagement, meetings, planned = None, [], []
    if sen_visible:
        cycles = db.session.scalars(
            sa.select(SupportCycle)
            .where(SupportCycle.pupil_id == pupil.id)
            .options(joinedload(SupportCycle.plan), joinedload(SupportCycle.review))
            .order_by(SupportCycle.number.desc())
        ).all()
        letters = db.session.scalars(
            sa.select(ParentLetter).where(ParentLetter.pupil_id == pupil.id).order_by(ParentLetter.created_on.desc())
        ).all()
        events = db.session.scalars(
            sa.select(TimelineEvent)
            .where(TimelineEvent.pupil_id == pupil.id)
            .order_by(TimelineEvent.effective_on.desc(), TimelineEvent.id.desc())
            .limit(5)
        ).all()
        engagement = engagement_for_pupil(db.session, pupil, today())
        meetings, planned = pupil_meetings(db.session, pupil)
        interventions = pupil_interventions(db.session, user, pupil)
    # Everyone the page names (who recorded, led or delivered what), loaded at once: the links to
    # them then find them in the session instead of loading them one by one.
    staff = load_staff(
        db.session,
        [s.recorded_by_id for s in statuses]
        + [c.raised_by_id for c in concerns]
        + [e.actor_id for e in events]
        + [m.led_by_id for m in meetings + planned]
        + [m.recorded_by_id for m in meetings + planned]
        + [row.place.intervention.delivered_by_id for row in interventions],
    )
    page = render_template(
        "pupils/show.html",
        engagement=engagement,
        meetings=meetings,
        planned_meetings=planned,
        may_record_meeting=Ability.RECORD_PARENT_MEETING in reach,
        pupil=pupil,
        sen_visible=sen_visible,
        interventions=interventions,
        cycles=cycles,
        open_cycle=next((c for c in cycles if c.is_open), None),
        letters=letters,
        events=events,
        may_open_cycle=Ability.OPEN_CYCLE in reach,
        may_manage_cycle=Ability.MANAGE_CYCLE in reach,
        current=next((s for s in statuses if s.end_date is None), None),
        statuses=statuses,
        concerns=concerns,
        today=today(),
        may_edit=Ability.EDIT_PUPIL in reach,
        may_see_addresses=access.may_see_addresses(user),
        may_change_status=Ability.CHANGE_SEN_STATUS in reach,
        may_raise_concern=Ability.RAISE_CONCERN in reach,
        may_view_audit=Ability.VIEW_AUDIT in reach,
        on_roll=is_on_roll(pupil, today()),
        may_record_leaving=Ability.RECORD_LEAVING in reach,
        may_undo_leaving=Ability.UNDO_LEAVING in reach,
        undo_form=UndoLeavingForm() if Ability.UNDO_LEAVING in reach else None,
    )
    del staff
    return audit.shown(
        db.session, page, "pupil_viewed", actor=user, pupil=pupil, object_type="pupil", object_id=pupil.id
    )


@bp.route("/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit(public_id: str):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.EDIT_PUPIL)
    form = PupilEditForm(obj=pupil if request.method == "GET" else None)
    form.groups.choices = _group_choices(user)
    if request.method == "GET":
        opened_at(form, pupil)
        form.year_group.data = str(pupil.year_group)
        form.groups.data = [g.id for g in pupil.groups]
    if form.validate_on_submit():
        try:
            changed = update_pupil(
                db.session,
                actor=user,
                pupil=pupil,
                details=_details(form),
                group_ids=form.groups.data or [],
                today=today(),
                expected_version=form.expected_version,
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Pupil details saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("pupils.show", public_id=pupil.public_id))
    return render_template("pupils/form.html", form=form, pupil=pupil)


def _contact_details(form: ContactForm) -> ContactDetails:
    return ContactDetails(
        name=form.name.data,
        relationship_to_pupil=form.relationship_to_pupil.data,
        parental_responsibility=form.parental_responsibility.data == "yes",
        phone=form.phone.data,
        email=form.email.data,
        address=form.address.data,
        preferred_contact=ContactMethod(form.preferred_contact.data),
        priority=int(form.priority.data),
    )


@bp.route("/<public_id>/contacts/new", methods=["GET", "POST"])
@bp.route("/<public_id>/contacts/<int:contact_id>", methods=["GET", "POST"])
@login_required
@once
def contact(public_id: str, contact_id: int | None = None):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.EDIT_PUPIL)
    existing = None
    if contact_id is not None:
        existing = db.session.scalar(sa.select(Contact).where(Contact.id == contact_id, Contact.pupil_id == pupil.id))
        if existing is None:
            abort(404)
    form = (ContactEditForm if existing is not None else ContactForm)(obj=existing if request.method == "GET" else None)
    if request.method == "GET" and existing is not None:
        opened_at(form, existing)
        form.parental_responsibility.data = "yes" if existing.parental_responsibility else "no"
        form.preferred_contact.data = existing.preferred_contact.value
        form.priority.data = str(existing.priority)
    if form.validate_on_submit():
        try:
            if existing is None:
                add_contact(db.session, actor=user, pupil=pupil, details=_contact_details(form))
            else:
                update_contact(
                    db.session,
                    actor=user,
                    contact=existing,
                    details=_contact_details(form),
                    expected_version=form.expected_version,
                )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Contact saved.", "success")
            return redirect(url_for("pupils.show", public_id=pupil.public_id) + "#contacts")
    return render_template("pupils/contact.html", form=form, pupil=pupil, contact=existing)


@bp.route("/<public_id>/sen-status", methods=["GET", "POST"])
@login_required
@once
def sen_status(public_id: str):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.CHANGE_SEN_STATUS)
    open_period: SenStatus | None = current_status(db.session, pupil)
    form = SenStatusForm()
    if request.method == "GET" and open_period is not None:
        form.provision.data = open_period.provision.value
        form.primary_need.data = open_period.primary_need.value if open_period.primary_need else ""
        form.secondary_need.data = open_period.secondary_need.value if open_period.secondary_need else ""
    if form.validate_on_submit():
        try:
            change_sen_status(
                db.session,
                actor=user,
                pupil=pupil,
                provision=Provision(form.provision.data),
                primary_need=NeedType(form.primary_need.data) if form.primary_need.data else None,
                secondary_need=NeedType(form.secondary_need.data) if form.secondary_need.data else None,
                start_date=form.start_date.data,
                reason=form.reason.data,
                today=today(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("SEN status saved.", "success")
            return redirect(url_for("pupils.show", public_id=pupil.public_id) + "#sen-status")
    return render_template("pupils/sen_status.html", form=form, pupil=pupil, current=open_period)


@bp.route("/<public_id>/concerns/new", methods=["GET", "POST"])
@login_required
@once
def raise_concern_view(public_id: str):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.RAISE_CONCERN)
    form = ConcernForm()
    if request.method == "GET":
        form.raised_on.data = today()
    if form.validate_on_submit():
        try:
            raise_concern(
                db.session,
                actor=user,
                pupil=pupil,
                raised_on=form.raised_on.data,
                area_of_need=AreaOfNeed(form.area_of_need.data) if form.area_of_need.data else None,
                description=form.description.data,
                today=today(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Concern raised. The SENCO will see it on their home page.", "success")
            return redirect(url_for("pupils.show", public_id=pupil.public_id) + "#concerns")
    return render_template("pupils/concern.html", form=form, pupil=pupil)


@bp.route("/<public_id>/leaving", methods=["GET", "POST"])
@login_required
@once
def leaving(public_id: str):
    """Record that the pupil leaves the roll."""
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_LEAVING)
    form = LeavingForm()
    if form.validate_on_submit():
        try:
            record_leaving(
                db.session,
                actor=user,
                pupil=pupil,
                left_on=form.left_on.data,
                reason=form.reason.data,
                detail=form.detail.data,
                today=today(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(
                "Leaving recorded. From the leaving date the pupil is in the list of pupils who have left.", "success"
            )
            if access.may(user, Ability.VIEW_PUPILS, pupil):
                return redirect(url_for("pupils.show", public_id=pupil.public_id))
            return redirect(url_for("pupils.index"))
    return render_template("pupils/leaving.html", form=form, pupil=pupil)


@bp.route("/<public_id>/leaving/undo", methods=["POST"])
@login_required
def undo_leaving_view(public_id: str):
    """Put the pupil back on the roll: the leaving was recorded by mistake."""
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.UNDO_LEAVING)
    if not UndoLeavingForm().validate_on_submit():
        abort(400)
    try:
        undo_leaving(db.session, actor=user, pupil=pupil, today=today())
    except RuleBroken as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("The leaving was undone: the pupil is on the roll again.", "success")
    return redirect(url_for("pupils.show", public_id=pupil.public_id))


AUDIT_PER_PAGE = 50


@bp.route("/<public_id>/passport/read", methods=["POST"])
@login_required
@once
def passport_read(public_id: str):
    """'I have read it': the teacher or assistant has read the pupil's passport."""
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.READ_PASSPORT)  # the CSRF token is checked for every POST
    try:
        mark_passport_read(db.session, actor=user, pupil=pupil, today=today())
    except RuleBroken as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Passport marked as read.", "success")
    return redirect(url_for("main.home") + "#passports-heading")


@bp.route("/<public_id>/audit")
@login_required
def audit_trail(public_id: str):
    """Who did what to the pupil's record, when and from where, newest first: for the SENCO and
    the head teacher. Reading it is itself audited."""
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.VIEW_AUDIT)
    page = max(request.args.get("page", type=bounded_int) or 1, 1)
    audit.record(db.session, "audit_viewed", actor=user, pupil=pupil, object_type="pupil", object_id=pupil.id)
    db.session.commit()
    events, total = audit.pupil_trail(db.session, pupil, page=page, per_page=AUDIT_PER_PAGE)
    pages = max((total + AUDIT_PER_PAGE - 1) // AUDIT_PER_PAGE, 1)
    if page > pages:
        abort(404)
    rows = [
        {
            "when": event.occurred_at,
            # The name the actor had when they acted: a later rename rewrites no history.
            "who": event.actor_name or (event.user.full_name if event.user else "No one signed in"),
            "roles": ", ".join(sorted(role.label for role in event.user.roles)) if event.user else "",
            "what": audit.describe(event),
            "where": event.remote_addr,
        }
        for event in events
    ]
    return render_template("pupils/audit.html", pupil=pupil, rows=rows, page=page, pages=pages, total=total)
