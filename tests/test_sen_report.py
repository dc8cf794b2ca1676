"""The governors' annual SEN information report: the SENCO drafts it from the school's figures (small
numbers suppressed by the one rule the governors' dashboard uses), edits it with every version kept,
and publishes it once every section is written; the head teacher reads the draft, the governors
only the published report."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.demo import build_demo
from sentrack.models import AuditEvent, Provision, RecordRevision, ReportStatus, School, SenReport, User
from sentrack.workflows import RuleBroken, small_numbers
from sentrack.workflows.compliance import compliance_figures
from sentrack.workflows.sen_report import (
    FIGURE_SECTIONS,
    REPORT_FIELDS,
    SUPPRESSED,
    draft_report,
    figure_sections,
)
from tests.conftest import TODAY
from tests.factories import make_pupil
from tests.pages import Html

YEAR = 2026  # the academic year of TODAY (27 November 2026)
PAGE = f"/sen-report/{YEAR}"


def _report(session, school) -> SenReport | None:
    session.expire_all()
    return session.scalar(sa.select(SenReport).where(SenReport.school_id == school.id))


def _sections(**changes) -> dict[str, str]:
    """Every section written, as the form sends them."""
    return {key: f"What the school does: {heading.lower()}." for key, heading in REPORT_FIELDS.items()} | changes


def _save(client, data: dict, version: str):
    return client.post(f"{PAGE}/edit", data={**data, "version": version})


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- Drafting from the figures ---------------------------------------------------------------------


def test_the_senco_drafts_the_report_from_the_figures(world, session, login, client):
    login(world.users["senco"])
    page = client.page(PAGE)
    assert "This year's report is not begun" in page.text()

    answer = client.post(f"{PAGE}/draft")

    assert answer.headers["Location"] == PAGE
    report = _report(session, world.school)
    assert (report.academic_year, report.status, report.figures_as_of, report.version) == (
        YEAR,
        ReportStatus.DRAFT,
        TODAY,
        1,
    )
    for key in REPORT_FIELDS:
        assert bool(getattr(report, key)) == (key in FIGURE_SECTIONS), key
    assert "On 27 November 2026 there were" in report.figures
    [event] = _events(session, "sen_report_drafted")
    assert event.pupil_id is None and event.school_id == world.school.id
    assert event.details == {"academic_year": YEAR, "version": 1, "sections": sorted(FIGURE_SECTIONS)}
    shown = client.page(PAGE)
    assert shown.text("#section-figures + div").startswith("On 27 November 2026")
    assert "Not written yet." in shown.text()


def test_a_small_school_s_report_gives_no_number_under_five(world, session):
    """Oak has four pupils on the roll, two on SEN support and one with an EHC plan: every count
    in the report reads "fewer than 5" or "withheld", never the number."""
    texts = figure_sections(session, world.school, TODAY)

    for key, text in texts.items():
        without_note = text.replace(SUPPRESSED, "")
        assert not re.search(r"(?<![\d.])[1-4](?![\d.%])(?! [A-Z][a-z]+ 20)", without_note), (key, text)
    assert "fewer than 5 pupils on the school's roll" in texts["figures"]
    assert "fewer than 5 (withheld) had an education, health and care (EHC) plan" in texts["figures"]


@pytest.fixture
def demo_school(session) -> School:
    build_demo(session, today=TODAY, schools=1, pupils_per_school=300)
    session.commit()
    return session.scalars(sa.select(School)).one()


def test_the_report_gives_the_numbers_the_governors_dashboard_shows(demo_school, session, login, client):
    """One rule for small numbers: each count in the report is the cell the governors see."""
    shown = small_numbers.present(compliance_figures(session, demo_school, TODAY), suppress=True)
    texts = figure_sections(session, demo_school, TODAY)

    register = shown.register
    assert register.pupils.shown and register.pupils.value >= 250
    assert f"there were {register.pupils} pupils on the school's roll" in texts["figures"]
    k = register.count(Provision.SEN_SUPPORT)
    assert f"{k} of them ({register.percent(Provision.SEN_SUPPORT)}) received SEN support" in texts["figures"]
    for need, cells in register.by_need.items():
        assert f"- {need.label}: {cells[Provision.SEN_SUPPORT]} on SEN support," in texts["figures"]
    on_track = shown.figures["engagement_on_track"]
    assert (
        f"Of the {on_track.population} pupils on the SEN register, the parents of {on_track.count}"
        in (texts["parents"])
    )
    login(session.scalar(sa.select(User).where(User.email == "governor@demo.test")))
    governors = client.page("/dashboard/")
    for key in ("engagement_on_track", "engagement_overdue", "reviews_overdue"):
        figure = governors.text(f"#card-{key} .app-card__figure")
        assert figure == str(shown.figures[key].count), key
    overdue = shown.figures["reviews_overdue"]
    assert f"{overdue.population} plans were open" in texts["reviewing"]
    assert "places in interventions that have ended" in texts["provision"]


def test_drafting_again_rewrites_only_the_figure_sections_and_keeps_the_history(world, session, login, client):
    login(world.users["senco"])
    _save(client, _sections(figures="Typed over the figures", complaints="Speak to the head first."), "0")
    for i in range(3):
        make_pupil(session, world.school, first=f"New{i}", last="Pupil", provision=Provision.SEN_SUPPORT)
    session.commit()

    client.post(f"{PAGE}/draft")

    report = _report(session, world.school)
    assert report.complaints == "Speak to the head first."
    assert report.figures.startswith("On 27 November 2026") and report.version == 2
    history = client.page(PAGE).table("Every saved version of the report")
    assert [row[0] for row in history] == ["Version 2", "Version 1"]
    assert history[0][2] == world.users["senco"].full_name
    assert history[0][3].split("; ") == [REPORT_FIELDS[key] for key in FIGURE_SECTIONS]
    revisions = session.scalars(sa.select(RecordRevision).where(RecordRevision.record_type == "sen_report")).all()
    assert {r.snapshot["figures"] for r in revisions} == {"Typed over the figures", report.figures}


def test_a_report_is_begun_only_for_this_academic_year(world, session, login, client):
    with pytest.raises(RuleBroken, match="only for this academic year, 2026 to 2027"):
        draft_report(
            session, school=world.school, academic_year=2025, report=None, today=TODAY, actor=world.users["senco"]
        )
    login(world.users["senco"])
    assert client.get("/sen-report/2025").status_code == 404  # a past year with no report
    assert client.get("/sen-report/2027").status_code == 404  # a year to come
    assert client.post("/sen-report/2025/draft").status_code == 404
    assert _report(session, world.school) is None


# --- Editing ---------------------------------------------------------------------------------------


def test_a_section_too_long_is_refused_beside_it_and_nothing_is_lost(world, session, login, client):
    login(world.users["senco"])

    page = client.post_page(f"{PAGE}/edit", data={**_sections(staff="x" * 8001), "version": "0"})

    assert page.field_error("staff") == "Staff expertise and training must be 8000 characters or fewer"
    assert page.one("textarea#complaints").get_text() == _sections()["complaints"]
    assert _report(session, world.school) is None


def test_two_saves_of_one_version_the_second_is_told_what_changed(world, session, login, client):
    login(world.users["senco"])
    _save(client, _sections(), "0")

    _save(client, _sections(complaints="Write to the chair of governors."), "1")
    page = client.post_page(f"{PAGE}/edit", data={**_sections(staff="Two teachers trained in ELKLAN."), "version": "1"})

    assert page.title.startswith("Error: ")
    assert page.table("What they changed") == [["Complaints", "Write to the chair of governors."]]
    assert page.one("textarea#staff").get_text() == "Two teachers trained in ELKLAN."
    assert page.value("version") == "2"
    report = _report(session, world.school)
    assert (report.version, report.complaints, report.staff) == (
        2,
        "Write to the chair of governors.",
        _sections()["staff"],
    )


# --- Publishing and reading ----------------------------------------------------------------------


def test_publishing_needs_every_section_written(world, session, login, client):
    login(world.users["senco"])
    client.post(f"{PAGE}/draft")
    page = client.page(PAGE)
    assert len(page.all(".govuk-inset-text li")) == len(REPORT_FIELDS) - len(FIGURE_SECTIONS)

    refused = client.post_page(f"{PAGE}/publish", data={"version": page.value("version")}, follow_redirects=True)

    assert refused.flashes()[0].startswith("Write every section before publishing the report. Still empty: ")
    assert "Complaints" in refused.flashes()[0]
    assert _report(session, world.school).status is ReportStatus.DRAFT
    assert not _events(session, "sen_report_published")


def test_a_report_read_at_an_older_version_is_not_published(world, session, login, client):
    login(world.users["senco"])
    _save(client, _sections(), "0")
    _save(client, _sections(complaints="Changed after it was read"), "1")

    client.post(f"{PAGE}/publish", data={"version": "1"})

    assert _report(session, world.school).status is ReportStatus.DRAFT


def test_the_head_reads_the_draft_and_the_governors_only_the_published_report(world, session, login, client):
    login(world.users["senco"])
    _save(client, _sections(complaints="Draft words about complaints"), "0")

    login(world.users["head"])
    assert "Draft words about complaints" in client.page(PAGE).text()
    login(world.users["governor"])
    before = client.page(PAGE)
    assert "The SENCO is drafting this year's report" in before.text()
    assert "Draft words about complaints" not in before.html
    assert client.page("/sen-report/").table("The school's reports") == [["No report is published yet."]]

    login(world.users["senco"])
    client.post(f"{PAGE}/publish", data={"version": "1"})
    report = _report(session, world.school)
    assert (report.status, report.published_on, report.published_by_id) == (
        ReportStatus.PUBLISHED,
        TODAY,
        world.users["senco"].id,
    )

    login(world.users["governor"])
    after = client.page(PAGE)
    assert "Draft words about complaints" in after.text()
    assert "Published 27 November 2026" in after.text()
    assert not after.has("#history")  # the drafts stay the SENCO's and the head's
    assert not any("/edit" in href or "/draft" in href for href in after.links("main"))
    assert not after.has("form[action$='/publish']")
    assert [row[0] for row in client.page("/sen-report/").table("The school's reports")] == ["2026 to 2027"]
    for role in ("teacher", "ta", "admin", "la"):
        login(world.users[role])
        assert client.get(PAGE).status_code == 403, role


def test_a_published_report_is_corrected_but_not_drafted_again(world, session, login, client):
    login(world.users["senco"])
    _save(client, _sections(), "0")
    client.post(f"{PAGE}/publish", data={"version": "1"})

    refused = client.post_page(f"{PAGE}/draft", follow_redirects=True)
    assert "This report is published: correct it by changing its sections" in refused.flashes()
    _save(client, _sections(contacts="Our SENCO is Sam Senco, on 01234 567890."), "2")

    report = _report(session, world.school)
    assert report.status is ReportStatus.PUBLISHED and report.version == 3
    assert report.contacts == "Our SENCO is Sam Senco, on 01234 567890."
    assert [e.details["sections"] for e in _events(session, "sen_report_saved")][-1] == ["contacts"]


def test_the_printable_report_keeps_its_controls_off_the_paper(world, session, login, client):
    login(world.users["senco"])
    _save(client, _sections(), "0")

    page = client.page(f"{PAGE}/print")

    assert page.has(".app-printable")
    assert all(link.find_parent(class_="app-no-print") for link in page.soup.select("main a"))
    assert [h.get_text(strip=True) for h in page.all("main h2[id^=section-]")] == list(REPORT_FIELDS.values())
    assert _events(session, "sen_report_printed")[0].details == {"academic_year": YEAR, "status": "draft"}


def test_the_report_is_in_the_navigation_of_those_who_read_it(world, login, client):
    for role, shown in (("governor", True), ("head", True), ("senco", True), ("teacher", False)):
        login(world.users[role])
        page = Html(client.get("/").data.decode())
        assert ("/sen-report/" in page.links(".govuk-service-navigation")) is shown, role


def test_a_draft_on_a_day_in_the_summer_term_is_for_that_academic_year(world, session):
    day = date(2027, 7, 1)
    report = draft_report(
        session, school=world.school, academic_year=2026, report=None, today=day, actor=world.users["senco"]
    )
    assert report.academic_year == 2026 and report.figures_as_of == day


def test_the_demo_school_has_this_years_report_in_progress(app, session):
    summary = build_demo(session, today=date(2026, 12, 6), schools=1, pupils_per_school=120)
    session.commit()

    [report] = session.scalars(sa.select(SenReport)).all()
    assert summary.sen_reports == 1
    assert (report.academic_year, report.status, report.version) == (2026, ReportStatus.DRAFT, 5)
    assert report.figures_as_of == date(2026, 11, 15)
    assert report.figures.startswith("On 15 November 2026 there were")
    assert report.complaints and not report.staff  # some sections written, others still to write
    saved = session.scalars(
        sa.select(RecordRevision.saved_at)
        .where(RecordRevision.record_type == "sen_report")
        .order_by(RecordRevision.version)
    ).all()
    assert [moment.date() for moment in saved] == sorted(moment.date() for moment in saved)
    assert saved[0].date() == date(2026, 11, 15) and saved[-1].date() <= date(2026, 12, 6)
