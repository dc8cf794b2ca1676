"""The pupil's record around the cycles: the timeline, letters to parents, and decisions on
concerns. Views load through `access`, call one workflow operation, and commit once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import selectinload

from sentrack import access, audit
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.cycles import bp
from sentrack.cycles.forms import ConcernDecisionForm, MoveForm
from sentrack.cycles.views import _user
from sentrack.extensions import db
from sentrack.forms import attach_error, opened_at
from sentrack.models import Concern, ConcernStatus, ParentLetter, Pupil, Role, RoleAssignment, TimelineEvent, User
from sentrack.submissions import once
from sentrack.workflows import RuleBroken
from sentrack.workflows import cycles as flow
from sentrack.workflows.concerns import decide_no_further_action
from sentrack.workflows.letters import mark_letter_sent


@bp.route("/timeline")
@login_required
def timeline(public_id: str):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.VIEW_SEN)
    events = db.session.scalars(
        sa.select(TimelineEvent)
        .where(TimelineEvent.pupil_id == pupil.id)
        .options(selectinload(TimelineEvent.actor))
        .order_by(TimelineEvent.effective_on.desc(), TimelineEvent.id.desc())
    ).all()
    audit.record(db.session, "timeline_viewed", actor=user, pupil=pupil, object_type="pupil", object_id=pupil.id)
    db.session.commit()
    return render_template("cycles/timeline.html", pupil=pupil, events=events)


def _letter(pupil: Pupil, letter_id: int) -> ParentLetter:
    letter = db.session.scalar(
        sa.select(ParentLetter).where(ParentLetter.id == letter_id, ParentLetter.pupil_id == pupil.id)
    )
    if letter is None:
        abort(404)
    return letter


@bp.route("/letters/<int:letter_id>")
@login_required
def letter(public_id: str, letter_id: int):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.MANAGE_CYCLE)
    found = _letter(pupil, letter_id)
    status = next((s for s in pupil.sen_statuses if s.id == found.sen_status_id), None)
    senco = db.session.scalar(
        sa.select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.school_id == pupil.school_id, User.active, RoleAssignment.role == Role.SENCO)
        .order_by(User.id)
        .limit(1)
    )
    audit.record(db.session, "letter_printed", actor=user, pupil=pupil, object_type="parent_letter", object_id=found.id)
    db.session.commit()
    return render_template(
        "cycles/letter.html",
        pupil=pupil,
        letter=found,
        status=status,
        senco=senco or user,
        contacts=[c for c in pupil.contacts if c.parental_responsibility],
        form=MoveForm(),
    )


@bp.route("/letters/<int:letter_id>/sent", methods=["POST"])
@login_required
@once
def letter_sent(public_id: str, letter_id: int):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.MANAGE_CYCLE)
    found = _letter(pupil, letter_id)
    if not MoveForm().validate_on_submit():
        abort(400)
    try:
        mark_letter_sent(db.session, actor=user, letter=found, pupil=pupil, today=today())
    except RuleBroken as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Letter marked as sent.", "success")
    return redirect(url_for("pupils.show", public_id=pupil.public_id) + "#letters")


@bp.route("/concerns/<int:concern_id>/decide", methods=["GET", "POST"])
@login_required
@once
def decide_concern(public_id: str, concern_id: int):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.MANAGE_CYCLE)
    concern = db.session.scalar(sa.select(Concern).where(Concern.id == concern_id, Concern.pupil_id == pupil.id))
    if concern is None:
        abort(404)
    form = ConcernDecisionForm()
    if request.method == "GET":
        form.decided_on.data = today()
        opened_at(form, concern)
    if concern.status is not ConcernStatus.OPEN and (
        request.method == "GET" or form.expected_version == concern.version
    ):
        flash("This concern has already been decided.", "info")
        return redirect(url_for("pupils.show", public_id=pupil.public_id) + "#concerns")
    if form.validate_on_submit():
        try:
            if form.decision.data == "assess":
                cycle = flow.open_cycle(
                    db.session,
                    actor=user,
                    pupil=pupil,
                    today=today(),
                    concern=concern,
                    concern_version=form.expected_version,
                )
            else:
                cycle = None
                decide_no_further_action(
                    db.session,
                    actor=user,
                    concern=concern,
                    reason=form.reason.data or "",
                    decided_on=form.decided_on.data,
                    today=today(),
                    expected_version=form.expected_version,
                )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if cycle is not None:
                flash(f"Support cycle {cycle.number} opened from the concern. Record the assessment.", "success")
                return redirect(url_for("cycles.assessment", public_id=pupil.public_id, number=cycle.number))
            flash("Concern closed with no further action.", "success")
            return redirect(url_for("pupils.show", public_id=pupil.public_id) + "#concerns")
    return render_template("cycles/decide_concern.html", form=form, pupil=pupil, concern=concern)
