"""The catalogue of duties: every responsibility in the roles guide that the app can follow.

Each entry names the role, the guide's sentence in our own words, what sets it off and when it
is due. The catalogue is code, reviewed like code; `sync_catalogue` writes it into the `duty`
table (adding new entries, refreshing wording) at the start of each sweep, so that a change here
needs no data migration and every task can point at its duty row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import Duty, Role, TriggerKind


@dataclass(frozen=True)
class DutySpec:
    """One duty. `due_days` is the number of days the due-date rule counts (after the event, or
    into the term); `notice_days` how long before the date the task is made; `closes_by` says, in
    words, what closes the task: a record (`fulfilled_by` names its kind, and making it closes the
    task as done, naming the record) or, where no record can prove the work, a person with a note."""

    code: str
    role: Role
    title: str
    clause: str
    trigger_kind: TriggerKind
    trigger: str
    due_rule: str
    closes_by: str
    fulfilled_by: str | None = None
    due_days: int | None = None
    notice_days: int | None = None
    # Fixed dates in the academic year (month, day), by year group; None for every pupil or the school.
    due_dates: dict[int | None, tuple[int, int]] = field(default_factory=dict)

    @property
    def closed_by_hand(self) -> bool:
        return self.fulfilled_by is None


EVENT, CALENDAR = TriggerKind.EVENT, TriggerKind.CALENDAR

DUTIES: tuple[DutySpec, ...] = (
    DutySpec(
        "la_decides_assessment",
        Role.LA_OFFICER,
        "Decide whether to carry out an EHC needs assessment",
        "The local authority decides whether to assess within 6 weeks of receiving a request for an "
        "EHC needs assessment, and tells the parents (SEND Regulations 2014, regulations 4 and 5).",
        EVENT,
        "A request for an EHC needs assessment is received.",
        "6 weeks after the request was received.",
        "When the decision whether to assess is recorded on the request. No longer needed if the "
        "request is withdrawn or the pupil leaves.",
        fulfilled_by="ehc_assessment_decision",
    ),
    DutySpec(
        "la_receives_advice",
        Role.LA_OFFICER,
        "Receive the advice asked for the EHC needs assessment",
        "The local authority seeks advice for the assessment; those asked give it within 6 weeks "
        "(regulations 6 and 8).",
        EVENT,
        "Advice is asked for an EHC needs assessment.",
        "6 weeks after the advice was asked.",
        "When the advice is recorded as received. No longer needed if the request ends first (withdrawn, "
        "assessment refused, no plan) or the pupil leaves.",
        fulfilled_by="ehc_advice",
    ),
    DutySpec(
        "la_decides_plan",
        Role.LA_OFFICER,
        "Decide whether to issue an EHC plan",
        "After the assessment the local authority decides whether to issue a plan; if it will not, it "
        "tells the parents within 16 weeks of the request (regulation 10).",
        EVENT,
        "The local authority agrees to assess.",
        "16 weeks after the request was received.",
        "When the decision to issue a plan is recorded, or, for a decision not to, when the parents are "
        "recorded as told. No longer needed if the request is withdrawn or the pupil leaves.",
        fulfilled_by="ehc_plan_decision",
    ),
    DutySpec(
        "la_issues_final_plan",
        Role.LA_OFFICER,
        "Issue the final EHC plan",
        "The local authority issues the final plan within 20 weeks of receiving the request for an "
        "assessment, after the parents have had at least 15 days to comment on the draft (regulation 13).",
        EVENT,
        "The local authority decides to issue a plan.",
        "20 weeks after the request was received.",
        "When the final plan is recorded as issued. No longer needed if the request is withdrawn or the pupil leaves.",
        fulfilled_by="ehc_final_plan",
    ),
    DutySpec(
        "senco_convenes_ehc_review",
        Role.SENCO,
        "Convene the EHC plan's annual review",
        "The school convenes the annual review of an EHC plan: invitations go out and advice is asked "
        "at least 2 weeks before the meeting (regulation 20; CoP 9.166 to 9.176).",
        EVENT,
        "Eight weeks before the plan's next annual review is due (12 months after the plan was issued "
        "or last reviewed; 6 for a child under five; earlier before a phase transfer).",
        "2 weeks before the review's due date (the latest day to send the invitations).",
        "When an annual review meeting is convened (invitations sent). No longer needed if the plan "
        "ceases or the pupil leaves.",
        fulfilled_by="ehc_review_convened",
        notice_days=56,
    ),
    DutySpec(
        "senco_holds_ehc_review",
        Role.SENCO,
        "Hold the EHC plan's annual review meeting",
        "The school holds the annual review meeting with the child's parents and the professionals "
        "involved, at least every 12 months (Children and Families Act 2014, s.44; regulation 20).",
        EVENT,
        "Two weeks before the plan's next annual review is due.",
        "The review's due date.",
        "When the annual review meeting is recorded as held. No longer needed if the plan ceases or the pupil leaves.",
        fulfilled_by="ehc_review_held",
        notice_days=14,
    ),
    DutySpec(
        "senco_sends_ehc_review_report",
        Role.SENCO,
        "Send the annual review report",
        "The school sends the report of the review meeting to the local authority and everyone invited "
        "within 2 weeks of the meeting (regulation 20(7)).",
        EVENT,
        "An annual or interim review meeting is held.",
        "2 weeks after the meeting.",
        "When the report is recorded as sent. No longer needed if the plan ceases or the pupil leaves.",
        fulfilled_by="ehc_review_report",
    ),
    DutySpec(
        "la_decides_ehc_review",
        Role.LA_OFFICER,
        "Decide after the EHC plan's review",
        "The local authority decides within 4 weeks of the review meeting whether to keep, amend or "
        "cease the plan, and tells the parents (regulation 20(10); CoP 9.176).",
        EVENT,
        "A review meeting is held.",
        "4 weeks after the meeting.",
        "When the authority's decision is recorded on the review. No longer needed if the plan ceases "
        "or the pupil leaves.",
        fulfilled_by="ehc_review_decision",
    ),
    DutySpec(
        "la_finalises_amended_plan",
        Role.LA_OFFICER,
        "Issue the amended EHC plan",
        "When the local authority amends a plan after a review, the amended plan is final within 8 weeks "
        "of the proposed amendments being sent to the parents (regulation 22(3)).",
        EVENT,
        "The amendments to a plan are proposed after its review.",
        "8 weeks after the amendments were proposed.",
        "When the amended plan is recorded as final. No longer needed if the plan ceases, the decision "
        "is no longer to amend, or the pupil leaves.",
        fulfilled_by="ehc_amended_plan",
    ),
    DutySpec(
        "senco_adds_ehc_plan",
        Role.SENCO,
        "Add the pupil's EHC plan record",
        "A pupil recorded as having an EHC plan has the plan's record (its dates, named setting, needs "
        "and outcomes), so that its reviews are kept on time.",
        EVENT,
        'A pupil is recorded or imported as "E" with no EHC plan recorded.',
        '28 days after the pupil was recorded as "E" (or after the task was made, for a record older than that).',
        'When the plan is recorded for the pupil. No longer needed if the pupil comes off "E" or leaves.',
        fulfilled_by="ehc_plan",
        due_days=28,
    ),
    DutySpec(
        "senco_sends_sen_file",
        Role.SENCO,
        "Send the pupil's SEN file to the next school",
        "When a pupil leaves, the school sends the pupil's common transfer file and educational record "
        "to the next school within 15 school days of the pupil leaving its roll (Education (Pupil "
        "Information) (England) Regulations 2005, regulation 9).",
        EVENT,
        'A pupil leaves the roll with an SEN record: "K" or "E" on their last day, or an EHC plan in '
        "force then (for a leaving in the last 12 months).",
        "15 school days after the leaving date (weekdays in the school's terms, half-term holidays left out).",
        "When the pupil's CTF or transfer pack is exported after the leaving. No longer needed if the "
        "leaving is undone.",
        fulfilled_by="ctf_export",
        due_days=15,
    ),
    DutySpec(
        "senco_answers_subject_access",
        Role.SENCO,
        "Answer a request for a pupil's data",
        "The school answers a subject access request within one calendar month of receiving it, or "
        "three when it told the requester within the first month why it needs longer (UK GDPR article "
        "12(3)); a maintained school lets a parent see the educational record within 15 school days "
        "(Education (Pupil Information) (England) Regulations 2005, regulation 5).",
        EVENT,
        "A subject access request, or a parent's request to see the educational record, is recorded.",
        "The request's due date: the same date next month (or the month's last day), moved to the next "
        "working day; three months when extended; 15 school days for the educational record.",
        "When the request is recorded as answered. No longer needed if it is withdrawn.",
        fulfilled_by="subject_access_answered",
    ),
    DutySpec(
        "senco_approves_destruction",
        Role.SENCO,
        "Approve the destruction of a leaver's records, or hold them",
        "A leaver's records are kept for their retention period (an SEN file to the date of birth plus "
        "31 years, by the last school; any other pupil's record to the date of birth plus 25), then "
        "destroyed (IRMS Information Management Toolkit for Schools); a school whose pupil moved to "
        "another school of this SEN Track keeps the SEN file only until that school has it.",
        EVENT,
        "A leaver's records pass their retention date, or the next school of this SEN Track has the SEN file.",
        "28 days after the records fell due.",
        "When the records are destroyed (the task goes with them). No longer needed if a legal hold is "
        "placed on them; made again when the hold is lifted.",
        fulfilled_by="destruction_log",
        due_days=28,
    ),
    DutySpec(
        "head_told_engagement_overdue",
        Role.HEAD,
        "Act on parent meetings that are overdue",
        "The head teacher makes sure parents are drawn into talking about their child's progress, "
        "at least three times in the year.",
        CALENDAR,
        "Each week in which at least one pupil's parent meetings are overdue.",
        "Within the week (7 days).",
        "By hand, with a note of what the head teacher did.",
        due_days=7,
    ),
    DutySpec(
        "senco_tells_parents",
        Role.SENCO,
        "Tell the parents formally that SEN provision has started",
        "The SENCO works with the parents of children with SEN; parents are told formally when "
        "the school starts making SEN provision (Children and Families Act 2014, s.68).",
        EVENT,
        "A pupil is placed on SEN support and the letter to parents is not yet sent.",
        "14 days after the letter was created.",
        "When the letter is marked sent. No longer needed if the pupil leaves or comes off SEN support first.",
        fulfilled_by="parent_letter",
        due_days=14,
    ),
    DutySpec(
        "senco_liaises_designated_teacher",
        Role.SENCO,
        "Liaise with the designated teacher",
        "Where a looked-after child has SEN, the SENCO works with the school's designated teacher "
        "for looked-after children.",
        CALENDAR,
        "Each term, for every looked-after pupil on the SEN register (the personal education plan is reviewed termly).",
        "28 days into the term, or after the pupil joined the register, and never after the term ends.",
        "By hand, with a note of the liaison (no record can prove it). No longer needed if the pupil "
        "leaves, comes off the register or stops being looked after.",
        due_days=28,
    ),
    DutySpec(
        "senco_supports_transition",
        Role.SENCO,
        "Plan the move to the next phase",
        "The SENCO helps pupils move on to their next school or college, for example from primary to secondary school.",
        CALENDAR,
        "Each academic year, for pupils on the register in Year 6 or Year 11.",
        "Year 6 by 15 February; Year 11 by 31 March (the phase transfer dates).",
        "By hand, with a note of what was planned. No longer needed if the pupil leaves or comes off the register.",
        due_dates={6: (2, 15), 11: (3, 31)},
    ),
    DutySpec(
        "senco_keeps_records_current",
        Role.SENCO,
        "Bring the pupil's SEN record up to date",
        "The SENCO makes sure the SEN records are kept up to date.",
        EVENT,
        "A pupil on the register whose record has had no entry for the school's 'records stale' weeks (8 by default).",
        "14 days after the record became stale.",
        "When anything new is recorded for the pupil (an entry on the timeline). No longer needed if "
        "the pupil leaves or comes off the register.",
        fulfilled_by="timeline_event",
        due_days=14,
    ),
    DutySpec(
        "senco_holds_review",
        Role.SENCO,
        "Hold the review of the support plan",
        "The SENCO guides the school through assess, plan, do and review, so each plan is "
        "reviewed on the date agreed with parents.",
        EVENT,
        "Two weeks before the plan's review date.",
        "On the plan's review date.",
        "When the review is recorded. No longer needed if the pupil leaves.",
        fulfilled_by="review",
        notice_days=14,
    ),
    DutySpec(
        "senco_decides_concern",
        Role.SENCO,
        "Decide what happens about a concern",
        "There is no 'monitoring' list: a child who is having difficulties must be assessed and "
        "helped, so each concern ends in an assessment or a reasoned decision.",
        EVENT,
        "A concern is raised.",
        "By the concern's deadline (28 days by default).",
        "When the concern is decided: an assessment opened, or no further action with the reason. "
        "No longer needed if the pupil leaves.",
        fulfilled_by="concern",
    ),
    DutySpec(
        "teacher_meets_parents",
        Role.TEACHER,
        "Meet the pupil's parents this term",
        "Parents are to be regularly involved in talking about their child's progress, at least "
        "three times a year; the class teacher, who stays responsible for the pupil, leads it.",
        CALENDAR,
        "Each term, for every pupil on the register, for the pupil's class teacher.",
        "The last day of the term.",
        "When a meeting with the pupil's parents held in the term is recorded (a review with a parent "
        "present counts). Made only for a term that can count for the pupil; no longer needed if the "
        "pupil leaves or comes off the register.",
        fulfilled_by="parent_meeting",
    ),
    DutySpec(
        "teacher_acknowledges_passport",
        Role.TEACHER,
        "Read and acknowledge the pupil's passport",
        "When a pupil has SEN, the needs are made known to everyone likely to teach or support the pupil.",
        EVENT,
        "A pupil joins the register, or a teacher starts teaching a pupil on it.",
        "14 days after the pupil joined the register; for a teacher who starts teaching the pupil later, "
        "14 days after the task is created.",
        'When the teacher marks the passport read ("I have read it"). No longer needed if the pupil '
        "leaves or comes off the register.",
        fulfilled_by="passport_read",
        due_days=14,
    ),
    DutySpec(
        "assistant_records_impact",
        Role.SUPPORT_ASSISTANT,
        "Record the impact of the intervention",
        "The support assistant works with the teacher to plan targeted interventions and to judge their impact.",
        EVENT,
        "An intervention ends and a pupil in it has no impact recorded.",
        "14 days after the intervention ended.",
        "When the impact is recorded for every pupil in the intervention.",
        fulfilled_by="intervention_impact",
        due_days=14,
    ),
    DutySpec(
        "governors_publish_report",
        Role.GOVERNOR,
        "Publish the annual SEN information report",
        "The governors report to parents on how the school's policy for pupils with SEN is carried out.",
        CALENDAR,
        "Each academic year, from 1 September.",
        "By 31 October.",
        "By hand, with a note of where the report was published.",
        due_dates={None: (10, 31)},
    ),
)

BY_CODE = {spec.code: spec for spec in DUTIES}


def sync_catalogue(session: Session) -> dict[str, Duty]:
    """The duty rows by code, after adding any missing and refreshing the wording of the others.
    A duty a school switched off (`active` false) stays off."""
    rows = {duty.code: duty for duty in session.scalars(sa.select(Duty))}
    for spec in DUTIES:
        duty = rows.get(spec.code)
        if duty is None:
            duty = rows[spec.code] = Duty(code=spec.code, active=True)
            session.add(duty)
        for name in ("role", "title", "clause", "trigger_kind", "trigger", "due_rule", "due_days"):
            if getattr(duty, name) != getattr(spec, name):
                setattr(duty, name, getattr(spec, name))
    session.flush()
    return rows
