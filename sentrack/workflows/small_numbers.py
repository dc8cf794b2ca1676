"""Figures as a viewer is shown them. Those who see anonymised figures only (governors, LA
officers: `access.sees_small_numbers`) never see a number small enough to single out a child:

- a count of 1 to 4 shows as "fewer than 5";
- where a total and the cells that make it up are known (a population and the part of it a figure
  counts, the register by provision, by year group and by need, the tasks of each role), a second
  cell is withheld beside a lone hidden one, so that the total minus the cells shown does not give
  it away; a total of fewer than 5 withholds every cell of it, noughts included;
- a percentage is shown only when both its count and its population are;
- term by term, an earlier term's count that differs from a later one shown by 1 to 4 is withheld,
  so that the change from term to term does not give a small number away either.

`present` is the one way a view, printout or CSV turns figures into what is shown; the SENCO and
the head teacher get the real numbers through it, nothing hidden.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sentrack.models import NeedType, Provision, Role
from sentrack.workflows.compliance import SchoolCompliance
from sentrack.workflows.figures import RegisterFigures

SMALL = 5  # counts below this (and above nought) are never shown to those who see figures only
FEWER = "fewer than 5"
WITHHELD = "withheld"


@dataclass(frozen=True)
class Cell:
    """One number as shown: its text is the number, or why it is not shown. `value` is read only
    where `shown`."""

    value: int | float
    hidden: str | None = None
    unit: str = ""

    @property
    def shown(self) -> bool:
        return self.hidden is None

    @property
    def flagged(self) -> bool:
        """Whether a count of things needing action is to be pointed out: above nought, or hidden
        (pointing out only hidden cells above nought would tell which hidden cells are nought)."""
        return not self.shown or self.value > 0

    def csv(self):
        return self.value if self.shown else self.hidden

    def __str__(self) -> str:
        return self.hidden if self.hidden is not None else f"{self.value}{self.unit}"


def _percent(count: Cell, population: Cell) -> Cell:
    value = round(100 * count.value / population.value, 1) if population.value else 0.0
    return Cell(value, None if count.shown and population.shown else WITHHELD, "%")


class _Table:
    """Numbers by key, and the lines among them: a total and the cells that add up to it (a line
    of one cell says two cells are the same number). A key may be virtual: known to the viewer
    only as a total minus what is shown, never displayed itself."""

    def __init__(self) -> None:
        self.values: dict[Hashable, int] = {}
        self.lines: list[tuple[Hashable, list[Hashable]]] = []
        self.hidden: dict[Hashable, str] = {}

    def add(self, key: Hashable, value: int) -> Hashable:
        self.values[key] = int(value)
        return key

    def line(self, total: Hashable, members: Iterable[Hashable]) -> None:
        members = [m for m in members if m != total]
        if members:
            self.lines.append((total, members))

    def protect(self, suppress: bool) -> None:
        if not suppress:
            return
        hidden = {key: FEWER for key, value in self.values.items() if 0 < value < SMALL}
        changed = True
        while changed:
            changed = False
            for total, members in self.lines:
                if total in hidden:
                    for member in members:
                        if member not in hidden:
                            hidden[member] = WITHHELD
                            changed = True
                    continue
                lone = [m for m in members if m in hidden]
                if len(lone) != 1:
                    continue
                rest = [m for m in members if m not in hidden]
                # The smallest cell above nought (a nought beside a hidden cell gives it away less
                # well); the total when there is no other cell.
                pick = min(rest, key=lambda m: (self.values[m] == 0, self.values[m])) if rest else total
                hidden[pick] = WITHHELD
                changed = True
        self.hidden = hidden

    def cell(self, key: Hashable, unit: str = "") -> Cell:
        return Cell(self.values[key], self.hidden.get(key), unit)


# --- The figures as shown -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownFigure:
    label: str
    count: Cell
    population: Cell
    percent: Cell
    population_label: str
    id_kind: str


@dataclass
class ShownRegister:
    pupils: Cell
    by_provision: dict[Provision, Cell]
    percents: dict[Provision, Cell]
    by_need: dict[NeedType, dict[Provision, Cell]]
    by_year: dict[int, dict[Provision, Cell]]
    year_totals: dict[int, Cell]

    def count(self, provision: Provision) -> Cell:
        return self.by_provision[provision]

    def percent(self, provision: Provision) -> Cell:
        return self.percents[provision]


@dataclass(frozen=True)
class ShownPoint:
    label: str
    as_of: date
    counts: dict[str, Cell]
    so_far: bool = False
    counted_on: date | None = None

    def count(self, key: str) -> Cell | None:
        return self.counts.get(key)


@dataclass
class ShownSchool:
    today: date
    figures: dict[str, ShownFigure]
    tasks_overdue_by_role: dict[Role, ShownFigure]
    register: ShownRegister
    trend: list[ShownPoint] | None = None
    suppressed: bool = False


@dataclass
class ShownSnapshot:
    figures: dict[str, ShownFigure] = field(default_factory=dict)


def _figure_cells(table: _Table, prefix: Hashable, key: str, count: int, population: int, population_label: str):
    """A figure's count and population, and the rest of the population (virtual): the population
    is one key per label and number, so figures of one population share it."""
    c = table.add((prefix, "count", key), count)
    p = table.add((prefix, "population", population_label, population), population)
    rest = table.add((prefix, "rest", key), population - count)
    table.line(p, [c, rest])
    return c, p


def _shown_figure(table: _Table, label: str, c, p, population_label: str, id_kind: str) -> ShownFigure:
    count, population = table.cell(c), table.cell(p)
    return ShownFigure(label, count, population, _percent(count, population), population_label, id_kind)


def _register_cells(table: _Table, register, prefix: Hashable = "register") -> dict:
    keys: dict = {"pupils": table.add((prefix, "pupils"), register.pupils)}
    provisions = list(Provision)
    keys["provision"] = {p: table.add((prefix, "provision", p), register.count(p)) for p in provisions}
    table.line(keys["pupils"], keys["provision"].values())
    keys["year"], keys["year_total"] = {}, {}
    for year, counts in register.by_year.items():
        keys["year"][year] = {p: table.add((prefix, "year", year, p), counts.get(p, 0)) for p in provisions}
        keys["year_total"][year] = table.add((prefix, "year_total", year), sum(counts.values()))
        table.line(keys["year_total"][year], keys["year"][year].values())
    table.line(keys["pupils"], keys["year_total"].values())
    for p in provisions:
        table.line(keys["provision"][p], [keys["year"][y][p] for y in keys["year"]])
    keys["need"] = {}
    on_register = (Provision.SEN_SUPPORT, Provision.EHC_PLAN)
    for need, counts in register.by_need.items():
        keys["need"][need] = {p: table.add((prefix, "need", need, p), counts.get(p, 0)) for p in on_register}
    for p in on_register:
        members = [keys["need"][n][p] for n in keys["need"]]
        rest = table.add((prefix, "need_rest", p), register.count(p) - sum(table.values[m] for m in members))
        table.line(keys["provision"][p], members + [rest])
    # Pupils on the register, which figures count as their population, are those on K and E.
    keys["on_register"] = table.add((prefix, "on_register"), register.on_register)
    table.line(keys["on_register"], [keys["provision"][p] for p in on_register])
    return keys


def _shown_register(table: _Table, register, keys: dict) -> ShownRegister:
    by_provision = {p: table.cell(k) for p, k in keys["provision"].items()}
    pupils = table.cell(keys["pupils"])
    return ShownRegister(
        pupils=pupils,
        by_provision=by_provision,
        percents={p: _percent(c, pupils) for p, c in by_provision.items()},
        by_need={need: {p: table.cell(k) for p, k in cells.items()} for need, cells in keys["need"].items()},
        by_year={year: {p: table.cell(k) for p, k in cells.items()} for year, cells in keys["year"].items()},
        year_totals={year: table.cell(k) for year, k in keys["year_total"].items()},
    )


def _link_same(table: _Table, a: Hashable, b: Hashable) -> None:
    """Two cells that count the same pupils: hiding one hides the other."""
    if table.values[a] == table.values[b]:
        table.line(a, [b])


def _present_school(compliance, trend_points, suppress: bool) -> ShownSchool:
    table = _Table()
    cells = {}
    for key, f in compliance.figures.items():
        cells[key] = _figure_cells(table, "figure", key, f.count, f.population, f.population_label)
    # The engagement figures split the register between them.
    engagement = [key for key in cells if key.startswith("engagement_")]
    if engagement:
        table.line(cells[engagement[0]][1], [cells[key][0] for key in engagement])
    role_cells = {}
    for role, f in compliance.tasks_overdue_by_role.items():
        role_cells[role] = _figure_cells(table, "role", role.value, f.count, f.population, f.population_label)
    if role_cells and "tasks_overdue" in cells:
        table.line(cells["tasks_overdue"][0], [c for c, _ in role_cells.values()])
        table.line(cells["tasks_overdue"][1], {p for _, p in role_cells.values()})
    register = _register_cells(table, compliance.register)
    for key, provision in (
        ("k_without_plan", Provision.SEN_SUPPORT),
        ("ehc_reviews_due", Provision.EHC_PLAN),
        ("ehc_reviews_overdue", Provision.EHC_PLAN),
    ):
        if key in cells:
            _link_same(table, cells[key][1], register["provision"][provision])
    for key in [*engagement, "records_stale"]:
        if key in cells:
            _link_same(table, cells[key][1], register["on_register"])
    table.protect(suppress)

    figures = {
        key: _shown_figure(table, f.label, *cells[key], f.population_label, f.id_kind)
        for key, f in compliance.figures.items()
    }
    shown = ShownSchool(
        today=compliance.today,
        figures=figures,
        tasks_overdue_by_role={
            role: _shown_figure(table, f.label, *role_cells[role], f.population_label, f.id_kind)
            for role, f in compliance.tasks_overdue_by_role.items()
        },
        register=_shown_register(table, compliance.register, register),
        suppressed=suppress,
    )
    if trend_points is not None:
        shown.trend = _present_trend(trend_points, figures, suppress)
    return shown


def _present_trend(points, figures: dict[str, ShownFigure], suppress: bool) -> list[ShownPoint]:
    """The counts of each term, the latest (today's) being the figures' own cells. Walking back from
    today, a count is withheld when it is 1 to 4 away from any count shown after it."""
    keys = {key for point in points for key in point.figures}
    counts: list[dict[str, Cell]] = [{} for _ in points]
    for key in keys:
        shown_after: list[int] = []
        for i in range(len(points) - 1, -1, -1):
            point = points[i]
            value = point.count(key)
            if value is None:
                continue
            if point.so_far and key in figures:
                cell = figures[key].count
            elif not suppress:
                cell = Cell(value)
            elif 0 < value < SMALL:
                cell = Cell(value, FEWER)
            elif any(0 < abs(value - later) < SMALL for later in shown_after):
                cell = Cell(value, WITHHELD)
            else:
                cell = Cell(value)
            if cell.shown:
                shown_after.append(cell.value)
            counts[i][key] = cell
    return [ShownPoint(p.label, p.as_of, counts[i], p.so_far, p.counted_on) for i, p in enumerate(points)]


def _present_snapshot(figures_json: dict, suppress: bool) -> ShownSnapshot:
    """A school's stored figures (`compliance.to_json(...)["figures"]`), as the LA officer's
    schools side by side show them."""
    table = _Table()
    cells = {
        key: _figure_cells(table, "figure", key, f["count"], f["population"], f["population_label"])
        for key, f in figures_json.items()
    }
    engagement = [key for key in cells if key.startswith("engagement_")]
    if engagement:
        table.line(cells[engagement[0]][1], [cells[key][0] for key in engagement])
    table.protect(suppress)
    return ShownSnapshot(
        {key: _shown_figure(table, key, *cells[key], f["population_label"], "") for key, f in figures_json.items()}
    )


def present_parts(total: int, parts: dict[Hashable, int], *, suppress: bool) -> tuple[Cell, dict[Hashable, Cell]]:
    """A count of pupils and the counts of separate groups of them (`parts`, which need not cover
    the whole: the rest is known to the reader as the total minus them), as shown: for figures
    outside the compliance figures (the pupils in interventions, in the SEN information report),
    by the same rule."""
    table = _Table()
    whole = table.add(("total",), total)
    keys = {key: table.add(("part", key), value) for key, value in parts.items()}
    rest = table.add(("rest",), total - sum(parts.values()))
    table.line(whole, [*keys.values(), rest])
    table.protect(suppress)
    return table.cell(whole), {key: table.cell(k) for key, k in keys.items()}


def present(source, *, suppress: bool, trend_points=None):
    """`source` as the viewer is shown it: a school's compliance figures (with its trend, when
    given), the register figures of a school, or a stored snapshot's figures. `suppress` comes from
    `access.sees_small_numbers`: true for those who see anonymised figures only."""
    if isinstance(source, SchoolCompliance):
        return _present_school(source, trend_points, suppress)
    if isinstance(source, RegisterFigures):
        table = _Table()
        keys = _register_cells(table, source)
        table.protect(suppress)
        return _shown_register(table, source, keys)
    if isinstance(source, dict):
        return _present_snapshot(source, suppress)
    raise TypeError(f"no figures to present in {type(source).__name__}")
