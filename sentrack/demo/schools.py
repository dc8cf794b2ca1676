"""What to build: the demo authority's schools, their rolls, year groups and classes.

Schools alternate primary and secondary; school 1 is the demo school whose staff sign in as
role@demo.test.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentrack.demo import names
from sentrack.models import Phase

DEFAULT_PUPILS = {Phase.PRIMARY: 420, Phase.SECONDARY: 1000}
YEAR_GROUPS = {Phase.PRIMARY: range(0, 7), Phase.SECONDARY: range(7, 12)}
CLASSES_PER_PRIMARY_YEAR = 2
TUTOR_GROUP_SIZE = 25


def spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` sizes that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@dataclass(frozen=True)
class SchoolSpec:
    number: int  # 1, 2, ... in order of building; school 1 carries the demo sign-ins
    phase: Phase
    pupils: int

    @property
    def urn(self) -> str:
        return f"{100000 + self.number}"

    @property
    def _place(self) -> str:
        places = names.SCHOOL_PLACE_NAMES
        place = places[(self.number - 1) % len(places)]
        cycle = (self.number - 1) // len(places)
        return f"{place} {cycle + 1}" if cycle else place

    @property
    def name(self) -> str:
        suffix = "Primary School" if self.phase is Phase.PRIMARY else "Academy"
        return f"{self._place} {suffix}"

    @property
    def slug(self) -> str:
        suffix = "primary" if self.phase is Phase.PRIMARY else "academy"
        return names.ascii_word(f"{self._place} {suffix}")

    @property
    def year_groups(self) -> range:
        return YEAR_GROUPS[self.phase]

    @property
    def upn_establishments(self) -> tuple[int, ...]:
        """DfE establishment numbers of the schools that gave this school's pupils their UPNs:
        the primary itself, or the secondary's feeder primaries."""
        if self.phase is Phase.PRIMARY:
            return (2000 + self.number % 1000,)
        return tuple(2100 + (10 * self.number + j) % 1900 for j in range(6))

    @property
    def estab_number(self) -> str:
        """The school's DfE establishment number within the demo authority: 2xxx for a primary,
        4xxx for a secondary, as the DfE numbers maintained schools. Drawn from nothing random."""
        return f"{(2000 if self.phase is Phase.PRIMARY else 4000) + self.number % 1000:04d}"

    @property
    def is_demo_school(self) -> bool:
        return self.number == 1

    def classes(self) -> list[tuple[str, int, int]]:
        """(name, year group, number of pupils) of each class, Reception or Year 7 first."""
        found = []
        per_year = spread(self.pupils, len(self.year_groups))
        for index, (year_group, pupils) in enumerate(zip(self.year_groups, per_year, strict=True)):
            if self.phase is Phase.PRIMARY:
                trees = names.CLASS_TREES[2 * index : 2 * index + CLASSES_PER_PRIMARY_YEAR]
                label = "R" if year_group == 0 else str(year_group)
                group_names = [f"{label} {tree}" for tree in trees]
            else:
                count = min(26, max(1, round(pupils / TUTOR_GROUP_SIZE)))
                group_names = [f"{year_group}{chr(ord('A') + i)}" for i in range(count)]
            sizes = spread(pupils, len(group_names))
            found += [(name, year_group, size) for name, size in zip(group_names, sizes, strict=True)]
        return found


@dataclass
class Group:
    """A class (teaching group) once its row is added: its id, year group and how many pupils
    it is to hold."""

    id: int
    year_group: int
    size: int


def school_specs(schools: int, pupils_per_school: int | None) -> list[SchoolSpec]:
    specs = []
    for number in range(1, schools + 1):
        phase = Phase.PRIMARY if number % 2 else Phase.SECONDARY
        specs.append(SchoolSpec(number, phase, pupils_per_school or DEFAULT_PUPILS[phase]))
    return specs


def demo_pupil_count(schools: int = 2, pupils_per_school: int | None = None) -> int:
    """How many pupils `build_demo` creates with these settings (for a progress bar)."""
    return sum(spec.pupils for spec in school_specs(schools, pupils_per_school))
