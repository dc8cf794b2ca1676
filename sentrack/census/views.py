"""The census check's page and its CSV, for the SENCO and the head teacher: both from
`workflows.census_check`, both audited (the CSV as a download), each pupil named in their own trail.

The page lists every pupil with a problem first, then a page at a time those without; the CSV
has every pupil (or, asked for, every pupil with a problem)."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from markupsafe import Markup

from sentrack import access, audit, kept, operations
from sentrack.access import Ability
from sentrack.census import bp, queries
from sentrack.clock import today
from sentrack.exports import csv_response
from sentrack.extensions import db
from sentrack.forms import bounded_int
from sentrack.workflows.census_check import FLAG_KINDS, csv_rows


def _checked():
    """The signed-in user, their school, its check, and whether only pupils with a problem are
    asked for."""
    user = operations.signed_in_user()
    found = queries.school_census_check(db.session, user, today())
    if found is None:
        abort(404)
    school, check = found
    return user, school, check, request.args.get("problems") == "1"


def _shown(response, actions: tuple[str, str], user, school, named: list[queries.Named], **details):
    """`actions`: what the school's trail records, and what each pupil named has in their own."""
    action, each = actions
    audit.record_for_pupils(db.session, each, actor=user, pupils=[pupil for pupil, _ in named])
    return audit.shown_school(
        db.session, response, action, actor=user, school_id=school.id, details={"rows": len(named), **details}
    )


@bp.route("/census")
@access.requires(Ability.VIEW_CENSUS_CHECK)
def check():
    user = operations.signed_in_user()
    part = kept.part("census_check", user, write=_check_part)
    part.audit(user)
    school_id, details = part.facts
    page = render_template("census/check.html", content=part.html)
    return audit.shown_school(db.session, page, "census_check_viewed", actor=user, school_id=school_id, details=details)


def _check_part() -> kept.Part:
    """The body of the census check, the pupils it names, and its school and what it shows."""
    _user, school, census, only_problems = _checked()
    shown = queries.census_page(
        db.session,
        school.id,
        census,
        only_problems=only_problems,
        page=request.args.get("page", type=bounded_int) or 1,
        per_page=current_app.config["PUPILS_PER_PAGE"],
    )
    html = render_template(
        "census/_check.html",
        school=school,
        check=census,
        shown=shown,
        only_problems=only_problems,
        flag_kinds=FLAG_KINDS,
    )
    named = kept.Named("named_in_census_check", {pupil.id: pupil.school_id for pupil, _ in shown.named})
    details = {"only_problems": only_problems} if only_problems else {"only_problems": False, "page": shown.page}
    return kept.Part(Markup(html), named=(named,), facts=(school.id, {"rows": len(shown.named), **details}))


@bp.route("/census.csv", endpoint="csv")
@access.requires(Ability.VIEW_CENSUS_CHECK)
def census_csv():
    user, school, census, only_problems = _checked()
    suffix = "-problems" if only_problems else ""
    named = queries.census_pupils(db.session, school.id, census.with_problems if only_problems else census.rows)
    response = csv_response(csv_rows(named), f"census-check-{school.urn}-{census.day.isoformat()}{suffix}.csv")
    return _shown(
        response,
        ("census_check_exported", "named_in_census_export"),
        user,
        school,
        named,
        only_problems=only_problems,
        format="csv",
    )
