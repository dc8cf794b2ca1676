"""The dashboard's pages and exports. Every figure comes from `workflows.compliance`, the one
definition the page, the exports and `flask compliance` share. Views and exports are audited."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, render_template, request
from markupsafe import Markup

from sentrack import access, audit, kept, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.dashboard import bp, queries
from sentrack.dashboard.authority import shown_figures, side_by_side
from sentrack.dashboard.cards import AUTHORITY_COLUMNS, BY_KEY, CARDS, SECTIONS
from sentrack.dashboard.charts import sparkline
from sentrack.dashboard.forms import DashboardFilterForm
from sentrack.dashboard.lists import ROW_PAGES, address_of, holders, rows_for
from sentrack.exports import csv_response
from sentrack.extensions import db
from sentrack.forms import bounded_int
from sentrack.models import NeedType, Provision, Pupil, School
from sentrack.models.enums import year_group_label
from sentrack.workflows import small_numbers
from sentrack.workflows.class_figures import NO_CLASS, figures_by_class
from sentrack.workflows.compliance import (
    HEADLINE,
    PupilFilter,
    SchoolCompliance,
    compliance_figures,
    school_figure,
    term_trend,
)
from sentrack.workflows.small_numbers import ShownSchool

# What the school's dashboard (on screen and printed) lays out: the cards, their sections, the headline figures.
_LAYOUT = {"cards": CARDS, "sections": SECTIONS, "headline": HEADLINE, "by_key": BY_KEY}


@dataclass
class Selection:
    school: School
    groups: list[tuple[int, str]]  # the school's classes: id, name
    years: list[int]
    filter: PupilFilter

    @property
    def args(self) -> dict:
        """The filters as query arguments, for links that keep them."""
        f = self.filter
        return {
            k: v
            for k, v in (
                ("year", f.year_group),
                ("group", f.group_id),
                ("need", f.need.value if f.need else None),
                ("reg", f.registration),
            )
            if v is not None
        }

    @property
    def description(self) -> str:
        """The filters in words, for captions."""
        f = self.filter
        parts = []
        if f.year_group is not None:
            parts.append(year_group_label(f.year_group))
        if f.group_id is not None:
            parts.append(f"class {dict(self.groups)[f.group_id]}")
        if f.need is not None:
            parts.append(f.need.label)
        if f.registration == NO_CLASS:
            parts.append("pupils in no class")
        elif f.registration is not None:
            parts.append(f"registration class {dict(self.groups)[f.registration]}")
        return ", ".join(parts)


def _selection(user) -> Selection:
    """The user's school and the filters the query asks for; a filter that names nothing of the
    school is ignored."""
    if user.school_id is None:
        abort(404)
    choices = queries.filter_choices(db.session, user.school_id)
    school, groups, years = choices.school, choices.groups, choices.years
    year = request.args.get("year", "")
    year = year if (year := bounded_int(year)) in years else None
    group = request.args.get("group", "")
    group = group if (group := bounded_int(group)) in dict(groups) else None
    need = request.args.get("need", "")
    need = NeedType(need) if need in NeedType.__members__.values() else None
    registration = bounded_int(request.args.get("reg", ""))
    registration = registration if registration == NO_CLASS or registration in dict(groups) else None
    return Selection(school, groups, years, PupilFilter(year, group, need, registration))


def _school_figures(user) -> tuple[Selection, SchoolCompliance]:
    """The user's school, the filters asked for, and the figures they give, as of today."""
    selection = _selection(user)
    return selection, compliance_figures(db.session, selection.school, today(), selection.filter)


def _shown(user, selection: Selection, compliance: SchoolCompliance) -> tuple[ShownSchool, dict | None]:
    """The figures and their term-by-term trend as this user is shown them (small numbers
    suppressed for those who see anonymised figures only). The trend is for the whole school only:
    the stored figures are the school's."""
    points = None if selection.filter else term_trend(db.session, compliance)
    shown = small_numbers.present(compliance, suppress=not access.sees_small_numbers(user), trend_points=points)
    if shown.trend is None:
        return shown, None
    charts = {
        key: sparkline([c.value if c is not None and c.shown else None for c in (p.count(key) for p in shown.trend)])
        for key in HEADLINE
    }
    return shown, {"points": shown.trend, "charts": charts}


def _shown_school(body, action: str, user, selection: Selection, details: dict | None = None):
    """`body`, audited as `action` on the user's school with the filters (and `details`)."""
    return audit.shown_school(
        db.session, body, action, actor=user, school_id=selection.school.id, details=selection.args | (details or {})
    )


@bp.route("/")
@access.requires(Ability.VIEW_FIGURES)
def index():
    user = operations.signed_in_user()
    if user.school_id is None:
        return _authority(user)
    part = kept.part("dashboard", user, write=lambda: _index(user))
    school_id, args = part.facts
    body = render_template("dashboard/index.html", content=part.html)
    return audit.shown_school(db.session, body, "dashboard_viewed", actor=user, school_id=school_id, details=args)


def _index(user) -> kept.Part:
    """The body of the school's dashboard; its facts the school and the filters, for the audit trail."""
    selection, compliance = _school_figures(user)
    shown, trend = _shown(user, selection, compliance)
    checks = [card for card in CARDS if card.tone == "action"]
    lists = access.can(user, Ability.VIEW_FIGURE_LISTS)
    html = render_template(
        "dashboard/_index.html",
        selection=selection,
        compliance=shown,
        form=DashboardFilterForm.from_record(selection),
        checks=checks,
        attention=[card for card in checks if shown.figures[card.key].count.flagged],
        trend=trend,
        **_LAYOUT,
        lists=lists,
        # Class by class for those who see the pupils behind the figures: a class's numbers are
        # too small to show anyone who sees anonymised figures only.
        classes=figures_by_class(db.session, compliance) if lists else None,
        reports=access.can(user, Ability.READ_SEN_REPORT),
    )
    return kept.Part(Markup(html), facts=(selection.school.id, selection.args))


def _authority(user, *, printing: bool = False):
    """The LA officer's view: each school of the authority side by side, from each one's latest
    daily snapshot (the figures of a hundred schools are too many to count while the officer waits)."""
    if not access.may_see_authority_figures(user):
        abort(404)
    found = side_by_side(db.session, user, printing=printing)
    body = render_template(
        "dashboard/authority.html", schools=found.schools, side_by_side=found.table, printing=printing
    )
    action = "dashboard_printed" if printing else "dashboard_viewed"
    details = {"schools": len(found.schools), "format": "print" if printing else "page"}
    return audit.shown_authority(db.session, body, action, actor=user, details=details)


def _authority_csv(user) -> Response:
    if not access.may_see_authority_figures(user):
        abort(404)
    schools = queries.authority_schools(db.session, user, today())
    shown = shown_figures(db.session, schools, suppress=not access.sees_small_numbers(user))
    rows = [
        ["School", "URN"]
        + [f"{BY_KEY[key].title} ({part})" for key in AUTHORITY_COLUMNS for part in ("count", "percent")]
        + ["Counted on"]
    ]
    for school in schools:
        figures = shown[school.id].figures if school.id in shown else {}
        rows.append(
            [school.name, school.urn]
            + [
                getattr(figures[key], part).csv() if key in figures else ""
                for key in AUTHORITY_COLUMNS
                for part in ("count", "percent")
            ]
            + [school.as_of.isoformat() if school.as_of else ""]
        )
    body = csv_response(rows, f"compliance-by-school-{today().isoformat()}.csv")
    return audit.shown_authority(
        db.session, body, "dashboard_exported", actor=user, details={"schools": len(schools), "format": "csv"}
    )


@bp.route("/schools/<int:school_id>")
@access.requires(Ability.VIEW_FIGURES)
def school(school_id: int):
    """One school of the LA officer's authority, its figures counted now, as the officer is shown
    them (small numbers suppressed), with their trend and the register."""
    user = operations.signed_in_user()
    found = access.get_authority_school(user, school_id)
    selection = Selection(found, [], [], PupilFilter())
    compliance = compliance_figures(db.session, found, today(), selection.filter)
    shown, trend = _shown(user, selection, compliance)
    body = render_template(
        "dashboard/school.html", selection=selection, compliance=shown, trend=trend, lists=False, **_LAYOUT
    )
    return _shown_school(body, "dashboard_viewed", user, selection, {"from": "authority"})


@bp.route("/print")
@access.requires(Ability.VIEW_FIGURES)
def print_view():
    user = operations.signed_in_user()
    if user.school_id is None:
        return _authority(user, printing=True)
    selection, compliance = _school_figures(user)
    shown, trend = _shown(user, selection, compliance)
    body = render_template(
        "dashboard/print.html",
        selection=selection,
        compliance=shown,
        trend=trend,
        **_LAYOUT,
    )
    return _shown_school(body, "dashboard_printed", user, selection, {"format": "print"})


def figure_csv_rows(compliance: ShownSchool, trend) -> list[list]:
    """The figures as spreadsheet rows, as the user is shown them: counts and percentages, no
    names."""
    rows = [["Section", "Figure", "Count", "Out of", "Of", "Percent"]]
    sections = dict(SECTIONS)
    for card in CARDS:
        f = compliance.figures[card.key]
        rows.append(
            [sections[card.section], card.title, f.count.csv(), f.population.csv(), f.population_label, f.percent.csv()]
        )
    for role, f in compliance.tasks_overdue_by_role.items():
        rows.append(
            [
                "Duties and records",
                f"Tasks overdue: {role.label}",
                f.count.csv(),
                f.population.csv(),
                f.population_label,
                f.percent.csv(),
            ]
        )
    register = compliance.register
    for provision in Provision:
        rows.append(
            [
                "The register",
                provision.label,
                register.count(provision).csv(),
                register.pupils.csv(),
                "pupils",
                register.percent(provision).csv(),
            ]
        )
    if trend:
        rows.append([])
        rows.append(["Term", "As of"] + [BY_KEY[key].title for key in HEADLINE])
        for point in trend["points"]:
            rows.append(
                [point.label, point.as_of.isoformat()]
                + ["" if point.count(key) is None else point.count(key).csv() for key in HEADLINE]
            )
    return rows


@bp.route("/figures.csv")
@access.requires(Ability.VIEW_FIGURES)
def figures_csv():
    user = operations.signed_in_user()
    return _authority_csv(user) if user.school_id is None else _school_csv(user)


def _school_csv(user):
    """The school's figures (and their trend) as a spreadsheet, audited as exported."""
    selection, compliance = _school_figures(user)
    rows = figure_csv_rows(*_shown(user, selection, compliance))
    body = csv_response(rows, f"compliance-{selection.school.urn}-{compliance.today.isoformat()}.csv")
    return _shown_school(body, "dashboard_exported", user, selection, {"format": "csv"})


def _named(rows) -> list[Pupil]:
    """The pupils a drill-down names, each audited in their own trail."""
    return [row.pupil for row in rows if row.pupil is not None]


def _drill_down(key: str):
    """The figure `key` (one of the figures, or `tasks_overdue_<role>`; else 404), counted alone
    as of today for the filters asked for, and the rows behind it."""
    user = operations.signed_in_user()
    selection = _selection(user)
    on = today()
    figure = school_figure(db.session, selection.school, on, key, selection.filter)
    if figure is None:
        abort(404)
    rows = rows_for(db.session, user, key, figure, selection.school, on)
    return user, selection, on, figure, rows


@bp.route("/figures/<key>")
@access.requires(Ability.VIEW_FIGURE_LISTS)
def figure(key: str):
    user = operations.signed_in_user()
    part = kept.part("dashboard_list", user, args=(key,), write=lambda: _list(key))
    part.audit(user)
    school_id, title, filters, details = part.facts
    body = render_template("dashboard/figure.html", content=part.html, title=title, filters=filters)
    return audit.shown_school(
        db.session, body, "dashboard_list_viewed", actor=user, school_id=school_id, details=details
    )


def _list(key: str) -> kept.Part:
    """The body of the drill-down of `key`, the pupils it names, and its school and filters."""
    user, selection, on, found, rows = _drill_down(key)
    html = render_template(
        "dashboard/_figure.html",
        key=key,
        figure=found,
        card=BY_KEY.get(key),
        rows=rows,
        selection=selection,
        today=on,
        row_page=address_of(*ROW_PAGES[found.id_kind]),
        task_page=address_of(*ROW_PAGES["task"]),
    )
    named = kept.Named("named_in_dashboard_list", {p.id: p.school_id for p in _named(rows)}, {"figure": key})
    title = card.title if (card := BY_KEY.get(key)) else found.label
    details = selection.args | {"figure": key, "rows": len(rows)}
    return kept.Part(Markup(html), named=(named,), facts=(selection.school.id, title, selection.args, details))


@bp.route("/figures/<key>.csv")
@access.requires(Ability.VIEW_FIGURE_LISTS)
def figure_csv(key: str):
    user, selection, on, found, rows = _drill_down(key)
    table = [["Pupil", "Year group", "Subject", "Detail", "Task held by"]] + [
        [
            row.pupil.full_name if row.pupil else "",
            row.pupil.year_label if row.pupil else "",
            row.subject,
            row.detail,
            holders(row),
        ]
        for row in rows
    ]
    body = csv_response(table, f"{key.replace('_', '-')}-{selection.school.urn}-{on.isoformat()}.csv")
    audit.record_for_pupils(
        db.session,
        "named_in_dashboard_export",
        actor=user,
        pupils=_named(rows),
        details={"figure": key, "format": "csv"},
    )
    return _shown_school(
        body, "dashboard_list_exported", user, selection, {"figure": key, "rows": len(rows), "format": "csv"}
    )
