"""Every statutory date of EHC work, one pure function per clock (DESIGN section 1; interop notes
C1 and C2): dates in, a date out, no database and no `today` unless the clock needs one.

Sources: the Special Educational Needs and Disability Regulations 2014 (SI 2014/1530, "reg"), the
Children and Families Act 2014 ("CFA") and the SEND Code of Practice 0 to 25, 2015 ("CoP").

How the periods are counted, as the Regulations word them:

- "within N weeks of" an event (regs 5, 8, 10, 13(2), 20, 22(3)) ends N weeks after the event's
  day: a request received on Monday 3 March 2025 must be decided by Monday 14 April 2025.
- "at least 15 days, beginning with the day on which the draft plan was served" (regs 13(1) and
  22(2)) counts the day of service as the first of the 15, so the family can comment until the
  14th day after it.
- months are calendar months: the same day n months on, or the month's last day when that month
  is shorter (31 January + 1 month = 28 or 29 February).

Exceptions to the time limits (reg 10(4), applied by 5(4), 13(3)) pause nothing here: the app
records them with a reason (DESIGN section 1).
"""

from __future__ import annotations

import calendar
import enum
from datetime import date, timedelta

# EHC needs assessment (regs 4 to 13), each counted from the day named in its function.
DECISION_TO_ASSESS = timedelta(weeks=6)  # reg 5(1)
ADVICE = timedelta(weeks=6)  # reg 8(1)
NO_PLAN_NOTICE = timedelta(weeks=16)  # reg 10(1)
DRAFT_COMMENT_DAYS = 15  # reg 13(1)(a) and reg 22(2)(c): "at least 15 days"
FINAL_PLAN = timedelta(weeks=20)  # reg 13(2)
REASSESSMENT_FINAL_PLAN = timedelta(weeks=14)  # reg 27(2)

# Annual reviews (CFA s44; regs 18 to 22; CoP 9.166 to 9.185).
REVIEW_MONTHS = 12  # CFA s44(1); CoP 9.169
UNDER_FIVE_REVIEW_MONTHS = 6  # CoP 9.178: every 3 to 6 months for under-fives
UNDER_FIVE_AGE = 5
REVIEW_NOTICE = timedelta(weeks=2)  # reg 20(3) notice of the meeting; 20(4) advice circulated
REVIEW_REPORT = timedelta(weeks=2)  # reg 20(7)
REVIEW_DECISION = timedelta(weeks=4)  # reg 20(10); CoP 9.176
AMENDED_PLAN = timedelta(weeks=8)  # reg 22(3)
AMENDED_PLAN_AFTER_MEETING = REVIEW_DECISION + AMENDED_PLAN  # 12 weeks: R (L, M and P) v Devon CC [2022]

# Phase transfer (reg 18) and preparing for adulthood (reg 20(6), 21(6); CoP 9.179).
TRANSFER_DEADLINE_DAY = (2, 15)  # reg 18(1)(b): 15 February in the calendar year of the transfer
FURTHER_EDUCATION_DEADLINE_DAY = (3, 31)  # reg 18(1)(a): 31 March, secondary school to post-16
POST16_TRANSFER_NOTICE_MONTHS = 5  # reg 18(2): post-16 to post-16 at any other time
PREPARING_FOR_ADULTHOOD_FROM_YEAR = 9
ACADEMIC_YEAR_START = (9, 1)  # the academic year runs 1 September to 31 August

_DAY = timedelta(days=1)


# --- EHC needs assessment ---------------------------------------------------------------------


def decision_to_assess_due(received_on: date) -> date:
    """The last day for the LA to tell the family whether it will assess: within 6 weeks of
    receiving the request (reg 5(1)(a))."""
    return received_on + DECISION_TO_ASSESS


def advice_due(asked_on: date) -> date:
    """The last day for a body asked for advice to give it: within 6 weeks of the request
    (reg 8(1)); reg 8(2) excuses a body whose appointment the family missed."""
    return asked_on + ADVICE


def no_plan_notice_due(received_on: date) -> date:
    """The last day to tell the family, after assessing, that no plan will be made: within
    16 weeks of receiving the request (reg 10(1))."""
    return received_on + NO_PLAN_NOTICE


def draft_comments_until(draft_sent_on: date) -> date:
    """The last day the family may comment on a draft plan, ask for a meeting and name a school
    or college: at least 15 days beginning with the day the draft was served (reg 13(1)(a)), so
    the 15th day counting the day of service as the first. Pass the day of service: the day it
    was sent by hand or email, the day it arrives by post. The same 15 days apply to proposed
    amendments after a review (reg 22(2)(c))."""
    return draft_sent_on + timedelta(days=DRAFT_COMMENT_DAYS) - _DAY


def final_plan_due(received_on: date) -> date:
    """The last day to send the final plan: within 20 weeks of receiving the request
    (reg 13(2)); 140 days whatever the months."""
    return received_on + FINAL_PLAN


def reassessment_plan_due(decided_on: date) -> date:
    """After a reassessment, the last day to send the amended or replacement plan: within
    14 weeks of the notice under reg 25(1) or of deciding to reassess (reg 27(2))."""
    return decided_on + REASSESSMENT_FINAL_PLAN


def weeks_gone(start: date, today: date) -> int:
    """Whole weeks from `start` to `today`: 0 for the first six days and before `start`, 6 from
    the 42nd day (the day a 6-week limit falls due)."""
    return max(0, (today - start).days // 7)


# --- Annual reviews ---------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on (or back, for a negative number), clamped to the
    last day of a shorter month: 31 January + 1 = 28 (29) February; 29 February + 12 = 28 February."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def birthday(date_of_birth: date, age: int) -> date:
    """The day a child born on `date_of_birth` reaches `age` (Family Law Reform Act 1969 s9): the
    anniversary, and 1 March for a child born on 29 February in a year without one."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date(date_of_birth.year + age, 3, 1)


def review_interval_months(date_of_birth: date, since: date) -> int:
    """Months to the next review: 6 when the child is under 5 on `since` (CoP 9.178 asks for a
    review every 3 to 6 months; the app takes the longest), otherwise 12 (CFA s44(1); CoP 9.169).
    A child who turns five before the next review keeps the 6 months already running."""
    if since < birthday(date_of_birth, UNDER_FIVE_AGE):
        return UNDER_FIVE_REVIEW_MONTHS
    return REVIEW_MONTHS


def next_review_due(issued_on: date, last_meeting_on: date | None, date_of_birth: date) -> date:
    """The next review meeting is due 12 months (6 for under-fives) after the later of the plan's
    issue and the last review meeting actually held (CFA s44(1); CoP 9.169, 9.178): a meeting held
    early or late moves every later date with it.

    CFA s44(1) says "in the period of 12 months starting with" the date, so the strict last day is
    the day before the date given here; the app, like the Code, names the anniversary."""
    since = issued_on if last_meeting_on is None else max(issued_on, last_meeting_on)
    return add_months(since, review_interval_months(date_of_birth, since))


def invitations_due(meeting_on: date) -> date:
    """The last day to invite everyone to a review meeting: at least 2 weeks' notice (reg 20(3);
    reg 21(3) where the child attends no school)."""
    return meeting_on - REVIEW_NOTICE


def advice_circulated_by(meeting_on: date) -> date:
    """The last day to send everyone the advice gathered for a review meeting: at least 2 weeks
    before it (reg 20(4); reg 21(4))."""
    return meeting_on - REVIEW_NOTICE


def report_due(meeting_on: date) -> date:
    """The last day to send the review report to the LA and everyone invited: within 2 weeks of
    the meeting (reg 20(7); reg 21(7))."""
    return meeting_on + REVIEW_REPORT


def la_decision_due(meeting_on: date) -> date:
    """The last day for the LA to say whether it keeps, amends or ceases the plan: within 4 weeks
    of the review meeting (reg 20(10); CoP 9.176). An amending decision carries the
    proposed amendments (R (L, M and P) v Devon CC [2022] EWHC 493 (Admin))."""
    return meeting_on + REVIEW_DECISION


def amended_plan_due(proposed_on: date) -> date:
    """The last day to send the final amended plan: within 8 weeks of sending the plan with the
    notice of proposed amendments (reg 22(3))."""
    return proposed_on + AMENDED_PLAN


def amended_plan_latest(meeting_on: date) -> date:
    """The last day for a final amended plan counted from the review meeting: the 4 weeks for the
    decision with its proposed amendments (reg 20(10)) then 8 weeks (reg 22(3)), 12 weeks in all
    (R (L, M and P) v Devon CC [2022] EWHC 493 (Admin))."""
    return meeting_on + AMENDED_PLAN_AFTER_MEETING


# --- Phase transfer and preparing for adulthood -----------------------------------------------


class Transfer(enum.Enum):
    """The moves between phases of education of reg 2(1) and reg 18(1). First to middle school
    (three-tier areas) counts with middle to upper: both share the 15 February deadline."""

    EARLY_YEARS_TO_SCHOOL = "early years to school"
    INFANT_TO_JUNIOR = "infant to junior school"
    PRIMARY_TO_SECONDARY = "primary to secondary school"
    MIDDLE_TO_UPPER = "middle to upper school"
    SECONDARY_TO_FURTHER_EDUCATION = "secondary school to further education"


def academic_year_start(day: date) -> int:
    """The calendar year in which the academic year holding `day` began (1 September)."""
    return day.year if (day.month, day.day) >= ACADEMIC_YEAR_START else day.year - 1


def year_group_on(year_group_now: int, today: date, day: date) -> int:
    """The National Curriculum year of a pupil in `year_group_now` on `today`, as it will be (or
    was) on `day`: one up for each 1 September between. Not clamped to -1..14."""
    return year_group_now + academic_year_start(day) - academic_year_start(today)


def _leaving_transfer(year_group: int) -> Transfer:
    """The kind of move of a pupil leaving a school at the end of `year_group`."""
    if year_group <= 0:
        return Transfer.EARLY_YEARS_TO_SCHOOL
    if year_group <= 2:
        return Transfer.INFANT_TO_JUNIOR
    if year_group == 6:
        return Transfer.PRIMARY_TO_SECONDARY
    if year_group >= 11:
        return Transfer.SECONDARY_TO_FURTHER_EDUCATION
    return Transfer.MIDDLE_TO_UPPER  # first to middle (years 3 to 5), middle to upper (7 to 10)


def transfer_at_year_end(year_group: int, lowest_year: int, highest_year: int) -> Transfer | None:
    """The phase transfer (reg 18(1)) of a pupil in `year_group` at a school teaching NC years
    `lowest_year`..`highest_year` (-1 nursery, 0 reception, 1 to 14) at the end of the academic
    year, or None.

    A pupil moves when the school does not teach the next year: nursery or reception to school,
    year 2 to 3 infant to junior, 6 to 7 primary to secondary, 4 to 5 or 8 to 9 (and the other
    three-tier years) first to middle and middle to upper, 11 to 12 or 13 to 14 secondary to
    further education. None when the school teaches the next year too, when the pupil's year is
    not taught here (that year they are at another school), and at a post-16-only setting (a move
    between post-16 institutions is dated from the move: `post16_transfer_deadline`)."""
    if not lowest_year <= year_group <= highest_year or year_group + 1 <= highest_year:
        return None
    if lowest_year >= 12:
        return None
    return _leaving_transfer(year_group)


def transfer_deadline(transfer: Transfer, move_year: int) -> date:
    """The date the plan must be reviewed and amended, naming the next setting, for a move in the
    summer of `move_year`: 15 February of that calendar year, 31 March for secondary school to
    further education (reg 18(1)(a) and (b); CoP 9.179).

    Reg 18(1) says "before" these dates, so the strict last day is the day before; the app, like
    the Code and the LAs, names the date itself."""
    if transfer is Transfer.SECONDARY_TO_FURTHER_EDUCATION:
        return date(move_year, *FURTHER_EDUCATION_DEADLINE_DAY)
    return date(move_year, *TRANSFER_DEADLINE_DAY)


def latest_review_meeting_for_transfer(transfer: Transfer, move_year: int) -> date:
    """The latest review meeting that still lets the amended plan be final by the transfer
    deadline: 12 weeks before it (4 weeks for the decision, reg 20(10), then 8, reg 22(3)).
    23 November for a 15 February deadline; 6 January for 31 March (7 January in a leap year)."""
    return transfer_deadline(transfer, move_year) - AMENDED_PLAN_AFTER_MEETING


def post16_transfer_deadline(move_on: date) -> date:
    """For a move between post-16 institutions at any other time, the plan must be reviewed and
    amended at least 5 months before the move (reg 18(2))."""
    return add_months(move_on, -POST16_TRANSFER_NOTICE_MONTHS)


def review_due(
    issued_on: date,
    last_meeting_on: date | None,
    date_of_birth: date,
    year_group_now: int,
    today: date,
    lowest_year: int,
    highest_year: int,
) -> date:
    """The next review meeting: `next_review_due`, brought forward to
    `latest_review_meeting_for_transfer` when the pupil changes phase at the end of the academic
    year in which that review would fall (reg 18(1)).

    A review already held in that academic year (the 12 months before the move) is the transfer
    review, so it brings nothing forward: an under-five reviewed in the autumn of the nursery year
    is next due six months on, not on an earlier date already gone."""
    since = issued_on if last_meeting_on is None else max(issued_on, last_meeting_on)
    due = next_review_due(issued_on, last_meeting_on, date_of_birth)
    move_year = academic_year_start(due) + 1
    if since >= date(move_year - 1, *ACADEMIC_YEAR_START):
        return due
    transfer = transfer_at_year_end(year_group_on(year_group_now, today, due), lowest_year, highest_year)
    if transfer is None:
        return due
    return min(due, latest_review_meeting_for_transfer(transfer, move_year))


def covers_preparing_for_adulthood(year_group: int) -> bool:
    """Whether a review must consider preparing for adulthood and independent living: from
    Year 9 (reg 20(6), reg 21(6); CoP 9.179)."""
    return year_group >= PREPARING_FOR_ADULTHOOD_FROM_YEAR
