"""The school's real terms (DESIGN section 6): every academic year has three terms, the school's
own dates replace the default of exactly the terms they name, a half-term holiday never makes a
term, terms cannot overlap, and the sweep and the parent-engagement rule read the same terms.

The default terms: autumn 1 Sep to 31 Dec, spring 1 Jan to 31 Mar, summer 1 Apr to 31 Aug. The
engagement settings keep their defaults (28 days on the register, a 21-day due window).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.demo.dates import school_year
from sentrack.models import (
    AuditEvent,
    MeetingMode,
    NeedType,
    ParentMeeting,
    Provision,
    SchoolTerm,
    Season,
    SenStatus,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows.engagement import Engagement, describe, engagement_for_pupil
from sentrack.workflows.settings import MAX_HALF_TERM_DAYS, TERM_BOUNDS, TermDetails, save_term, use_default_dates
from sentrack.workflows.sweep import Context
from sentrack.workflows.terms import (
    academic_year_of,
    school_terms,
    term_holding,
    terms_of_schools,
    year_terms,
)
from tests.factories import make_pupil
from tests.test_engagement import _queries

DAY = timedelta(days=1)
ON_TRACK, DUE, OVERDUE = Engagement.ON_TRACK, Engagement.DUE, Engagement.OVERDUE
AUTUMN, SPRING, SUMMER = Season.AUTUMN, Season.SPRING, Season.SUMMER


def _set(session, world, year, season, starts_on, ends_on, half=None, school=None):
    """Set a term's dates through the settings workflow, as the SENCO does."""
    return save_term(
        session,
        actor=world.users["senco"],
        school=school or world.school,
        details=TermDetails(year, season, starts_on, ends_on, *(half or (None, None))),
    )


def _shape(terms) -> list[tuple[str, date, date, bool]]:
    return [(t.name, t.starts_on, t.ends_on, t.own) for t in terms]


def _sweep_term(session, school, today):
    """The term the sweep's rules see on `today`."""
    return Context(session, today, [school], {}, {}, {}, []).term(school.id)


def _pupil(session, world, since: date):
    pupil = make_pupil(session, world.school, first="Iris", last="Jones")
    session.add(
        SenStatus(
            pupil_id=pupil.id,
            provision=Provision.SEN_SUPPORT,
            start_date=since,
            end_date=None,
            reason="Test",
            primary_need=NeedType.SLCN,
        )
    )
    session.flush()
    return pupil


def _meetings(session, pupil, *days: date) -> None:
    for day in days:
        session.add(
            ParentMeeting(
                pupil_id=pupil.id, held_on=day, mode=MeetingMode.IN_PERSON, outcomes="Agreed", pupil_views="Likes maths"
            )
        )
    session.flush()


def _rows(session, world) -> int:
    return session.scalar(sa.select(sa.func.count(SchoolTerm.id)).where(SchoolTerm.school_id == world.school.id))


# --- The school's own dates replace exactly the terms they name --------------------------------


def test_without_dates_of_its_own_a_school_has_the_three_default_terms(session, world):
    assert _shape(year_terms(session, world.school, date(2026, 11, 27))) == [
        ("Autumn 2026", date(2026, 9, 1), date(2026, 12, 31), False),
        ("Spring 2027", date(2027, 1, 1), date(2027, 3, 31), False),
        ("Summer 2027", date(2027, 4, 1), date(2027, 8, 31), False),
    ]


def test_spring_and_summer_entered_leave_autumn_at_its_default(session, world):
    _set(session, world, 2026, SPRING, date(2027, 1, 5), date(2027, 3, 26))
    _set(session, world, 2026, SUMMER, date(2027, 4, 12), date(2027, 7, 21))

    assert _shape(year_terms(session, world.school, date(2026, 11, 27))) == [
        ("Autumn 2026", date(2026, 9, 1), date(2026, 12, 31), False),
        ("Spring 2027", date(2027, 1, 5), date(2027, 3, 26), True),
        ("Summer 2027", date(2027, 4, 12), date(2027, 7, 21), True),
    ]
    # The default autumn still counts for engagement: it ends 31 Dec, so 28 Dec is in it, due.
    pupil = _pupil(session, world, date(2026, 9, 1))
    found = engagement_for_pupil(session, pupil, date(2026, 12, 28))
    assert (found.status, found.required, found.term.name) == (DUE, 0, "Autumn 2026")
    assert _sweep_term(session, world.school, date(2026, 12, 28)).name == "Autumn 2026"


def test_only_autumn_entered_leaves_spring_and_summer_at_their_defaults(session, world):
    _set(session, world, 2026, AUTUMN, date(2026, 9, 3), date(2026, 12, 18))

    assert [t.own for t in year_terms(session, world.school, date(2026, 11, 27))] == [True, False, False]
    assert [t.name for t in year_terms(session, world.school, date(2026, 11, 27))] == [
        "Autumn 2026",
        "Spring 2027",
        "Summer 2027",
    ]


def test_another_schools_dates_change_nothing_here(session, world):
    _set(session, world, 2026, AUTUMN, date(2026, 9, 7), date(2026, 12, 16), school=world.foreign)

    assert not any(t.own for t in year_terms(session, world.school, date(2026, 11, 27)))


def test_a_half_term_holiday_never_makes_a_term(session, world):
    _set(
        session,
        world,
        2026,
        AUTUMN,
        date(2026, 9, 3),
        date(2026, 12, 18),
        half=(date(2026, 10, 26), date(2026, 10, 30)),
    )

    terms = year_terms(session, world.school, date(2026, 10, 28))
    assert [t.name for t in terms] == ["Autumn 2026", "Spring 2027", "Summer 2027"]
    assert terms[0].half_term == (date(2026, 10, 26), date(2026, 10, 30))
    # A day of the half-term is in the autumn term, for the sweep and for engagement alike; the
    # holiday's last day is no term's end.
    assert term_holding(terms, date(2026, 10, 28)).name == "Autumn 2026"
    assert _sweep_term(session, world.school, date(2026, 10, 28)).name == "Autumn 2026"
    pupil = _pupil(session, world, date(2026, 9, 1))
    found = engagement_for_pupil(session, pupil, date(2026, 11, 2))
    assert (found.status, found.required, found.term.name) == (ON_TRACK, 0, "Autumn 2026")


# --- Next year's dates entered in June never hide this summer -----------------------------------


def test_next_years_dates_entered_in_june_leave_this_summer_in_place(session, world):
    pupil = _pupil(session, world, date(2026, 9, 1))
    _meetings(session, pupil, date(2026, 10, 1), date(2027, 2, 1))
    june = date(2027, 6, 15)
    before = school_terms(session, world.school, june)

    _set(session, world, 2027, AUTUMN, date(2027, 9, 3), date(2027, 12, 17))
    _set(session, world, 2027, SPRING, date(2028, 1, 4), date(2028, 3, 24))
    _set(session, world, 2027, SUMMER, date(2028, 4, 10), date(2028, 7, 21))

    after = school_terms(session, world.school, june)
    assert _shape(after[:6]) == _shape(before[:6])  # last and this year unchanged
    assert [t.name for t in after] == [
        "Autumn 2025",
        "Spring 2026",
        "Summer 2026",
        "Autumn 2026",
        "Spring 2027",
        "Summer 2027",
        "Autumn 2027",
        "Spring 2028",
        "Summer 2028",
    ]
    # The sweep still sees this summer (default, to 31 Aug), in June and on its last day.
    assert _sweep_term(session, world.school, june).name == "Summer 2027"
    assert _sweep_term(session, world.school, date(2027, 8, 31)).name == "Summer 2027"
    # So does engagement: two held, two required (autumn and spring ended); summer ends 31 Aug.
    found = engagement_for_pupil(session, pupil, june)
    assert (found.status, found.held, found.required, found.term.name) == (ON_TRACK, 2, 2, "Summer 2027")
    found = engagement_for_pupil(session, pupil, date(2027, 8, 10))
    assert (found.status, found.term.name, found.needed_by) == (DUE, "Summer 2027", date(2027, 8, 31))


def test_next_years_autumn_starts_the_sweeps_next_term(session, world):
    _set(session, world, 2027, AUTUMN, date(2027, 9, 3), date(2027, 12, 17))

    assert _sweep_term(session, world.school, date(2027, 8, 31)).name == "Summer 2027"
    assert _sweep_term(session, world.school, date(2027, 9, 2)) is None  # before the school's first day
    assert _sweep_term(session, world.school, date(2027, 9, 3)).name == "Autumn 2027"


# --- Boundaries: the day before, on and after each term's first and last day --------------------


@pytest.fixture
def oak(session, world):
    _set(
        session,
        world,
        2026,
        AUTUMN,
        date(2026, 9, 3),
        date(2026, 12, 18),
        half=(date(2026, 10, 26), date(2026, 10, 30)),
    )
    _set(session, world, 2026, SPRING, date(2027, 1, 4), date(2027, 3, 26), half=(date(2027, 2, 15), date(2027, 2, 19)))
    _set(session, world, 2026, SUMMER, date(2027, 4, 12), date(2027, 7, 21))


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (date(2026, 9, 2), None),
        (date(2026, 9, 3), "Autumn 2026"),
        (date(2026, 9, 4), "Autumn 2026"),
        (date(2026, 12, 17), "Autumn 2026"),
        (date(2026, 12, 18), "Autumn 2026"),
        (date(2026, 12, 19), None),
        (date(2027, 1, 3), None),
        (date(2027, 1, 4), "Spring 2027"),
        (date(2027, 1, 5), "Spring 2027"),
        (date(2027, 3, 25), "Spring 2027"),
        (date(2027, 3, 26), "Spring 2027"),
        (date(2027, 3, 27), None),
        (date(2027, 4, 11), None),
        (date(2027, 4, 12), "Summer 2027"),
        (date(2027, 4, 13), "Summer 2027"),
        (date(2027, 7, 20), "Summer 2027"),
        (date(2027, 7, 21), "Summer 2027"),
        (date(2027, 7, 22), None),
    ],
)
def test_the_sweep_and_engagement_see_the_same_term_on_each_boundary(session, world, oak, day, term):
    pupil = _pupil(session, world, date(2026, 6, 1))
    sweep_term = _sweep_term(session, world.school, day)
    found = engagement_for_pupil(session, pupil, day)

    assert (sweep_term.name if sweep_term else None) == term
    assert (found.term.name if found.term else None) == term


@pytest.mark.parametrize(
    ("day", "required"),
    [
        (date(2026, 12, 18), 0),
        (date(2026, 12, 19), 1),  # autumn ends 18 Dec
        (date(2027, 3, 26), 1),
        (date(2027, 3, 27), 2),  # spring ends 26 Mar
        (date(2027, 7, 21), 2),
        (date(2027, 7, 22), 3),  # summer ends 21 Jul
    ],
)
def test_a_term_is_required_from_the_day_after_its_last_day(session, world, oak, day, required):
    pupil = _pupil(session, world, date(2026, 6, 1))

    found = engagement_for_pupil(session, pupil, day)

    assert (found.required, found.status) == (required, OVERDUE if required else DUE)


@pytest.mark.parametrize(
    ("day", "status"),
    [(date(2026, 11, 26), ON_TRACK), (date(2026, 11, 27), DUE), (date(2026, 11, 28), DUE)],
)
def test_due_from_21_days_before_the_schools_own_last_day(session, world, oak, day, status):
    pupil = _pupil(session, world, date(2026, 9, 1))

    assert engagement_for_pupil(session, pupil, day).status is status


# --- Refusals: beside the field, nothing stored -------------------------------------------------


def _refused(session, world, field, *args, **kwargs) -> str:
    rows, audits = _rows(session, world), session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with pytest.raises(RuleBroken) as error:
        _set(session, world, *args, **kwargs)
    assert error.value.field == field
    assert (_rows(session, world), session.scalar(sa.select(sa.func.count(AuditEvent.id)))) == (rows, audits)
    return error.value.message


def test_a_spring_running_into_april_waits_for_summers_own_dates(session, world):
    # Easter late: spring to 16 Apr overlaps the default summer until summer has its own dates.
    assert _refused(session, world, "ends_on", 2026, SPRING, date(2027, 1, 4), date(2027, 4, 16)) == (
        "The dates overlap Summer 2027 (1 April 2027 to 31 August 2027, the default dates:"
        " set Summer 2027's own dates first)"
    )
    _set(session, world, 2026, SUMMER, date(2027, 5, 3), date(2027, 7, 21))
    _set(session, world, 2026, SPRING, date(2027, 1, 4), date(2027, 4, 16))


def test_terms_that_overlap_each_other_are_refused(session, world):
    summer = _set(session, world, 2026, SUMMER, date(2027, 5, 3), date(2027, 7, 21))
    _set(session, world, 2026, SPRING, date(2027, 1, 4), date(2027, 4, 16))
    session.delete(summer)
    session.flush()

    # Summer starting on spring's last day overlaps it: the first day is at fault.
    assert _refused(session, world, "starts_on", 2026, SUMMER, date(2027, 4, 16), date(2027, 7, 21)) == (
        "The dates overlap Spring 2027 (4 January 2027 to 16 April 2027, the school's dates)"
    )
    _set(session, world, 2026, SUMMER, date(2027, 4, 19), date(2027, 7, 21))  # the day after is fine
    # Spring changed to run into summer: its last day is at fault.
    spring = session.scalar(sa.select(SchoolTerm).where(SchoolTerm.season == SPRING))
    with pytest.raises(RuleBroken) as error:
        save_term(
            session,
            actor=world.users["senco"],
            school=world.school,
            term=spring,
            details=TermDetails(2026, SPRING, date(2027, 1, 4), date(2027, 4, 19)),
        )
    assert (error.value.field, error.value.message) == (
        "ends_on",
        "The dates overlap Summer 2027 (19 April 2027 to 21 July 2027, the school's dates)",
    )
    session.expire_all()
    assert session.get(SchoolTerm, spring.id).ends_on == date(2027, 4, 16)


def test_a_term_overlapping_the_default_beside_it_is_refused(session, world):
    # Default spring ends 31 Mar: a summer from 31 Mar overlaps it, from 1 Apr does not.
    assert _refused(session, world, "starts_on", 2026, SUMMER, date(2027, 3, 31), date(2027, 7, 21)) == (
        "The dates overlap Spring 2027 (1 January 2027 to 31 March 2027, the default dates:"
        " set Spring 2027's own dates first)"
    )
    _set(session, world, 2026, SUMMER, date(2027, 4, 1), date(2027, 7, 21))


def test_a_term_already_set_is_refused_as_a_second_row(session, world):
    _set(session, world, 2026, AUTUMN, date(2026, 9, 3), date(2026, 12, 18))

    assert _refused(session, world, "season", 2026, AUTUMN, date(2026, 9, 4), date(2026, 12, 17)) == (
        "Autumn 2026 already has the school's own dates: change those instead"
    )


@pytest.mark.parametrize("season", list(Season))
def test_each_term_starts_within_its_place_in_the_year(session, world, season):
    year = 2026
    (eo, em, ed), (lo, lm, ld), (xo, xm, xd) = TERM_BOUNDS[season]
    earliest, latest, last_end = date(year + eo, em, ed), date(year + lo, lm, ld), date(year + xo, xm, xd)
    end = min(last_end, latest + timedelta(weeks=8))
    # The default terms beside it would overlap the widest dates: give them dates of their own.
    if season is SPRING:
        _set(session, world, year, SUMMER, date(year + 1, 5, 1), date(year + 1, 7, 21))
    if season is SUMMER:
        _set(session, world, year, SPRING, date(year + 1, 1, 4), date(year + 1, 2, 26))

    _refused(session, world, "starts_on", year, season, earliest - DAY, end)
    _refused(session, world, "starts_on", year, season, latest + DAY, end)
    _refused(session, world, "ends_on", year, season, earliest, last_end + DAY)
    term = _set(session, world, year, season, earliest, last_end)
    session.delete(term)
    session.flush()
    _set(session, world, year, season, latest, end)


def test_a_term_must_last_four_weeks(session, world):
    start = date(2026, 9, 3)
    assert (
        _refused(session, world, "ends_on", 2026, AUTUMN, start, start + 26 * DAY)
        == "A term must be at least 4 weeks long"
    )
    assert (
        _refused(session, world, "ends_on", 2026, AUTUMN, start, start)
        == "The last day of the term must be after its first day"
    )
    _set(session, world, 2026, AUTUMN, start, start + 27 * DAY)


@pytest.mark.parametrize(
    ("half", "field"),
    [
        ((date(2026, 9, 3), date(2026, 9, 7)), "half_term_starts_on"),  # on the term's first day
        ((date(2026, 12, 14), date(2026, 12, 18)), "half_term_ends_on"),  # to the term's last day
        ((date(2026, 10, 30), date(2026, 10, 29)), "half_term_ends_on"),  # ends before it starts
        ((date(2026, 10, 19), date(2026, 10, 19) + MAX_HALF_TERM_DAYS * DAY), "half_term_ends_on"),  # 15 days
        ((date(2026, 10, 26), None), "half_term_ends_on"),
        ((None, date(2026, 10, 30)), "half_term_starts_on"),
        ((date(2027, 2, 15), date(2027, 2, 19)), "half_term_starts_on"),  # in another term
    ],
    ids=["first-day", "last-day", "backwards", "too-long", "no-last-day", "no-first-day", "outside"],
)
def test_a_half_term_outside_its_term_or_incomplete_is_refused(session, world, half, field):
    _refused(session, world, field, 2026, AUTUMN, date(2026, 9, 3), date(2026, 12, 18), half=half)


@pytest.mark.parametrize(
    "half",
    [
        (date(2026, 9, 4), date(2026, 9, 4)),
        (date(2026, 12, 17), date(2026, 12, 17)),
        (date(2026, 10, 19), date(2026, 10, 19) + (MAX_HALF_TERM_DAYS - 1) * DAY),
    ],
    ids=["the-day-after-the-first", "the-day-before-the-last", "two-weeks"],
)
def test_a_half_term_just_inside_its_term_is_kept(session, world, half):
    term = _set(session, world, 2026, AUTUMN, date(2026, 9, 3), date(2026, 12, 18), half=half)

    assert (term.half_term_starts_on, term.half_term_ends_on) == half
    assert year_terms(session, world.school, date(2026, 11, 1))[0].half_term == half


def test_setting_and_changing_a_term_is_audited(session, world):
    term = _set(session, world, 2026, AUTUMN, date(2026, 9, 3), date(2026, 12, 18))
    save_term(
        session,
        actor=world.users["senco"],
        school=world.school,
        term=term,
        details=TermDetails(2026, AUTUMN, date(2026, 9, 3), date(2026, 12, 17)),
    )

    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "school_term").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.object_id, e.details) for e in events] == [
        ("term_added", str(term.id), {"term": "Autumn 2026"}),
        ("term_changed", str(term.id), {"term": "Autumn 2026"}),
    ]


def test_a_term_given_the_default_dates_again_reads_as_the_default(session, world):
    autumn = _set(session, world, 2026, AUTUMN, date(2026, 9, 3), date(2026, 12, 18))
    _set(session, world, 2026, SPRING, date(2027, 1, 4), date(2027, 3, 26))

    use_default_dates(session, actor=world.users["senco"], school=world.school, term=autumn)

    assert _shape(year_terms(session, world.school, date(2026, 11, 27)))[:2] == [
        ("Autumn 2026", date(2026, 9, 1), date(2026, 12, 31), False),
        ("Spring 2027", date(2027, 1, 4), date(2027, 3, 26), True),
    ]
    assert _sweep_term(session, world.school, date(2026, 9, 1)).name == "Autumn 2026"


# --- One reader, one query ---------------------------------------------------------------------


def test_the_terms_of_many_schools_over_three_years_are_read_in_one_query(session, world):
    _set(session, world, 2026, SPRING, date(2027, 1, 5), date(2027, 3, 26))
    _set(session, world, 2025, AUTUMN, date(2025, 9, 3), date(2025, 12, 19), school=world.sibling)
    session.flush()
    ids = [world.school.id, world.sibling.id, world.foreign.id]
    found = {}

    assert _queries(session, lambda: found.update(terms_of_schools(session, ids, [2025, 2026, 2027]))) == 1
    assert [len(found[i]) for i in ids] == [9, 9, 9]
    assert [t.name for t in found[world.school.id] if t.own] == ["Spring 2027"]
    assert [t.name for t in found[world.sibling.id] if t.own] == ["Autumn 2025"]
    assert not any(t.own for t in found[world.foreign.id])


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2026, 8, 31), 2025), (date(2026, 9, 1), 2026), (date(2027, 8, 31), 2026)],
)
def test_the_academic_year_starts_on_1_september(day, year):
    assert academic_year_of(day) == year


# --- The wording --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "held", "day", "words"),
    [
        (date(2026, 6, 1), [], date(2026, 12, 1), "No meetings held this year; 1 needed by 18 December"),
        (
            date(2026, 6, 1),
            [date(2026, 10, 1)],
            date(2026, 12, 1),
            "1 meeting held this year; on track: the next is needed by 26 March",
        ),
        (date(2026, 6, 1), [], date(2027, 1, 10), "No meetings held this year; 1 overdue, needed by 18 December"),
        (
            date(2026, 6, 1),
            [],
            date(2027, 4, 20),
            "No meetings held this year; 2 overdue, the first needed by 18 December",
        ),
        (date(2026, 6, 1), [date(2026, 10, 1)], date(2027, 3, 10), "1 meeting held this year; 1 needed by 26 March"),
        (
            date(2026, 6, 1),
            [date(2026, 10, 1), date(2027, 2, 1)],
            date(2027, 2, 10),
            "2 meetings held this year; on track: the next is needed by 21 July",
        ),
        (
            date(2026, 6, 1),
            [date(2026, 10, 1), date(2027, 2, 1), date(2027, 5, 1)],
            date(2027, 6, 1),
            "3 meetings held this year; on track: no more needed this year",
        ),
        # Placed on 1 Dec: 18 days by autumn's end is under 28, so spring is the first term owed.
        (
            date(2026, 12, 1),
            [],
            date(2026, 12, 10),
            "No meetings held this year; on track: the next is needed by 26 March",
        ),
    ],
    ids=["due", "ahead", "overdue", "two-overdue", "due-again", "on-track", "all-held", "joined-late"],
)
def test_engagement_says_what_is_owed_in_words(session, world, oak, since, held, day, words):
    pupil = _pupil(session, world, since)
    _meetings(session, pupil, *held)

    found = engagement_for_pupil(session, pupil, day)

    assert describe(found) == found.words == words
    assert " of " not in words


# --- The demo school's year --------------------------------------------------------------------


def test_the_demo_school_year_has_the_dates_of_a_real_school():
    autumn, spring, summer = school_year(2026)
    assert (autumn.starts_on, autumn.ends_on, autumn.half_term) == (
        date(2026, 9, 3),
        date(2026, 12, 18),
        (date(2026, 10, 26), date(2026, 10, 30)),
    )
    assert (spring.starts_on, spring.ends_on) == (date(2027, 1, 4), date(2027, 3, 26))
    assert (summer.starts_on, summer.ends_on) == (date(2027, 4, 12), date(2027, 7, 22))


@pytest.mark.parametrize("year", range(2020, 2036))
def test_every_demo_year_has_weekday_terms_the_settings_would_accept(session, world, year):
    terms = school_year(year)
    assert [t.season for t in terms] == list(Season)
    for term in terms:
        assert term.starts_on.weekday() < 5 and term.ends_on.weekday() < 5
        assert term.half_term[0].weekday() == 0 and term.half_term[1] == term.half_term[0] + 4 * DAY
        _set(session, world, year, term.season, term.starts_on, term.ends_on, half=term.half_term)
    assert [t.own for t in year_terms(session, world.school, date(year, 10, 1))] == [True, True, True]
