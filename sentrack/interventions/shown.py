"""How the pages show an intervention's status, its registers and its measures: template globals
over the one definition of each (workflows/intervention_status.py, registers.py, measures.py), so
that every page (lists, the pupil's record, the provision map, the passport, the home page) says
the same."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

from sentrack.interventions import bp
from sentrack.models import Intervention, InterventionPupil, InterventionSession, SessionAttendance
from sentrack.templating import tag
from sentrack.workflows import measures, registers
from sentrack.workflows.intervention_status import status


@bp.app_template_global("intervention_status")
def intervention_status(intervention: Intervention, today: date):
    """The intervention's status on `today` (`.text`, `.colour`, `.ended`)."""
    return status(intervention, today)


@bp.app_template_global("intervention_status_tag")
def intervention_status_tag(intervention: Intervention, today: date) -> Markup:
    found = status(intervention, today)
    return tag(found.text, found.colour)


@bp.app_template_global("measure_progress")
def measure_progress(place: InterventionPupil) -> str | None:
    """The progress from the place's entry to its exit measure ("+8 points", "+7 months"), where
    the two are comparable; None otherwise."""
    found = measures.progress(measures.MeasureSpec.of(place.intervention), place.entry_score, place.exit_score)
    return str(found) if found is not None else None


@bp.app_template_global("measure_spec")
def measure_spec(intervention: Intervention) -> measures.MeasureSpec:
    return measures.MeasureSpec.of(intervention)


@bp.app_template_global("mark_words")
def mark_words(row: SessionAttendance) -> str:
    """A pupil's mark on a register in words: "Present", "Absent: Ill (dentist)"."""
    return registers.mark_text(row.kept)


@bp.app_template_global("held_words")
def held_words(register: InterventionSession) -> str:
    return registers.held_text(register.not_held_reason.value if register.not_held_reason else None)
