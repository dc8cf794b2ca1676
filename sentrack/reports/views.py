"""The SEN information report's pages: the school's reports by year, one report to read (and
print), its sections to edit, and the buttons that draft it from the figures and publish it. Each
view loads through `access` and the page queries, calls one workflow operation through
`operations`, and renders or redirects; pages shown are audited against the school."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from sentrack import access, audit, drafts, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.models import School, SenReport
from sentrack.reports import bp, queries
from sentrack.reports.forms import DraftForm, PublishForm, ReportForm
from sentrack.submissions import once
from sentrack.workflows import sen_report as flow
from sentrack.workflows.terms import academic_year_of, year_label


def _report(year: int) -> tuple[School, SenReport | None]:
    """The user's school and its report of `year`. Not found: a year to come, or a past year with
    no report (only this year's may be begun)."""
    user = operations.signed_in_user()
    school = operations.found_or_404(queries.school_of(db.session, user.school_id))
    current = academic_year_of(today())
    report = queries.report_of(db.session, school.id, year) if year <= current else None
    if year > current or (report is None and year != current):
        abort(404)
    return school, report


def _page(school: School, year: int, report: SenReport | None) -> dict:
    """What the report's page and its printable version show this user: the report when they may
    read it (published, or a draft for those who read drafts), and what they may do with it."""
    user = operations.signed_in_user()
    drafts = access.may_read_report_drafts(user)
    shown = report if report is not None and (report.is_published or drafts) else None
    return {
        "school": school,
        "year": year,
        "year_label": year_label(year),
        "report": shown,
        "begun": report is not None,
        "sections": flow.SECTIONS,
        "may_draft": access.may_draft_report(user),
        "missing": flow.missing_sections(shown) if shown is not None else [],
        "versions": queries.report_history(db.session, shown) if shown is not None and drafts else [],
        "current": year == academic_year_of(today()),
    }


def _shown(body, action: str, school: School, year: int, report: SenReport | None):
    details = {"academic_year": year, "status": report.status.value if report else "not begun"}
    return audit.shown_school(
        db.session, body, action, actor=operations.signed_in_user(), school_id=school.id, details=details
    )


def _to_report(year: int):
    return redirect(url_for("reports.show", year=year))


@bp.route("/")
@access.requires(Ability.READ_SEN_REPORT)
def index():
    user = operations.signed_in_user()
    school = operations.found_or_404(queries.school_of(db.session, user.school_id))
    drafts = access.may_read_report_drafts(user)
    reports = [r for r in queries.reports_of(db.session, school.id) if r.is_published or drafts]
    current = academic_year_of(today())
    body = render_template(
        "reports/index.html",
        school=school,
        reports=reports,
        current=current,
        current_label=year_label(current),
        has_current=any(r.academic_year == current for r in reports),
        drafts=drafts,
        year_label=year_label,
    )
    return audit.shown_school(db.session, body, "sen_reports_listed", actor=user, school_id=school.id)


@bp.route("/<int:year>")
@access.requires(Ability.READ_SEN_REPORT)
def show(year: int):
    school, report = _report(year)
    page = _page(school, year, report)
    body = render_template(
        "reports/show.html", **page, draft_form=DraftForm(), publish_form=_publish_form(page["report"])
    )
    return _shown(body, "sen_report_viewed", school, year, page["report"])


def _publish_form(report: SenReport | None) -> PublishForm:
    form = PublishForm(formdata=None)
    form.version.data = str(report.version) if report is not None else "0"
    return form


@bp.route("/<int:year>/print")
@access.requires(Ability.READ_SEN_REPORT)
def print_view(year: int):
    school, report = _report(year)
    page = _page(school, year, report)
    body = render_template("reports/print.html", **page)
    return _shown(body, "sen_report_printed", school, year, page["report"])


@bp.route("/<int:year>/edit", methods=["GET", "POST"])
@drafts.keeps
@access.requires(Ability.DRAFT_SEN_REPORT)
@once
def edit(year: int):
    school, report = _report(year)
    form = ReportForm.from_record(report)
    drafts.keep(form)
    if operations.submit(form, flow.save_report, school=school, academic_year=year, report=report, today=today()):
        flash("The report is saved.", "success")
        return _to_report(year)
    return render_template(
        "reports/edit.html", form=form, school=school, report=report, year=year, year_label=year_label(year)
    )


@bp.route("/<int:year>/draft", methods=["POST"])
@access.requires(Ability.DRAFT_SEN_REPORT)
@once
def draft(year: int):
    school, report = _report(year)
    operations.button_posted(DraftForm)
    operations.step(
        flow.draft_report,
        back=url_for("reports.show", year=year),
        school=school,
        academic_year=year,
        report=report,
        today=today(),
        actor=operations.signed_in_user(),
    )
    flash("The sections built from the figures are drafted from the school's figures as of today.", "success")
    return _to_report(year)


@bp.route("/<int:year>/publish", methods=["POST"])
@access.requires(Ability.DRAFT_SEN_REPORT)
@once
def publish(year: int):
    school, report = _report(year)
    operations.step(
        flow.publish_report,
        back=url_for("reports.show", year=year),
        report=report,
        expected_version=PublishForm().expected_version,
        today=today(),
        actor=operations.signed_in_user(),
    )
    flash("The report is published: the head teacher and the governors can read it.", "success")
    return _to_report(year)
