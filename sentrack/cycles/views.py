"""Support cycle pages. Each view loads the pupil and cycle through `access`, calls one workflow
operation, and renders or redirects; the request commits once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from sentrack import access, audit
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.cycles import bp
from sentrack.cycles.forms import (
    AssessmentForm,
    MoveForm,
    ObservationForm,
    OutcomeEditForm,
    OutcomeForm,
    PlanForm,
    StartReviewForm,
    StartSupportForm,
    review_form_class,
)
from sentrack.extensions import db
from sentrack.forms import attach_error, opened_at
from sentrack.models import (
    AreaOfNeed,
    EarlyReviewReason,
    NeedType,
    OutcomeRating,
    Pupil,
    ReviewDecision,
    SupportCycle,
    User,
)
from sentrack.pupils.queries import load_staff
from sentrack.submissions import once
from sentrack.workflows import RuleBroken
from sentrack.workflows import cycles as flow
from sentrack.workflows.meetings import plan_meeting_of
from sentrack.workflows.sen_status import current_status


def _user() -> User:
    return current_user._get_current_object()


def _cycle(pupil: Pupil, number: int) -> SupportCycle:
    cycle = db.session.scalar(
        sa.select(SupportCycle)
        .where(SupportCycle.pupil_id == pupil.id, SupportCycle.number == number)
        .options(
            selectinload(SupportCycle.outcomes),
            selectinload(SupportCycle.observations),
            joinedload(SupportCycle.assessment),
            joinedload(SupportCycle.plan),
            joinedload(SupportCycle.review),
        )
    )
    if cycle is None:
        abort(404)
    return cycle


def _load(public_id: str, number: int, ability: Ability) -> tuple[Pupil, SupportCycle]:
    pupil = access.get_pupil(_user(), public_id, ability)
    return pupil, _cycle(pupil, number)


def _to_cycle(cycle: SupportCycle, anchor: str = ""):
    return redirect(url_for("cycles.show", public_id=cycle.pupil.public_id, number=cycle.number) + anchor)


# --- The cycle page -------------------------------------------------------------------------------


def _early(form) -> flow.EarlyReview | None:
    """The reason for an early review the form gives, if any."""
    value = form.early_reason.data
    reason = EarlyReviewReason(value) if value in {r.value for r in EarlyReviewReason} else None
    if reason is None and not form.early_reason_detail.data:
        return None
    return flow.EarlyReview(reason=reason, detail=form.early_reason_detail.data)


@bp.route("/cycles/<int:number>")
@login_required
def show(public_id: str, number: int):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.VIEW_SEN)
    return _show_page(user, pupil, cycle, StartReviewForm(formdata=None))


def _show_page(user: User, pupil: Pupil, cycle: SupportCycle, start_form: StartReviewForm):
    on = today()
    reach = access.abilities_on(user, pupil)
    moves = flow.allowed_moves(cycle)
    problems = {move: flow.guard_problems(cycle, move, today=on, actor=user) for move in moves}
    by_outcome: dict[int | None, list] = {}
    for observation in cycle.observations:
        by_outcome.setdefault(observation.outcome_id, []).append(observation)
    # Everyone the page names, in one query, held while the page renders.
    staff = load_staff(
        db.session,
        [cycle.opened_by_id, cycle.assessment.assessed_by_id if cycle.assessment else None]
        + [observation.recorded_by_id for observation in cycle.observations],
    )
    # Rendered before the view is audited and committed: the commit expires what was loaded.
    page = render_template(
        "cycles/show.html",
        pupil=pupil,
        cycle=cycle,
        moves=moves,
        problems=problems,
        by_outcome=by_outcome,
        today=on,
        form=MoveForm(),
        start_form=start_form,
        may_review_early=access.may_hold_early_review(user),
        may_manage=Ability.MANAGE_CYCLE in reach,
        may_assess=Ability.OPEN_CYCLE in reach,
        may_observe=Ability.RECORD_OBSERVATION in reach,
        cycles=db.session.scalars(
            sa.select(SupportCycle).where(SupportCycle.pupil_id == pupil.id).order_by(SupportCycle.number)
        ).all(),
    )
    del staff
    return audit.shown(
        db.session, page, "cycle_viewed", actor=user, pupil=pupil, object_type="support_cycle", object_id=cycle.id
    )


@bp.route("/cycles", methods=["POST"])
@login_required
@once
def open_new(public_id: str):
    user = _user()
    pupil = access.get_pupil(user, public_id, Ability.OPEN_CYCLE)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        cycle = flow.open_cycle(db.session, actor=user, pupil=pupil, today=today())
        number = cycle.number
        db.session.commit()
    except RuleBroken as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("pupils.show", public_id=pupil.public_id))
    except IntegrityError:
        # Someone opened one at the same moment: the one-open-cycle index kept it to one.
        db.session.rollback()
        flash("This pupil already has an open support cycle", "error")
        return redirect(url_for("pupils.show", public_id=pupil.public_id))
    cycle = _cycle(pupil, number)
    flash(f"Support cycle {cycle.number} opened. Start with the assessment.", "success")
    return redirect(url_for("cycles.assessment", public_id=pupil.public_id, number=cycle.number))


@bp.route("/cycles/<int:number>/move/<move>", methods=["POST"])
@login_required
@once
def move(public_id: str, number: int, move: str):
    """The moves that need no fields: finish the assessment, start the review."""
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    operations = {
        flow.Move.FINISH_ASSESSMENT.value: flow.finish_assessment,
        flow.Move.START_REVIEW.value: flow.start_review,
    }
    form = StartReviewForm() if move == flow.Move.START_REVIEW.value else MoveForm()
    if move not in operations or not form.validate_on_submit():
        abort(404)
    try:
        if move == flow.Move.START_REVIEW.value:
            flow.start_review(db.session, actor=user, cycle=cycle, today=today(), early=_early(form))
        else:
            operations[move](db.session, actor=user, cycle=cycle, today=today())
    except RuleBroken as error:
        db.session.rollback()
        if move == flow.Move.START_REVIEW.value and error.field in ("early_reason", "early_reason_detail"):
            # The reason for an early review is refused beside its field, keeping what was typed.
            attach_error(form, error)
            return _show_page(user, pupil, _cycle(pupil, number), form)
        flash(error.message, "error")
        return _to_cycle(cycle)
    db.session.commit()
    flash(f"The cycle is now at '{cycle.state.label}'.", "success")
    if cycle.review is not None and move == flow.Move.START_REVIEW.value:
        return redirect(url_for("cycles.review", public_id=pupil.public_id, number=cycle.number))
    return _to_cycle(cycle)


# --- Assess ---------------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>/assessment", methods=["GET", "POST"])
@login_required
@once
def assessment(public_id: str, number: int):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.OPEN_CYCLE)
    existing = cycle.assessment
    form = AssessmentForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET":
        opened_at(form, existing)
    if request.method == "GET" and existing is None:
        form.assessed_on.data = today()
    if form.validate_on_submit():
        details = flow.AssessmentDetails(
            areas_of_need=form.areas_of_need.data,
            strengths=form.strengths.data,
            difficulties=form.difficulties.data,
            evidence=form.evidence.data,
            pupil_views=form.pupil_views.data,
            parent_views=form.parent_views.data,
            outside_agencies=form.outside_agencies.data,
            assessed_on=form.assessed_on.data,
        )
        try:
            flow.save_assessment(
                db.session,
                actor=user,
                cycle=cycle,
                details=details,
                today=today(),
                expected_version=form.expected_version,
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Assessment saved.", "success")
            return _to_cycle(cycle, "#assessment")
    return render_template("cycles/assessment.html", form=form, pupil=pupil, cycle=cycle)


# --- Plan -----------------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>/plan", methods=["GET", "POST"])
@login_required
@once
def plan(public_id: str, number: int):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    existing = cycle.plan
    form = PlanForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET":
        # A plan not yet written is version 0, so that of two people writing it at once the
        # second is told, rather than saving over the first.
        opened_at(form, existing)
        if existing is None:
            start = flow.plan_starting_point(cycle, today())
            for name, value in vars(start).items():
                if name in form:  # how the plan was agreed is asked afresh
                    form[name].data = value
        elif existing.agreed_with_parents_on is not None:
            at_meeting = plan_meeting_of(db.session, existing) is not None
            form.agreed_how.data = "meeting" if at_meeting else "without_meeting"
    if form.validate_on_submit():
        details = flow.PlanDetails(
            starts_on=form.starts_on.data,
            strategies=form.strategies.data,
            provision=form.provision.data,
            responsibilities=form.responsibilities.data,
            review_date=form.review_date.data,
            agreed_with_parents_on=form.agreed_with_parents_on.data,
            expected_impact=form.expected_impact.data,
            agreed_at_meeting={"meeting": True, "without_meeting": False}.get(form.agreed_how.data or "", False),
        )
        try:
            flow.save_plan(
                db.session,
                actor=user,
                cycle=cycle,
                details=details,
                expected_version=form.expected_version,
                today=today(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Plan saved.", "success")
            return _to_cycle(cycle, "#plan")
    return render_template("cycles/plan.html", form=form, pupil=pupil, cycle=cycle)


@bp.route("/cycles/<int:number>/outcomes/new", methods=["GET", "POST"], endpoint="outcome_new")
@bp.route("/cycles/<int:number>/outcomes/<int:outcome_id>", methods=["GET", "POST"], endpoint="outcome_edit")
@login_required
@once
def outcome(public_id: str, number: int, outcome_id: int | None = None):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    existing = None
    if outcome_id is not None:
        existing = next((o for o in cycle.outcomes if o.id == outcome_id), None)
        if existing is None:
            abort(404)
    form = (OutcomeEditForm if existing is not None else OutcomeForm)(obj=existing if request.method == "GET" else None)
    if request.method == "GET" and existing is not None:
        opened_at(form, existing)
        form.area_of_need.data = existing.area_of_need.value
    if request.method == "GET" and existing is None and cycle.plan is not None and cycle.plan.review_date:
        form.target_date.data = cycle.plan.review_date
    if form.validate_on_submit():
        details = flow.OutcomeDetails(
            description=form.description.data,
            success_criteria=form.success_criteria.data,
            area_of_need=AreaOfNeed(form.area_of_need.data),
            target_date=form.target_date.data,
        )
        try:
            flow.save_outcome(
                db.session,
                actor=user,
                cycle=cycle,
                details=details,
                outcome=existing,
                expected_version=form.expected_version if existing is not None else None,
                today=today(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Outcome saved.", "success")
            return _to_cycle(cycle, "#plan")
    return render_template("cycles/outcome.html", form=form, pupil=pupil, cycle=cycle, outcome=existing)


@bp.route("/cycles/<int:number>/outcomes/<int:outcome_id>/remove", methods=["POST"])
@login_required
def outcome_remove(public_id: str, number: int, outcome_id: int):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    existing = next((o for o in cycle.outcomes if o.id == outcome_id), None)
    if existing is None or not MoveForm().validate_on_submit():
        abort(404)
    try:
        flow.remove_outcome(db.session, actor=user, cycle=cycle, outcome=existing)
    except RuleBroken as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Outcome removed.", "success")
    return _to_cycle(cycle, "#plan")


@bp.route("/cycles/<int:number>/start", methods=["GET", "POST"])
@login_required
@once
def start(public_id: str, number: int):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    status = current_status(db.session, pupil)
    needs_status = status is None or status.provision.value == "N"
    form = StartSupportForm()
    problems = flow.guard_problems(cycle, flow.Move.START_SUPPORT, today=today())
    if form.validate_on_submit() and not problems:
        try:
            flow.start_support(
                db.session,
                actor=user,
                cycle=cycle,
                today=today(),
                primary_need=NeedType(form.primary_need.data) if form.primary_need.data else None,
                secondary_need=NeedType(form.secondary_need.data) if form.secondary_need.data else None,
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(
                "The plan has started."
                + (" The pupil is now on SEN support: send the letter to parents." if needs_status else ""),
                "success",
            )
            return _to_cycle(cycle)
    return render_template(
        "cycles/start.html", form=form, pupil=pupil, cycle=cycle, needs_status=needs_status, problems=problems
    )


# --- Do -------------------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>/observations/new", methods=["GET", "POST"])
@login_required
@once
def observation(public_id: str, number: int):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.RECORD_OBSERVATION)
    form = ObservationForm()
    form.outcome.choices = [("", "General: not about one outcome")] + [
        (str(o.id), o.description[:80]) for o in cycle.outcomes
    ]
    if request.method == "GET":
        form.observed_on.data = today()
        form.outcome.data = request.args.get("outcome", "")
    if form.validate_on_submit():
        chosen = next((o for o in cycle.outcomes if str(o.id) == form.outcome.data), None)
        try:
            flow.add_observation(
                db.session,
                actor=user,
                cycle=cycle,
                observed_on=form.observed_on.data,
                note=form.note.data,
                outcome=chosen,
                today=today(),
            )
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Observation saved.", "success")
            return _to_cycle(cycle, "#plan")
    return render_template("cycles/observation.html", form=form, pupil=pupil, cycle=cycle)


# --- Review ---------------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>/review", methods=["GET", "POST"])
@login_required
@once
def review(public_id: str, number: int):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    if cycle.review is None:
        abort(404)
    form = review_form_class(cycle.outcomes)()
    existing = cycle.review
    if request.method == "GET":
        form.process(obj=existing)
        opened_at(form, existing)
        form.decision.data = existing.decision.value if existing.decision else None
        form.early_reason.data = existing.early_reason.value if existing.early_reason else None
        for outcome in cycle.outcomes:
            getattr(form, f"rating_{outcome.id}").data = outcome.rating.value if outcome.rating else None
            getattr(form, f"note_{outcome.id}").data = outcome.rating_note
    if form.validate_on_submit():
        details = flow.ReviewDetails(
            held_on=form.held_on.data,
            attendees=form.attendees.data,
            parent_attended=form.parent_attended.data,
            provision_impact=form.provision_impact.data,
            pupil_views=form.pupil_views.data,
            parent_views=form.parent_views.data,
            next_steps=form.next_steps.data,
            decision=ReviewDecision(form.decision.data) if form.decision.data else None,
            decision_reason=form.decision_reason.data,
            ehc_requested_on=form.ehc_requested_on.data,
            early_reason=EarlyReviewReason(form.early_reason.data) if form.early_reason.data else None,
            early_reason_detail=form.early_reason_detail.data,
            ratings={
                o.id: (
                    OutcomeRating(getattr(form, f"rating_{o.id}").data)
                    if getattr(form, f"rating_{o.id}").data
                    else None,
                    getattr(form, f"note_{o.id}").data,
                )
                for o in cycle.outcomes
            },
        )
        try:
            flow.save_review(
                db.session,
                actor=user,
                cycle=cycle,
                details=details,
                expected_version=form.expected_version,
                today=today(),
            )
            following = None
            if form.record.data:
                following = flow.record_review(db.session, actor=user, cycle=cycle, today=today())
        except RuleBroken as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if not form.record.data:
                flash("Review saved as a draft.", "success")
                return _to_cycle(cycle, "#review")
            if following is not None:
                flash(
                    f"Review recorded. Support cycle {following.number} has opened with the outcomes not yet met.",
                    "success",
                )
                return redirect(url_for("cycles.show", public_id=pupil.public_id, number=following.number))
            flash("Review recorded and the cycle closed.", "success")
            return _to_cycle(cycle)
    return render_template("cycles/review.html", form=form, pupil=pupil, cycle=cycle)


@bp.route("/cycles/<int:number>/plan/print")
@login_required
def plan_print(public_id: str, number: int):
    user = _user()
    pupil, cycle = _load(public_id, number, Ability.VIEW_SEN)
    if cycle.plan is None:
        abort(404)
    page = render_template("cycles/plan_print.html", pupil=pupil, cycle=cycle, today=today())
    return audit.shown(
        db.session, page, "plan_printed", actor=user, pupil=pupil, object_type="plan", object_id=cycle.plan.id
    )
