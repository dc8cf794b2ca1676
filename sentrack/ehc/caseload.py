"""EHC pages: the local authority officer's caseload across the authority's schools (issue 15
point 4). Every figure comes from `sentrack.workflows.ehc_figures`; every page and the SEN2 export
are audited against the authority, and the pupils they name each in their own trail."""

from __future__ import annotations

from flask import abort, render_template, request
from markupsafe import Markup

from sentrack import access, audit, kept, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.ehc import bp, queries
from sentrack.exports import csv_response
from sentrack.extensions import db
from sentrack.forms import bounded_int
from sentrack.models import AssessmentDecision, EhcPlan, EhcRequest, EhcRequester, PlanDecision, School
from sentrack.workflows import ehc_clocks
from sentrack.workflows.ehc_figures import FIGURES

REVIEW_VIEWS = {"due": "Due in the next 8 weeks", "overdue": "Overdue", "all": "Due in 8 weeks and overdue"}


def _user():
    user = operations.signed_in_user()
    if not access.may_see_ehc_caseload(user):
        abort(404)
    return user


def _school_filter(schools: list[School]) -> School | None:
    """The school the query asks for (`?school=<id>`), when it is one of the authority's."""
    wanted = bounded_int(request.args.get("school", ""))
    return next((s for s in schools if s.id == wanted), None)


def _named(action: str, user, pupils, details: dict) -> None:
    audit.record_for_pupils(db.session, action, actor=user, pupils=list(pupils), details=details)


@bp.route("/ehc/")
@access.requires(Ability.VIEW_EHC_CASELOAD)
def caseload():
    user = _user()
    part = kept.part("ehc_caseload", user, write=lambda: _caseload(user))
    body = render_template("ehc/caseload_index.html", content=part.html)
    details = {"schools": part.facts[0]}
    return audit.shown_authority(db.session, body, "ehc_caseload_viewed", actor=user, details=details)


def _caseload(user) -> kept.Part:
    """The body of the caseload; its facts the number of schools it covers."""
    found = queries.caseload(db.session, user, today())
    html = render_template(
        "ehc/_caseload_index.html",
        caseload=found,
        figures=found.figures,
        titles=FIGURES,
        not_held=SEN2_NOT_HELD,
        years=(found.figures.this_year, found.figures.this_year - 1),
    )
    return kept.Part(Markup(html), facts=(len(found.schools),))


@bp.route("/ehc/requests")
@access.requires(Ability.VIEW_EHC_CASELOAD)
def caseload_requests():
    user = _user()
    found = queries.caseload(db.session, user, today(), named=("requests_in_progress",))
    school = _school_filter(found.schools)
    rows = found.figures.rows("requests_in_progress", school.id if school else None)
    rows = [row for row in rows if row.pupil_id in found.pupils]
    body = render_template("ehc/caseload_requests.html", caseload=found, rows=rows, school=school)
    details = {"school": school.id if school else None, "rows": len(rows)}
    _named("named_in_ehc_caseload", user, (found.pupils[r.pupil_id] for r in rows), {"list": "requests"})
    return audit.shown_authority(
        db.session, body, "ehc_caseload_list_viewed", actor=user, details=details | {"list": "requests"}
    )


@bp.route("/ehc/reviews")
@access.requires(Ability.VIEW_EHC_CASELOAD)
def caseload_reviews():
    user = _user()
    found = queries.caseload(db.session, user, today(), named=("reviews_due_soon", "reviews_overdue"))
    school = _school_filter(found.schools)
    show = request.args.get("show", "all")
    show = show if show in REVIEW_VIEWS else "all"
    keys = {"due": ("reviews_due_soon",), "overdue": ("reviews_overdue",)}.get(
        show, ("reviews_overdue", "reviews_due_soon")
    )
    rows = [r for key in keys for r in found.figures.rows(key, school.id if school else None)]
    rows = sorted((r for r in rows if r.pupil_id in found.pupils), key=lambda r: (r.due_on, r.plan_id))
    body = render_template(
        "ehc/caseload_reviews.html",
        caseload=found,
        rows=rows,
        school=school,
        show=show,
        views=REVIEW_VIEWS,
    )
    _named("named_in_ehc_caseload", user, (found.pupils[r.pupil_id] for r in rows), {"list": "reviews"})
    details = {"school": school.id if school else None, "show": show, "rows": len(rows), "list": "reviews"}
    return audit.shown_authority(db.session, body, "ehc_caseload_list_viewed", actor=user, details=details)


@bp.route("/ehc/figures/<key>")
@access.requires(Ability.VIEW_EHC_CASELOAD)
def caseload_figure(key: str):
    if key not in FIGURES:
        abort(404)
    user = _user()
    found = queries.caseload(db.session, user, today(), named=(key,))
    school = _school_filter(found.schools)
    rows = [r for r in found.figures.rows(key, school.id if school else None) if r.pupil_id in found.pupils]
    body = render_template(
        "ehc/caseload_figure.html",
        caseload=found,
        key=key,
        title=FIGURES[key],
        rows=rows,
        school=school,
    )
    _named("named_in_ehc_caseload", user, (found.pupils[r.pupil_id] for r in rows), {"figure": key})
    details = {"figure": key, "school": school.id if school else None, "rows": len(rows)}
    return audit.shown_authority(db.session, body, "ehc_caseload_list_viewed", actor=user, details=details)


# --- The SEN2 person-level return ------------------------------------------------------------------

SEN2_HEAD = [
    "UPN",
    "Surname",
    "Forename",
    "PersonBirthDate",
    "PlacementURN",
    "PlacementSetting",
    "EntryDate",
    "LeavingDate",
    "ReceivedDate",
    "RequestSource",
    "RequestOutcome",
    "RequestOutcomeDate",
    "AssessmentOutcome",
    "AssessmentOutcomeDate",
    "Week20",
    "StartDate",
    "NamedSetting",
    "CeaseDate",
    "SENtype1",
    "SENtype2",
    "ReviewMeeting",
    "ReviewOutcome",
    "LastReview",
]

# What the SEN2 return asks for and SEN Track does not hold (the export leaves them out).
SEN2_NOT_HELD = [
    ("Sex, Ethnicity, PostCode", "not kept on the pupil's record"),
    ("UniqueLearnerNumber, UPNunknown", "pupils are known by their UPN"),
    ("RYA (in youth custody), Exported", "not recorded"),
    ("RequestMediation, RequestTribunal, AssessmentMediation, AssessmentTribunal", "mediation and appeals"),
    ("OtherMediation, OtherTribunal", "are not recorded"),
    ("PlanRes, PlanWBP, PB, OA, DP", "residential placement, work-based learning and personal budgets"),
    ("CeaseReason", "held as the reason in words, not as a SEN2 code"),
    ("UKPRN, SENsetting, SENunitIndicator, ResourcedProvisionIndicator", "the named setting is held in words"),
    ("PlacementRank, TransferLA", "one placement (the school) only; transfers between authorities"),
]

_SOURCE = {EhcRequester.PARENT: "1", EhcRequester.YOUNG_PERSON: "1", EhcRequester.SCHOOL: "2"}
_REVIEW = {"keep": "M", "amend": "A", "cease": "C"}


def _request_outcome(r: EhcRequest) -> tuple[str, object]:
    if r.assessment is AssessmentDecision.AGREED:
        return "Y", r.assessment_decided_on
    if r.assessment is AssessmentDecision.REFUSED:
        return "N", r.assessment_decided_on
    return ("W", None) if r.withdrawn_on else ("A", None)


def _assessment_outcome(r: EhcRequest) -> tuple[str, object]:
    if r.assessment is not AssessmentDecision.AGREED:
        return "", None
    if r.final_issued_on:
        return "Y", r.final_issued_on
    if r.plan_decision is PlanDecision.NO_PLAN:
        return "N", r.parents_told_on or r.plan_decided_on
    return ("W", None) if r.withdrawn_on else ("A", None)


def _plan_cells(plan: EhcPlan | None) -> list:
    if plan is None:
        return [""] * 8
    held = [v for v in plan.reviews if v.held_on]
    meeting = max(held, key=lambda v: v.held_on, default=None)
    decided = max((v for v in held if v.la_decided_on), key=lambda v: v.la_decided_on, default=None)
    return [
        plan.issued_on,
        plan.named_setting,
        plan.ceased_on,
        plan.primary_need.value,
        plan.secondary_need.value if plan.secondary_need else "",
        meeting.held_on if meeting else "",
        _REVIEW[decided.la_decision.value] if decided else "",
        decided.la_decided_on if decided else "",
    ]


def _person_cells(pupil) -> list:
    return [
        pupil.upn,
        pupil.last_name,
        pupil.first_name,
        pupil.date_of_birth,
        pupil.school.urn,
        pupil.school.name,
        pupil.admitted_on,
        pupil.left_on,
    ]


def _request_cells(r: EhcRequest | None) -> list:
    if r is None:
        return ["", "", "H", "", "H", "", ""]
    return [
        r.received_on,
        _SOURCE.get(r.requested_by, "5"),
        *_request_outcome(r),
        *_assessment_outcome(r),
        "1" if ehc_clocks.has_time_limit_exception(r) else "0",
    ]


def sen2_rows(data: queries.Sen2Data) -> list[list]:
    """One row per request (with the plan issued from it) and one per plan recorded without a
    request here (its request and assessment "H", historical, as SEN2 codes a plan from elsewhere)."""
    rows = [SEN2_HEAD]
    for r in data.requests:
        rows.append(_person_cells(r.pupil) + _request_cells(r) + _plan_cells(data.plan_of(r.id)))
    exported = {r.id for r in data.requests}
    for plan in data.plans:
        if plan.request_id is None or plan.request_id not in exported:
            rows.append(_person_cells(plan.pupil) + _request_cells(None) + _plan_cells(plan))
    return [["" if v is None else v.isoformat() if hasattr(v, "isoformat") else v for v in row] for row in rows]


@bp.route("/ehc/sen2.csv")
@access.requires(Ability.VIEW_EHC_CASELOAD)
def sen2_export():
    user = _user()
    data = queries.sen2_data(db.session, user, today())
    rows = sen2_rows(data)
    body = csv_response(rows, f"sen2-person-level-{today().isoformat()}.csv")
    pupils = {r.pupil.id: r.pupil for r in data.requests} | {p.pupil.id: p.pupil for p in data.plans}
    _named("named_in_sen2_export", user, pupils.values(), {"format": "csv"})
    details = {"rows": len(rows) - 1, "format": "csv"}
    return audit.shown_authority(db.session, body, "ehc_sen2_exported", actor=user, details=details)
