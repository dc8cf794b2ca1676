"""The provision map for the SENCO and the head teacher: the page, its CSV and its printable
version, all from `workflows.provision_map`. Each is audited; the CSV as an export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import render_template, request
from markupsafe import Markup

from sentrack import access, audit, kept, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.exports import csv_response, safe_cell
from sentrack.extensions import db
from sentrack.forms import bounded_int, pounds
from sentrack.interventions import bp, queries
from sentrack.interventions.forms import MapFilterForm
from sentrack.models import School
from sentrack.models.enums import year_group_label
from sentrack.workflows.intervention_status import status
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
    school = user.school
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
    years = queries.year_groups(db.session, selection.school.id)
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


def _mapped() -> tuple[object, Selection, ProvisionMap]:
    """The signed-in user, the map they asked for (from the query string), and the map."""
    user = operations.signed_in_user()
    selection = _selection(user)
    return user, selection, _build(selection)


def _shown(user, selection: Selection, result: ProvisionMap, response, actions: tuple[str, str], **details):
    """`actions`: what the school's trail records, with the selection, and what each pupil the
    map names has in their own trail."""
    action, named = actions
    _audit_pupils(user, result, named)
    filters = selection.audit_details | details
    return audit.shown_school(db.session, response, action, actor=user, school_id=selection.school.id, details=filters)


@bp.route("/provision-map")
@access.requires(Ability.VIEW_PROVISION_MAP)
def provision_map_page():
    user = operations.signed_in_user()
    part = kept.part("provision_map", user, write=lambda: _map(user))
    school_id, filters = part.facts
    part.audit(user)
    page = render_template("interventions/provision_map.html", content=part.html)
    action = "provision_map_viewed"
    return audit.shown_school(db.session, page, action, actor=user, school_id=school_id, details=filters)


def _map(user) -> kept.Part:
    """The body of the provision map, the pupils it names, and its school and filters."""
    selection = _selection(user)
    result = _build(selection)
    html = render_template(
        "interventions/_provision_map.html",
        selection=selection,
        result=result,
        form=_filter_form(selection),
        numeric_sorts=NUMERIC_SORTS,
        today=today(),
    )
    named = {p.id: p.school_id for row in result.rows for p in row.pupils}
    return kept.Part(
        Markup(html),
        named=(kept.Named("named_in_provision_map", named),),
        facts=(selection.school.id, selection.audit_details),
    )


@bp.route("/provision-map/print")
@access.requires(Ability.VIEW_PROVISION_MAP)
def provision_map_print():
    user, selection, result = _mapped()
    page = render_template("interventions/provision_map_print.html", selection=selection, result=result, today=today())
    return _shown(user, selection, result, page, ("provision_map_printed", "named_in_provision_map_print"))


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
    "Status",
    "Pupils",
    "Year groups",
    "Number of pupils",
    "Sessions in the term",
    "Sessions delivered",
    "Sessions that did not happen",
    "Staff hours",
    "Cost (£)",
    "Cost per pupil (£)",
]


def provision_map_rows(result: ProvisionMap, on: date) -> list[list]:
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
                status(i, on).text,
                "; ".join(p.full_name for p in row.pupils),
                ", ".join(sorted({year_group_label(p.year_group) for p in row.pupils})),
                len(row.pupils),
                row.sessions,
                row.sessions_recorded,
                row.sessions_not_held,
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
            sum(r.sessions_not_held for r in result.rows),
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
@access.requires(Ability.VIEW_PROVISION_MAP)
def provision_map_csv():
    user, selection, result = _mapped()
    response = csv_response(provision_map_rows(result, today()), _filename(selection))
    return _shown(
        user,
        selection,
        result,
        response,
        ("provision_map_exported", "named_in_provision_map_export"),
        rows=len(result.rows),
        format="csv",
    )
