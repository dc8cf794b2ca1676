"""EHC pages: requests for an EHC needs assessment. The SENCO records a request (the school's, or
one made to the authority directly); the request's page shows each statutory clock; the LA
officer records the authority's steps, one form each; either side records a withdrawal or an
exception to the time limits. Each view loads through `access`, refuses a step out of order with
the reason (`ehc_requests.step_problem`), runs one operation through `operations` and renders."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask import request as http
from flask_login import login_required
from markupsafe import Markup

from sentrack import access, audit, kept, operations
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
    return access.get_ehc_record(operations.signed_in_user(), EhcRequest, request_id, ability)


LA = Ability.RECORD_EHC_LA

# The pages of one step each, by endpoint: the step, its form, the operation and who may take it.
_STEPS = {
    "decide_assessment": (Step.DECIDE_ASSESSMENT, AssessmentDecisionForm, flow.decide_assessment, LA),
    "ask_advice": (Step.ASK_ADVICE, AdviceForm, flow.ask_advice, LA),
    "decide_plan": (Step.DECIDE_PLAN, PlanDecisionForm, flow.decide_plan, LA),
    "send_draft": (Step.SEND_DRAFT, DraftForm, flow.send_draft, LA),
    "withdraw_request": (Step.WITHDRAW, WithdrawForm, flow.withdraw, EITHER_SIDE),
    "new_exception": (Step.RECORD_EXCEPTION, ExceptionForm, flow.record_exception, EITHER_SIDE),
}
# Each step's template, and what is said once it is recorded.
_PAGES = {
    Step.DECIDE_ASSESSMENT: ("ehc/request_assessment.html", "The decision whether to assess is recorded."),
    Step.ASK_ADVICE: ("ehc/request_advice.html", "Advice asked is recorded: it is due within 6 weeks."),
    Step.DECIDE_PLAN: ("ehc/request_plan_decision.html", "The decision whether to issue a plan is recorded."),
    Step.SEND_DRAFT: ("ehc/request_draft.html", "The draft plan sent is recorded."),
    Step.WITHDRAW: ("ehc/request_withdraw.html", "The request is recorded as withdrawn."),
    Step.RECORD_EXCEPTION: (
        "ehc/request_exception.html",
        "The exception is recorded. It moves no date: it is reported beside the clocks.",
    ),
}
# The argument of the operation that takes the form's details, where it is not `details`.
_DETAILS_AS = {Step.SEND_DRAFT: "draft_sent_on"}


def _step_page(request_id: int):
    """The form of the step this endpoint serves (`_STEPS`): refused out of order with the reason,
    in place of the form; sent and valid, the operation runs with the form's details; done, back to
    the request with what was done said; otherwise, or refused, the form again as typed."""
    step, form_class, operation, ability = _STEPS[http.endpoint.rpartition(".")[2]]
    found = _load(request_id, ability)
    form = form_class.from_record(today()) if hasattr(form_class, "from_record") else form_class()
    template, done = _PAGES[step]
    details_as = _DETAILS_AS.get(step, "details")
    problem = flow.step_problem(found, step)
    if problem is None and operations.submit(form, operation, request=found, today=today(), details_as=details_as):
        flash(done, "success")
        return redirect(_request_url(found))
    return render_template(template, form=form, ehc_request=found, pupil=found.pupil, blocked=problem)


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
    part = kept.part(
        "ehc_request",
        user,
        schools=[pupil.school_id],
        args=(found.id,),
        write=lambda: _request_part(user, found),
    )
    rendered = render_template("ehc/request_show.html", pupil=pupil, content=part.html)
    about = {"object_type": "ehc_request", "object_id": found.id}
    return audit.shown(db.session, rendered, "ehc_request_viewed", actor=user, pupil=pupil, **about)


def _request_part(user, found: EhcRequest) -> kept.Part:
    pupil = found.pupil
    reach = access.abilities_on(user, pupil)
    page = queries.request_page(db.session, found, today())
    html = render_template(
        "ehc/_request_show.html",
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
    return kept.Part(Markup(html))


# --- The steps, one form each -------------------------------------------------------------------


@bp.route("/ehc/requests/<int:request_id>/assessment-decision", methods=["GET", "POST"], endpoint="decide_assessment")
@bp.route("/ehc/requests/<int:request_id>/plan-decision", methods=["GET", "POST"], endpoint="decide_plan")
@bp.route("/ehc/requests/<int:request_id>/draft", methods=["GET", "POST"], endpoint="send_draft")
@bp.route("/ehc/requests/<int:request_id>/withdraw", methods=["GET", "POST"], endpoint="withdraw_request")
@login_required
def step_page(request_id: int):
    return _step_page(request_id)


@bp.route("/ehc/requests/<int:request_id>/advice/new", methods=["GET", "POST"], endpoint="ask_advice")
@bp.route("/ehc/requests/<int:request_id>/exceptions/new", methods=["GET", "POST"], endpoint="new_exception")
@once
def new_step_record(request_id: int):
    """The steps that add a record each time (advice asked, an exception): each form saved once."""
    return _step_page(request_id)


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
