"""EHC pages: requests for an EHC needs assessment. The SENCO records a request (the school's, or
one made to the authority directly); the request's page shows each statutory clock; the LA
officer records the authority's steps, one form each; either side records a withdrawal or an
exception to the time limits. Each view loads through `access`, refuses a step out of order with
the reason (`ehc_requests.step_problem`), runs one operation through `operations` and renders."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.ehc import bp, queries
from sentrack.ehc.forms import (
    AdviceForm,
    AdviceReceivedForm,
    AssessmentDecisionForm,
    DraftForm,
    ExceptionForm,
    FinalPlanForm,
    PlanDecisionForm,
    RequestForm,
    WithdrawForm,
)
from sentrack.extensions import db
from sentrack.models import EhcRequest
from sentrack.submissions import once
from sentrack.templating import format_date
from sentrack.workflows import ehc_requests as flow
from sentrack.workflows.ehc_requests import Step

EITHER_SIDE = (Ability.RECORD_EHC_SCHOOL, Ability.RECORD_EHC_LA)


def _request_url(request: EhcRequest, anchor: str = "") -> str:
    return url_for("ehc.request", request_id=request.id) + anchor


def _load(request_id: int, ability: Ability | tuple[Ability, ...]) -> EhcRequest:
    user = operations.signed_in_user()
    if isinstance(ability, tuple):
        return access.get_ehc_record_for_any(user, EhcRequest, request_id, ability)
    return access.get_ehc_record(user, EhcRequest, request_id, ability)


def _step_page(request: EhcRequest, step: Step, form, operation, *, template: str, done: str, **arguments):
    """A form for one step of the request: refused out of order with the reason, in place of the
    form; sent and valid, `operation` runs with the form's details and `arguments`; done, back to
    the request with `done` said; otherwise, or refused, the form again as typed."""
    problem = flow.step_problem(request, step)
    if problem is None and operations.submit(form, operation, request=request, today=today(), **arguments):
        flash(done, "success")
        return redirect(_request_url(request))
    return render_template(template, form=form, ehc_request=request, pupil=request.pupil, blocked=problem)


# --- The request -----------------------------------------------------------------------------


@bp.route("/pupils/<public_id>/ehc/requests/new", methods=["GET", "POST"])
@once
def new_request(public_id: str):
    user = operations.signed_in_user()
    pupil = access.get_pupil(user, public_id, Ability.RECORD_EHC_SCHOOL)
    existing = queries.request_in_progress_of(db.session, pupil)
    form = RequestForm()
    if existing is None:
        done = operations.submit(form, flow.record_request, pupil=pupil, today=today())
        if done:
            flash("Request recorded. Each statutory clock runs from the day the authority received it.", "success")
            return redirect(_request_url(done.value))
    return render_template("ehc/request_new.html", form=form, pupil=pupil, existing=existing)


@bp.route("/ehc/requests/<int:request_id>")
@login_required
def request(request_id: int):
    user = operations.signed_in_user()
    found = _load(request_id, Ability.VIEW_SEN)
    pupil = found.pupil
    reach = access.abilities_on(user, pupil)
    page = queries.request_page(db.session, found, today())
    rendered = render_template(
        "ehc/request_show.html",
        page=page,
        ehc_request=found,
        pupil=pupil,
        today=today(),
        may_school=Ability.RECORD_EHC_SCHOOL in reach,
        may_la=Ability.RECORD_EHC_LA in reach,
        plan_url=url_for("ehc.plan", plan_id=page.plan_id) if page.plan_id else None,
        documents_url=url_for("ehc.new_document", request_id=found.id)
        if Ability.UPLOAD_EHC_DOCUMENT in reach
        else None,
    )
    return audit.shown(
        db.session,
        rendered,
        "ehc_request_viewed",
        actor=user,
        pupil=pupil,
        object_type="ehc_request",
        object_id=found.id,
    )


# --- The authority's steps -------------------------------------------------------------------


@bp.route("/ehc/requests/<int:request_id>/assessment-decision", methods=["GET", "POST"])
@login_required
def decide_assessment(request_id: int):
    found = _load(request_id, Ability.RECORD_EHC_LA)
    return _step_page(
        found,
        Step.DECIDE_ASSESSMENT,
        AssessmentDecisionForm.from_record(today()),
        flow.decide_assessment,
        template="ehc/request_assessment.html",
        done="The decision whether to assess is recorded.",
    )


@bp.route("/ehc/requests/<int:request_id>/advice/new", methods=["GET", "POST"])
@once
def ask_advice(request_id: int):
    found = _load(request_id, Ability.RECORD_EHC_LA)
    return _step_page(
        found,
        Step.ASK_ADVICE,
        AdviceForm(),
        flow.ask_advice,
        template="ehc/request_advice.html",
        done="Advice asked is recorded: it is due within 6 weeks.",
    )


@bp.route("/ehc/requests/<int:request_id>/advice/<int:advice_id>", methods=["GET", "POST"])
@login_required
def advice_received(request_id: int, advice_id: int):
    found = _load(request_id, Ability.RECORD_EHC_LA)
    advice = queries.advice_of(db.session, found, advice_id)
    if advice is None:
        abort(404)
    form = AdviceReceivedForm()
    problem = flow.ended_problem(found)
    if advice.received_on is not None and problem is None:
        problem = f"The advice from {advice.adviser} was recorded as received on {format_date(advice.received_on)}"
    if problem is None and operations.submit(
        form, flow.advice_received, request=found, advice=advice, today=today(), details_as="received_on"
    ):
        flash(f"The advice from {advice.adviser} is recorded as received.", "success")
        return redirect(_request_url(found))
    return render_template(
        "ehc/request_advice_received.html",
        form=form,
        ehc_request=found,
        pupil=found.pupil,
        advice=advice,
        blocked=problem,
    )


@bp.route("/ehc/requests/<int:request_id>/plan-decision", methods=["GET", "POST"])
@login_required
def decide_plan(request_id: int):
    found = _load(request_id, Ability.RECORD_EHC_LA)
    return _step_page(
        found,
        Step.DECIDE_PLAN,
        PlanDecisionForm(),
        flow.decide_plan,
        template="ehc/request_plan_decision.html",
        done="The decision whether to issue a plan is recorded.",
    )


@bp.route("/ehc/requests/<int:request_id>/draft", methods=["GET", "POST"])
@login_required
def send_draft(request_id: int):
    found = _load(request_id, Ability.RECORD_EHC_LA)
    problem = flow.step_problem(found, Step.SEND_DRAFT)
    form = DraftForm()
    if problem is None and operations.submit(
        form, flow.send_draft, request=found, today=today(), details_as="draft_sent_on"
    ):
        flash("The draft plan sent is recorded.", "success")
        return redirect(_request_url(found))
    return render_template("ehc/request_draft.html", form=form, ehc_request=found, pupil=found.pupil, blocked=problem)


@bp.route("/ehc/requests/<int:request_id>/final-plan", methods=["GET", "POST"])
@once
def issue_final(request_id: int):
    found = _load(request_id, Ability.RECORD_EHC_LA)
    problem = flow.step_problem(found, Step.ISSUE_FINAL)
    form = FinalPlanForm.from_record(found.pupil.school.name)
    if problem is None:
        done = operations.submit(form, flow.issue_final, request=found, today=today())
        if done:
            flash("The final plan is recorded and the pupil is on an EHC plan.", "success")
            return redirect(url_for("ehc.plan", plan_id=done.value.id))
    return render_template("ehc/request_final.html", form=form, ehc_request=found, pupil=found.pupil, blocked=problem)


# --- Either side -----------------------------------------------------------------------------


@bp.route("/ehc/requests/<int:request_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_request(request_id: int):
    found = _load(request_id, EITHER_SIDE)
    return _step_page(
        found,
        Step.WITHDRAW,
        WithdrawForm(),
        flow.withdraw,
        template="ehc/request_withdraw.html",
        done="The request is recorded as withdrawn.",
    )


@bp.route("/ehc/requests/<int:request_id>/exceptions/new", methods=["GET", "POST"])
@once
def new_exception(request_id: int):
    found = _load(request_id, EITHER_SIDE)
    return _step_page(
        found,
        Step.RECORD_EXCEPTION,
        ExceptionForm(),
        flow.record_exception,
        template="ehc/request_exception.html",
        done="The exception is recorded. It moves no date: it is reported beside the clocks.",
    )
