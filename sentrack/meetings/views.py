"""Meeting pages (record, plan, record a planned one) and the SENCO's settings pages. Each view
loads through `access` and the page queries, calls one workflow operation through `operations`,
and renders or redirects."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from sentrack import access, audit, drafts, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.meetings import bp, queries
from sentrack.meetings.forms import (
    CorrectMeetingForm,
    MeetingForm,
    PlanMeetingForm,
    RuleSettingsForm,
    SecondFactorRuleForm,
    SharedForm,
    TermForm,
    UseDefaultDatesForm,
)
from sentrack.models import Pupil, School, User
from sentrack.submissions import once
from sentrack.workflows import meetings as flow
from sentrack.workflows import settings as settings_flow
from sentrack.workflows.meeting_records import correct_meeting
from sentrack.workflows.recipients import copies_for


def _to_pupil(pupil: Pupil):
    return redirect(url_for("pupils.show", public_id=pupil.public_id) + "#meetings")


@bp.route("/pupils/<public_id>/meetings/new", methods=["GET", "POST"], endpoint="record")
@bp.route("/pupils/<public_id>/meetings/<int:meeting_id>/record", methods=["GET", "POST"], endpoint="record_planned")
@drafts.keeps
@once
def record(public_id: str, meeting_id: int | None = None):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_PARENT_MEETING)
    page = operations.found_or_404(queries.meeting_page(db.session, pupil, meeting_id))
    form = MeetingForm.from_record(page.planned, leaders=page.leaders, user=user, today=today())
    drafts.keep(form)
    if operations.submit(
        form, form.noting_existing(flow.record_meeting), pupil=pupil, today=today(), planned=page.planned
    ):
        flash("Meeting with parents saved.", "success")
        return _to_pupil(pupil)
    return render_template("meetings/record.html", form=form, pupil=pupil, planned=page.planned, existing=form.existing)


@bp.route("/pupils/<public_id>/meetings/plan", methods=["GET", "POST"])
@once
def plan(public_id: str):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_PARENT_MEETING)
    page = queries.meeting_page(db.session, pupil)
    form = PlanMeetingForm.from_record(leaders=page.leaders, user=user)
    if operations.submit(form, form.noting_existing(flow.plan_meeting), pupil=pupil, today=today()):
        flash("Meeting with parents planned.", "success")
        return _to_pupil(pupil)
    return render_template("meetings/plan.html", form=form, pupil=pupil, existing=form.existing)


@bp.route("/pupils/<public_id>/meetings/<int:meeting_id>/shared", methods=["GET", "POST"])
@once
def shared(public_id: str, meeting_id: int):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_PARENT_MEETING)
    meeting = operations.found_or_404(queries.pupil_meeting(db.session, pupil, meeting_id, held=True))
    form = SharedForm.from_record(meeting)
    if operations.submit(form, flow.mark_shared, meeting=meeting, today=today(), details_as="shared_on"):
        flash("The date the record was shared with parents is saved.", "success")
        return _to_pupil(pupil)
    copies = copies_for(pupil.contacts)  # whom the record goes to (sentrack/workflows/recipients.py)
    return render_template("meetings/shared.html", form=form, pupil=pupil, meeting=meeting, copies=copies)


# --- A meeting's record: its page, its corrections, the copy for parents ------------------------


def _meeting(public_id: str, meeting_id: int, *, held: bool = False, ability: Ability = Ability.VIEW_SEN):
    """The signed-in user, the pupil (whom `ability` reaches for them) and the pupil's meeting."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, ability)
    meeting = operations.found_or_404(queries.meeting_record(db.session, pupil, meeting_id, held=held))
    return user, pupil, meeting


@bp.route("/pupils/<public_id>/meetings/<int:meeting_id>")
@login_required
def show(public_id: str, meeting_id: int):
    """The meeting's record: who attended, the pupil's views, what was discussed and agreed, the
    actions and how they stand, when it was shared, and the history of its corrections."""
    user, pupil, meeting = _meeting(public_id, meeting_id)
    reach = access.abilities_on(user, pupil)
    page = render_template(
        "meetings/show.html",
        pupil=pupil,
        page=queries.record_page(db.session, meeting, today()),
        today=today(),
        may_correct=access.may_correct_meeting(user, meeting, reach),
        may_record=Ability.RECORD_PARENT_MEETING in reach,
    )
    about = {"object_type": "parent_meeting", "object_id": meeting.id}
    return audit.shown(db.session, page, "parent_meeting_viewed", actor=user, pupil=pupil, **about)


@bp.route("/pupils/<public_id>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@drafts.keeps
@once
def correct(public_id: str, meeting_id: int):
    """Correct the record: whoever led the meeting, or the SENCO. Someone who could correct a
    meeting they led, but did not lead this one, is refused (403); anyone else, or a pupil who has
    left (whose record is read-only), is not found."""
    user, pupil, meeting = _meeting(public_id, meeting_id, held=True, ability=Ability.CORRECT_LED_MEETING)
    if not access.may_correct_meeting(user, meeting, access.abilities_on(user, pupil)):
        abort(403)
    form = CorrectMeetingForm.from_record(meeting, leaders=queries.correction_leaders(db.session, meeting), user=user)
    drafts.keep(form)
    outcome = operations.submit(form, form.noting_existing(correct_meeting), meeting=meeting, today=today())
    if outcome:
        flash("The record is corrected." if outcome.value else "Nothing was changed.", "success")
        return redirect(url_for("meetings.show", public_id=pupil.public_id, meeting_id=meeting.id))
    return render_template("meetings/correct.html", form=form, pupil=pupil, meeting=meeting)


@bp.route("/pupils/<public_id>/meetings/<int:meeting_id>/print")
@login_required
def print_record(public_id: str, meeting_id: int):
    """The record for parents, to print or save as a PDF, with whom it is copied to."""
    user, pupil, meeting = _meeting(public_id, meeting_id, held=True)
    page = render_template("meetings/print.html", pupil=pupil, page=queries.print_page(pupil, meeting), today=today())
    about = {"object_type": "parent_meeting", "object_id": meeting.id}
    return audit.shown(db.session, page, "parent_meeting_printed", actor=user, pupil=pupil, **about)


# --- Settings: term dates and rule settings ----------------------------------------------------


def _school(user: User) -> School:
    return operations.found_or_404(queries.school_of(db.session, user))


def _to_terms():
    return redirect(url_for("meetings.settings") + "#terms")


@bp.route("/settings")
@access.requires(Ability.MANAGE_SETTINGS)
def settings():
    school = _school(operations.signed_in_user())
    return render_template("meetings/settings.html", page=queries.settings_page(db.session, school, today()))


@bp.route("/settings/rules", methods=["GET", "POST"])
@access.requires(Ability.MANAGE_SETTINGS)
def rules():
    user = operations.signed_in_user()
    school = _school(user)
    form = RuleSettingsForm.from_record(school)
    if operations.submit(form, settings_flow.save_rule_settings, school=school, details_as="values"):
        flash("Rule settings saved.", "success")
        return redirect(url_for("meetings.settings"))
    return render_template("meetings/rules.html", form=form)


@bp.route("/settings/terms/new", methods=["GET", "POST"], endpoint="term_new")
@bp.route("/settings/terms/<int:term_id>", methods=["GET", "POST"], endpoint="term_edit")
@access.requires(Ability.MANAGE_SETTINGS)
@once
def term(term_id: int | None = None):
    user = operations.signed_in_user()
    school = _school(user)
    page = operations.found_or_404(queries.term_page(db.session, school, term_id, today()))
    form = TermForm.from_record(
        page.term,
        years=page.years,
        this_year=page.this_year,
        asked_year=request.args.get("year", ""),
        asked_season=request.args.get("season", ""),
    )
    if operations.submit(form, settings_flow.save_term, term=page.term, school=school):
        flash("Term dates saved.", "success")
        return _to_terms()
    default_form = UseDefaultDatesForm() if page.term else None
    return render_template("meetings/term.html", form=form, term=page.term, default_form=default_form)


@bp.route("/settings/terms/<int:term_id>/default", methods=["POST"])
@access.requires(Ability.MANAGE_SETTINGS)
def term_default(term_id: int):
    user = operations.signed_in_user()
    school = _school(user)
    page = queries.term_page(db.session, school, term_id, today())
    if page is None or not UseDefaultDatesForm().validate_on_submit():
        abort(404)
    operations.step(
        settings_flow.use_default_dates,
        back=url_for("meetings.term_edit", term_id=term_id),
        actor=user,
        school=school,
        term=page.term,
    )
    flash("The term has the default dates again.", "success")
    return _to_terms()


# --- Settings: a second factor for signing in ---------------------------------------------------


@bp.route("/settings/second-factor", methods=["GET", "POST"])
@login_required
def second_factor_rule():
    """Whether everyone at the school signs in with a second factor: the SENCO and the head
    teacher open it; only the head teacher may switch it off."""
    user = operations.signed_in_user()
    if not access.may_set_second_factor_rule(user):
        abort(403)
    school = _school(user)
    form = SecondFactorRuleForm.from_record(school)
    saved = form.validate_on_submit() and operations.run(
        form, settings_flow.save_second_factor_rule, actor=user, school=school, for_all=form.for_all.data == "yes"
    )
    if saved:
        flash("The requirement of a second factor is saved." if saved.value else "Nothing has changed.", "success")
        return redirect(url_for("auth.security") if not access.can(user, Ability.MANAGE_SETTINGS) else _to_rules())
    return render_template(
        "meetings/second_factor_rule.html",
        form=form,
        school=school,
        may_switch_off=access.may_switch_second_factor_off(user),
    )


def _to_rules():
    return url_for("meetings.settings") + "#second-factor"
