"""Small numbers in figures shown to those who see anonymised figures only (governors, LA
officers): a count of 1 to 4 reads "fewer than 5", a cell that would give one away (a total minus
the cells shown, a percentage, the change from another term) is withheld; on the page, the
printout and the CSV, whatever the filters. The SENCO and the head teacher see the real numbers.

The checks are properties of what is shown, so that they hold for any figure: no number from 1 to 4
can be read or worked out from a total and its parts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack import access
from sentrack.dashboard.cards import CARDS
from sentrack.models import NeedType, Provision, Role, TeachingGroup, User
from sentrack.workflows import small_numbers
from sentrack.workflows.compliance import HEADLINE, PupilFilter, TrendPoint, compliance_figures, to_json
from sentrack.workflows.figures import RegisterFigures
from tests.conftest import TODAY
from tests.pages import Page, words
from tests.test_compliance import _make_world

HIDDEN = (small_numbers.FEWER, small_numbers.WITHHELD)
TITLES = {card.title: card for card in CARDS}


def _user(session, email: str) -> User:
    return session.scalars(sa.select(User).where(User.email == email)).one()


@pytest.fixture
def school(session):
    school = _make_world(session)
    session.commit()
    return school


def _number(text: str):
    text = text.strip()
    if text in HIDDEN:
        return None
    return float(text) if "." in text else int(text)


def _small(n) -> bool:
    return n is not None and 0 < n < 5


def _check_part(count, population, percent_shown: bool, what: str) -> None:
    """A count of a population as shown: neither it, the population nor the rest of the population
    is 1 to 4, and a percentage is shown only beside both numbers."""
    assert not _small(count) and not _small(population), what
    if count is not None and population is not None:
        assert not _small(population - count), what
    if population is None:
        assert count is None, f"{what}: a part of a hidden total is shown"
    if percent_shown:
        assert count is not None and population is not None, f"{what}: a percentage of a hidden number"


def _check_line(total, parts, what: str) -> None:
    """A total and the cells that make it up, as shown: one hidden cell alone would be the total
    minus the others."""
    if total is None:
        assert all(p is None for p in parts), f"{what}: a part of a hidden total is shown"
        return
    assert sum(p is None for p in parts) != 1, f"{what}: a lone hidden cell can be worked out"
    assert not any(_small(p) for p in parts), what


CARD_LINE = re.compile(r"(?:([\d.]+)% of|Of) (fewer than 5|withheld|\d+) ")


def _shown_cards(page: Page) -> dict[str, tuple]:
    """Each card by title: (count, percent shown, population), None for a hidden number."""
    cards = {}
    for card in page.all('.app-card[id^="card-"]'):
        line = CARD_LINE.match(words(card.select_one("p.govuk-body-s")))
        assert line, words(card)
        title = words(card.select_one(".app-card__label"))
        cards[title] = (
            _number(words(card.select_one(".app-card__figure"))),
            line.group(1) is not None,
            _number(line.group(2)),
        )
    return cards


def _shows_fewer_than_5(page: Page) -> bool:
    """Whether a card or a table cell (not the note about small numbers) reads "fewer than 5"."""
    return any("fewer than 5" in shown for shown in page.texts(".app-card, .govuk-table__cell"))


def _check_cards(cards: dict[str, tuple], real, what: str) -> None:
    assert set(cards) == set(TITLES), what
    engagement = []
    for title, (count, percent_shown, population) in cards.items():
        figure = real.figures[TITLES[title].key]
        _check_part(count, population, percent_shown, f"{what}: {title}")
        if _small(figure.count):
            assert count is None, f"{what}: {title} shows {figure.count}"
        if count is not None:
            assert count == figure.count, f"{what}: {title}"
        if TITLES[title].key.startswith("engagement_"):
            engagement.append((count, population))
    # The parent engagement figures split one population between them.
    populations = {p for _, p in engagement}
    if len(populations) == 1 and None not in populations:
        _check_line(populations.pop(), [c for c, _ in engagement], f"{what}: engagement")


def _check_year_table(page: Page, what: str) -> None:
    """The register by year group: pupils, on SEN support, with an EHC plan (the rest is the
    pupils minus the two)."""
    rows = page.table("By year group")
    assert rows, what
    for cells in rows:
        total, k, e = (_number(c) for c in cells[1:4])
        rest = total - k - e if None not in (total, k, e) else None
        if total is not None and None not in (k, e):
            assert not _small(rest), f"{what}: {cells[0]}"
        _check_line(total, [k, e] + ([rest] if rest is not None or None in (k, e) else []), f"{what}: {cells[0]}")


def _narrow_filter(session, school) -> tuple[dict, object]:
    """A class and a primary need whose figures count 1 to 4 pupils somewhere: the filter a
    governor would use to single out a child."""
    groups = session.scalars(sa.select(TeachingGroup).where(TeachingGroup.school_id == school.id)).all()
    for group in groups:
        for need in NeedType:
            real = compliance_figures(session, school, TODAY, PupilFilter(group_id=group.id, need=need))
            if any(_small(f.count) for f in real.figures.values()) or _small(
                real.register.count(Provision.SEN_SUPPORT)
            ):
                return {"group": group.id, "need": need.value}, real
    raise AssertionError("the demo school has no class and need with fewer than 5 pupils")


@pytest.mark.parametrize("email", ["governor@demo.test"])
def test_a_governor_filtering_by_class_and_need_sees_fewer_than_5(school, session, login, client, email):
    args, real = _narrow_filter(session, school)
    login(_user(session, email))

    page = client.page("/dashboard/", query_string=args)
    printed = client.page("/dashboard/print", query_string=args)

    assert _shows_fewer_than_5(page)
    for what, body in (("page", page), ("print", printed)):
        _check_cards(_shown_cards(body), real, what)
        _check_year_table(body, what)
        assert _shows_fewer_than_5(body), what


def test_a_governors_csv_suppresses_small_numbers_and_their_complements(school, session, login, client):
    args, real = _narrow_filter(session, school)
    login(_user(session, "governor@demo.test"))

    rows = list(
        csv.reader(io.StringIO(client.get("/dashboard/figures.csv", query_string=args).data.decode("utf-8-sig")))
    )

    assert any("fewer than 5" in row for row in rows)
    by_title = {row[1]: row for row in rows[1:] if len(row) == 6}
    for card in CARDS:
        _, _, count, population, _, percent = by_title[card.title]
        count, population = _number(count), _number(population)
        _check_part(count, population, percent not in HIDDEN, f"csv: {card.title}")
        if _small(real.figures[card.key].count):
            assert count is None
    roles = [by_title[t] for t in by_title if t.startswith("Tasks overdue: ")]
    _check_line(_number(by_title["Tasks overdue"][2]), [_number(r[2]) for r in roles], "csv: tasks by role")
    register = [by_title[p.label] for p in Provision]
    _check_line(_number(register[0][3]), [_number(r[2]) for r in register], "csv: the register")


def test_the_senco_and_head_see_the_real_numbers_on_the_same_filter(school, session, login, client):
    args, real = _narrow_filter(session, school)
    for email in ("senco@demo.test", "head@demo.test"):
        login(_user(session, email))
        cards = _shown_cards(client.page("/dashboard/", query_string=args))
        assert all(percent_shown for _, percent_shown, _ in cards.values()), email
        assert {title: cards[title][0] for title in cards} == {c.title: real.figures[c.key].count for c in CARDS}
        rows = list(
            csv.reader(io.StringIO(client.get("/dashboard/figures.csv", query_string=args).data.decode("utf-8-sig")))
        )
        assert not any(cell in HIDDEN for row in rows for cell in row)


def test_the_governors_trend_shows_no_small_number_or_small_change(school, session, login, client):
    """Term by term, unfiltered: no count 1 to 4, and no two counts shown 1 to 4 apart."""
    login(_user(session, "governor@demo.test"))
    rows = client.page("/dashboard/").table("The figures term by term")
    assert len(rows) == len(HEADLINE)
    for cells in rows:
        shown = [_number(c) for c in cells[1:] if c != "–"]
        assert not any(_small(n) for n in shown), cells
        numbers = [n for n in shown if n is not None]
        assert not [(a, b) for a in numbers for b in numbers if 0 < abs(a - b) < 5], cells


def _point(label: str, day: date, counts: dict[str, int], *, so_far: bool = False) -> TrendPoint:
    return TrendPoint(
        label,
        day,
        {k: {"count": n, "population": 100, "population_label": "x", "percent": 0.0} for k, n in counts.items()},
        so_far=so_far,
    )


def test_term_to_term_changes_of_fewer_than_5_are_withheld(school, session):
    current = compliance_figures(session, school, TODAY)
    now = current.figures["reviews_overdue"].count
    points = [
        _point("Autumn", date(2025, 12, 19), {"reviews_overdue": 2}),
        _point("Spring", date(2026, 4, 1), {"reviews_overdue": now + 33}),  # 3 from summer
        _point("Summer", date(2026, 7, 20), {"reviews_overdue": now + 30}),
        TrendPoint("Now", TODAY, to_json(current)["figures"], so_far=True),
    ]

    hidden = small_numbers.present(current, suppress=True, trend_points=points).trend
    real = small_numbers.present(current, suppress=False, trend_points=points).trend

    cells = [p.count("reviews_overdue") for p in hidden]
    # Walking back from now: Summer is shown, Spring is 3 from it (withheld), Autumn is 2.
    assert [str(c) for c in cells[:2]] == ["fewer than 5", "withheld"]
    assert cells[2].shown and cells[2].value == now + 30
    assert cells[3] is hidden[-1].count("reviews_overdue")  # today's is the card's own cell
    assert [str(p.count("reviews_overdue")) for p in real] == ["2", str(now + 33), str(now + 30), str(now)]


def test_the_register_suppresses_a_small_cell_and_its_complement():
    register = RegisterFigures(
        pupils=60,
        by_provision={Provision.NONE: 48, Provision.SEN_SUPPORT: 9, Provision.EHC_PLAN: 3},
        by_need={
            NeedType.SLCN: {Provision.SEN_SUPPORT: 6, Provision.EHC_PLAN: 3},
            NeedType.SEMH: {Provision.SEN_SUPPORT: 3},
        },
        by_year={
            3: {Provision.NONE: 28, Provision.SEN_SUPPORT: 9, Provision.EHC_PLAN: 1},
            4: {Provision.NONE: 20, Provision.EHC_PLAN: 2},
        },
    )
    shown = small_numbers.present(register, suppress=True)

    assert str(shown.count(Provision.EHC_PLAN)) == "fewer than 5"
    assert str(shown.percent(Provision.EHC_PLAN)) == "withheld"
    # With E hidden, the total 60 minus K and none would give E: a second cell is withheld.
    _check_line(60, [None if not c.shown else c.value for c in shown.by_provision.values()], "by provision")
    for year, cells in shown.by_year.items():
        total = shown.year_totals[year]
        _check_line(
            total.value if total.shown else None, [c.value if c.shown else None for c in cells.values()], f"year {year}"
        )
    for provision in (Provision.SEN_SUPPORT, Provision.EHC_PLAN):
        column = [cells[provision] for cells in shown.by_need.values() if provision in cells]
        total = shown.count(provision)
        if total.shown:
            assert sum(not c.shown for c in column) != 1 or len(column) == 1
        assert not any(c.shown and 0 < c.value < 5 for c in column)
    real = small_numbers.present(register, suppress=False)
    assert str(real.count(Provision.EHC_PLAN)) == "3" and str(real.percent(Provision.EHC_PLAN)) == "5.0%"


def test_the_la_officers_schools_side_by_side_suppress_small_numbers():
    figures = {
        "reviews_overdue": {"count": 2, "population": 40, "population_label": "open cycles", "percent": 5.0},
        "tasks_overdue": {"count": 37, "population": 40, "population_label": "open tasks", "percent": 92.5},
        "k_without_plan": {"count": 0, "population": 0, "population_label": "pupils on SEN support", "percent": 0.0},
    }
    shown = small_numbers.present(figures, suppress=True).figures

    assert str(shown["reviews_overdue"].count) == "fewer than 5"
    assert str(shown["reviews_overdue"].percent) == "withheld"
    assert str(shown["tasks_overdue"].count) == "withheld"  # 40 - 37 = 3 would be worked out
    assert str(shown["k_without_plan"].count) == "0"


@pytest.mark.parametrize(
    ("roles", "sees"),
    [
        ({Role.SENCO}, True),
        ({Role.HEAD}, True),
        ({Role.GOVERNOR}, False),
        ({Role.LA_OFFICER}, False),
        ({Role.GOVERNOR, Role.SENCO}, True),
    ],
)
def test_who_sees_small_numbers_is_decided_in_access(roles, sees):
    class Someone:
        is_authenticated = True

        def __init__(self, roles):
            self.roles = roles

    assert access.sees_small_numbers(Someone(roles)) is sees


def test_the_governors_home_page_register_suppresses_small_numbers(school, session, login, client):
    """The register on the home page goes through the same suppression."""
    login(_user(session, "governor@demo.test"))
    page = client.page("/")
    _check_year_table(page, "home")
    real = compliance_figures(session, school, TODAY).register
    assert any(_small(n) for counts in real.by_year.values() for n in counts.values())
    assert _shows_fewer_than_5(page)
