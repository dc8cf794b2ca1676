"""A school's whole academic year, walked week by week with the sweep (issue 12, "Done when").

A small school (the test world's Oak Primary, with a few more pupils and its own term dates) is
stood on 1 September 2026 and on every Monday to the end of July 2027, and on the last day of
each term. Each walked day the app's clock is set to the day, the sweep runs, the year's events
happen (plans agreed, concerns raised, interventions run, a pupil placed on SEN support, a pupil
who leaves), and staff do the work of some open tasks through the workflows that make the
records: a meeting with parents, a review, the letter sent, the concern decided, the impact
recorded, the passport read, or, for the duties no record can prove, a note by hand. Some tasks
are done before they are due, others only after they have gone overdue.

Checked on every walked day, from the raw tables with plain loops:
- a task whose work was done closes on that same day (no sweep in between), as done, naming the
  record that did it; a task whose reason went closes as no longer needed, not as done;
- no task stays open once the record that does its work exists, or once its reason has gone;
- "tasks overdue" counts exactly the open tasks due before the day;
- reviews overdue, concerns past their deadline and tasks overdue are the same figure on the
  SENCO's and the teachers' home pages, the dashboard, its drill-downs and
  `flask compliance --json`.

Every disagreement found on the way is collected with its day, so that one run names all of them.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from sentrack.clock import day_of
from sentrack.dashboard.cards import BY_KEY
from sentrack.models import (
    AccessKind,
    AccessStatus,
    AssessmentDecision,
    Concern,
    ConcernStatus,
    CycleState,
    Duty,
    EhcAdvice,
    EhcPlan,
    EhcRequest,
    EhcRequester,
    EhcReview,
    ExportKind,
    Intervention,
    InterventionPupil,
    MeetingMode,
    NeedType,
    ParentLetter,
    ParentMeeting,
    PassportRead,
    Plan,
    PlanDecision,
    Provision,
    Pupil,
    Requester,
    Review,
    ReviewDecision,
    ReviewKind,
    ReviewOutcome,
    Role,
    Season,
    SenStatus,
    SubjectAccessRequest,
    SupportCycle,
    Task,
    TaskStatus,
    TeachingGroup,
    TimelineEvent,
    User,
    group_pupils,
)
from sentrack.workflows import cycles as flow
from sentrack.workflows.compliance import PupilFilter, compliance_figures
from sentrack.workflows.concerns import decide_no_further_action, raise_concern
from sentrack.workflows.duty_catalogue import BY_CODE
from sentrack.workflows.ehc_plans import PlanDetails, add_plan
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.interventions import ImpactResult, record_impact
from sentrack.workflows.letters import mark_letter_sent
from sentrack.workflows.meetings import MeetingDetails, record_meeting
from sentrack.workflows.passports import mark_passport_read
from sentrack.workflows.sen_status import change_sen_status
from sentrack.workflows.settings import TermDetails, save_term
from sentrack.workflows.subject_access import RequestDetails, close_request, record_request
from sentrack.workflows.sweep import run_sweep
from sentrack.workflows.tasks import complete_task
from tests import factories
from tests.pages import Page, words
from tests.test_dashboard import _cards, _linked_public_ids

START = date(2026, 9, 1)
END = date(2027, 7, 31)
TERMS = [
    ("Autumn 2026", date(2026, 9, 3), date(2026, 12, 18)),
    ("Spring 2027", date(2027, 1, 5), date(2027, 3, 26)),
    ("Summer 2027", date(2027, 4, 12), date(2027, 7, 21)),
]
# A term task's period names the term ("term:2026-autumn"); the school's first day of it.
TERM_STARTS = {f"2026-{name.split()[0].lower()}": starts_on for name, starts_on, _ in TERMS}

# The record kind each record-fulfilled duty names when its task is done (Task.done_by_type).
RECORD_TYPE = {
    "review": "review",
    "parent_letter": "parent_letter",
    "concern": "concern",
    "intervention_impact": "intervention",
    "parent_meeting": "parent_meeting",
    "passport_read": "passport_read",
    "timeline_event": "timeline_event",
    "ehc_assessment_decision": "ehc_request",
    "ehc_advice": "ehc_advice",
    "ehc_plan_decision": "ehc_request",
    "ehc_final_plan": "ehc_request",
    "ehc_review_convened": "ehc_review",
    "ehc_review_held": "ehc_review",
    "ehc_review_report": "ehc_review",
    "ehc_review_decision": "ehc_review",
    "ehc_amended_plan": "ehc_review",
    "ehc_plan": "ehc_plan",
    "ctf_export": "ctf_export",
    "subject_access_answered": "subject_access_request",
}
EHC_STEPS = {code for code, spec in BY_CODE.items() if (spec.fulfilled_by or "").startswith("ehc_")}
REGISTER_DUTIES = {
    "teacher_meets_parents",
    "teacher_acknowledges_passport",
    "senco_liaises_designated_teacher",
    "senco_supports_transition",
    "senco_keeps_records_current",
}
OVERDUE_TAG = "Overdue"  # the text of a red tag


def walked_days() -> list[date]:
    """1 September, every Monday to the end of July, and the last day of each term."""
    days = {START, *(end for _, _, end in TERMS)}
    day = START + timedelta(days=(7 - START.weekday()) % 7)
    while day <= END:
        days.add(day)
        day += timedelta(days=7)
    return sorted(days)


def _overdue_rows(page: Page, heading_id: str, column: int | None = None) -> list[str]:
    """The public ids of the pupils of the rows tagged 'Overdue' in the home page section headed
    `heading_id` (in the given data cell only, counting from 0, when the row has other tags)."""
    heading = page.soup.find(id=heading_id)
    if heading is None:
        return []
    found = []
    for row in heading.find_parent("section").select("tbody tr"):
        cells = row.find_all("td")
        where = [row] if column is None else cells[column : column + 1]
        if any(OVERDUE_TAG in words(tag) for cell in where for tag in cell.select(".govuk-tag--red")):
            link = row.select_one('a[href^="/pupils/"]')
            found.append(re.match(r"/pupils/([A-Za-z0-9_-]+)", link["href"]).group(1))
    return found


def _task_links(page: Page) -> set[int]:
    """The ids of the tasks a page links to."""
    return {int(match.group(1)) for href in page.links() if (match := re.fullmatch(r"/tasks/(\d+)", href))}


def _work_done(task: Task, code: str, records: dict) -> str | None:
    """The record that has done an open task's work, described, or None."""
    if code == "senco_holds_review":
        return "the review is recorded" if task.subject_id in records["reviewed"] else None
    if code == "teacher_meets_parents":
        start = TERM_STARTS[task.period.removeprefix("term:")]
        held = [on for pid, on in records["meetings"] if pid == task.pupil_id and start <= on <= task.due_on]
        return f"a meeting with parents was held on {held[0]}" if held else None
    if code == "senco_tells_parents":
        sent_on = records["letters"][task.subject_id].sent_on
        return f"the letter was sent on {sent_on}" if sent_on is not None else None
    if code == "senco_decides_concern":
        concern = records["concerns"][task.subject_id]
        return f"the concern was decided on {concern.decided_on}" if concern.status is not ConcernStatus.OPEN else None
    if code == "assistant_records_impact":
        places = records["places"].get(task.subject_id)
        return "every pupil's impact is recorded" if places and all(p.impact is not None for p in places) else None
    if code == "teacher_acknowledges_passport":
        _, status_id, _, teacher_id = task.period.split(":")
        read = (task.pupil_id, int(teacher_id), int(status_id)) in records["reads"]
        return "the teacher has read the passport" if read else None
    if code == "senco_keeps_records_current":
        since = date.fromisoformat(task.period.removeprefix("since:"))
        latest = records["events"].get(task.pupil_id, date.min)
        return f"the timeline has an entry of {latest}" if latest > since else None
    return None


@dataclass
class Walk:
    app: object
    session: object
    world: factories.World
    clients: dict
    users: dict[str, User]
    pupils: dict[str, Pupil]
    groups: dict[str, TeachingGroup]
    day: date = START
    problems: list[str] = field(default_factory=list)
    # What the walk did, to show at the end that it exercised what it claims to.
    done_by_record: Counter = field(default_factory=Counter)  # duty code -> tasks done by their record
    done_late: Counter = field(default_factory=Counter)  # duty code -> done after their due date
    done_by_hand: Counter = field(default_factory=Counter)
    peaks: Counter = field(default_factory=Counter)  # figure -> highest count seen
    drafts: set[int] = field(default_factory=set)  # cycles whose review was started and left as a draft
    to_assess: set[int] = field(default_factory=set)  # concerns decided by opening an assessment

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.day}: {text}")

    @property
    def school(self):
        return self.world.school

    # --- The plain truth, from the raw tables ---------------------------------------------------

    def _all(self, model):
        return self.session.scalars(sa.select(model)).all()

    def on_roll(self, pupil: Pupil) -> bool:
        return (pupil.admitted_on is None or pupil.admitted_on <= self.day) and (
            pupil.left_on is None or pupil.left_on > self.day
        )

    def on_register(self, pupil: Pupil, statuses: list[SenStatus]) -> bool:
        return self.on_roll(pupil) and any(
            s.pupil_id == pupil.id
            and s.provision in (Provision.SEN_SUPPORT, Provision.EHC_PLAN)
            and s.start_date <= self.day
            and (s.end_date is None or s.end_date >= self.day)
            for s in statuses
        )

    def plain(self) -> dict:
        """The overdue figures of the school, counted with loops over every row."""
        pupils = {p.id: p for p in self._all(Pupil) if p.school_id == self.school.id}
        plans = {p.cycle_id: p for p in self._all(Plan)}
        reviews = set()
        for cycle in self._all(SupportCycle):
            pupil = pupils.get(cycle.pupil_id)
            plan = plans.get(cycle.id)
            if (
                pupil is not None
                and self.on_roll(pupil)
                and cycle.state in (CycleState.DO, CycleState.REVIEW)
                and plan is not None
                and plan.review_date is not None
                and plan.review_date < self.day
            ):
                reviews.add(pupil.id)
        concerns = {
            c.id
            for c in self._all(Concern)
            if c.pupil_id in pupils
            and self.on_roll(pupils[c.pupil_id])
            and c.status is ConcernStatus.OPEN
            and c.deadline < self.day
        }
        tasks = {
            t.id
            for t in self._all(Task)
            if t.school_id == self.school.id and t.status is TaskStatus.OPEN and t.due_on < self.day
        }
        return {
            "pupils": pupils,
            "reviews_overdue": reviews,
            "concerns_past_deadline": concerns,
            "tasks_overdue": tasks,
        }

    def check_open_tasks(self, when: str) -> None:
        """No open task whose work a record has done, or whose reason has gone (every school)."""
        duties = {d.id: d.code for d in self._all(Duty)}
        pupils = {p.id: p for p in self._all(Pupil)}
        statuses = self._all(SenStatus)
        records = self._task_records()
        for task in self._all(Task):
            if task.status is not TaskStatus.OPEN:
                continue
            code = duties[task.duty_id]
            what = f"{when}: open task {task.id} ({code}, {task.title!r}, due {task.due_on})"
            done = _work_done(task, code, records)
            if done:
                self.problem(f"{what}: {done}")
            for gone in self._reasons_gone(code, pupils.get(task.pupil_id), statuses):
                self.problem(f"{what}: {gone}")

    def _task_records(self) -> dict:
        """The records that do a task's work, keyed as `_work_done` reads them."""
        places: dict[int, list[InterventionPupil]] = {}
        for place in self._all(InterventionPupil):
            places.setdefault(place.intervention_id, []).append(place)
        events: dict[int, date] = {}
        for event in self._all(TimelineEvent):
            events[event.pupil_id] = max(events.get(event.pupil_id, date.min), day_of(event.recorded_at))
        return {
            "reviewed": {r.cycle_id for r in self._all(Review) if r.recorded_at is not None},
            "meetings": [(m.pupil_id, m.held_on) for m in self._all(ParentMeeting) if m.held_on is not None],
            "letters": {letter.id: letter for letter in self._all(ParentLetter)},
            "concerns": {c.id: c for c in self._all(Concern)},
            "places": places,
            "reads": {(r.pupil_id, r.user_id, r.sen_status_id) for r in self._all(PassportRead)},
            "events": events,
        }

    def _reasons_gone(self, code: str, pupil: Pupil | None, statuses) -> list[str]:
        """Why an open task about `pupil` should not be open any more (none when it should)."""
        if pupil is None:
            return []
        reasons = []
        if not self.on_roll(pupil) and code != "senco_sends_sen_file":  # due because the pupil left
            reasons.append(f"the pupil left the school on {pupil.left_on}")
        elif code in REGISTER_DUTIES and not self.on_register(pupil, statuses):
            reasons.append("the pupil is not on the SEN register")
        if code == "senco_liaises_designated_teacher" and not pupil.looked_after:
            reasons.append("the pupil is not looked after")
        return reasons

    def check_figures(self) -> None:
        """The overdue figures agree everywhere, and with the plain count."""
        plain = self.plain()
        public = {pid: p.public_id for pid, p in plain["pupils"].items()}
        concerns = {c.id: c for c in self._all(Concern)}
        result = self.app.test_cli_runner().invoke(
            args=["compliance", "--school", self.school.urn, "--date", self.day.isoformat(), "--json"]
        )
        if result.exit_code != 0:
            self.problem(f"flask compliance failed: {result.output}")
            return
        cli = json.loads(result.output)["figures"]
        senco = self.clients["senco"]
        cards = _cards(Page(senco.get("/dashboard/")).html)
        home = Page(senco.get("/"))
        for key in ("reviews_overdue", "concerns_past_deadline", "tasks_overdue"):
            expected = plain[key]
            self.peaks[key] = max(self.peaks[key], len(expected))
            drill_page = Page(senco.get(f"/dashboard/figures/{key}"))
            drill = drill_page.html
            seen = {"flask compliance --json": cli[key]["count"], "dashboard": cards[BY_KEY[key].title][0]}
            if key == "reviews_overdue":
                rows = _linked_public_ids(drill)
                seen["drill-down"] = len(rows)
                home_rows = _overdue_rows(home, "reviews-heading")
                seen["SENCO home page"] = len(home_rows)
                listed = {"drill-down": rows, "SENCO home page": set(home_rows)}
                want = {public[i] for i in expected}
            elif key == "concerns_past_deadline":
                rows = _linked_public_ids(drill)
                seen["drill-down"] = drill_page.text().count("Decision was due")
                home_rows = _overdue_rows(home, "concerns-heading")
                seen["SENCO home page"] = len(home_rows)
                listed = {"drill-down": rows, "SENCO home page": set(home_rows)}
                want = {public[concerns[i].pupil_id] for i in expected}
            else:
                rows = _task_links(drill_page)
                seen["drill-down"] = len(rows)
                listed = {"drill-down": rows}
                want = expected
            if any(n != len(expected) for n in seen.values()):
                self.problem(
                    f"{key}: the plain count is {len(expected)}, but "
                    + ", ".join(f"{where} says {n}" for where, n in seen.items())
                )
            for where, found in listed.items():
                if found != want:
                    self.problem(f"{key}: the {where} lists {sorted(found)}, the plain count {sorted(want)}")
        # Each teacher's home page tags their classes' overdue reviews as the figures narrowed to
        # the class (the dashboard's class filter) count them.
        for name, group in self.groups.items():
            client = self.clients[name]
            tagged = _overdue_rows(Page(client.get("/")), "classes-heading", column=3)  # the support cycle
            in_class = set(
                self.session.scalars(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == group.id))
            )
            want = {public[i] for i in plain["reviews_overdue"] & in_class}
            counted = compliance_figures(self.session, self.school, self.day, PupilFilter(group_id=group.id))[
                "reviews_overdue"
            ].count
            if set(tagged) != want or counted != len(want):
                self.problem(
                    f"reviews_overdue in class {group.name}: the plain count is {len(want)} {sorted(want)}, "
                    f"the figures for the class (the dashboard's filter) say {counted}, the {name}'s home page "
                    f"tags {len(tagged)} "
                    f"{sorted(tagged)}"
                )

    # --- Doing the work -------------------------------------------------------------------------

    def user(self, user_id: int | None) -> User:
        return self.session.get(User, user_id) if user_id is not None else self.users["senco"]

    def wants(self, task: Task, index: int) -> bool:
        """Whether staff get to the task on the `index`th walked day: every other task (and every
        concern and intervention) only once it has been overdue for a week, the others as soon as
        they come up; then on every other walked day."""
        if task.pupil_id == self.pupils["lee"].id and task.subject_type == "concern":
            return False  # nobody decides it before the pupil leaves
        # Chosen by what the task is, not by its id: ids differ between databases (PostgreSQL's
        # sequences move on for rows that ON CONFLICT turns away, and for rolled-back tests).
        key = zlib.crc32(f"{task.duty_id}:{task.subject_type}:{task.title}:{task.period}".encode())
        # Every concern, intervention, letter and term task of the spring is done late, so that each
        # kind of work is done late at least once whatever the database and the names the pupils
        # of earlier tests left in the titles.
        late = (
            key % 2 == 0
            or task.subject_type in ("concern", "intervention", "parent_letter")
            or task.period.endswith("-spring")
        )
        start = task.due_on + timedelta(days=8) if late else day_of(task.created_at)
        return self.day >= start and (key // 2 + index) % 2 == 0

    def meeting(self, pupil: Pupil, actor: User, held_on: date) -> ParentMeeting:
        return record_meeting(
            self.session,
            actor=actor,
            pupil=pupil,
            today=self.day,
            details=MeetingDetails(
                held_on=held_on,
                mode=MeetingMode.IN_PERSON,
                led_by_id=actor.id,
                attendees="Class teacher, mother",
                pupil_views="Likes the reading group",
                outcomes="Progress talked through; targets agreed",
                actions="Practise spellings at home",
                shared_with_parents_on=self.day,
            ),
        )

    def next_plan(self, cycle: SupportCycle, primary_need: NeedType | None = None) -> None:
        """The SENCO takes a cycle at 'assess' to 'do' today, reviewing it in eight weeks."""
        senco, day = self.users["senco"], self.day
        review_date = day + timedelta(weeks=8)
        flow.save_assessment(
            self.session, actor=senco, cycle=cycle, details=factories.assessment_details(assessed_on=day), today=day
        )
        flow.finish_assessment(self.session, actor=senco, cycle=cycle, today=day)
        flow.save_plan(
            self.session,
            actor=senco,
            cycle=cycle,
            expected_version=None,
            today=day,
            details=factories.plan_details(starts_on=day, review_date=review_date, agreed_with_parents_on=day),
        )
        flow.save_outcome(
            self.session,
            actor=senco,
            cycle=cycle,
            today=day,
            details=factories.outcome_details(1, target_date=review_date),
        )
        flow.start_support(self.session, actor=senco, cycle=cycle, today=day, needs=flow.Needs(primary_need))

    def review(self, task: Task) -> int | None:
        """Hold the review the task asks for. Returns the review's id once recorded; None when it
        cannot be held yet or was only started (a draft, recorded on a later day)."""
        cycle = self.session.get(SupportCycle, task.subject_id)
        senco = self.users["senco"]
        if cycle.state is CycleState.DO:
            if self.day < cycle.plan.review_date:
                return None
            flow.start_review(self.session, actor=senco, cycle=cycle, today=self.day)
            step_down = cycle.pupil_id == self.pupils["dev"].id
            details = factories.review_details(
                cycle,
                held_on=self.day,
                decision=ReviewDecision.STEP_DOWN if step_down else ReviewDecision.CONTINUE,
                decision_reason="Reading now at age-related expectations" if step_down else None,
            )
            flow.save_review(
                self.session, actor=senco, cycle=cycle, details=details, expected_version=None, today=self.day
            )
            if task.id % 3 == 0:
                self.drafts.add(cycle.id)  # the meeting is held; the record is finished another week
                return None
        following = flow.record_review(self.session, actor=senco, cycle=cycle, today=self.day)
        if following is not None:
            self.next_plan(following)
        return cycle.review.id

    def do(self, task: Task, code: str) -> tuple[str | None, int | None]:
        """Do the work the task asks, through the workflow that makes its record. Returns the kind
        and id of the record made (None, None for work closed by hand; ("wait", None) when it
        cannot be done today)."""
        s, day = self.session, self.day
        pupil = s.get(Pupil, task.pupil_id) if task.pupil_id else None
        if code == "senco_holds_review":
            made = self.review(task)
            return ("review", made) if made else ("wait", None)
        if code in EHC_STEPS:
            return self.ehc_step(task, code, pupil)
        if code == "teacher_meets_parents":
            term_ends = task.due_on
            return "parent_meeting", self.meeting(pupil, self.user(task.assigned_to_id), min(day, term_ends)).id
        if code == "teacher_acknowledges_passport":
            teacher = s.get(User, int(task.period.split(":")[3]))
            return "passport_read", mark_passport_read(s, actor=teacher, pupil=pupil, today=day).id
        if code == "senco_tells_parents":
            letter = s.get(ParentLetter, task.subject_id)
            mark_letter_sent(s, actor=self.users["senco"], letter=letter, pupil=letter.pupil, today=day)
            return "parent_letter", letter.id
        if code == "senco_decides_concern":
            concern = s.get(Concern, task.subject_id)
            if concern.id in self.to_assess:
                cycle = flow.open_cycle(s, actor=self.users["senco"], pupil=concern.pupil, today=day, concern=concern)
                self.next_plan(cycle, primary_need=NeedType.SPLD)  # placed on SEN support: a letter to send
            else:
                decide_no_further_action(
                    s,
                    actor=self.users["senco"],
                    concern=concern,
                    decided_on=day,
                    today=day,
                    reason="Spelling is in line with the class after a term's practice",
                )
            return "concern", concern.id
        if code == "assistant_records_impact":
            intervention = s.get(Intervention, task.subject_id)
            results = {p.pupil_id: ImpactResult("32", 1, "Reads more fluently") for p in intervention.places}
            record_impact(
                s, actor=self.user(task.assigned_to_id), intervention=intervention, results=results, today=day
            )
            return "intervention", intervention.id
        records_made = {
            "senco_sends_sen_file": lambda: ("ctf_export", self.send_sen_file(pupil).id),
            "senco_answers_subject_access": lambda: ("subject_access_request", self.answer_request(task.subject_id)),
        }
        if code in records_made:
            return records_made[code]()
        if code == "senco_keeps_records_current":
            cycle = flow.open_cycle_of(s, pupil)
            if cycle is not None and cycle.state in (CycleState.DO, CycleState.REVIEW):
                flow.add_observation(
                    s,
                    actor=self.users["senco"],
                    cycle=cycle,
                    observed_on=day,
                    outcome=None,
                    note="Joins in with the group readily",
                    today=day,
                )
            else:
                self.meeting(pupil, self.users["senco"], day)
            latest = s.scalar(
                sa.select(TimelineEvent.id)
                .where(TimelineEvent.pupil_id == pupil.id)
                .order_by(TimelineEvent.recorded_at.desc(), TimelineEvent.id.desc())
                .limit(1)
            )
            return "timeline_event", latest
        # Closed by hand, with a note, by the person the task is for.
        actor = {
            Role.LA_OFFICER: self.users["la"],
            Role.GOVERNOR: self.users["governor"],
            Role.HEAD: self.users["head"],
        }.get(task.for_role, self.users["senco"])
        complete_task(s, actor=actor, task=task, note=f"Done on {day:%d/%m/%Y}: see the file note", today=day)
        return None, None

    # --- EHC work: each step written as the request, plan and review pages write it, then settled
    # in the same transaction as those operations settle it.

    def ehc_step(self, task: Task, code: str, pupil: Pupil) -> tuple[str | None, int | None]:
        s, day = self.session, self.day
        if code == "senco_adds_ehc_plan":
            details = PlanDetails(issued_on=date(2025, 9, 10), named_setting="Oak Primary", primary_need=NeedType.ASD)
            return "ehc_plan", add_plan(s, actor=self.users["senco"], pupil=pupil, details=details, today=day).id
        if task.subject_type in ("ehc_request", "ehc_advice"):
            record = s.get(EhcRequest if task.subject_type == "ehc_request" else EhcAdvice, task.subject_id)
            made = self._request_step(record, code)
        elif task.subject_type == "ehc_plan":
            made = self._annual_review_step(s.get(EhcPlan, task.subject_id), code)
        else:
            made = self._review_step(s.get(EhcReview, task.subject_id), code)
        if made is None:
            return "wait", None
        settle_tasks(s, day, pupil_ids=[pupil.id])
        return RECORD_TYPE[BY_CODE[code].fulfilled_by], made.id

    def _request_step(self, record, code: str):
        day = self.day
        if code == "la_decides_assessment":
            record.assessment, record.assessment_decided_on = AssessmentDecision.AGREED, day
            record.advice.append(EhcAdvice(adviser="Educational psychologist", asked_on=day))
        elif code == "la_receives_advice":
            record.received_on = day
        elif code == "la_decides_plan":
            if any(advice.received_on is None for advice in record.advice):
                return None  # decided once the advice is in
            record.plan_decision, record.plan_decided_on, record.draft_sent_on = PlanDecision.ISSUE, day, day
        elif code == "la_issues_final_plan":
            record.final_issued_on = day
        return record

    def _annual_review_step(self, plan: EhcPlan, code: str):
        waiting = [r for r in plan.reviews if r.kind is ReviewKind.ANNUAL and r.held_on is None]
        if code == "senco_convenes_ehc_review":
            review = EhcReview(meeting_on=self.day + timedelta(weeks=3), convened_on=self.day)
            plan.reviews.append(review)
            return review
        if not waiting:
            return None  # held once convened
        waiting[0].held_on = self.day
        return waiting[0]

    def _review_step(self, review: EhcReview, code: str):
        day = self.day
        if code == "senco_sends_ehc_review_report":
            review.report_sent_on = day
        elif code == "la_decides_ehc_review":
            review.la_decision, review.la_decided_on, review.amendments_proposed_on = ReviewOutcome.AMEND, day, day
        elif code == "la_finalises_amended_plan":
            review.amended_final_on = day
        return review

    def answer_request(self, request_id: int) -> int:
        """The SENCO sends what the school holds and records the request as answered today."""
        request = self.session.get(SubjectAccessRequest, request_id)
        close_request(
            self.session,
            actor=self.users["senco"],
            request=request,
            status=AccessStatus.ANSWERED,
            on=self.day,
            today=self.day,
        )
        return request.id

    def send_sen_file(self, pupil: Pupil):
        """The SENCO records the next school's numbers (and the school's own, once) and exports the
        leaver's transfer pack, as the leaver's page does."""
        from sentrack.workflows.ctf_export import export_ctf

        self.school.estab_number = self.school.estab_number or "2001"
        pupil.destination_name, pupil.destination_la, pupil.destination_estab = "Elm Academy", "999", "4004"
        return export_ctf(self.session, actor=self.users["senco"], pupil=pupil, kind=ExportKind.PACK, today=self.day)

    def work(self, index: int) -> None:
        """Do the work of the open tasks of the school that staff get to today, and check that
        each closes today."""
        duties = {d.id: d.code for d in self._all(Duty)}
        for task_id in self.session.scalars(
            sa.select(Task.id).where(Task.school_id == self.school.id, Task.status == TaskStatus.OPEN).order_by(Task.id)
        ).all():
            task = self.session.get(Task, task_id)
            if task.status is not TaskStatus.OPEN or not self.wants(task, index):
                continue  # closed already by work done for another task today
            code = duties[task.duty_id]
            open_before = set(self.session.scalars(sa.select(Task.id).where(Task.status == TaskStatus.OPEN)))
            kind, record_id = self.do(task, code)
            self.session.flush()
            self.session.expire_all()
            task = self.session.get(Task, task_id)
            what = f"task {task.id} ({code}, {task.title!r}, due {task.due_on})"
            if kind == "wait":
                if task.status is not TaskStatus.OPEN:
                    self.problem(f"{what} closed ({task.status.value}) though its work is not finished")
                continue
            self._check_closed(task, code, kind, record_id, what)
            # Whatever else the record closed closed today too.
            for other in self.session.scalars(
                sa.select(Task).where(Task.id.in_(open_before - {task_id}), Task.status != TaskStatus.OPEN)
            ):
                if other.closed_on != self.day:
                    self.problem(f"task {other.id} ({other.title!r}) closed by today's work on {other.closed_on}")

    def _check_closed(self, task: Task, code: str, kind: str, record_id, what: str) -> None:
        """A task whose work was done today closed today, by the record made or by hand, and is counted."""
        spec = BY_CODE[code]
        if task.status is not TaskStatus.DONE or task.closed_on != self.day:
            self.problem(f"{what}: its work was done today, but it is {task.status.value}, closed on {task.closed_on}")
        elif spec.fulfilled_by is not None:
            if (task.done_by_type, task.done_by_id) != (RECORD_TYPE[spec.fulfilled_by], record_id):
                self.problem(
                    f"{what}: done by {task.done_by_type} {task.done_by_id}, not by the {kind} {record_id} made today"
                )
            if not (task.note or "").startswith("Done: "):
                self.problem(f"{what}: its note does not say what did it: {task.note!r}")
            self.done_by_record[code] += 1
        else:
            if task.done_by_type is not None or task.completed_by_id is None:
                self.problem(f"{what}: closed by hand but names {task.done_by_type} {task.completed_by_id}")
            self.done_by_hand[code] += 1
        if task.status is TaskStatus.DONE and task.due_on < self.day:
            self.done_late[code] += 1

    # --- The year's events ----------------------------------------------------------------------

    def events(self) -> None:
        s, day, senco, p = self.session, self.day, self.users["senco"], self.pupils
        if day == date(2026, 10, 5):
            # Ben's mother asks for a copy of what the school holds about him.
            details = RequestDetails(p["ben"], AccessKind.SUBJECT_ACCESS, "Ben's mother", Requester.PARENT, day)
            record_request(s, actor=senco, details=details, today=day)
        if day == date(2026, 9, 14):
            # Dev's parents ask the authority for an EHC needs assessment.
            s.add(EhcRequest(pupil_id=p["dev"].id, requested_by=EhcRequester.PARENT, received_on=day))
        if day == date(2026, 9, 7):
            # Plans agreed with parents at the start of the year, reviewed through the autumn.
            for name, review_date in (
                ("ada", date(2026, 10, 19)),
                ("dev", date(2026, 11, 2)),
                ("ivy", date(2026, 11, 16)),
                ("jay", date(2026, 11, 9)),
                ("lee", date(2026, 11, 30)),
            ):
                cycle = flow.open_cycle(s, actor=senco, pupil=p[name], today=day)
                flow.save_assessment(
                    s, actor=senco, cycle=cycle, today=day, details=factories.assessment_details(assessed_on=day)
                )
                flow.finish_assessment(s, actor=senco, cycle=cycle, today=day)
                flow.save_plan(
                    s,
                    actor=senco,
                    cycle=cycle,
                    expected_version=None,
                    today=day,
                    details=factories.plan_details(starts_on=day, review_date=review_date, agreed_with_parents_on=day),
                )
                flow.save_outcome(
                    s,
                    actor=senco,
                    cycle=cycle,
                    today=day,
                    details=factories.outcome_details(1, target_date=review_date),
                )
                flow.start_support(s, actor=senco, cycle=cycle, today=day)
        elif day == date(2026, 9, 14):
            self.to_assess.add(
                raise_concern(
                    s,
                    actor=self.users["teacher"],
                    pupil=p["hal"],
                    raised_on=day,
                    area_of_need=None,
                    description="Finds it hard to follow spoken instructions",
                    today=day,
                ).id
            )
            kind = factories.make_intervention_type(s, actor=senco)
            factories.make_intervention(
                s,
                actor=senco,
                kind=kind,
                deliverer=self.users["ta"],
                pupils=[p["ada"], p["dev"]],
                today=day,
                starts_on=day,
                ends_on=date(2026, 12, 11),
            )
        elif day == date(2026, 11, 2):
            raise_concern(
                s,
                actor=self.users["teacher"],
                pupil=p["ben"],
                raised_on=day,
                area_of_need=None,
                description="Spelling well below the class",
                today=day,
            )
        elif day == date(2027, 1, 11):
            kind = factories.make_intervention_type(s, actor=senco, name="Number sense")
            factories.make_intervention(
                s,
                actor=senco,
                kind=kind,
                deliverer=self.users["ta"],
                name="Maths group",
                pupils=[p["ivy"], p["jay"]],
                today=day,
                starts_on=day,
                ends_on=date(2027, 3, 26),
            )
            raise_concern(
                s,
                actor=self.users["teacher6"],
                pupil=p["lee"],
                raised_on=day,
                area_of_need=None,
                description="Withdrawn at playtimes",
                today=day,
            )
        elif day == date(2027, 2, 1):
            # The pupil leaves the school (the roll has no leaving operation of its own yet).
            lee = p["lee"]
            lee.left_on, lee.leaving_reason = day, "Moved out of the area"
            settle_tasks(s, day, pupil_ids=[lee.id])  # as the operation that records a leaver will
        elif day == date(2027, 3, 1):
            change_sen_status(
                s,
                actor=senco,
                pupil=p["kit"],
                provision=Provision.SEN_SUPPORT,
                primary_need=NeedType.SLCN,
                secondary_need=None,
                start_date=day,
                reason="Speech and language therapist's assessment",
                today=day,
            )
        elif day == date(2027, 6, 7):
            self.to_assess.add(
                raise_concern(
                    s,
                    actor=self.users["teacher"],
                    pupil=p["ben"],
                    raised_on=day,
                    area_of_need=None,
                    description="Spelling has fallen behind again",
                    today=day,
                ).id
            )


def _build(app, session, monkeypatch, login) -> Walk:
    monkeypatch.setitem(app.config, "TODAY", START)
    world = factories.build_world(session)
    school, users, pupils = world.school, world.users, world.pupils
    for name, starts_on, ends_on in TERMS:
        save_term(
            session,
            actor=users["senco"],
            school=school,
            details=TermDetails(
                academic_year=2026, season=Season(name.split()[0].lower()), starts_on=starts_on, ends_on=ends_on
            ),
        )
    users["teacher6"] = factories.make_user(session, "teacher6@oak.test", Role.TEACHER, school=school)
    year6 = TeachingGroup(school_id=school.id, name="6 Ash", year_group=6)
    session.add(year6)
    session.flush()
    year6.teachers.append(users["teacher6"])
    oak = world.group
    pupils["ada"], pupils["ben"], pupils["cara"], pupils["dev"] = (
        pupils["taught"],
        pupils["taught_plain"],
        pupils["untaught"],
        pupils["untaught_k"],
    )
    pupils["hal"] = factories.make_pupil(session, school, first="Hal", last="Innes", group=oak)
    pupils["ivy"] = factories.make_pupil(
        session, school, first="Ivy", last="Jones", group=oak, provision=Provision.SEN_SUPPORT, need=NeedType.SEMH
    )
    pupils["ivy"].looked_after = True
    pupils["jay"] = factories.make_pupil(
        session,
        school,
        first="Jay",
        last="Kerr",
        year=6,
        group=year6,
        provision=Provision.SEN_SUPPORT,
        need=NeedType.MLD,
    )
    pupils["kit"] = factories.make_pupil(session, school, first="Kit", last="Lowe", year=6, group=year6)
    pupils["lee"] = factories.make_pupil(
        session,
        school,
        first="Lee",
        last="Moss",
        year=6,
        group=year6,
        provision=Provision.SEN_SUPPORT,
        need=NeedType.SLCN,
    )
    session.flush()
    session.commit()
    clients = {
        "senco": login(users["senco"], app.test_client()),
        "teacher": login(users["teacher"], app.test_client()),
        "teacher6": login(users["teacher6"], app.test_client()),
    }
    return Walk(app, session, world, clients, users, pupils, {"teacher": oak, "teacher6": year6})


def test_a_year_walked_week_by_week(app, session, monkeypatch, login):
    walk = _build(app, session, monkeypatch, login)
    for index, day in enumerate(walked_days()):
        walk.day = day
        monkeypatch.setitem(app.config, "TODAY", day)
        run_sweep(session, day)
        session.commit()
        walk.check_open_tasks("after the sweep")
        walk.events()
        walk.work(index)
        session.commit()
        walk.check_open_tasks("after the day's work")
        walk.check_figures()

    # The walk did what it claims: every duty that a record closes was closed by its record, most
    # of them also after going overdue; the others were closed by hand; some reviews waited a week
    # at 'review'; the pupil who left had their tasks closed that day as no longer needed, which is
    # not done; and each figure compared had something to count.
    shortfalls = []
    # A leaver's records due for destruction are years away in a walk of one year; and their task
    # goes with the records destroyed (tests/test_destruction.py), never closed by a record.
    by_record = {spec.code for spec in BY_CODE.values() if spec.fulfilled_by} - {"senco_approves_destruction"}
    if set(walk.done_by_record) != by_record:
        shortfalls.append(f"duties never closed by their record: {sorted(by_record - set(walk.done_by_record))}")
    # The meetings of this walk are held within their terms (reviews with parents, the record kept
    # current), so no "meet the parents" task here waits until it is overdue; a meeting recorded
    # after its term's task fell due closes it in tests/test_fulfilment.py
    # (test_tasks_overdue_on_the_dashboard_leaves_out_work_done).
    late = {
        "senco_holds_review",
        "senco_tells_parents",
        "senco_decides_concern",
        "assistant_records_impact",
        "teacher_acknowledges_passport",
    }
    if not late <= {code for code, n in walk.done_late.items() if n}:
        shortfalls.append(f"duties never done late: {sorted(late - set(walk.done_late))}")
    by_hand = {
        "senco_liaises_designated_teacher",
        "senco_supports_transition",
        "governors_publish_report",
    }
    if not by_hand <= set(walk.done_by_hand):
        shortfalls.append(f"duties never closed by hand: {sorted(by_hand - set(walk.done_by_hand))}")
    if not walk.drafts:
        shortfalls.append("no review was left at 'review' for a week")
    cancelled = session.scalars(sa.select(Task).where(Task.status == TaskStatus.CANCELLED)).all()
    if any(not (t.note or "").startswith("No longer needed") or t.done_by_type for t in cancelled):
        shortfalls.append(f"tasks no longer needed that look done: {[(t.title, t.note) for t in cancelled]}")
    left_on = walk.pupils["lee"].left_on
    lee = session.scalars(sa.select(Task).where(Task.pupil_id == walk.pupils["lee"].id)).all()
    # Their SEN file for the next school is due because they left: it was sent, by its export.
    sen_file = [t for t in lee if t.duty.code == "senco_sends_sen_file"]
    if [(t.status, t.done_by_type) for t in sen_file] != [(TaskStatus.DONE, "ctf_export")]:
        shortfalls.append(f"the SEN file of the pupil who left: {[(t.status, t.done_by_type) for t in sen_file]}")
    lee = [t for t in lee if t not in sen_file]
    after = [t for t in lee if t.closed_on is None or t.closed_on >= left_on]
    if not after or any(
        t.status is not TaskStatus.CANCELLED or t.closed_on != left_on or "left the school" not in t.note for t in after
    ):
        shortfalls.append(f"the tasks of the pupil who left: {[(t.title, t.status.value, t.closed_on) for t in lee]}")
    if not all(walk.peaks[key] > 0 for key in ("reviews_overdue", "concerns_past_deadline", "tasks_overdue")):
        shortfalls.append(f"a figure never had anything to count: {dict(walk.peaks)}")
    assert not (shortfalls + walk.problems), (
        f"{len(shortfalls)} shortfalls of the walk, {len(walk.problems)} disagreements:\n"
        + "\n".join(shortfalls + walk.problems)
    )
