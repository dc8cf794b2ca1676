"""The LA officer's schools side by side: each school of the authority with the figures of its
latest daily snapshot, as the officer is shown them (small numbers suppressed).

A snapshot's figures never change once the sweep has stored them, so the table follows from which
snapshot is each school's latest, the schools' names and whether small numbers are suppressed. It
is written out once for those and kept (the last few tables, in each web process): a view then
reads the schools and the ids of their snapshots alone, and costs about the same for an authority
of any number of schools. A new day's snapshot, a school renamed or a snapshot gone makes a table
of its own."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, render_template, request
from markupsafe import Markup
from sqlalchemy.orm import Session

from sentrack import access
from sentrack.clock import today
from sentrack.dashboard import queries
from sentrack.dashboard.cards import AUTHORITY_COLUMNS, BY_KEY
from sentrack.models import User
from sentrack.workflows import small_numbers
from sentrack.workflows.small_numbers import ShownSnapshot

TABLES_KEPT = 8
_KEPT = "sentrack.dashboard.side_by_side"
_KEEPING = threading.Lock()  # a threaded server's requests keep tables at once


@dataclass(frozen=True)
class SideBySide:
    schools: list[queries.SchoolSnapshot]
    table: Markup  # dashboard/_side_by_side.html, written out


def shown_figures(
    session: Session, schools: list[queries.SchoolSnapshot], *, suppress: bool
) -> dict[int, ShownSnapshot]:
    """Each counted school's stored figures as shown (`small_numbers.present`), by school id."""
    figures = queries.snapshot_figures(session, [s.snapshot_id for s in schools if s.snapshot_id is not None])
    return {
        school.id: small_numbers.present(figures[school.snapshot_id], suppress=suppress)
        for school in schools
        if school.snapshot_id is not None
    }


def side_by_side(session: Session, user: User, *, printing: bool) -> SideBySide:
    """The schools whose figures the user may see, and their table (links to each school's figures
    unless `printing`), written out only when no table kept was written for the same schools,
    snapshots and suppression."""
    schools = queries.authority_schools(session, user, today())
    suppress = not access.sees_small_numbers(user)
    key = (tuple(schools), suppress, printing, request.script_root)
    with _KEEPING:
        kept: OrderedDict = current_app.extensions.setdefault(_KEPT, OrderedDict())
        table = kept.get(key)
    if table is None:
        table = Markup(
            render_template(
                "dashboard/_side_by_side.html",
                schools=schools,
                shown=shown_figures(session, schools, suppress=suppress),
                columns=AUTHORITY_COLUMNS,
                by_key=BY_KEY,
                printing=printing,
            )
        )
        with _KEEPING:
            kept[key] = table
            while len(kept) > TABLES_KEPT:
                kept.popitem(last=False)
    return SideBySide(schools, table)
