"""EHC pages: annual and interim reviews of a plan. The SENCO convenes the review, records the
meeting and the report; the LA officer records the decision and the amendments. Each page shows
the review's calendar worked back from its due date (`sentrack.workflows.ehc_reviews`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask import request as http
from flask_login import login_required

from sentrack import access, drafts, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.ehc import bp, queries
from sentrack.ehc.forms import (
    ConveneReviewForm,
    ReviewAmendmentsForm,
    ReviewDecisionForm,
    ReviewMeetingForm,
    ReviewReportForm,
)
from sentrack.extensions import db
from sentrack.models import EhcPlan
from sentrack.submissions import once
from sentrack.workflows import ehc_reviews as flow


def _to_review(review_id: int):
    return redirect(url_for("ehc.review", review_id=review_id))


@bp.route("/ehc/plans/<int:plan_id>/reviews/new", methods=["GET", "POST"])
@once
def new_review(plan_id: int):
    user = operations.signed_in_user()
    plan = access.get_ehc_record(user, EhcPlan, plan_id, Ability.RECORD_EHC_SCHOOL)
    page = queries.review_page(db.session, plan, None, today())
    form = ConveneReviewForm()
    done = operations.submit(form, flow.convene_review, plan=page.plan, today=today())
    if done:
        flash("The review is convened.", "success")
        return _to_review(done.value.id)
    return render_template("ehc/review_new.html", form=form, page=page, today=today())


@bp.route("/ehc/reviews/<int:review_id>")
@login_required
def review(review_id: int):
    user = operations.signed_in_user()
    found = access.get_ehc_review(user, review_id, Ability.VIEW_SEN)
    page = queries.review_page(db.session, found.plan, found, today())
    return render_template(
        "ehc/review_show.html",
        page=page,
        today=today(),
        school_steps=access.can(user, Ability.RECORD_EHC_SCHOOL),
        authority_steps=access.can(user, Ability.RECORD_EHC_LA),
    )


SCHOOL, LA = Ability.RECORD_EHC_SCHOOL, Ability.RECORD_EHC_LA

# The review's steps, one form each, by endpoint: who may take it, its form and its operation.
_STEPS = {
    "review_meeting": (SCHOOL, ReviewMeetingForm, flow.record_meeting),
    "review_report": (SCHOOL, ReviewReportForm, flow.send_report),
    "review_decision": (LA, ReviewDecisionForm, flow.decide_review),
    "review_amendments": (LA, ReviewAmendmentsForm, flow.record_amendments),
}
# Each step's template, and what is said once it is saved.
_PAGES = {
    "review_meeting": ("ehc/review_meeting.html", "The review meeting is recorded."),
    "review_report": ("ehc/review_report.html", "The date the report was sent is saved."),
    "review_decision": ("ehc/review_decision.html", "The local authority's decision is saved."),
    "review_amendments": ("ehc/review_amendments.html", "The amendments are saved."),
}


@bp.route("/ehc/reviews/<int:review_id>/meeting", methods=["GET", "POST"], endpoint="review_meeting")
@bp.route("/ehc/reviews/<int:review_id>/report", methods=["GET", "POST"], endpoint="review_report")
@bp.route("/ehc/reviews/<int:review_id>/decision", methods=["GET", "POST"], endpoint="review_decision")
@bp.route("/ehc/reviews/<int:review_id>/amendments", methods=["GET", "POST"], endpoint="review_amendments")
@drafts.keeps
@once
def review_step(review_id: int):
    """A step's form page (`_STEPS`): load the review within the user's reach for the step's
    ability, save, go back to the review."""
    endpoint = http.endpoint.rpartition(".")[2]
    ability, form_class, operation = _STEPS[endpoint]
    template, message = _PAGES[endpoint]
    user = operations.signed_in_user()
    found = access.get_ehc_review(user, review_id, ability)
    page = queries.review_page(db.session, found.plan, found, today())
    form = form_class.for_review(found) if hasattr(form_class, "for_review") else form_class()
    drafts.keep(form)
    if operations.submit(form, operation, review=found, today=today()):
        flash(message, "success")
        return _to_review(review_id)
    return render_template(template, form=form, page=page, today=today())
