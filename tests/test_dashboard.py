"""The compliance dashboard's pages (DESIGN section 7): on a demo school made untidy by hand, the
head teacher's page shows the figures a plain recomputation from the raw tables gives, and the same
numbers as `flask compliance --json`; the drill-downs list exactly what each figure counts; the
filters narrow the figures; governors see no pupil's name anywhere; LA officers see their schools
side by side; the trend is stored once per term by the sweep."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.dashboard.cards import AUTHORITY_COLUMNS, BY_KEY, CARDS
from sentrack.dashboard.lists import rows_for
from sentrack.demo import build_demo
from sentrack.models import (
    AuditEvent,
    ComplianceSnapshot,
    Concern,
    Intervention,
    LocalAuthority,
    NeedType,
    Pupil,
    Role,
    School,
    SenStatus,
    Task,
    TeachingGroup,
    User,
    group_pupils,
)
from sentrack.workflows.compliance import HEADLINE, PupilFilter, compliance_figures, school_figure, to_json
from sentrack.workflows.engagement import describe, engagement_for_school
from sentrack.workflows.sweep import run_sweep
from tests.conftest import TODAY
from tests.pages import Html, words
from tests.test_compliance import _all, _make_world, _plain


def _user(session, email: str) -> User:
    return session.scalars(sa.select(User).where(User.email == email)).one()


_CARD_LINE = re.compile(r"([\d.]+)% of (\d+) (.+)")


def _cards(page: str | Html) -> dict[str, tuple[int, float, int, str]]:
    """Each card of the page by title: (count, percent, population, population label), for the
    cards whose count and percentage are shown as numbers."""
    page = page if isinstance(page, Html) else Html(page)
    found = {}
    for card in page.all('.app-card[id^="card-"]'):
        count = words(card.select_one(".app-card__figure"))
        line = _CARD_LINE.fullmatch(words(card.select_one("p.govuk-body-s")))
        if count.isdigit() and line:
            title = words(card.select_one("h3.app-card__label"))
            found[title] = (int(count), float(line.group(1)), int(line.group(2)), line.group(3))
    return found


def _role_rows(page: Html) -> dict[str, tuple[int, int]]:
    """The 'tasks overdue by role' table: role label -> (overdue, open)."""
    return {cells[0]: (int(cells[1]), int(cells[2])) for cells in page.table("Tasks overdue by role")}


def _ids_linked(page: Html, pattern: str) -> set[int]:
    """The numbers of the links whose whole href is `pattern` (one group of digits)."""
    return {int(match.group(1)) for href in page.links() if (match := re.fullmatch(pattern, href))}


@pytest.fixture
def school(session):
    school = _make_world(session)
    session.commit()
    return school


# --- The head teacher's page ---------------------------------------------------------------------


def test_head_teacher_sees_the_figures_a_plain_recomputation_gives(school, session, login, client):
    plain = _plain(session, school, TODAY)
    login(_user(session, "head@demo.test"))
    page = client.page("/dashboard/")
    cards = _cards(page)
    assert len(cards) == len(CARDS)
    n = len(plain["register"])
    expected = {
        "engagement_overdue": (plain["engagement"]["overdue"], n),
        "engagement_due": (plain["engagement"]["due"], n),
        "engagement_on_track": (plain["engagement"]["on_track"], n),
        "reviews_overdue": (plain["reviews_overdue"], plain["open_cycles"]),
        "k_without_plan": (plain["k_without_plan"], len(plain["on_k"])),
        "concerns_past_deadline": (plain["concerns_past_deadline"], plain["open_concerns"]),
        "interventions_without_impact": (plain["without_impact"], plain["ended_interventions"]),
        "tasks_overdue": (plain["tasks_overdue"], plain["open_tasks"]),
        "records_stale": (plain["stale"], n),
        "ehc_reviews_due": (plain["ehc_due"], len(plain["with_plan"])),
        "ehc_reviews_overdue": (plain["ehc_overdue"], len(plain["with_plan"])),
    }
    for key, (ids, population) in expected.items():
        count, percent, shown_population, _ = cards[BY_KEY[key].title]
        assert (count, shown_population) == (len(ids), population), key
        assert percent == (round(100 * len(ids) / population, 1) if population else 0.0), key
    roles = _role_rows(page)
    assert roles == {role.label: (len(ids), population) for role, (population, ids) in plain["by_role"].items()}
    # The demo school made untidy has something to act on, and the page says how much.
    needing = sum(1 for c in CARDS if c.tone == "action" and cards[c.title][0] > 0)
    assert needing > 0
    assert page.text("p.govuk-body-l strong") == (
        f"{needing} of {sum(1 for c in CARDS if c.tone == 'action')} checks need action."
    )


def test_the_page_and_the_command_line_json_agree(app, school, session, login, client):
    result = app.test_cli_runner().invoke(
        args=["compliance", "--school", school.urn, "--date", TODAY.isoformat(), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    login(_user(session, "head@demo.test"))
    page = client.page("/dashboard/")
    cards = _cards(page)
    for card in CARDS:
        figure = data["figures"][card.key]
        assert cards[card.title] == (
            figure["count"],
            figure["percent"],
            figure["population"],
            figure["population_label"],
        )
    roles = _role_rows(page)
    assert {label: v for label, v in roles.items()} == {
        Role(role).label: (f["count"], f["population"]) for role, f in data["tasks_overdue_by_role"].items()
    }
    # The register: pupils on roll and each provision's count.
    assert [
        words(card.select_one(".app-card__figure"))
        for card in page.all(".app-card")
        if words(card.select_one(".app-card__label")) == "pupils on roll"
    ] == [str(data["register"]["pupils"])]


def test_the_figures_csv_holds_the_page_figures(school, session, login, client):
    login(_user(session, "head@demo.test"))
    response = client.get("/dashboard/figures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    figures = compliance_figures(session, school, TODAY)
    by_title = {row[1]: row for row in rows if len(row) >= 6}
    for card in CARDS:
        f = figures[card.key]
        assert by_title[card.title][2:6] == [str(f.count), str(f.population), f.population_label, str(f.percent)]
    assert [
        e.details["format"]
        for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "dashboard_exported"))
    ] == ["csv"]


# --- Drill-downs ---------------------------------------------------------------------------------


def _linked_public_ids(page: str | Html) -> set[str]:
    """The public ids of the pupils the page links to (links whose whole href is /pupils/<id>)."""
    page = page if isinstance(page, Html) else Html(page)
    return {match.group(1) for href in page.links() if (match := re.fullmatch(r"/pupils/([A-Za-z0-9_-]+)", href))}


@pytest.mark.parametrize("key", [c.key for c in CARDS])
def test_each_drill_down_lists_exactly_what_its_figure_counts(school, session, login, client, key):
    plain = _plain(session, school, TODAY)
    ids = {
        "engagement_overdue": plain["engagement"]["overdue"],
        "engagement_due": plain["engagement"]["due"],
        "engagement_on_track": plain["engagement"]["on_track"],
        "reviews_overdue": plain["reviews_overdue"],
        "k_without_plan": plain["k_without_plan"],
        "concerns_past_deadline": plain["concerns_past_deadline"],
        "interventions_without_impact": plain["without_impact"],
        "tasks_overdue": plain["tasks_overdue"],
        "records_stale": plain["stale"],
        "ehc_reviews_due": plain["ehc_due"],
        "ehc_reviews_overdue": plain["ehc_overdue"],
    }[key]
    login(_user(session, "senco@demo.test"))
    page = client.page(f"/dashboard/figures/{key}")
    kind = compliance_figures(session, school, TODAY)[key].id_kind
    if kind == "pupil":
        public = {p.id: p.public_id for p in _all(session, Pupil)}
        assert _linked_public_ids(page) == {public[i] for i in ids}
    elif kind == "concern":
        concerns = {c.id: c for c in _all(session, Concern)}
        assert _linked_public_ids(page) == {concerns[i].pupil.public_id for i in ids}
        assert page.text().count("Decision was due") == len(ids)
    elif kind == "intervention":
        assert _ids_linked(page, r"/interventions/(\d+)") == ids
    else:
        assert _ids_linked(page, r"/tasks/(\d+)") == ids
    assert session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "dashboard_list_viewed")).one().details[
        "rows"
    ] == len(ids)


@pytest.mark.parametrize("key", ["engagement_overdue", "engagement_due", "engagement_on_track"])
def test_a_parent_engagement_list_words_each_pupil_as_their_engagement_is_counted(school, session, key):
    """The words of each line come from the engagement the figure counted (`Figure.facts`), and
    are those of the pupil's engagement counted afresh."""
    senco = _user(session, "senco@demo.test")
    year = min(p.year_group for p in _all(session, Pupil) if p.school_id == school.id)
    for pupils in (None, PupilFilter(year_group=year)):
        figure = school_figure(session, school, TODAY, key, pupils)
        rows = rows_for(session, senco, key, figure, school, TODAY)
        afresh = engagement_for_school(session, school, TODAY)
        assert {row.pupil.id for row in rows} == set(figure.ids)
        assert {row.pupil.id: row.detail for row in rows} == {pid: describe(afresh[pid]) for pid in figure.ids}
    assert any(school_figure(session, school, TODAY, key).ids for key in ("engagement_overdue", "engagement_due"))


def test_a_drill_down_by_role_and_its_csv(school, session, login, client):
    login(_user(session, "senco@demo.test"))
    figures = compliance_figures(session, school, TODAY)
    role, figure = next((r, f) for r, f in figures.tasks_overdue_by_role.items() if f.count)
    page = client.page(f"/dashboard/figures/tasks_overdue_{role.value}")
    assert _ids_linked(page, r"/tasks/(\d+)") == set(figure.ids)
    response = client.get(f"/dashboard/figures/tasks_overdue_{role.value}.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Pupil", "Year group", "Subject", "Detail", "Task held by"]
    tasks = {t.id: t for t in _all(session, Task)}
    assert sorted(r[2] for r in rows[1:]) == sorted(tasks[i].title for i in figure.ids)
    # Each overdue task names who holds it, as the task's own page does.
    assert sorted(r[4] for r in rows[1:]) == sorted(
        f"{tasks[i].holder} ({role.label}), due {tasks[i].due_on.strftime('%-d %b %Y')}" for i in figure.ids
    )
    assert client.get("/dashboard/figures/tasks_overdue_nobody").status_code == 404
    assert client.get("/dashboard/figures/no_such_figure").status_code == 404


def test_a_list_export_never_hands_a_spreadsheet_a_formula(school, session, login, client):
    figure = compliance_figures(session, school, TODAY)["interventions_without_impact"]
    intervention = session.get(Intervention, figure.ids[0])
    intervention.name = '=HYPERLINK("http://example.test","Open")'
    session.commit()
    login(_user(session, "senco@demo.test"))
    body = client.get("/dashboard/figures/interventions_without_impact.csv").data.decode("utf-8-sig")
    subjects = [row[2] for row in csv.reader(io.StringIO(body))]
    assert "'" + intervention.name in subjects and intervention.name not in subjects


# --- Filters -------------------------------------------------------------------------------------


def _narrowed(plain: dict, keep: set[int]) -> dict[str, set[int]]:
    return {
        "reviews_overdue": plain["reviews_overdue"] & keep,
        "k_without_plan": plain["k_without_plan"] & keep,
        "records_stale": plain["stale"] & keep,
        "engagement_on_track": plain["engagement"]["on_track"] & keep,
        "ehc_reviews_overdue": plain["ehc_overdue"] & keep,
    }


def test_filters_narrow_the_figures_to_the_pupils_chosen(school, session, login, client):
    plain = _plain(session, school, TODAY)
    pupils = [p for p in _all(session, Pupil) if p.school_id == school.id]
    login(_user(session, "head@demo.test"))

    year = max(
        {p.year_group for p in pupils},
        key=lambda y: len(plain["reviews_overdue"] & {p.id for p in pupils if p.year_group == y}),
    )
    in_year = {p.id for p in pupils if p.year_group == year}
    group = session.scalars(sa.select(TeachingGroup).where(TeachingGroup.school_id == school.id)).first()
    in_group = set(session.scalars(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == group.id)))
    need = NeedType.SLCN
    with_need = {
        s.pupil_id
        for s in _all(session, SenStatus)
        if s.primary_need is need and s.start_date <= TODAY and (s.end_date is None or s.end_date >= TODAY)
    }
    for query, keep, described in (
        (f"year={year}", in_year, None),
        (f"group={group.id}", in_group, f"class {group.name}"),
        (f"need={need.value}", with_need, need.label),
    ):
        page = client.page(f"/dashboard/?{query}")
        cards = _cards(page)
        for key, ids in _narrowed(plain, keep).items():
            assert cards[BY_KEY[key].title][0] == len(ids), (query, key)
        if described:
            assert described in page.text("p.govuk-body-l")  # "As of ..., for <the filter>: ..."
        # the trend is the whole school's
        assert "The trend is kept for the whole school. Clear the filters to see it." in page.texts("p.govuk-body")
    assert len(_narrowed(plain, in_year)["reviews_overdue"]) > 0  # the year filter left something to count
    # Filters that name nothing of the school are ignored: the whole school's figures.
    whole = _cards(client.page("/dashboard/"))
    other_group = session.scalars(sa.select(TeachingGroup.id).where(TeachingGroup.school_id != school.id)).first()
    for query in (
        "year=abc",
        "year=99",
        "need=XYZ",
        "group=999999",
        f"group={other_group}" if other_group else "group=0",
    ):
        assert _cards(client.page(f"/dashboard/?{query}")) == whole, query


def test_a_filtered_drill_down_lists_only_the_pupils_chosen(school, session, login, client):
    plain = _plain(session, school, TODAY)
    pupils = [p for p in _all(session, Pupil) if p.school_id == school.id]
    year = next(p.year_group for p in pupils if p.id in plain["k_without_plan"])
    keep = {p.public_id for p in pupils if p.year_group == year and p.id in plain["k_without_plan"]}
    login(_user(session, "senco@demo.test"))
    page = client.page(f"/dashboard/figures/k_without_plan?year={year}")
    assert _linked_public_ids(page) == keep


# --- Governors -----------------------------------------------------------------------------------


def _names(session) -> set[str]:
    names = set()
    for p in _all(session, Pupil):
        names.add(f"{p.first_name} {p.last_name}")
        names.add(p.full_name)
    return names


def test_a_governor_finds_no_pupil_name_on_the_dashboard_or_its_exports(school, session, login, client):
    governor = _user(session, "governor@demo.test")
    assert set(governor.roles) == {Role.GOVERNOR}
    login(governor)
    group = session.scalars(sa.select(TeachingGroup).where(TeachingGroup.school_id == school.id)).first()
    names = _names(session)
    pages = [
        client.page(url)
        for url in ("/dashboard/", f"/dashboard/?group={group.id}", "/dashboard/?year=3&need=SLCN", "/dashboard/print")
    ]
    bodies = [html.unescape(page.html) for page in pages]
    for url in ("/dashboard/figures.csv", f"/dashboard/figures.csv?group={group.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(html.unescape(response.get_data(as_text=True)))
    # Nowhere in the markup, attributes included, nor in the CSV files.
    for body in bodies:
        assert not [n for n in names if n in body]
        assert "/dashboard/figures/" not in body and "/pupils/" not in body
    # The figures are all there, without the way in to the pupils.
    assert len(pages[0].all(".app-card__figure")) >= len(CARDS)
    assert all(len(pages[0].all(f"#card-{card.key}")) == 1 for card in CARDS)
    assert any("without pupils' names" in inset for inset in pages[0].texts(".govuk-inset-text"))
    for card in CARDS:
        assert client.get(f"/dashboard/figures/{card.key}").status_code == 403
        assert client.get(f"/dashboard/figures/{card.key}.csv").status_code == 403


def test_the_head_teacher_page_does_name_pupils_in_its_lists(school, session, login, client):
    """The governor test above could pass on a page that names no one to anybody: it does, to the head."""
    login(_user(session, "head@demo.test"))
    page = client.page("/dashboard/figures/reviews_overdue")
    assert [n for n in _names(session) if n in page]


@pytest.mark.parametrize("email", ["teacher@demo.test", "ta@demo.test", "admin@demo.test"])
def test_staff_without_the_figures_are_refused(school, session, login, client, email):
    login(_user(session, email))
    for url in ("/dashboard/", "/dashboard/print", "/dashboard/figures.csv", "/dashboard/figures/reviews_overdue"):
        assert client.get(url).status_code == 403, url


# --- The local authority -------------------------------------------------------------------------


def test_la_officer_sees_the_schools_of_their_authority_side_by_side(session, login, client):
    build_demo(session, today=TODAY, schools=2, pupils_per_school=40)
    stranger_la = LocalAuthority(code="998", name="Elsewhere Council")
    session.add(stranger_la)
    session.flush()
    stranger = School(
        urn="999001",
        name="Faraway School",
        local_authority_id=stranger_la.id,
        phase=session.scalars(sa.select(School)).first().phase,
    )
    session.add(stranger)
    session.flush()
    summary = run_sweep(session, TODAY)
    session.commit()
    assert summary.snapshots_stored > 0
    officer = _user(session, "la@demo.test")
    schools = session.scalars(sa.select(School).where(School.local_authority_id == officer.local_authority_id)).all()
    assert len(schools) == 2
    login(officer)
    page = client.page("/dashboard/")
    assert "Faraway School" not in page.html  # nowhere in the markup
    # Each school's row: its name and URN -> the first word of each figure's cell (the count).
    table = page.table('[aria-label="Schools side by side"]')
    rows = {cells[0]: [cell.split()[0] for cell in cells[1:-1]] for cells in table}
    for school in schools:
        expected = to_json(compliance_figures(session, school, TODAY))["figures"]
        # An officer sees anonymised figures only: 1 to 4 reads "fewer than 5", and a figure that
        # would give one away is withheld.
        for key, shown in zip(
            AUTHORITY_COLUMNS,
            rows[f"{school.name} URN {school.urn}, establishment number {school.estab_number}"],
            strict=True,
        ):
            count = expected[key]["count"]
            if 0 < count < 5:
                assert shown == "fewer", key
            else:
                assert shown in (str(count), "withheld"), key
    exported = list(csv.reader(io.StringIO(client.get("/dashboard/figures.csv").data.decode("utf-8-sig"))))
    assert [r[1] for r in exported[1:]] == [s.urn for s in sorted(schools, key=lambda s: s.name)]
    assert client.get("/dashboard/figures/reviews_overdue").status_code == 403
    assert client.get("/dashboard/print").status_code == 200


def test_a_school_not_counted_this_week_says_so(session, login, client):
    build_demo(session, today=TODAY, schools=1, pupils_per_school=20)
    session.commit()
    login(_user(session, "la@demo.test"))
    page = client.page("/dashboard/")
    assert [cells[1] for cells in page.table('[aria-label="Schools side by side"]')] == [
        "Not counted in the last week: the school's figures appear after its next daily check."
    ]


def test_the_schools_side_by_side_follow_each_new_snapshot_and_name(app, session, login, client):
    """The table is written out once for the snapshots it shows: a view of the same snapshots shows
    the same table, and a newer snapshot, a school renamed or a snapshot gone shows in the next."""
    from datetime import timedelta

    build_demo(session, today=TODAY, schools=2, pupils_per_school=30)
    run_sweep(session, TODAY)
    session.commit()
    login(_user(session, "la@demo.test"))

    def rows() -> dict[str, list[str]]:
        return {
            cells[0]: cells[1:] for cells in client.page("/dashboard/").table('[aria-label="Schools side by side"]')
        }

    first = rows()
    assert rows() == first
    school = session.scalars(sa.select(School).order_by(School.name)).first()
    stored = session.scalars(sa.select(ComplianceSnapshot).where(ComplianceSnapshot.school_id == school.id)).all()
    latest = max(stored, key=lambda snapshot: snapshot.as_of)
    figures = json.loads(json.dumps(latest.figures))
    figures["figures"]["tasks_overdue"].update(count=60, population=80)
    tomorrow = TODAY + timedelta(days=1)
    session.add(ComplianceSnapshot(school_id=school.id, as_of=tomorrow, figures=figures, counted_on=tomorrow))
    session.commit()
    app.config["TODAY"] = tomorrow

    counted = rows()
    heading = next(name for name in counted if name.startswith(school.name))
    tasks = AUTHORITY_COLUMNS.index("tasks_overdue")
    assert counted[heading][tasks] == "60 75.0%"
    assert counted[heading][-1] == f"{tomorrow.day} {tomorrow:%b %Y}"
    assert {name: cells for name, cells in counted.items() if name != heading} == {
        name: cells for name, cells in first.items() if name != heading
    }

    school.name = "Renamed School"
    session.commit()
    assert any(name.startswith("Renamed School") for name in rows())

    session.execute(sa.delete(ComplianceSnapshot).where(ComplianceSnapshot.school_id == school.id))
    session.commit()
    renamed = next(cells for name, cells in rows().items() if name.startswith("Renamed School"))
    assert renamed == ["Not counted in the last week: the school's figures appear after its next daily check."]


# --- The trend -----------------------------------------------------------------------------------


def test_the_sweep_stores_each_term_once_and_the_page_shows_the_trend(school, session, login, client):
    # _make_world swept on TODAY already: last year's three terms, and today's daily snapshot.
    snapshots = session.scalars(sa.select(ComplianceSnapshot).order_by(ComplianceSnapshot.as_of)).all()
    assert [(s.term_name, s.as_of) for s in snapshots] == [
        # The demo school's own term dates: each term's snapshot is as of its last day.
        ("Autumn 2025", date(2025, 12, 19)),
        ("Spring 2026", date(2026, 3, 27)),
        ("Summer 2026", date(2026, 7, 22)),
        (None, TODAY),
    ]
    assert run_sweep(session, TODAY).snapshots_stored == 0  # a second sweep stores nothing
    for snapshot in snapshots[:3]:
        assert set(snapshot.figures["figures"]) >= set(HEADLINE)
        assert "ids" not in json.dumps(snapshot.figures)
    session.commit()
    login(_user(session, "head@demo.test"))
    page = client.page("/dashboard/")
    headers = page.table_head("The figures term by term")
    assert headers == ["Figure", "Autumn 2025 *", "Spring 2026 *", "Summer 2026 *", "Autumn 2026 so far"]
    # Last year's terms were counted by the first sweep (on 18 October), long after they ended,
    # and the page says so.
    assert "Counted on 18 October 2026, after the term had ended" in page
    live = compliance_figures(session, school, TODAY)
    table = {cells[0]: cells[1:] for cells in page.table("The figures term by term")}
    for key in HEADLINE:
        values = [int(v) for v in table[BY_KEY[key].title]]
        assert values == [s.figures["figures"][key]["count"] for s in snapshots[:3]] + [live[key].count], key
    assert len(page.all("svg")) >= len(HEADLINE)


def test_a_term_counted_on_its_last_day_has_no_footnote(session, login, client):
    build_demo(session, today=TODAY, schools=1, pupils_per_school=20)
    run_sweep(session, date(2026, 7, 22))  # the summer term's last day: counted as the day's snapshot
    run_sweep(session, date(2026, 7, 23))  # the next day it becomes the term's
    session.commit()
    summer = session.scalars(sa.select(ComplianceSnapshot).where(ComplianceSnapshot.term_name == "Summer 2026")).one()
    assert summer.as_of == date(2026, 7, 22)
    login(_user(session, "head@demo.test"))
    page = client.page("/dashboard/")
    headers = page.table_head("The figures term by term")
    footnoted = [words(sup.parent) for sup in page.all("thead th > sup")]  # a <sup>*</sup> in the heading
    assert "Summer 2026" in headers and "Summer 2026 *" not in footnoted
    assert "Spring 2026 *" in headers and "Spring 2026 *" in footnoted


def test_a_term_snapshot_is_the_figures_as_of_its_last_day(session):
    build_demo(session, today=TODAY, schools=1, pupils_per_school=30)
    school = session.scalars(sa.select(School)).one()
    run_sweep(session, TODAY)
    summer = session.scalars(sa.select(ComplianceSnapshot).where(ComplianceSnapshot.term_name == "Summer 2026")).one()
    assert summer.figures == json.loads(json.dumps(to_json(compliance_figures(session, school, date(2026, 7, 22)))))


def test_daily_snapshots_older_than_a_week_go_and_a_term_end_day_keeps_its_own(session):
    build_demo(session, today=TODAY, schools=1, pupils_per_school=20)
    run_sweep(session, TODAY)
    # The demo school's autumn term ends on 18 December: the day's snapshot then becomes the term's.
    run_sweep(session, date(2026, 12, 18))
    run_sweep(session, date(2027, 1, 12))
    rows = {(s.as_of, s.term_name) for s in _all(session, ComplianceSnapshot)}
    assert (TODAY, None) not in rows  # more than a week old by 12 January
    assert (date(2026, 12, 18), "Autumn 2026") in rows
    assert (date(2027, 1, 12), None) in rows


def test_the_print_version_has_the_figures_and_is_audited(school, session, login, client):
    login(_user(session, "head@demo.test"))
    page = client.page("/dashboard/print?year=3")
    live = compliance_figures(session, school, TODAY, PupilFilter(year_group=3))
    cards = _cards(page)
    for card in CARDS:
        assert cards[card.title][0] == live[card.key].count
    assert "/dashboard/figures/" not in page.html  # paper has no links to follow, nowhere in the markup
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "dashboard_printed")).one()
    assert event.details == {"year": 3, "format": "print"}


def test_the_dashboard_view_is_audited_without_pupil_details(school, session, login, client):
    login(_user(session, "senco@demo.test"))
    client.get("/dashboard/?need=SLCN")
    client.get("/dashboard/figures/reviews_overdue")
    client.get("/dashboard/figures/reviews_overdue.csv")
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("dashboard%")).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["dashboard_viewed", "dashboard_list_viewed", "dashboard_list_exported"]
    assert all(e.pupil_id is None and e.school_id == school.id for e in events)
    text = json.dumps([e.details for e in events])
    assert not [n for n in _names(session) if n in text]
