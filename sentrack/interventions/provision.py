"""The provision map for the SENCO and the head teacher: the page, its CSV and its printable
version, all from `workflows.provision_map`. Each is audited; the CSV as an export."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user, login_required

from sentrack import access, audit
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.exports import csv_response, safe_cell
from sentrack.extensions import db
from sentrack.forms import bounded_int, pounds
from sentrack.interventions import bp
from sentrack.interventions.forms import MapFilterForm
from sentrack.models import Pupil, School
from sentrack.models.enums import year_group_label
from sentrack.workflows.provision_map import SORTS, ProvisionMap, provision_map
from sentrack.workflows.terms import Term, current_term, school_terms

NUMERIC_SORTS = ("hours", "cost", "cost_per_pupil")


@dataclass
class Selection:
    school: School
    terms: list[Term]
    term: Term
    year: int | None
    wave: int | None
    sort: str

    @property
    def args(self) -> dict:
        """The selection as query arguments, for links that keep it."""
        args = {"term": self.term.key, "sort": self.sort}
        if self.year is not None:
            args["year"] = self.year
        if self.wave is not None:
            args["wave"] = self.wave
        return args

    @property
    def audit_details(self) -> dict:
        return {"term": self.term.key, "year": self.year, "wave": self.wave}


def _selection(user) -> Selection:
    school = db.session.get(School, user.school_id)
    terms = school_terms(db.session, school, today())
    term = next((t for t in terms if t.key == request.args.get("term")), None) or current_term(terms, today())
    year = request.args.get("year", "")
    wave = request.args.get("wave", "")
    sort = request.args.get("sort", "name")
    return Selection(
        school=school,
        terms=terms,
        term=term,
        year=bounded_int(year),
        wave=int(wave) if wave in ("1", "2", "3") else None,
        sort=sort if sort in SORTS else "name",
    )


def _build(selection: Selection) -> ProvisionMap:
    return provision_map(
        db.session,
        selection.school,
        selection.term,
        year_group=selection.year,
        wave=selection.wave,
        sort=selection.sort,
    )


def _filter_form(selection: Selection) -> MapFilterForm:
    years = db.session.scalars(
        sa.select(Pupil.year_group).where(Pupil.school_id == selection.school.id).distinct().order_by(Pupil.year_group)
    ).all()
    form = MapFilterForm(formdata=None)
    form.term.choices = [(t.key, t.name) for t in selection.terms]
    form.year.choices = [("", "All year groups")] + [(str(y), year_group_label(y)) for y in years]
    form.term.data = selection.term.key
    form.year.data = "" if selection.year is None else str(selection.year)
    form.wave.data = "" if selection.wave is None else str(selection.wave)
    return form


def _audit_pupils(user, result: ProvisionMap, action: str) -> None:
    """The map names its pupils: each has the view, print or download in their own trail."""
    pupils = {p.id: p for row in result.rows for p in row.pupils}
    audit.record_for_pupils(db.session, action, actor=user, pupils=list(pupils.values()))


@bp.route("/provision-map")
@login_required
@access.requires(Ability.VIEW_PROVISION_MAP)
def provision_map_page():
    user = current_user._get_current_object()
    selection = _selection(user)
    # Rendered before the view is audited and committed: the commit expires what was loaded.
    result = _build(selection)
    page = render_template(
        "interventions/provision_map.html",
        selection=selection,
        result=result,
        form=_filter_form(selection),
        numeric_sorts=NUMERIC_SORTS,
    )
    _audit_pupils(user, result, "named_in_provision_map")
    return audit.shown(
        db.session,
        page,
        "provision_map_viewed",
        actor=user,
        object_type="school",
        object_id=selection.school.id,
        details=selection.audit_details,
    )


@bp.route("/provision-map/print")
@login_required
@access.requires(Ability.VIEW_PROVISION_MAP)
def provision_map_print():
    user = current_user._get_current_object()
    selection = _selection(user)
    result = _build(selection)
    page = render_template(
        "interventions/provision_map_print.html",
        selection=selection,
        result=result,
        today=today(),
    )
    _audit_pupils(user, result, "named_in_provision_map_print")
    return audit.shown(
        db.session,
        page,
        "provision_map_printed",
        actor=user,
        object_type="school",
        object_id=selection.school.id,
        details=selection.audit_details,
    )


# --- CSV -------------------------------------------------------------------------------------------

HEADER = [
    "Intervention",
    "Catalogue entry",
    "Area of need",
    "Wave",
    "Delivery",
    "Delivered by",
    "Days",
    "Minutes a session",
    "Starts",
    "Ends",
    "Pupils",
    "Year groups",
    "Number of pupils",
    "Sessions in the term",
    "Sessions recorded",
    "Staff hours",
    "Cost (£)",
    "Cost per pupil (£)",
]


def provision_map_rows(result: ProvisionMap) -> list[list]:
    """The map as CSV rows: a header, one row per intervention, and the totals."""
    rows = [HEADER]
    for row in result.rows:
        i = row.intervention
        rows.append(
            [
                i.name,
                i.type.name,
                i.type.area_of_need.label,
                i.type.wave_label,
                i.delivery.label,
                i.delivered_by.full_name,
                i.weekday_names,
                i.minutes_per_session,
                i.starts_on.isoformat(),
                i.ends_on.isoformat(),
                "; ".join(p.full_name for p in row.pupils),
                ", ".join(sorted({year_group_label(p.year_group) for p in row.pupils})),
                len(row.pupils),
                row.sessions,
                row.sessions_recorded,
                f"{row.staff_hours:.1f}",
                pounds(row.cost_pence),
                pounds(row.cost_per_pupil_pence),
            ]
        )
    rows.append(
        [
            "Total",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            result.pupil_count,
            sum(r.sessions for r in result.rows),
            sum(r.sessions_recorded for r in result.rows),
            f"{result.total_hours:.1f}",
            pounds(result.total_cost_pence),
            pounds(result.cost_per_pupil_pence),
        ]
    )
    return [[safe_cell(value) for value in row] for row in rows]


def _filename(selection: Selection) -> str:
    parts = ["provision-map", selection.school.urn, selection.term.name]
    if selection.year is not None:
        parts.append(year_group_label(selection.year))
    if selection.wave is not None:
        parts.append(f"wave-{selection.wave}")
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-") + ".csv"


@bp.route("/provision-map/export")
@login_required
@access.requires(Ability.VIEW_PROVISION_MAP)
def provision_map_csv():
    user = current_user._get_current_object()
    selection = _selection(user)
    result = _build(selection)
    response = csv_response(provision_map_rows(result), _filename(selection))
    _audit_pupils(user, result, "named_in_provision_map_export")
    return audit.shown(
        db.session,
        response,
        "provision_map_exported",
        actor=user,
        object_type="school",
        object_id=selection.school.id,
        details=selection.audit_details | {"rows": len(result.rows), "format": "csv"},
    )
