"""The year-end rollover's preview and run, and a class's pupils changed many at once. Each view
loads through `access`, calls one workflow operation through `operations`, then renders or
redirects; the request commits once."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from sentrack import access, audit, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.forms import bounded_int
from sentrack.staff.queries import school_class
from sentrack.submissions import once
from sentrack.workflows.classes import change_class_pupils
from sentrack.workflows.year_end import plan_year_end, run_year_end
from sentrack.yearend import bp
from sentrack.yearend.forms import ClassPupilsForm, YearEndForm
from sentrack.yearend.queries import class_pupils_page, school_of


def _ran(summary: dict) -> str:
    return (
        f"The year end was run: {summary['pupils_moved']} pupils moved up a year, {summary['classes_ended']} classes"
        f" ended and {summary['classes_opened']} opened for next year."
    )


@bp.route("/year-end", methods=["GET", "POST"], endpoint="preview")
@access.requires(Ability.RUN_YEAR_END)
@once
def preview():
    """The rollover of the academic year ending, as it would run; run from here once."""
    user = operations.signed_in_user()
    school = operations.found_or_404(school_of(db.session, user))
    day = today()
    plan = plan_year_end(db.session, school, day)
    form = YearEndForm.from_plan(plan)
    done = operations.submit(form, run_year_end, school=school, today=day)
    if done:
        flash(_ran(done.value.summary), "success")
        if done.value.summary["finishing"]:
            flash("Record the leaving of each pupil finishing their last year at the school.", "warning")
        return redirect(url_for("yearend.preview"))
    page = render_template("yearend/preview.html", form=form, plan=plan, today=day, school=school)
    if request.method != "GET":
        return page
    audit.record_for_pupils(db.session, "named_in_year_end", actor=user, pupils=plan.finishing)
    return audit.shown_school(
        db.session, page, "year_end_viewed", actor=user, school_id=school.id, details={"year": plan.academic_year}
    )


@bp.route("/classes/<int:group_id>/pupils", methods=["GET", "POST"], endpoint="class_pupils")
@access.requires(Ability.MANAGE_STAFF)
@once
def class_pupils(group_id: int):
    """Tick pupils on the roll to add to the class or take out of it, many at once."""
    user = operations.signed_in_user()
    group = operations.found_or_404(school_class(db.session, user, group_id))
    year = request.args.get("year", type=bounded_int)
    day = today()
    page = class_pupils_page(db.session, user, group, year, day)
    form = ClassPupilsForm.from_record(group, members=page.member_choices, others=page.other_choices)
    saved = operations.submit(form, change_class_pupils, group=group, today=day)
    if saved:
        added, removed = saved.value
        flash(f"Class {group.name} saved: {added} added, {removed} taken out.", "success")
        return redirect(
            url_for("yearend.class_pupils", group_id=group.id, **({"year": year} if year is not None else {}))
        )
    shown = render_template("yearend/class_pupils.html", form=form, group=group, page=page, year=year)
    if request.method == "GET":
        audit.record_for_pupils(
            db.session,
            "named_in_class_pupils",
            actor=user,
            pupils=page.pupils,
            object_type="teaching_group",
            object_id=group.id,
        )
    return shown
