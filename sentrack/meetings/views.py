"""Meeting pages (record, plan, record a planned one) and the SENCO's settings pages. Each view
loads through `access`, calls one workflow operation, and renders or redirects."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from sentrack import access
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.forms import attach_error, bounded_int, opened_at
from sentrack.meetings import bp, queries
from sentrack.meetings.forms import (
    MeetingForm,
    PlanMeetingForm,
    RuleSettingsForm,
    SharedForm,
    TermEditForm,
    TermForm,
    UseDefaultDatesForm,
)
from sentrack.models import MeetingMode, Pupil, School, Season, User
from sentrack.submissions import once
from sentrack.workflows import RuleBroken
from sentrack.workflows import meetings as flow
from sentrack.workflows import settings as settings_flow
from sentrack.workflows.terms import academic_year_of, year_label


def _user() -> User:
    return current_user._get_current_object()


def _to_pupil(pupil: Pupil):
    return redirect(url_for("pupils.show", public_id=pupil.public_id) + "#meetings")


def _leaders(form, pupil: Pupil, user: User) -> None:
    form.led_by_id.choices = [("", "Choose")] + [
        (str(u.id), u.full_name) for u in flow.staff_who_may_lead(db.session, pupil.school_id)
    ]
    if request.method == "GET" and not form.led_by_id.data:
        form.led_by_id.data = str(user.id)


def _leader_id(form) -> int | None:
    value = form.led_by_id.data or ""
    return bounded_int(value) if value.isdigit() else None


@bp.route("/pupils/<public_id>/meetings/new", methods=["GET", "POST"], endpoint="record")
@bp.route("/pupils/<public_id>/meetings/<int:meeting_id>/record", methods=["GET", "POST"], endpoint="record_planned")
@login_required
@once
def record(public_id: str, meeting_id: int | None = None):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_PARENT_MEETING)
    planned = None
    if meeting_id is not None:
        planned = queries.pupil_meeting(db.session, pupil, meeting_id, held=False)
        if planned is None:
            abort(404)
    form = MeetingForm(obj=planned if request.method == "GET" else None)
    _leaders(form, pupil, user)
    existing = None  # the meeting already recorded that day, when the form is refused for it
    if request.method == "GET":
        form.held_on.data = planned.planned_for if planned and planned.planned_for <= today() else today()
        form.mode.data = planned.mode.value if planned else MeetingMode.IN_PERSON.value
        if planned and planned.led_by_id:
            form.led_by_id.data = str(planned.led_by_id)
        if planned and planned.separate_with:
            form.separate.data = True
    if form.validate_on_submit():
        details = flow.MeetingDetails(
            held_on=form.held_on.data,
            mode=MeetingMode(form.mode.data),
            led_by_id=_leader_id(form),
            attendees=form.attendees.data,
            pupil_views=form.pupil_views.data,
            outcomes=form.outcomes.data,
            actions=form.actions.data,
            shared_with_parents_on=form.shared_with_parents_on.data,
            views_not_gathered=form.views_not_gathered.data,
            separate=form.separate.data,
            separate_with=form.separate_with.data,
        )
        try:
            flow.record_meeting(db.session, actor=user, pupil=pupil, details=details, today=today(), planned=planned)
        except RuleBroken as error:
            existing = error.meeting.id if isinstance(error, flow.MeetingExists) else None
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Meeting with parents saved.", "success")
            return _to_pupil(pupil)
    return render_template("meetings/record.html", form=form, pupil=pupil, planned=planned, existing=existing)


@bp.route("/pupils/<public_id>/meetings/plan", methods=["GET", "POST"])
@login_required
@once
def plan(public_id: str):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_PARENT_MEETING)
    form = PlanMeetingForm()
    _leaders(form, pupil, user)
    existing = None  # the meeting already planned that day, when the form is refused for it
    if request.method == "GET":
        form.mode.data = MeetingMode.IN_PERSON.value
    if form.validate_on_submit():
        details = flow.PlannedDetails(
            planned_for=form.planned_for.data,
            mode=MeetingMode(form.mode.data),
            led_by_id=_leader_id(form),
            attendees=form.attendees.data,
            separate=form.separate.data,
            separate_with=form.separate_with.data,
        )
        try:
            flow.plan_meeting(db.session, actor=user, pupil=pupil, details=details, today=today())
        except RuleBroken as error:
            existing = error.meeting.id if isinstance(error, flow.MeetingExists) else None
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Meeting with parents planned.", "success")
            return _to_pupil(pupil)
    return render_template("meetings/plan.html", form=form, pupil=pupil, existing=existing)


@bp.route("/pupils/<public_id>/meetings/<int:meeting_id>/shared", methods=["GET", "POST"])
@login_required
@once
def shared(public_id: str, meeting_id: int):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_PARENT_MEETING)
    meeting = queries.pupil_meeting(db.session, pupil, meeting_id, held=True)
    if meeting is None:
        abort(404)
    form = SharedForm()
    if form.validate_on_submit():
        try:
            flow.mark_shared(
                db.session, actor=user, meeting=meeting, shared_on=form.shared_with_parents_on.data, today=today()
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("The date the record was shared with parents is saved.", "success")
            return _to_pupil(pupil)
    return render_template("meetings/shared.html", form=form, pupil=pupil, meeting=meeting)


# --- Settings: term dates and rule settings ----------------------------------------------------


def _school(user: User) -> School:
    if user.school_id is None:
        abort(404)
    return db.session.get(School, user.school_id)


@bp.route("/settings")
@login_required
@access.requires(Ability.MANAGE_SETTINGS)
def settings():
    school = _school(_user())
    return render_template(
        "meetings/settings.html",
        school=school,
        years=settings_flow.school_term_rows(db.session, school, today()),
        rules=settings_flow.RULE_SETTINGS,
    )


@bp.route("/settings/rules", methods=["GET", "POST"])
@login_required
@access.requires(Ability.MANAGE_SETTINGS)
def rules():
    user = _user()
    school = _school(user)
    form = RuleSettingsForm(obj=school if request.method == "GET" else None)
    if request.method == "GET":
        opened_at(form, school)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in settings_flow.RULE_SETTINGS}
        try:
            settings_flow.save_rule_settings(
                db.session, actor=user, school=school, values=values, expected_version=form.expected_version
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Rule settings saved.", "success")
            return redirect(url_for("meetings.settings"))
    return render_template("meetings/rules.html", form=form)


@bp.route("/settings/terms/new", methods=["GET", "POST"], endpoint="term_new")
@bp.route("/settings/terms/<int:term_id>", methods=["GET", "POST"], endpoint="term_edit")
@login_required
@access.requires(Ability.MANAGE_SETTINGS)
@once
def term(term_id: int | None = None):
    user = _user()
    school = _school(user)
    existing = None
    if term_id is not None:
        existing = queries.school_term(db.session, school, term_id)
        if existing is None:
            abort(404)
    form = (TermEditForm if existing is not None else TermForm)(obj=existing if request.method == "GET" else None)
    year = academic_year_of(today())
    years = sorted({year, year + 1} | ({existing.academic_year} if existing else set()))
    form.academic_year.choices = [(str(y), year_label(y)) for y in years]
    if request.method == "GET" and existing is None:
        asked_year, asked_season = request.args.get("year", ""), request.args.get("season", "")
        form.academic_year.data = asked_year if asked_year in {str(y) for y in years} else str(year)
        form.season.data = asked_season if asked_season in {s.value for s in Season} else None
    elif request.method == "GET":
        form.academic_year.data, form.season.data = str(existing.academic_year), existing.season.value
        opened_at(form, existing)
    if form.validate_on_submit():
        details = settings_flow.TermDetails(
            academic_year=int(form.academic_year.data),
            season=Season(form.season.data),
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            half_term_starts_on=form.half_term_starts_on.data,
            half_term_ends_on=form.half_term_ends_on.data,
        )
        try:
            settings_flow.save_term(
                db.session,
                actor=user,
                school=school,
                details=details,
                term=existing,
                expected_version=form.expected_version if existing is not None else None,
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Term dates saved.", "success")
            return redirect(url_for("meetings.settings") + "#terms")
    return render_template(
        "meetings/term.html", form=form, term=existing, default_form=UseDefaultDatesForm() if existing else None
    )


@bp.route("/settings/terms/<int:term_id>/default", methods=["POST"])
@login_required
@access.requires(Ability.MANAGE_SETTINGS)
def term_default(term_id: int):
    user = _user()
    school = _school(user)
    existing = queries.school_term(db.session, school, term_id)
    if existing is None or not UseDefaultDatesForm().validate_on_submit():
        abort(404)
    try:
        settings_flow.use_default_dates(db.session, actor=user, school=school, term=existing)
    except RuleBroken as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("meetings.term_edit", term_id=term_id))
    db.session.commit()
    flash("The term has the default dates again.", "success")
    return redirect(url_for("meetings.settings") + "#terms")
