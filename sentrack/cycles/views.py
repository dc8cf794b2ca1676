"""Support cycle pages. Each view loads the pupil and cycle through `access` and `queries`, runs
one workflow operation through `operations`, and renders or redirects; the request commits once."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from sentrack import access, audit, drafts, kept, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.cycles import bp, queries
from sentrack.cycles.evidence import review_evidence
from sentrack.cycles.forms import (
    AssessmentForm,
    MoveForm,
    ObservationForm,
    OutcomeEditForm,
    OutcomeForm,
    PlanForm,
    ReviewForm,
    StartReviewForm,
    StartSupportForm,
)
from sentrack.extensions import db
from sentrack.models import Pupil, SupportCycle, User
from sentrack.submissions import once
from sentrack.workflows import cycles as flow


def _cycle(pupil: Pupil, number: int) -> SupportCycle:
    cycle = queries.cycle_of(db.session, pupil, number)
    if cycle is None:
        abort(404)
    return cycle


def _load(public_id: str, number: int, ability: Ability) -> tuple[User, Pupil, SupportCycle]:
    """The signed-in user, and the pupil and cycle if the user may do `ability` to them."""
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, ability)
    return user, pupil, _cycle(pupil, number)


def _cycle_url(cycle: SupportCycle, anchor: str = "") -> str:
    return url_for("cycles.show", public_id=cycle.pupil.public_id, number=cycle.number) + anchor


def _to_cycle(cycle: SupportCycle, anchor: str = ""):
    return redirect(_cycle_url(cycle, anchor))


# --- The cycle page -------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>")
@login_required
def show(public_id: str, number: int):
    user, pupil, cycle = _load(public_id, number, Ability.VIEW_SEN)
    part = kept.part(
        "cycle",
        user,
        schools=[pupil.school_id],
        args=(cycle.id,),
        write=lambda: _cycle_part(user, pupil, cycle, StartReviewForm(formdata=None)),
    )
    return _cycle_page(user, pupil, cycle, part)


def _show_page(user: User, pupil: Pupil, cycle: SupportCycle, start_form: StartReviewForm):
    """The cycle page written now: after a post refused, its form with the messages beside its fields."""
    return _cycle_page(user, pupil, cycle, _cycle_part(user, pupil, cycle, start_form))


def _cycle_part(user: User, pupil: Pupil, cycle: SupportCycle, start_form: StartReviewForm) -> kept.Part:
    on = today()
    reach = access.abilities_on(user, pupil)
    found = queries.cycle_page(db.session, user, cycle, today=on)
    html = render_template(
        "cycles/_show.html",
        pupil=pupil,
        cycle=cycle,
        today=on,
        form=MoveForm(),
        start_form=start_form,
        may_review_early=access.may_hold_early_review(user),
        may_manage=Ability.MANAGE_CYCLE in reach,
        may_assess=Ability.OPEN_CYCLE in reach,
        may_observe=Ability.RECORD_OBSERVATION in reach,
        **vars(found),
    )
    return kept.Part(Markup(html))


def _cycle_page(user: User, pupil: Pupil, cycle: SupportCycle, part: kept.Part):
    page = render_template("cycles/show.html", pupil=pupil, cycle=cycle, content=part.html)
    return audit.shown(
        db.session, page, "cycle_viewed", actor=user, pupil=pupil, object_type="support_cycle", object_id=cycle.id
    )


@bp.route("/cycles", methods=["POST"])
@once
def open_new(public_id: str):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.OPEN_CYCLE)
    operations.button_posted(MoveForm)
    back = url_for("pupils.show", public_id=pupil.public_id)
    try:
        cycle = operations.step(flow.open_cycle, back=back, actor=user, pupil=pupil, today=today())
    except IntegrityError:
        # Someone opened one at the same moment: the one-open-cycle index kept it to one.
        db.session.rollback()
        flash("This pupil already has an open support cycle", "error")
        return redirect(back)
    flash(f"Support cycle {cycle.number} opened. Start with the assessment.", "success")
    return redirect(url_for("cycles.assessment", public_id=pupil.public_id, number=cycle.number))


@bp.route("/cycles/<int:number>/move/<move>", methods=["POST"])
@once
def move(public_id: str, number: int, move: str):
    """The moves that need no fields: finish the assessment, start the review."""
    user, pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    if move == flow.Move.START_REVIEW.value:
        return _start_review(user, pupil, cycle)
    if move != flow.Move.FINISH_ASSESSMENT.value or not MoveForm().validate_on_submit():
        abort(404)
    operations.step(flow.finish_assessment, back=_cycle_url(cycle), actor=user, cycle=cycle, today=today())
    flash(f"The cycle is now at '{cycle.state.label}'.", "success")
    return _to_cycle(cycle)


def _start_review(user: User, pupil: Pupil, cycle: SupportCycle):
    """Start the review: a reason for holding it early that is refused is shown beside its field
    on the cycle page, keeping what was typed; any other refusal is said at the top of the page."""
    form = StartReviewForm()
    if not form.validate_on_submit():
        abort(404)
    done = operations.run(form, flow.start_review, actor=user, cycle=cycle, today=today(), early=form.to_early())
    if not done:
        if form.early_reason.errors or form.early_reason_detail.errors:
            return _show_page(user, pupil, _cycle(pupil, cycle.number), form)
        for message in getattr(form, "general_errors", []):
            flash(message, "error")
        return _to_cycle(cycle)
    flash(f"The cycle is now at '{cycle.state.label}'.", "success")
    if cycle.review is not None:
        return redirect(url_for("cycles.review", public_id=pupil.public_id, number=cycle.number))
    return _to_cycle(cycle)


# --- Assess ---------------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>/assessment", methods=["GET", "POST"])
@drafts.keeps
@once
def assessment(public_id: str, number: int):
    user, _, cycle = _load(public_id, number, Ability.OPEN_CYCLE)
    form = AssessmentForm.from_record(
        cycle.assessment, today=today(), start=flow.assessment_starting_point(cycle, today())
    )
    drafts.keep(form)
    return _save(form, flow.save_assessment, user, cycle, "cycles/assessment.html", "Assessment saved.", "#assessment")


def _save(form, operation, user: User, cycle: SupportCycle, template: str, saved: str, anchor: str, **extra):
    """A form that saves a record of the cycle: sent and valid, `operation` is run with the form's
    details (and `extra`); done, back to the cycle at `anchor`, saying `saved`. Otherwise, or
    refused, the form's page (`template`, shown with `extra` too) as typed."""
    if operations.submit(form, operation, actor=user, cycle=cycle, today=today(), **extra):
        flash(saved, "success")
        return _to_cycle(cycle, anchor)
    return render_template(template, form=form, pupil=cycle.pupil, cycle=cycle, **extra)


# --- Plan -----------------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>/plan", methods=["GET", "POST"])
@drafts.keeps
@once
def plan(public_id: str, number: int):
    user, _, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    opening = request.method == "GET"
    form = PlanForm.from_record(
        cycle.plan,
        start=flow.plan_starting_point(cycle, today()) if opening else None,
        agreed_how=queries.plan_agreed_how(db.session, cycle.plan) if opening else None,
    )
    drafts.keep(form)
    return _save(form, flow.save_plan, user, cycle, "cycles/plan.html", "Plan saved.", "#plan")


@bp.route("/cycles/<int:number>/outcomes/new", methods=["GET", "POST"], endpoint="outcome_new")
@bp.route("/cycles/<int:number>/outcomes/<int:outcome_id>", methods=["GET", "POST"], endpoint="outcome_edit")
@once
def outcome(public_id: str, number: int, outcome_id: int | None = None):
    user, _, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    existing = None if outcome_id is None else _outcome(cycle, outcome_id)
    review_date = cycle.plan.review_date if cycle.plan is not None else None
    bank = queries.outcome_wordings(db.session, cycle)
    form = (OutcomeForm if existing is None else OutcomeEditForm).from_record(
        existing, target_date=review_date, bank=bank
    )
    if form.picked() is not None:
        return render_template("cycles/outcome.html", form=form, pupil=cycle.pupil, cycle=cycle, outcome=existing)
    return _save(
        form, flow.save_outcome, user, cycle, "cycles/outcome.html", "Outcome saved.", "#plan", outcome=existing
    )


def _outcome(cycle: SupportCycle, outcome_id: int):
    """The cycle's outcome `outcome_id`, or Not found."""
    found = next((o for o in cycle.outcomes if o.id == outcome_id), None)
    if found is None:
        abort(404)
    return found


@bp.route("/cycles/<int:number>/outcomes/<int:outcome_id>/confirm-removal")
@login_required
def outcome_confirm_remove(public_id: str, number: int, outcome_id: int):
    """Removing an outcome asks first: the page says which outcome goes, and its button removes it;
    once the plan has started, it says why the outcome stays."""
    user, pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    existing = _outcome(cycle, outcome_id)
    return render_template(
        "cycles/outcome_remove.html",
        form=MoveForm(),
        pupil=pupil,
        cycle=cycle,
        outcome=existing,
        place=cycle.outcomes.index(existing) + 1,
        problems=flow.removal_problems(cycle),
    )


@bp.route("/cycles/<int:number>/outcomes/<int:outcome_id>/remove", methods=["POST"])
@login_required
def outcome_remove(public_id: str, number: int, outcome_id: int):
    user, pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    existing = _outcome(cycle, outcome_id)
    if not MoveForm().validate_on_submit():
        abort(404)
    operations.step(flow.remove_outcome, back=_cycle_url(cycle, "#plan"), actor=user, cycle=cycle, outcome=existing)
    flash("Outcome removed.", "success")
    return _to_cycle(cycle, "#plan")


@bp.route("/cycles/<int:number>/start", methods=["GET", "POST"])
@once
def start(public_id: str, number: int):
    user, pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    found = queries.start_page(db.session, pupil, cycle, today=today())
    form = StartSupportForm()
    if (
        form.validate_on_submit()
        and not found.problems
        and operations.run(form, flow.start_support, actor=user, cycle=cycle, today=today(), needs=form.needs())
    ):
        placed = " The pupil is now on SEN support: send the letter to parents." if found.needs_status else ""
        flash("The plan has started." + placed, "success")
        return _to_cycle(cycle)
    return render_template(
        "cycles/start.html",
        form=form,
        pupil=pupil,
        cycle=cycle,
        needs_status=found.needs_status,
        problems=found.problems,
    )


# --- Do -------------------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>/observations/new", methods=["GET", "POST"])
@once
def observation(public_id: str, number: int):
    user, pupil, cycle = _load(public_id, number, Ability.RECORD_OBSERVATION)
    form = ObservationForm.from_record(cycle, outcome=request.args.get("outcome", ""), today=today())
    if form.validate_on_submit() and operations.run(
        form, flow.add_observation, actor=user, cycle=cycle, today=today(), **form.to_details()
    ):
        flash("Observation saved.", "success")
        return _to_cycle(cycle, "#plan")
    return render_template("cycles/observation.html", form=form, pupil=pupil, cycle=cycle)


# --- Review ---------------------------------------------------------------------------------------


@bp.route("/cycles/<int:number>/review", methods=["GET", "POST"])
@drafts.keeps
@once
def review(public_id: str, number: int):
    user, pupil, cycle = _load(public_id, number, Ability.MANAGE_CYCLE)
    if cycle.review is None:
        abort(404)
    form = ReviewForm.from_record(cycle.review, outcomes=cycle.outcomes)
    drafts.keep(form)
    recording = bool(form.record.data)
    done = operations.submit(form, flow.submit_review if recording else flow.save_review, cycle=cycle, today=today())
    if not done:
        evidence = review_evidence(db.session, cycle, today=today())
        return render_template("cycles/review.html", form=form, pupil=pupil, cycle=cycle, evidence=evidence)
    if not recording:
        flash("Review saved as a draft.", "success")
        return _to_cycle(cycle, "#review")
    following = done.value
    if following is not None:
        flash(
            f"Review recorded. Support cycle {following.number} has opened with the outcomes not yet met; "
            "its assessment and plan start from this cycle's, for you to check and save.",
            "success",
        )
        return redirect(url_for("cycles.show", public_id=pupil.public_id, number=following.number))
    opened = queries.ehc_request_opened_by(db.session, cycle.review)
    if opened is not None:
        # The review asked for an EHC needs assessment: on to the request and its clocks.
        flash("Review recorded and the cycle closed. The request for an EHC needs assessment is open.", "success")
        return redirect(url_for("ehc.request", request_id=opened.id))
    flash("Review recorded and the cycle closed.", "success")
    return _to_cycle(cycle)


@bp.route("/cycles/<int:number>/plan/print")
@login_required
def plan_print(public_id: str, number: int):
    user, pupil, cycle = _load(public_id, number, Ability.VIEW_SEN)
    if cycle.plan is None:
        abort(404)
    copy = queries.plan_copy(db.session, pupil, cycle)
    page = render_template("cycles/plan_print.html", pupil=pupil, cycle=cycle, today=today(), copy=copy)
    return audit.shown(
        db.session, page, "plan_printed", actor=user, pupil=pupil, object_type="plan", object_id=cycle.plan.id
    )
