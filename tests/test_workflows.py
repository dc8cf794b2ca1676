"""Unit tests of sentrack/workflows: a session and a `today`, no request.

The database constraints are tested with the code bypassed, each inside a SAVEPOINT
(`session.begin_nested()`), so the test's own transaction survives the refused insert.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sentrack.models import (
    AreaOfNeed,
    Concern,
    ConcernStatus,
    NeedType,
    Provision,
    Pupil,
    Role,
    SenStatus,
    TeachingGroup,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows.concerns import raise_concern
from sentrack.workflows.figures import register_figures
from sentrack.workflows.sen_status import change_sen_status, current_status
from sentrack.workflows.staff import GroupDetails, StaffDetails, save_group, update_staff_member
from sentrack.workflows.upn import check_letter, normalise, upn_problem

TODAY = date(2026, 11, 27)


# --- UPN check letters --------------------------------------------------------------------------

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # the DfE's 23 letters: no I, O or S


@pytest.mark.parametrize(
    ("rest", "letter"),
    [
        # 1 x 13 = 13; 13 mod 23 = 13 -> P
        ("000000000001", "P"),
        # 1 x 12 = 12 -> N
        ("000000000010", "N"),
        # 1x2 + 2x3 + 3x4 + 4x5 + 5x6 + 6x7 + 7x8 + 8x9 + 9x10 + 0x11 + 1x12 + 2x13 = 368; 368 = 16 x 23 -> A
        ("123456789012", "A"),
        # 9 x (2 + ... + 13) = 9 x 90 = 810; 810 - 35 x 23 = 5 -> F
        ("999999999999", "F"),
        # temporary UPN, letter A (value 0) in position 13: 342; 342 - 14 x 23 = 20 -> X
        ("12345678901A", "X"),
        # temporary UPN, letter Z (value 22): 9 x 77 + 22 x 13 = 979; 979 - 42 x 23 = 13 -> P
        ("99999999999Z", "P"),
    ],
)
def test_upn_check_letter_known_values(rest, letter):
    assert check_letter(rest) == letter


@pytest.mark.parametrize("rest", ["000000000000", "314159265358", "271828182845", "00000000000H"])
def test_upn_check_letter_follows_the_documented_rule(rest):
    def value(char):
        return int(char) if char.isdigit() else ALPHABET.index(char)

    total = sum(value(char) * weight for weight, char in zip(range(2, 14), rest, strict=True))

    assert check_letter(rest) == ALPHABET[total % 23]


def test_a_valid_upn_has_no_problem():
    assert upn_problem("A123456789012") is None


@pytest.mark.parametrize(
    ("upn", "problem"),
    [
        ("B123456789012", "check letter does not match"),
        ("A12345678901", "13 characters"),
        ("I123456789012", "a letter followed by 11 digits"),
        ("A1234567890I2", "a letter followed by 11 digits"),
        ("A12345678901S", "a letter followed by 11 digits"),
        ("1123456789012", "a letter followed by 11 digits"),
    ],
)
def test_upn_problems(upn, problem):
    assert problem in upn_problem(upn)


def test_normalise_removes_spaces_and_upper_cases():
    assert normalise(" a123 4567\t89012 ") == "A123456789012"


# --- SEN status ---------------------------------------------------------------------------------


def _change(session, world, pupil_key="taught", **overrides):
    arguments = {
        "actor": world.users["senco"],
        "pupil": world.pupils[pupil_key],
        "provision": Provision.EHC_PLAN,
        "primary_need": NeedType.SPLD,
        "secondary_need": None,
        "start_date": date(2026, 11, 1),
        "reason": "EHC plan issued",
        "today": TODAY,
    }
    arguments.update(overrides)
    return change_sen_status(session, **arguments)


def test_a_change_closes_the_open_period_the_day_before_the_new_one(session, world):
    old = current_status(session, world.pupils["taught"])

    new = _change(session, world)

    assert old.end_date == date(2026, 10, 31)
    assert current_status(session, world.pupils["taught"]) is new
    assert new.start_date == date(2026, 11, 1)


def test_a_change_to_no_sen_drops_any_needs_given(session, world):
    new = _change(session, world, provision=Provision.NONE, primary_need=NeedType.SPLD, secondary_need=NeedType.MLD)

    assert (new.provision, new.primary_need, new.secondary_need) == (Provision.NONE, None, None)


def test_a_pupil_with_no_status_starts_one(session, world):
    new = _change(session, world, pupil_key="taught_plain", provision=Provision.SEN_SUPPORT, primary_need=NeedType.NSA)

    assert new.provision is Provision.SEN_SUPPORT
    assert current_status(session, world.pupils["taught_plain"]) is new


def test_a_change_may_start_on_today(session, world):
    assert _change(session, world, start_date=TODAY).start_date == TODAY


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"provision": Provision.SEN_SUPPORT, "primary_need": None}, "primary_need", "primary type of need"),
        ({"primary_need": NeedType.NSA}, "primary_need", "only be recorded for SEN support"),
        ({"secondary_need": NeedType.NSA}, "secondary_need", "cannot be a secondary need"),
        ({"secondary_need": NeedType.SPLD}, "secondary_need", "must differ from the primary need"),
        ({"start_date": date(2026, 11, 28)}, "start_date", "cannot be in the future"),
        ({"start_date": date(2016, 12, 31)}, "start_date", "before the pupil was born"),
        ({"start_date": date(2025, 9, 10)}, "start_date", "after the current status began"),
        ({"start_date": date(2025, 9, 9)}, "start_date", "after the current status began"),
        ({"reason": " \n "}, "reason", "reason for the change"),
        (
            {"provision": Provision.SEN_SUPPORT, "primary_need": NeedType.SPLD},
            "provision",
            "already the pupil's SEN status",
        ),
    ],
    ids=[
        "no-primary-need",
        "nsa-with-e",
        "secondary-nsa",
        "secondary-equals-primary",
        "future",
        "before-birth",
        "same-day-as-open-period",
        "before-open-period",
        "blank-reason",
        "unchanged",
    ],
)
def test_change_sen_status_rules(session, world, overrides, field, message):
    with pytest.raises(RuleBroken) as refused:
        _change(session, world, **overrides)

    assert refused.value.field == field
    assert message in refused.value.message
    assert current_status(session, world.pupils["taught"]).provision is Provision.SEN_SUPPORT


def test_no_sen_again_for_a_pupil_with_none_recorded_is_unchanged(session, world):
    with pytest.raises(RuleBroken) as refused:
        _change(session, world, pupil_key="taught_plain", provision=Provision.NONE, primary_need=None)

    assert refused.value.field == "provision"


# --- Concerns -----------------------------------------------------------------------------------


def _raise(session, world, **overrides):
    arguments = {
        "actor": world.users["teacher"],
        "pupil": world.pupils["taught"],
        "raised_on": date(2026, 11, 2),
        "area_of_need": AreaOfNeed.COGNITION,
        "description": "Finds phonics hard",
        "today": TODAY,
    }
    arguments.update(overrides)
    return raise_concern(session, **arguments)


def test_a_concerns_deadline_is_the_schools_number_of_days_after_it_was_raised(session, world):
    world.school.concern_deadline_days = 14

    concern = _raise(session, world)

    assert concern.deadline == date(2026, 11, 16)
    assert concern.status is ConcernStatus.OPEN


def test_the_default_concern_deadline_is_28_days(session, world):
    assert _raise(session, world).deadline == date(2026, 11, 30)


def test_a_concern_is_overdue_only_after_its_deadline(session, world):
    concern = _raise(session, world)

    assert not concern.is_overdue(date(2026, 11, 30))
    assert concern.is_overdue(date(2026, 12, 1))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"raised_on": date(2026, 11, 28)}, "raised_on"),
        ({"raised_on": date(2016, 1, 1)}, "raised_on"),
        ({"description": "   "}, "description"),
    ],
    ids=["future", "before-birth", "blank-description"],
)
def test_raise_concern_rules(session, world, overrides, field):
    with pytest.raises(RuleBroken) as refused:
        _raise(session, world, **overrides)

    assert refused.value.field == field


# --- Staff and classes --------------------------------------------------------------------------


def test_a_class_cannot_be_given_a_teacher_of_another_school(session, world):
    details = GroupDetails(name="5 Pine", year_group=5, teacher_ids=[world.users["foreign_senco"].id])

    with pytest.raises(RuleBroken) as refused:
        save_group(session, actor=world.users["head"], details=details)

    assert refused.value.field == "teachers"


def test_class_names_are_unique_in_a_school_whatever_the_case(session, world):
    with pytest.raises(RuleBroken) as refused:
        save_group(session, actor=world.users["head"], details=GroupDetails(name="4 OAK", year_group=4, teacher_ids=[]))

    assert refused.value.field == "name"


def test_another_school_may_use_the_same_class_name(session, world):
    group = save_group(
        session, actor=world.users["foreign_senco"], details=GroupDetails(name="4 Oak", year_group=4, teacher_ids=[])
    )

    assert group.school_id == world.foreign.id


def test_a_staff_member_cannot_be_given_an_la_officer_role_by_a_school(session, world):
    teacher = world.users["teacher"]
    details = StaffDetails(full_name=teacher.full_name, email=teacher.email, roles={Role.LA_OFFICER}, group_ids=[])

    with pytest.raises(RuleBroken) as refused:
        update_staff_member(session, actor=world.users["head"], member=teacher, details=details)

    assert refused.value.field == "roles"


# --- Figures ------------------------------------------------------------------------------------


def test_register_figures_count_open_provision_by_school(session, world):
    figures = register_figures(session, [world.school.id, world.sibling.id], TODAY)

    oak = figures[world.school.id]
    assert oak.pupils == 4
    assert (oak.count(Provision.SEN_SUPPORT), oak.count(Provision.EHC_PLAN), oak.count(Provision.NONE)) == (2, 1, 1)
    assert oak.on_register == 3
    assert oak.percent(Provision.SEN_SUPPORT) == 50.0
    assert oak.by_need[NeedType.SPLD][Provision.SEN_SUPPORT] == 1
    assert figures[world.sibling.id].pupils == 2


def test_register_figures_ignore_closed_periods(session, world):
    _change(session, world, provision=Provision.NONE, primary_need=None)

    assert register_figures(session, [world.school.id], TODAY)[world.school.id].count(Provision.SEN_SUPPORT) == 1


# --- Database constraints hold even when the code is bypassed -----------------------------------


def _insert_refused(session, *rows) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add_all(rows)
        session.flush()


def _status(pupil, **overrides) -> SenStatus:
    values = {
        "pupil_id": pupil.id,
        "provision": Provision.SEN_SUPPORT,
        "primary_need": NeedType.MLD,
        "start_date": date(2026, 1, 5),
        "reason": "Bypassing the workflow",
    }
    values.update(overrides)
    return SenStatus(**values)


def test_a_second_open_sen_period_is_refused_by_the_database(session, world):
    _insert_refused(session, _status(world.pupils["taught"]))

    assert session.scalar(sa.select(sa.func.count(Pupil.id))) == 7  # the test's transaction lives on


def test_two_closed_periods_and_one_open_are_allowed(session, world):
    pupil = world.pupils["taught_plain"]
    with session.begin_nested():
        session.add_all(
            [
                _status(pupil, start_date=date(2025, 1, 6), end_date=date(2025, 3, 31)),
                _status(pupil, start_date=date(2025, 4, 1), end_date=date(2025, 8, 31)),
                _status(pupil, start_date=date(2025, 9, 1)),
            ]
        )
        session.flush()

    assert session.scalar(sa.select(sa.func.count()).where(SenStatus.pupil_id == pupil.id)) == 3


@pytest.mark.parametrize(
    "overrides",
    [
        {"provision": Provision.EHC_PLAN, "primary_need": NeedType.NSA},
        {"provision": Provision.SEN_SUPPORT, "primary_need": None},
        {"provision": Provision.NONE, "primary_need": NeedType.MLD},
        {"secondary_need": NeedType.MLD},
        {"secondary_need": NeedType.NSA},
        {"end_date": date(2026, 1, 4)},
    ],
    ids=[
        "nsa-with-e",
        "k-without-need",
        "n-with-need",
        "secondary-equals-primary",
        "secondary-nsa",
        "ends-before-start",
    ],
)
def test_invalid_sen_periods_are_refused_by_the_database(session, world, overrides):
    _insert_refused(session, _status(world.pupils["taught_plain"], **overrides))


def _concern(pupil, **overrides) -> Concern:
    values = {
        "pupil_id": pupil.id,
        "raised_on": date(2026, 11, 2),
        "description": "Bypassing the workflow",
        "deadline": date(2026, 11, 30),
        "status": ConcernStatus.OPEN,
    }
    values.update(overrides)
    return Concern(**values)


def test_a_concern_due_before_it_was_raised_is_refused_by_the_database(session, world):
    _insert_refused(session, _concern(world.pupils["taught"], deadline=date(2026, 11, 1)))


@pytest.mark.parametrize(
    "overrides",
    [{"status": ConcernStatus.NO_FURTHER_ACTION}, {"decided_on": date(2026, 11, 20)}],
    ids=["closed-without-date", "open-with-decision-date"],
)
def test_a_concerns_decision_date_matches_its_status_in_the_database(session, world, overrides):
    _insert_refused(session, _concern(world.pupils["taught"], **overrides))


def test_class_names_are_unique_per_school_in_the_database(session, world):
    _insert_refused(session, TeachingGroup(school_id=world.school.id, name="4 Oak"))


def test_a_upn_is_unique_among_a_schools_roll_in_the_database(session, world):
    taught = world.pupils["taught"]

    def copy(school_id, **extra):
        return Pupil(
            school_id=school_id,
            upn=taught.upn,
            first_name="Copy",
            last_name="Cat",
            date_of_birth=taught.date_of_birth,
            year_group=4,
            **extra,
        )

    _insert_refused(session, copy(world.school.id))
    # A pupil who moved to another school has a record there with the same UPN.
    session.add(copy(world.foreign.id))
    session.flush()
    # A pupil who left keeps their UPN on the old record; a new stay at the school may reuse it.
    taught.admitted_on, taught.left_on, taught.leaving_reason = date(2020, 9, 1), TODAY, "Moved away"
    session.flush()
    session.add(copy(world.school.id))
    session.flush()


def test_a_leaving_date_needs_a_reason_and_follows_admission_in_the_database(session, world):
    taught = world.pupils["taught"]
    for values in (
        {"left_on": TODAY},
        {"leaving_reason": "Moved"},
        {"admitted_on": TODAY, "left_on": TODAY, "leaving_reason": "Moved"},
    ):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(sa.update(Pupil).where(Pupil.id == taught.id).values(**values))


def test_a_stored_enum_value_outside_the_list_is_refused_by_the_database(session, world):
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            sa.text(
                "INSERT INTO sen_status (pupil_id, provision, start_date, reason, recorded_at)"
                " VALUES (:pupil, 'X', :start, 'bypass', CURRENT_TIMESTAMP)"
            ),
            {"pupil": world.pupils["taught_plain"].id, "start": date(2026, 1, 5)},
        )
