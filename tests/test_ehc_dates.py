"""The statutory dates of EHC work (sentrack/workflows/ehc_dates.py) against the Regulations'
numbers, on worked examples whose dates were counted by hand from the calendar:

- assessment (SEND Regulations 2014 regs 5, 8, 10, 13): 6 weeks to decide, 6 weeks for advice,
  16 weeks to say no plan, at least 15 days on a draft, 20 weeks to the final plan;
- reviews (CFA s44; regs 20 and 22; CoP 9.169, 9.178): 12 months (6 under five) from the later of
  issue and the last meeting held, 2 weeks' notice, report within 2 weeks, decision within 4,
  amended plan within 8 weeks of the proposals and so 12 of the meeting;
- phase transfer (reg 18): 15 February of the year of the move, 31 March into further education,
  the latest meeting 12 weeks before.

Pure functions: no database, so every test here skips the per-test transaction.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sentrack.workflows.ehc_dates import (
    ADVICE,
    AMENDED_PLAN,
    AMENDED_PLAN_AFTER_MEETING,
    DECISION_TO_ASSESS,
    DRAFT_COMMENT_DAYS,
    FINAL_PLAN,
    NO_PLAN_NOTICE,
    REVIEW_DECISION,
    REVIEW_MONTHS,
    REVIEW_NOTICE,
    REVIEW_REPORT,
    UNDER_FIVE_REVIEW_MONTHS,
    Transfer,
    academic_year_start,
    add_months,
    advice_circulated_by,
    advice_due,
    amended_plan_due,
    amended_plan_latest,
    birthday,
    covers_preparing_for_adulthood,
    decision_to_assess_due,
    draft_comments_until,
    final_plan_due,
    invitations_due,
    la_decision_due,
    latest_review_meeting_for_transfer,
    next_review_due,
    no_plan_notice_due,
    post16_transfer_deadline,
    reassessment_plan_due,
    report_due,
    review_due,
    review_interval_months,
    transfer_at_year_end,
    transfer_deadline,
    weeks_gone,
    year_group_on,
)

pytestmark = pytest.mark.no_transaction

D = date
SCHOOL_AGE = D(2012, 5, 20)  # a date of birth well past five for every review below


def every_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- The numbers ------------------------------------------------------------------------------


def test_the_constants_are_the_regulations_numbers():
    weeks = (DECISION_TO_ASSESS, ADVICE, NO_PLAN_NOTICE, FINAL_PLAN, REVIEW_NOTICE, REVIEW_REPORT, REVIEW_DECISION)
    assert [period.days / 7 for period in weeks] == [6, 6, 16, 20, 2, 2, 4]
    assert [AMENDED_PLAN.days / 7, AMENDED_PLAN_AFTER_MEETING.days / 7] == [8, 12]
    assert (DRAFT_COMMENT_DAYS, REVIEW_MONTHS, UNDER_FIVE_REVIEW_MONTHS) == (15, 12, 6)


# --- EHC needs assessment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "decision", "no_plan", "final"),
    [
        # Monday 3 March 2025: the brief's example.
        (D(2025, 3, 3), D(2025, 4, 14), D(2025, 6, 23), D(2025, 7, 21)),
        # Across a leap February: 1 December 2023 -> 29 February 2024 counts.
        (D(2023, 12, 1), D(2024, 1, 12), D(2024, 3, 22), D(2024, 4, 19)),
        # The same request a year later, without 29 February: one day later in March and April.
        (D(2024, 12, 1), D(2025, 1, 12), D(2025, 3, 23), D(2025, 4, 20)),
        # Received in the summer holiday: the clocks run on regardless (exceptions are recorded).
        (D(2025, 7, 25), D(2025, 9, 5), D(2025, 11, 14), D(2025, 12, 12)),
        # Received on 29 February itself.
        (D(2024, 2, 29), D(2024, 4, 11), D(2024, 6, 20), D(2024, 7, 18)),
    ],
)
def test_assessment_dates_from_the_request(received, decision, no_plan, final):
    assert decision_to_assess_due(received) == decision
    assert no_plan_notice_due(received) == no_plan
    assert final_plan_due(received) == final


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        (D(2024, 12, 20), D(2025, 1, 31)),  # over Christmas: 11 days of December, 31 of January
        (D(2024, 2, 1), D(2024, 3, 14)),  # through 29 February
        (D(2025, 2, 1), D(2025, 3, 15)),  # the same without it
    ],
)
def test_advice_is_due_six_weeks_after_it_is_asked_for(asked, due):
    assert advice_due(asked) == due


@pytest.mark.parametrize(
    ("sent", "until"),
    [
        (D(2025, 7, 1), D(2025, 7, 15)),  # 1 July is the first of the 15 days, 15 July the last
        (D(2024, 2, 20), D(2024, 3, 5)),  # 29 February is one of them
        (D(2025, 2, 20), D(2025, 3, 6)),
        (D(2025, 12, 24), D(2026, 1, 7)),
    ],
)
def test_the_family_has_fifteen_days_on_a_draft_counting_the_day_it_was_served(sent, until):
    assert draft_comments_until(sent) == until
    assert (until - sent).days + 1 == 15


def test_a_reassessment_plan_is_due_fourteen_weeks_after_the_decision():
    assert reassessment_plan_due(D(2025, 3, 3)) == D(2025, 6, 9)


@pytest.mark.parametrize(
    ("today", "weeks"),
    [
        (D(2025, 3, 1), 0),  # before the request: no weeks, not minus one
        (D(2025, 3, 3), 0),
        (D(2025, 3, 9), 0),  # six days
        (D(2025, 3, 10), 1),
        (D(2025, 4, 13), 5),
        (D(2025, 4, 14), 6),  # the decision day
        (D(2025, 7, 20), 19),
        (D(2025, 7, 21), 20),  # the final plan day
    ],
)
def test_weeks_gone_counts_whole_weeks(today, weeks):
    assert weeks_gone(D(2025, 3, 3), today) == weeks


def test_assessment_clocks_hold_on_every_day_of_seven_years():
    for received in every_day(D(2023, 1, 1), D(2029, 12, 31)):
        decision = decision_to_assess_due(received)
        no_plan = no_plan_notice_due(received)
        final = final_plan_due(received)
        assert (decision - received).days == 42
        assert (no_plan - received).days == 112
        assert (final - received).days == 140
        assert decision.weekday() == no_plan.weekday() == final.weekday() == received.weekday()
        assert weeks_gone(received, decision - timedelta(days=1)) == 5
        assert weeks_gone(received, decision) == 6
        assert weeks_gone(received, no_plan) == 16
        assert weeks_gone(received, final) == 20
        assert (draft_comments_until(received) - received).days == 14


# --- Months -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "result"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),
        (D(2025, 10, 31), 1, D(2025, 11, 30)),
        (D(2025, 11, 15), 3, D(2026, 2, 15)),
        (D(2025, 12, 31), 12, D(2026, 12, 31)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 3, 31), -5, D(2024, 10, 31)),
        (D(2025, 1, 15), -13, D(2023, 12, 15)),
        (D(2025, 6, 1), 0, D(2025, 6, 1)),
    ],
)
def test_add_months_keeps_the_day_and_clamps_at_the_month_end(day, months, result):
    assert add_months(day, months) == result


def test_add_months_on_every_day_of_seven_years():
    for day in every_day(D(2023, 1, 1), D(2029, 12, 31)):
        for months in (1, 6, 12, -5):
            moved = add_months(day, months)
            assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
            assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)
        if day.day <= 28:
            assert add_months(add_months(day, 7), -7) == day


@pytest.mark.parametrize(
    ("born", "fifth"),
    [
        (D(2020, 9, 1), D(2025, 9, 1)),
        (D(2020, 2, 29), D(2025, 3, 1)),  # a leap-day child is five on 1 March in a common year
        (D(2019, 2, 28), D(2024, 2, 28)),
        (D(2016, 2, 29), D(2021, 3, 1)),
    ],
)
def test_the_fifth_birthday(born, fifth):
    assert birthday(born, 5) == fifth


# --- Annual reviews ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued", "last_meeting", "due"),
    [
        (D(2024, 9, 12), None, D(2025, 9, 12)),  # first review: 12 months from issue
        (D(2024, 9, 12), D(2025, 7, 1), D(2026, 7, 1)),  # held early: the next runs from 1 July
        (D(2024, 9, 12), D(2025, 10, 10), D(2026, 10, 10)),  # held late: from 10 October
        (D(2025, 3, 1), D(2025, 1, 1), D(2026, 3, 1)),  # a meeting before this plan's issue counts for nothing
        (D(2024, 2, 29), None, D(2025, 2, 28)),  # a leap-day plan
        (D(2023, 3, 1), D(2024, 2, 29), D(2025, 2, 28)),  # a leap-day meeting
        (D(2025, 1, 31), None, D(2026, 1, 31)),
    ],
)
def test_the_next_review_runs_twelve_months_from_the_later_of_issue_and_the_last_meeting(issued, last_meeting, due):
    assert next_review_due(issued, last_meeting, SCHOOL_AGE) == due


def test_an_under_five_is_reviewed_every_six_months_even_if_five_by_the_review():
    born = D(2021, 1, 10)  # five on 10 January 2026
    assert review_interval_months(born, D(2025, 9, 1)) == 6
    assert next_review_due(D(2025, 9, 1), None, born) == D(2026, 3, 1)
    # The review of 1 March 2026 is held at five: the next is 12 months on.
    assert next_review_due(D(2025, 9, 1), D(2026, 3, 1), born) == D(2027, 3, 1)


def test_five_on_the_day_of_the_meeting_means_twelve_months():
    born = D(2020, 9, 1)
    assert next_review_due(D(2025, 9, 1), None, born) == D(2026, 9, 1)
    assert next_review_due(D(2025, 8, 31), None, born) == D(2026, 2, 28)
    assert next_review_due(D(2027, 8, 31), None, D(2022, 9, 1)) == D(2028, 2, 29)


def test_a_leap_day_child_is_under_five_until_1_march():
    born = D(2020, 2, 29)
    assert review_interval_months(born, D(2025, 2, 28)) == 6
    assert next_review_due(D(2025, 2, 28), None, born) == D(2025, 8, 28)
    assert review_interval_months(born, D(2025, 3, 1)) == 12


def test_a_review_meeting_on_25_november_2025():
    meeting = D(2025, 11, 25)
    assert invitations_due(meeting) == D(2025, 11, 11)
    assert advice_circulated_by(meeting) == D(2025, 11, 11)
    assert report_due(meeting) == D(2025, 12, 9)
    assert la_decision_due(meeting) == D(2025, 12, 23)
    assert amended_plan_due(D(2025, 12, 23)) == D(2026, 2, 17)
    assert amended_plan_latest(meeting) == D(2026, 2, 17)


def test_review_meeting_clocks_across_29_february():
    assert invitations_due(D(2024, 3, 14)) == D(2024, 2, 29)
    assert invitations_due(D(2025, 3, 14)) == D(2025, 2, 28)
    assert report_due(D(2024, 2, 20)) == D(2024, 3, 5)
    assert la_decision_due(D(2024, 2, 10)) == D(2024, 3, 9)
    assert la_decision_due(D(2025, 2, 10)) == D(2025, 3, 10)
    assert amended_plan_due(D(2024, 1, 10)) == D(2024, 3, 6)
    assert amended_plan_latest(D(2024, 1, 1)) == D(2024, 3, 25)


def test_review_clocks_hold_on_every_day_of_seven_years():
    for meeting in every_day(D(2023, 1, 1), D(2029, 12, 31)):
        assert invitations_due(meeting) < meeting < report_due(meeting) < la_decision_due(meeting)
        assert (meeting - invitations_due(meeting)).days == 14
        assert (report_due(meeting) - meeting).days == 14
        assert (la_decision_due(meeting) - meeting).days == 28
        assert amended_plan_due(la_decision_due(meeting)) == amended_plan_latest(meeting)
        assert (amended_plan_latest(meeting) - meeting).days == 84
        after_a_year = (next_review_due(meeting - timedelta(days=400), meeting, SCHOOL_AGE) - meeting).days
        assert after_a_year in (365, 366)
        after_six_months = (next_review_due(meeting, None, meeting - timedelta(days=700)) - meeting).days
        assert 181 <= after_six_months <= 184


# --- Academic years and year groups -----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [(D(2025, 9, 1), 2025), (D(2025, 8, 31), 2024), (D(2026, 1, 1), 2025), (D(2024, 2, 29), 2023)],
)
def test_academic_year_start(day, year):
    assert academic_year_start(day) == year


@pytest.mark.parametrize(
    ("day", "year_group"),
    [
        (D(2027, 3, 10), 8),  # later this academic year
        (D(2027, 8, 31), 8),
        (D(2027, 9, 1), 9),  # up one on 1 September
        (D(2029, 9, 1), 11),
        (D(2026, 7, 1), 7),  # last academic year
    ],
)
def test_year_group_on_moves_up_each_1_september(day, year_group):
    assert year_group_on(8, D(2026, 12, 5), day) == year_group


def test_preparing_for_adulthood_from_year_9():
    assert [covers_preparing_for_adulthood(year) for year in range(-1, 15)] == [year >= 9 for year in range(-1, 15)]
    # A Year 8 pupil whose review falls after 1 September is reviewed in Year 9.
    today = D(2026, 12, 5)
    due = next_review_due(D(2026, 10, 2), None, SCHOOL_AGE)
    assert due == D(2027, 10, 2)
    assert not covers_preparing_for_adulthood(year_group_on(8, today, today))
    assert covers_preparing_for_adulthood(year_group_on(8, today, due))


# --- Phase transfer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year_group", "lowest", "highest", "transfer"),
    [
        (-1, -1, -1, Transfer.EARLY_YEARS_TO_SCHOOL),  # nursery school
        (-1, -1, 6, None),  # nursery class of a primary school: stays for reception
        (0, 0, 0, Transfer.EARLY_YEARS_TO_SCHOOL),
        (0, -1, 2, None),
        (2, 0, 2, Transfer.INFANT_TO_JUNIOR),
        (2, 0, 6, None),
        (6, 0, 6, Transfer.PRIMARY_TO_SECONDARY),
        (6, 3, 6, Transfer.PRIMARY_TO_SECONDARY),  # junior school
        (6, 0, 11, None),  # all-through school
        (4, 0, 4, Transfer.MIDDLE_TO_UPPER),  # first school to middle
        (8, 5, 8, Transfer.MIDDLE_TO_UPPER),  # middle school to upper
        (7, 4, 7, Transfer.MIDDLE_TO_UPPER),  # an 8 to 12 middle school
        (11, 7, 11, Transfer.SECONDARY_TO_FURTHER_EDUCATION),
        (11, 7, 13, None),  # school with a sixth form
        (13, 7, 13, Transfer.SECONDARY_TO_FURTHER_EDUCATION),
        (14, 7, 14, Transfer.SECONDARY_TO_FURTHER_EDUCATION),
        (13, 12, 13, None),  # sixth-form college: post-16 to post-16 is dated from the move
        (7, 0, 6, None),  # not taught here: that year the pupil is at another school
        (-1, 0, 6, None),
    ],
)
def test_transfer_at_year_end(year_group, lowest, highest, transfer):
    assert transfer_at_year_end(year_group, lowest, highest) is transfer


def test_only_a_schools_top_year_transfers():
    for lowest in range(-1, 12):
        for highest in range(lowest, 15):
            for year_group in range(lowest, highest + 1):
                found = transfer_at_year_end(year_group, lowest, highest)
                assert (found is not None) == (year_group == highest), (year_group, lowest, highest)


@pytest.mark.parametrize(
    ("transfer", "move_year", "deadline", "latest_meeting"),
    [
        (Transfer.EARLY_YEARS_TO_SCHOOL, 2026, D(2026, 2, 15), D(2025, 11, 23)),
        (Transfer.INFANT_TO_JUNIOR, 2026, D(2026, 2, 15), D(2025, 11, 23)),
        (Transfer.PRIMARY_TO_SECONDARY, 2026, D(2026, 2, 15), D(2025, 11, 23)),
        (Transfer.MIDDLE_TO_UPPER, 2026, D(2026, 2, 15), D(2025, 11, 23)),
        (Transfer.PRIMARY_TO_SECONDARY, 2028, D(2028, 2, 15), D(2027, 11, 23)),  # leap year: still 23 November
        (Transfer.SECONDARY_TO_FURTHER_EDUCATION, 2026, D(2026, 3, 31), D(2026, 1, 6)),
        (Transfer.SECONDARY_TO_FURTHER_EDUCATION, 2028, D(2028, 3, 31), D(2028, 1, 7)),  # 29 February counts
    ],
)
def test_transfer_deadlines_and_the_latest_meeting(transfer, move_year, deadline, latest_meeting):
    assert transfer_deadline(transfer, move_year) == deadline
    assert latest_review_meeting_for_transfer(transfer, move_year) == latest_meeting
    assert amended_plan_latest(latest_meeting) == deadline


def test_the_latest_transfer_meeting_leaves_exactly_twelve_weeks_in_every_year():
    for move_year in range(2015, 2041):
        for transfer in Transfer:
            meeting = latest_review_meeting_for_transfer(transfer, move_year)
            assert amended_plan_latest(meeting) == transfer_deadline(transfer, move_year)
            assert meeting < transfer_deadline(transfer, move_year)
            assert academic_year_start(meeting) == move_year - 1  # in the academic year before the move


def test_a_move_between_post16_institutions_needs_five_months():
    assert post16_transfer_deadline(D(2026, 1, 5)) == D(2025, 8, 5)
    assert post16_transfer_deadline(D(2026, 7, 31)) == D(2026, 2, 28)


# --- The review due, with transfers -----------------------------------------------------------

TODAY = D(2025, 10, 1)  # autumn term of the 2025 to 2026 academic year


@pytest.mark.parametrize(
    ("last_meeting", "year_group_now", "lowest", "highest", "due"),
    [
        # Year 6 at a primary school, last reviewed in Year 5: brought forward to 23 November.
        (D(2025, 1, 15), 6, 0, 6, D(2025, 11, 23)),
        # Reviewed in Year 5 on 10 November: already due before 23 November.
        (D(2024, 11, 10), 6, 0, 6, D(2025, 11, 10)),
        # Reviewed in Year 6 before 23 November: the next falls in Year 7, at another school.
        (D(2025, 10, 20), 6, 0, 6, D(2026, 10, 20)),
        # The same pupil at an all-through school: no transfer, the plain anniversary.
        (D(2025, 1, 15), 6, 0, 11, D(2026, 1, 15)),
        # Year 5 now, reviewed last March: due in March of Year 5, no transfer this year.
        (D(2025, 3, 1), 5, 0, 6, D(2026, 3, 1)),
        # Year 5 now, reviewed in September: due in Year 6, but before 23 November of Year 6.
        (D(2025, 9, 15), 5, 0, 6, D(2026, 9, 15)),
        # Year 2 at an infant school.
        (D(2025, 2, 3), 2, 0, 2, D(2025, 11, 23)),
        # Year 7, the last year of an 8 to 12 middle school, reviewed in May of Year 6.
        (D(2025, 5, 1), 7, 4, 7, D(2025, 11, 23)),
        # Year 11 at an 11 to 16 school: into further education, by 6 January.
        (D(2025, 3, 1), 11, 7, 11, D(2026, 1, 6)),
        # Year 11, reviewed in October of Year 10: due in October, before 6 January anyway.
        (D(2024, 10, 20), 11, 7, 11, D(2025, 10, 20)),
        # Year 11 at a school with a sixth form: no transfer.
        (D(2025, 3, 1), 11, 7, 13, D(2026, 3, 1)),
        # Year 7 now; the review due in Year 6 (July 2025) was missed: overdue, as it was.
        (D(2024, 7, 1), 7, 7, 11, D(2025, 7, 1)),
    ],
)
def test_review_due_brings_a_transfer_review_forward(last_meeting, year_group_now, lowest, highest, due):
    issued = D(2020, 6, 1)
    assert review_due(issued, last_meeting, SCHOOL_AGE, year_group_now, TODAY, lowest, highest) == due


def test_a_year_5_review_in_december_comes_forward_a_year_on():
    # Reviewed on 1 December 2025 in Year 5: due 1 December 2026 in Year 6, the last year of the
    # primary school, so brought forward to 23 November 2026.
    today = D(2025, 12, 1)
    assert review_due(D(2024, 1, 8), today, SCHOOL_AGE, 5, today, 0, 6) == D(2026, 11, 23)
    assert review_due(D(2024, 1, 8), today, SCHOOL_AGE, 5, today, 0, 11) == D(2026, 12, 1)


def test_review_due_into_further_education_in_a_leap_year():
    # Year 11 in 2027 to 2028, last reviewed in Year 10 on 1 February 2027: due 1 February 2028,
    # brought forward to 7 January 2028 (31 March 2028 less 12 weeks, across 29 February).
    today = D(2027, 10, 1)
    assert review_due(D(2022, 1, 1), D(2027, 2, 1), SCHOOL_AGE, 11, today, 7, 11) == D(2028, 1, 7)


def test_review_due_for_a_first_review_of_a_new_plan():
    # A plan issued in Year 5 on 10 March 2025: first review due 10 March 2026, in Year 6.
    assert review_due(D(2025, 3, 10), None, SCHOOL_AGE, 6, TODAY, 0, 6) == D(2025, 11, 23)


def test_review_due_for_an_under_five_in_a_nursery_school():
    born = D(2022, 3, 15)  # three on 1 October 2025, in nursery; reception from September 2026
    # Issued 1 June 2025: six months on is 1 December 2025, in the transfer year: 23 November.
    assert review_due(D(2025, 6, 1), None, born, -1, TODAY, -1, -1) == D(2025, 11, 23)
    # Reviewed on 20 October 2025, in the transfer year: that was the transfer review, the next is
    # six months on, not a 23 November already behind it.
    assert review_due(D(2025, 6, 1), D(2025, 10, 20), born, -1, TODAY, -1, -1) == D(2026, 4, 20)
    # The same child in the nursery class of a primary school: no transfer.
    assert review_due(D(2025, 6, 1), None, born, -1, TODAY, -1, 6) == D(2025, 12, 1)


def test_review_due_is_never_later_than_the_plain_review_date():
    born = D(2019, 1, 1)
    for last_meeting in every_day(D(2024, 1, 1), D(2026, 8, 31)):
        for year_group_now, lowest, highest in ((6, 0, 6), (11, 7, 11), (2, 0, 2), (-1, -1, -1), (6, 0, 11)):
            plain = next_review_due(D(2023, 1, 1), last_meeting, born)
            due = review_due(D(2023, 1, 1), last_meeting, born, year_group_now, TODAY, lowest, highest)
            assert due <= plain
            assert due > last_meeting
