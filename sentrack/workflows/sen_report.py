"""The governors' annual SEN information report (SEND Regulations 2014, regulation 51 and schedule 1;
CoP 6.79 to 6.83): what the school must publish each year about its provision for pupils with SEN.

One report per school and academic year (`SenReport`). The SENCO drafts it from the school's
figures: four sections (the pupils with SEN, meetings with parents, reviews, the interventions and
their impact) are written from the figures as of the day, the others are the SENCO's to write under
the headings the report is expected to cover (`SECTIONS`). Every figure goes through
`small_numbers`, suppressed as for anyone who sees anonymised figures only, whoever drafts it: the
report is published, so no number of 1 to 4 children, nor one that gives such a number away, is in
it. The SENCO edits the sections (each save a version kept, `revisions`) and publishes the report
once every section is written; the head teacher and the governors read it published. A published
report can still be corrected (each correction kept too), but not drafted again from the figures.

Rules, each refused with `RuleBroken`:
- a report is begun (drafted or first saved) only for the current academic year;
- drafting again from the figures rewrites only the four figure sections, of a report not yet published;
- publishing needs every section written; a report is published once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import (
    Intervention,
    InterventionPupil,
    NeedType,
    Provision,
    Pupil,
    RecordRevision,
    ReportStatus,
    School,
    SenReport,
    User,
)
from sentrack.workflows import RuleBroken, small_numbers
from sentrack.workflows.compliance import compliance_figures
from sentrack.workflows.register import is_awaiting_impact
from sentrack.workflows.revisions import VERSION_MESSAGE, edit, insert_once
from sentrack.workflows.terms import academic_year_bounds, academic_year_of, year_label


@dataclass(frozen=True)
class Section:
    key: str  # the SenReport column
    heading: str
    covers: str  # what the section is expected to say, in our own words (the form's hint)
    from_figures: bool = False


SECTIONS: tuple[Section, ...] = (
    Section(
        "figures",
        "Pupils with special educational needs this year",
        "How many pupils have SEN, by the support they receive and their main area of need.",
        from_figures=True,
    ),
    Section(
        "kinds_of_need",
        "The kinds of special educational needs we provide for",
        "The needs the school provides for, across the four broad areas: communication and interaction; "
        "cognition and learning; social, emotional and mental health; sensory and physical needs.",
    ),
    Section(
        "identifying",
        "How we identify and assess special educational needs",
        "How the school notices that a pupil may have SEN, and how their needs are assessed.",
    ),
    Section(
        "parents",
        "Working with parents and carers",
        "How parents are consulted and take part in their child's education, meeting at least three times a year.",
        from_figures=True,
    ),
    Section(
        "pupils",
        "Involving pupils",
        "How pupils are asked for their views and take part in decisions about their education and support.",
    ),
    Section(
        "reviewing",
        "Assessing and reviewing progress",
        "How progress towards the outcomes agreed in each plan is assessed and reviewed, with the pupil and parents.",
        from_figures=True,
    ),
    Section(
        "transitions",
        "Moving on: changes of school and preparing for adulthood",
        "How pupils are supported when they move between phases of education and as they prepare for adult life.",
    ),
    Section(
        "teaching",
        "Teaching, the curriculum and the learning environment",
        "The school's approach to teaching pupils with SEN, and how the curriculum and classrooms are adapted.",
    ),
    Section(
        "staff",
        "Staff expertise and training",
        "The expertise and training of the staff who support pupils with SEN, and how specialist help is found.",
    ),
    Section(
        "provision",
        "How well our support works",
        "How the school judges whether its provision works: the interventions run this year and their impact.",
        from_figures=True,
    ),
    Section(
        "inclusion",
        "Taking part in school life, and wellbeing",
        "How pupils with SEN join in activities with other pupils, and the support for their emotional and "
        "social development.",
    ),
    Section(
        "partners",
        "Working with other services",
        "How the school works with health and social care, the local authority and voluntary organisations, "
        "including in support of families.",
    ),
    Section(
        "complaints",
        "Complaints",
        "How parents can complain about the provision made for their child, and what happens next.",
    ),
    Section(
        "contacts",
        "Contacts and the local offer",
        "Who to contact, the SENCO's name and how to reach them, and where the local authority publishes its "
        "local offer.",
    ),
)

BY_KEY = {section.key: section for section in SECTIONS}
# What an edit conflict and the history list: each section by its heading.
REPORT_FIELDS = {section.key: section.heading for section in SECTIONS}
FIGURE_SECTIONS = tuple(section.key for section in SECTIONS if section.from_figures)
SUPPRESSED = (
    'So that no child can be identified, a number of pupils from 1 to 4 is given as "fewer than 5", and a '
    'number that would let one be worked out is given as "withheld".'
)


def _date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- The figures, as the report gives them ----------------------------------------------------------


@dataclass(frozen=True)
class InterventionCounts:
    """The school's interventions that ran this academic year up to the day: how many, the pupils
    who took part, and of the places whose intervention ended (the pupil still on the roll at its
    end), those with the impact recorded."""

    interventions: int
    pupils: small_numbers.Cell
    ended: small_numbers.Cell
    impact_recorded: small_numbers.Cell


def intervention_counts(session: Session, school: School, today: date) -> InterventionCounts:
    """`InterventionCounts` of `school` as of `today`, suppressed by `small_numbers`. One query."""
    year_start, _ = academic_year_bounds(today)
    rows = session.execute(
        sa.select(
            Intervention.id, InterventionPupil.pupil_id, InterventionPupil.impact, Intervention.ends_on, Pupil.left_on
        )
        .outerjoin(InterventionPupil, InterventionPupil.intervention_id == Intervention.id)
        .outerjoin(Pupil, Pupil.id == InterventionPupil.pupil_id)
        .where(Intervention.school_id == school.id, Intervention.starts_on <= today, Intervention.ends_on >= year_start)
    ).all()
    pupils = {pupil_id for _, pupil_id, *_ in rows if pupil_id is not None}
    ended = [
        (impact, left_on, ends_on)
        for _, pupil_id, impact, ends_on, left_on in rows
        if pupil_id is not None and ends_on < today and (left_on is None or left_on > ends_on)
    ]
    recorded = sum(1 for impact, left_on, ends_on in ended if not is_awaiting_impact(impact, left_on, ends_on))
    shown_pupils, _ = small_numbers.present_parts(len(pupils), {}, suppress=True)
    shown_ended, parts = small_numbers.present_parts(len(ended), {"recorded": recorded}, suppress=True)
    return InterventionCounts(len({row[0] for row in rows}), shown_pupils, shown_ended, parts["recorded"])


def _figures_text(shown, today: date) -> str:
    register = shown.register
    k, e = Provision.SEN_SUPPORT, Provision.EHC_PLAN
    lines = [
        f"On {_date(today)} there were {register.pupils} pupils on the school's roll. {register.count(k)} of them "
        f"({register.percent(k)}) received SEN support, and {register.count(e)} ({register.percent(e)}) had an "
        "education, health and care (EHC) plan.",
    ]
    if register.by_need:
        lines += ["", "Pupils with SEN by their main area of need:"]
        for need, cells in register.by_need.items():
            named = NeedType(need).label if need else "Not recorded"
            lines.append(f"- {named}: {cells[k]} on SEN support, {cells[e]} with an EHC plan")
    lines += ["", SUPPRESSED]
    return "\n".join(lines)


def _parents_text(shown) -> str:
    on_track, due, overdue = (shown.figures[f"engagement_{s}"] for s in ("on_track", "due", "overdue"))
    return (
        "We meet the parents of every pupil with SEN at least three times a year, once a term, led by a "
        "teacher who knows the pupil, to talk about their progress and agree what happens next.\n\n"
        f"Of the {on_track.population} pupils on the SEN register, the parents of {on_track.count} had met us "
        f"as often as the year so far asks; a meeting was due this term for {due.count}; and for {overdue.count} "
        "fewer meetings had been held than the terms so far ask for."
    )


def _reviewing_text(shown) -> str:
    overdue = shown.figures["reviews_overdue"]
    if overdue.count.shown and overdue.population.shown:
        on_time = overdue.population.value - overdue.count.value
    else:
        on_time = small_numbers.WITHHELD
    return (
        "Each pupil on SEN support has a plan with the outcomes agreed with them and their parents, the "
        "support to reach them and a date to review it together.\n\n"
        f"{overdue.population} plans were open. {on_time} were on time (reviewed, or their review date not yet "
        f"come); {overdue.count} had passed their review date without a review."
    )


def _provision_text(counts: InterventionCounts) -> str:
    ran = "1 intervention" if counts.interventions == 1 else f"{counts.interventions} interventions"
    return (
        f"This year {ran} ran, in which {counts.pupils} pupils took part. Each intervention's impact is "
        "recorded for every pupil when it ends.\n\n"
        f"Of the {counts.ended} places in interventions that have ended, the impact was recorded for "
        f"{counts.impact_recorded}."
    )


def figure_sections(session: Session, school: School, today: date) -> dict[str, str]:
    """The text of the four figure sections, from the school's figures as of `today` (the whole
    school; small numbers suppressed). Thirteen queries: the figures and the interventions."""
    shown = small_numbers.present(compliance_figures(session, school, today), suppress=True)
    return {
        "figures": _figures_text(shown, today),
        "parents": _parents_text(shown),
        "reviewing": _reviewing_text(shown),
        "provision": _provision_text(intervention_counts(session, school, today)),
    }


# --- Drafting, editing, publishing --------------------------------------------------------------------


def _begun_this_year(academic_year: int, today: date) -> None:
    current = academic_year_of(today)
    if academic_year != current:
        raise RuleBroken(f"A report can be begun only for this academic year, {year_label(current)}")


def _existing(session: Session, school: School, academic_year: int):
    return lambda: session.scalar(
        sa.select(SenReport).where(SenReport.school_id == school.id, SenReport.academic_year == academic_year)
    )


def _audit(session: Session, action: str, report: SenReport, actor: User | None, sections) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        school_id=report.school_id,
        about=report,
        details={"academic_year": report.academic_year, "version": report.version, "sections": sorted(sections)},
    )


def draft_report(
    session: Session, *, school: School, academic_year: int, report: SenReport | None, today: date, actor: User
) -> SenReport:
    """Draft the report's figure sections from the school's figures as of `today`: a new report for
    this academic year (its other sections empty, to be written), or a draft begun already, whose
    other sections are kept. Refused for another year, or a report already published."""
    texts = figure_sections(session, school, today)
    if report is None:
        _begun_this_year(academic_year, today)
        report = SenReport(school_id=school.id, academic_year=academic_year, created_by_id=actor.id, **texts)
        report.figures_as_of = today
        insert_once(session, "sen_report", report, REPORT_FIELDS, actor, _existing(session, school, academic_year))
        _audit(session, "sen_report_drafted", report, actor, texts)
        return report
    if report.is_published:
        raise RuleBroken("This report is published: correct it by changing its sections")
    changed = [key for key, text in texts.items() if getattr(report, key) != text]
    with edit(session, "sen_report", report, REPORT_FIELDS, None, actor):
        for key, text in texts.items():
            setattr(report, key, text)
        report.figures_as_of = today
    _audit(session, "sen_report_drafted", report, actor, changed)
    return report


def save_report(
    session: Session,
    *,
    school: School,
    academic_year: int,
    report: SenReport | None,
    details: dict[str, str | None],
    expected_version: int | None,
    today: date,
    actor: User,
) -> SenReport:
    """Save the sections as typed (`details`: text, or None for an empty section), at the version
    the form was opened at: a new report for this academic year, else a new version of it (a draft,
    or a correction of a published report). Refused for a report begun in another year, or saved by
    someone else since (EditConflict, listing what they changed)."""
    values = {key: details.get(key) for key in REPORT_FIELDS}
    if report is None:
        _begun_this_year(academic_year, today)
        report = SenReport(school_id=school.id, academic_year=academic_year, created_by_id=actor.id, **values)
        insert_once(session, "sen_report", report, REPORT_FIELDS, actor, _existing(session, school, academic_year))
        _audit(session, "sen_report_saved", report, actor, [key for key, text in values.items() if text])
        return report
    changed = [key for key, text in values.items() if getattr(report, key) != text]
    with edit(session, "sen_report", report, REPORT_FIELDS, expected_version, actor):
        for key, text in values.items():
            setattr(report, key, text)
    _audit(session, "sen_report_saved", report, actor, changed)
    return report


def missing_sections(report: SenReport) -> list[Section]:
    """The sections with nothing written in them."""
    return [section for section in SECTIONS if not (getattr(report, section.key) or "").strip()]


def publish_report(
    session: Session, *, report: SenReport | None, expected_version: int | None, today: date, actor: User
) -> SenReport:
    """Publish the report as the person read it (`expected_version`): every section written, once.
    Refused with the sections still empty, for a report not begun or already published, or saved by
    someone else since it was read (EditConflict)."""
    if report is None:
        raise RuleBroken("There is no report to publish yet: draft it from the figures first")
    if report.is_published:
        raise RuleBroken(f"This report was published on {_date(report.published_on)}")
    if expected_version is None:
        raise RuleBroken(VERSION_MESSAGE)
    missing = missing_sections(report)
    if missing:
        names = "; ".join(section.heading for section in missing)
        raise RuleBroken(f"Write every section before publishing the report. Still empty: {names}")
    with edit(session, "sen_report", report, REPORT_FIELDS, expected_version, actor):
        report.status = ReportStatus.PUBLISHED
        report.published_on = today
        report.published_by_id = actor.id
    _audit(session, "sen_report_published", report, actor, [])
    return report


# --- The history ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One saved version of the report: who saved it, when, and which sections it changed."""

    number: int
    saved_by: User | None
    saved_at: datetime
    changed: tuple[str, ...]  # the headings of the sections changed from the version before


def history(revisions: list[RecordRevision]) -> list[Version]:
    """The report's saved versions (`revisions`, oldest first), newest first, each with the
    sections it changed."""
    versions, before = [], {}
    for revision in revisions:
        changed = tuple(
            heading for key, heading in REPORT_FIELDS.items() if revision.snapshot.get(key) != before.get(key)
        )
        versions.append(Version(revision.version, revision.saved_by, revision.saved_at, changed))
        before = revision.snapshot
    return list(reversed(versions))
