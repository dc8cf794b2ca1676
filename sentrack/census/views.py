"""The census check's page and its CSV, for the SENCO and the head teacher: both from
`workflows.census_check`, both audited (the CSV as a download), each pupil named in their own trail."""

from __future__ import annotations

from flask import abort, render_template, request

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.census import bp, queries
from sentrack.clock import today
from sentrack.exports import csv_response
from sentrack.extensions import db
from sentrack.workflows.census_check import FLAG_KINDS, CensusRow, csv_rows


def _checked():
    """The signed-in user, their school, its check, whether only pupils with a problem are asked
    for, and the rows shown."""
    user = operations.signed_in_user()
    found = queries.school_census_check(db.session, user, today())
    if found is None:
        abort(404)
    school, check = found
    only_problems = request.args.get("problems") == "1"
    rows = check.with_problems if only_problems else check.rows
    return user, school, check, only_problems, rows


def _shown(response, actions: tuple[str, str], user, school, rows: list[CensusRow], **details):
    """`actions`: what the school's trail records, and what each pupil named has in their own."""
    action, named = actions
    audit.record_for_pupils(db.session, named, actor=user, pupils=[row.pupil for row in rows])
    return audit.shown_school(
        db.session, response, action, actor=user, school_id=school.id, details={"rows": len(rows), **details}
    )


@bp.route("/census")
@access.requires(Ability.VIEW_CENSUS_CHECK)
def check():
    user, school, census, only_problems, rows = _checked()
    page = render_template(
        "census/check.html",
        school=school,
        check=census,
        rows=rows,
        only_problems=only_problems,
        flag_kinds=FLAG_KINDS,
    )
    return _shown(
        page, ("census_check_viewed", "named_in_census_check"), user, school, rows, only_problems=only_problems
    )


@bp.route("/census.csv", endpoint="csv")
@access.requires(Ability.VIEW_CENSUS_CHECK)
def census_csv():
    user, school, census, only_problems, rows = _checked()
    suffix = "-problems" if only_problems else ""
    response = csv_response(csv_rows(rows), f"census-check-{school.urn}-{census.day.isoformat()}{suffix}.csv")
    return _shown(
        response,
        ("census_check_exported", "named_in_census_export"),
        user,
        school,
        rows,
        only_problems=only_problems,
        format="csv",
    )
