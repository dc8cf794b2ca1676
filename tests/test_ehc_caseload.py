"""The local authority's EHC caseload (issue 15 point 4) and the EHC section of the pupil page:
each figure against a plain recomputation on rows written by hand, in two schools of the authority
and one of another authority that is never counted.

Today is 27 November 2026 (tests/conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from sentrack.models import (
    AssessmentDecision,
    EhcException,
    EhcPlan,
    EhcRequest,
    EhcRequester,
    EhcReview,
    ExceptionKind,
    NeedType,
    PlanDecision,
    Provision,
    Pupil,
    ReviewKind,
    ReviewOutcome,
)
from sentrack.workflows.ehc_figures import FIGURES, ehc_figures, shown
from sentrack.workflows.small_numbers import FEWER, WITHHELD
from tests.factories import make_pupil
from tests.helpers import audit_events

TODAY = date(2026, 11, 27)


@dataclass
class Caseload:
    """The hand-built rows, by name."""

    pupils: dict[str, Pupil]
    requests: dict[str, EhcRequest]
    plans: dict[str, EhcPlan]
    reviews: dict[str, EhcReview]


def _request(session, pupil, received, **steps) -> EhcRequest:
    r = EhcRequest(pupil_id=pupil.id, requested_by=steps.pop("by", EhcRequester.PARENT), received_on=received)
    issued = steps.pop("issued", None)
    if issued is not None:
        r.assessment, r.assessment_decided_on = AssessmentDecision.AGREED, received + timedelta(weeks=5)
        r.plan_decision, r.plan_decided_on = PlanDecision.ISSUE, received + timedelta(weeks=12)
        r.draft_sent_on, r.final_issued_on = received + timedelta(weeks=13), issued
    for name, value in steps.items():
        setattr(r, name, value)
    session.add(r)
    session.flush()
    return r


def _plan(session, world, pupil, issued, request=None) -> EhcPlan:
    school_la = world.other_la if pupil.school_id == world.foreign.id else world.la
    plan = EhcPlan(
        pupil_id=pupil.id,
        request_id=request.id if request else None,
        local_authority_id=school_la.id,
        issued_on=issued,
        named_setting="Oak Primary",
        primary_need=NeedType.ASD,
    )
    session.add(plan)
    session.flush()
    return plan


def _held(session, plan, held_on, **rest) -> EhcReview:
    review = EhcReview(plan_id=plan.id, kind=ReviewKind.ANNUAL, meeting_on=held_on, held_on=held_on, **rest)
    session.add(review)
    session.flush()
    return review


@pytest.fixture
def caseload(world, session) -> Caseload:
    school, sibling = world.school, world.sibling
    p = {
        "at_risk": world.pupils["untaught"],  # E status, no plan record, a request in progress
        "waiting": world.pupils["sibling_k"],
        "foreign": world.pupils["foreign"],
    }
    e = Provision.EHC_PLAN
    p["issued_in_time"] = make_pupil(session, school, first="Iris", last="Ivy", provision=e)
    p["issued_late"] = make_pupil(session, sibling, first="Jon", last="Jay", year=8, provision=e)
    p["last_year"] = make_pupil(session, school, first="Kit", last="King", provision=e)
    p["overdue"] = make_pupil(session, school, first="Lou", last="Lamb", provision=e)
    p["soon"] = make_pupil(session, sibling, first="Max", last="Moss", year=8, provision=e)
    p["decided"] = make_pupil(session, school, first="Nia", last="Nash", provision=e)
    r = {
        # Decision to assess due 1 December 2026: within two weeks, at risk.
        "at_risk": _request(session, p["at_risk"], date(2026, 10, 20)),
        # Decision due 1 January 2027: not at risk.
        "calm": _request(session, world.pupils["sibling_ehc"], date(2026, 11, 20), by=EhcRequester.SCHOOL),
        "foreign": _request(session, p["foreign"], date(2026, 10, 20)),
        # 20 weeks from 5 January 2026 is 25 May 2026.
        "issued_in_time": _request(session, p["issued_in_time"], date(2026, 1, 5), issued=date(2026, 5, 20)),
        "issued_late": _request(session, p["issued_late"], date(2026, 1, 5), issued=date(2026, 7, 1)),
        "last_year": _request(session, p["last_year"], date(2025, 3, 3), issued=date(2025, 9, 1)),
        "foreign_issued": _request(session, p["foreign"], date(2025, 12, 1), issued=date(2026, 3, 1)),
        "withdrawn": _request(session, p["decided"], date(2026, 2, 2), withdrawn_on=date(2026, 3, 2)),
    }
    session.add(
        EhcException(
            request_id=r["issued_late"].id,
            kind=ExceptionKind.PERSONAL,
            starts_on=date(2026, 3, 1),
            reason="A family bereavement",
        )
    )
    plans = {
        "issued_in_time": _plan(session, world, p["issued_in_time"], date(2026, 5, 20), r["issued_in_time"]),
        "issued_late": _plan(session, world, p["issued_late"], date(2026, 7, 1), r["issued_late"]),
        "last_year": _plan(session, world, p["last_year"], date(2025, 9, 1), r["last_year"]),
        "overdue": _plan(session, world, p["overdue"], date(2025, 10, 1)),  # review due 1 October 2026
        "soon": _plan(session, world, p["soon"], date(2025, 12, 20)),  # review due 20 December 2026
        "waiting": _plan(session, world, p["waiting"], date(2025, 6, 1)),
        "decided": _plan(session, world, p["decided"], date(2025, 6, 1)),
        "foreign": _plan(session, world, p["foreign"], date(2025, 10, 1)),  # overdue, elsewhere
    }
    reviews = {
        # Held 1 October 2026: the decision was due by 29 October, and is waiting.
        "waiting": _held(session, plans["waiting"], date(2026, 10, 1)),
        "decided": _held(
            session,
            plans["decided"],
            date(2026, 10, 1),
            la_decision=ReviewOutcome.KEEP,
            la_decided_on=date(2026, 10, 20),
        ),
        # Held 10 November 2026: the decision is due by 8 December, not yet waiting past it.
        "recent": _held(session, plans["last_year"], date(2026, 11, 10)),
    }
    session.commit()
    return Caseload(p, r, plans, reviews)


def _ids(rows, attr="pupil_id"):
    return sorted(getattr(row, attr) for row in rows)


def test_each_figure_matches_a_recomputation_by_hand(world, session, caseload):
    figures = ehc_figures(session, TODAY, [world.school.id, world.sibling.id])
    p, r, plans = caseload.pupils, caseload.requests, caseload.plans

    assert [row.request_id for row in figures.requests] == [r["at_risk"].id, r["calm"].id]
    assert _ids(figures.rows("requests_at_risk"), "request_id") == [r["at_risk"].id]
    first = figures.requests[0]
    assert (first.weeks_gone, first.next_date, first.at_risk) == (5, date(2026, 12, 1), True)
    assert (figures.requests[1].next_date, figures.requests[1].at_risk) == (date(2027, 1, 1), False)
    assert _ids(figures.rows("issued_this_year"), "request_id") == sorted([r["issued_in_time"].id, r["issued_late"].id])
    assert _ids(figures.rows("late_this_year"), "request_id") == [r["issued_late"].id]
    assert _ids(figures.rows("issued_last_year"), "request_id") == [r["last_year"].id]
    assert _ids(figures.rows("late_last_year"), "request_id") == [r["last_year"].id]
    assert _ids(figures.rows("reviews_overdue"), "plan_id") == [plans["overdue"].id]
    assert _ids(figures.rows("reviews_due_soon"), "plan_id") == [plans["soon"].id]
    assert [row.review_id for row in figures.rows("decisions_waiting")] == [caseload.reviews["waiting"].id]
    assert figures.rows("decisions_waiting")[0].due_on == date(2026, 10, 29)
    # Another authority's school is never counted.
    every = {row.pupil_id for key in FIGURES for row in figures.rows(key)}
    assert p["foreign"].id not in every


def test_figures_by_school(world, session, caseload):
    figures = ehc_figures(session, TODAY, [world.school.id, world.sibling.id])
    assert figures.counts(world.school.id) == {
        "requests_in_progress": 1,
        "requests_at_risk": 1,
        "issued_this_year": 1,
        "late_this_year": 0,
        "issued_last_year": 1,
        "late_last_year": 1,
        "reviews_due_soon": 0,
        "reviews_overdue": 1,
        "decisions_waiting": 0,
    }
    assert figures.counts(world.sibling.id) == {
        "requests_in_progress": 1,
        "requests_at_risk": 0,
        "issued_this_year": 1,
        "late_this_year": 1,
        "issued_last_year": 0,
        "late_last_year": 0,
        "reviews_due_soon": 1,
        "reviews_overdue": 0,
        "decisions_waiting": 1,
    }


def test_the_share_within_20_weeks_keeps_exceptions_apart_by_calendar_year(world, session, caseload):
    figures = ehc_figures(session, TODAY, [world.school.id, world.sibling.id])
    every = figures.timeliness(2026)
    assert (every.issued, every.within, every.percent) == (2, 1, 50.0)
    clean = figures.timeliness(2026, exceptions=False)
    assert (clean.issued, clean.within, clean.percent) == (1, 1, 100.0)
    excepted = figures.timeliness(2026, exceptions=True)
    assert (excepted.issued, excepted.within, excepted.percent) == (1, 0, 0.0)
    assert figures.timeliness(2026, world.sibling.id).issued == 1
    assert figures.timeliness(2026, world.sibling.id).within == 0
    last = figures.timeliness(2025)
    assert (last.issued, last.within) == (1, 0)
    assert figures.timeliness(2024).percent is None
    # A plan issued on the last day of the 20 weeks is within them.
    caseload.requests["issued_late"].final_issued_on = date(2026, 5, 25)
    session.commit()
    assert ehc_figures(session, TODAY, [world.sibling.id]).timeliness(2026).within == 1


def test_a_missed_appointment_alone_does_not_set_a_plan_apart_from_the_20_weeks(officer, world, session, caseload):
    """Regulation 10(4)'s exceptions excuse the 20 weeks; a missed appointment excuses only the
    advice's 6 weeks (regulation 8(2)): the figures and SEN2's Week20 count only the former."""
    in_time = caseload.requests["issued_in_time"]
    missed = EhcException(
        request_id=in_time.id,
        kind=ExceptionKind.MISSED_APPOINTMENT,
        starts_on=date(2026, 2, 2),
        reason="Missed the educational psychologist's visit",
    )
    session.add(missed)
    session.commit()

    def week20() -> str:
        rows = csv.DictReader(io.StringIO(officer.get("/ehc/sen2.csv").get_data(as_text=True).lstrip("\ufeff")))
        return next(row["Week20"] for row in rows if row["Surname"] == "Ivy" and row["ReceivedDate"] == "2026-01-05")

    figures = ehc_figures(session, TODAY, [world.school.id, world.sibling.id])
    assert (figures.timeliness(2026, exceptions=True).issued, figures.timeliness(2026, exceptions=False).issued) == (
        1,
        1,
    )
    assert week20() == "0"

    missed.kind = ExceptionKind.AWAY
    session.commit()
    figures = ehc_figures(session, TODAY, [world.school.id, world.sibling.id])
    assert (figures.timeliness(2026, exceptions=True).issued, figures.timeliness(2026, exceptions=False).issued) == (
        2,
        0,
    )
    assert week20() == "1"


def test_governors_see_small_numbers_suppressed(world, session, caseload):
    figures = ehc_figures(session, TODAY, [world.school.id, world.sibling.id])
    cells = shown(figures, None, suppress=True)
    assert str(cells["requests_in_progress"]) == FEWER
    assert str(cells["reviews_overdue"]) == FEWER
    assert not cells["reviews_overdue"].shown
    assert cells["decisions_waiting"].value == 1 and str(cells["decisions_waiting"]) == FEWER
    plain = shown(figures, None, suppress=False)
    assert str(plain["requests_in_progress"]) == "2"
    nothing = type(figures)(TODAY, [], [], [], [])
    assert str(shown(nothing, None, suppress=True)["issued_this_year"]) == "0"


def test_a_part_beside_a_hidden_difference_is_withheld(world, session, caseload):
    figures = ehc_figures(session, TODAY, [world.school.id, world.sibling.id])
    rows = [figures.requests[1]] * 6 + [figures.requests[0]] * 5  # 11 in progress, 5 at risk
    bigger = type(figures)(TODAY, rows, figures.issued, figures.reviews, figures.waiting)
    cells = shown(bigger, None, suppress=True)
    assert str(cells["requests_in_progress"]) == "11"
    assert str(cells["requests_at_risk"]) == "5"
    rows = [figures.requests[1]] * 3 + [figures.requests[0]] * 5  # 8 in progress, 5 at risk: 3 not
    cells = shown(type(figures)(TODAY, rows, [], [], []), None, suppress=True)
    assert str(cells["requests_at_risk"]) == WITHHELD


# --- Pages ------------------------------------------------------------------------------------------


@pytest.fixture
def officer(client, world, login):
    login(world.users["la"])
    return client


def test_the_overview_has_every_figure_with_a_link(officer, world, session, caseload):
    page = officer.page("/ehc/")
    figures = {row[0]: row[1] for row in page.table(".app-ehc-figures")}
    assert figures[FIGURES["requests_in_progress"]] == "2"
    assert figures[FIGURES["decisions_waiting"]] == "1"
    assert figures[FIGURES["reviews_overdue"]] == "1"
    links = {a["href"] for a in page.all(".app-ehc-figures a")}
    assert {f"/ehc/figures/{key}" for key in FIGURES} == links
    timeliness = {row[0]: row for row in page.table(".app-ehc-timeliness")}
    assert timeliness["All schools"][1:4] == ["1 of 2 (50.0%)", "1 of 1 (100.0%)", "0 of 1 (0.0%)"]
    assert "Far Primary" not in page.text()
    assert "PostCode" in page.text(".app-sen2-not-held")
    assert audit_events(session, "ehc_caseload_viewed")


def test_requests_are_listed_at_risk_first_and_filtered_by_school(officer, world, caseload):
    page = officer.page("/ehc/requests")
    rows = page.table(".app-ehc-requests")
    assert [row[0] for row in rows] == ["Cara Dale", "Eve Frost"]
    assert rows[0][1:] == ["Oak Primary", "20 October 2026", "5", "1 December 2026", "At risk"]
    assert rows[1][5] == ""
    page = officer.page(f"/ehc/requests?school={world.sibling.id}")
    assert [row[0] for row in page.table(".app-ehc-requests")] == ["Eve Frost"]
    # A school of another authority is no filter: every school is listed.
    page = officer.page(f"/ehc/requests?school={world.foreign.id}")
    assert len(page.table(".app-ehc-requests")) == 2
    links = page.links(".app-ehc-requests tbody tr:first-child")
    assert links == [
        f"/pupils/{caseload.pupils['at_risk'].public_id}",
        f"/ehc/requests/{caseload.requests['at_risk'].id}",
    ]


def test_reviews_filter_by_due_or_overdue_and_school(officer, world, caseload):
    page = officer.page("/ehc/reviews")
    assert [row[0] for row in page.table(".app-ehc-reviews")] == ["Lou Lamb", "Max Moss"]
    page = officer.page("/ehc/reviews?show=overdue")
    rows = page.table(".app-ehc-reviews")
    assert [row[0] for row in rows] == ["Lou Lamb"]
    assert rows[0][4:] == ["1 October 2026", "Overdue"]
    page = officer.page("/ehc/reviews?show=due")
    assert [row[0] for row in page.table(".app-ehc-reviews")] == ["Max Moss"]
    page = officer.page(f"/ehc/reviews?school={world.school.id}&show=due")
    assert page.table(".app-ehc-reviews") == [["No annual review is due in the next 8 weeks or overdue."]]


def test_each_figure_leads_to_the_pupils_behind_it(officer, world, session, caseload):
    page = officer.page("/ehc/figures/decisions_waiting")
    rows = page.table(".app-ehc-figure")
    assert [row[0] for row in rows] == ["Finn Gray"]
    assert rows[0][3] == "Decision due by 29 October 2026"
    page = officer.page("/ehc/figures/late_this_year")
    assert [row[0] for row in page.table(".app-ehc-figure")] == ["Jon Jay"]
    page = officer.page(f"/ehc/figures/issued_this_year?school={world.school.id}")
    assert [row[0] for row in page.table(".app-ehc-figure")] == ["Iris Ivy"]
    officer.page("/ehc/figures/no_such_figure", status=404)
    named = audit_events(session, "named_in_ehc_caseload")
    assert caseload.pupils["waiting"].id in {event.pupil_id for event in named}


def test_another_authoritys_officer_sees_nothing_of_this_one(client, world, login, caseload):
    login(world.users["foreign_la"])
    page = client.page("/ehc/requests")
    assert [row[0] for row in page.table(".app-ehc-requests")] == ["Gita Hale"]
    page = client.page("/ehc/")
    assert "Oak Primary" not in page.text() and "Ash Secondary" not in page.text()
    text = client.get("/ehc/sen2.csv").get_data(as_text=True)
    assert "Cara" not in text and "Gita" in text


@pytest.mark.parametrize("role", ["senco", "head", "teacher", "governor", "admin", "ta"])
def test_only_the_officer_reaches_the_caseload(client, world, login, caseload, role):
    login(world.users[role])
    for url in ("/ehc/", "/ehc/requests", "/ehc/reviews", "/ehc/figures/reviews_overdue", "/ehc/sen2.csv"):
        assert client.get(url).status_code == 403


def test_the_sen2_export_reads_back(officer, world, session, caseload):
    response = officer.get("/ehc/sen2.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    r = caseload.requests
    by_received = {(row["Surname"], row["ReceivedDate"]): row for row in rows}
    late = by_received[("Jay", "2026-01-05")]
    assert (late["RequestOutcome"], late["AssessmentOutcome"], late["AssessmentOutcomeDate"]) == (
        "Y",
        "Y",
        "2026-07-01",
    )
    assert (late["Week20"], late["StartDate"], late["SENtype1"], late["PlacementURN"]) == (
        "1",
        "2026-07-01",
        "ASD",
        "900002",
    )
    pending = by_received[("Dale", "2026-10-20")]
    assert (pending["RequestOutcome"], pending["AssessmentOutcome"], pending["Week20"]) == ("A", "", "0")
    assert by_received[("Frost", "2026-11-20")]["RequestSource"] == "2"
    # Plans without a request here are historical; the last review is the decision's date.
    decided = next(row for row in rows if row["Surname"] == "Nash" and row["StartDate"])
    assert (decided["RequestOutcome"], decided["ReviewMeeting"], decided["ReviewOutcome"], decided["LastReview"]) == (
        "H",
        "2026-10-01",
        "M",
        "2026-10-20",
    )
    withdrawn = by_received[("Nash", "2026-02-02")]
    assert withdrawn["RequestOutcome"] == "W"
    assert not any(row["Surname"] == "Hale" for row in rows)
    assert len([row for row in rows if row["ReceivedDate"] == ""]) == 4  # overdue, soon, waiting, decided
    exported = audit_events(session, "ehc_sen2_exported")
    assert exported and exported[0].details["rows"] == len(rows)
    assert r["at_risk"].pupil_id in {e.pupil_id for e in audit_events(session, "named_in_sen2_export")}


def test_the_navigation_offers_the_caseload_to_the_officer_only(client, world, login, caseload):
    login(world.users["la"])
    assert "/ehc/" in [a["href"] for a in client.page("/").all(".govuk-service-navigation a")]
    login(world.users["senco"])
    assert "/ehc/" not in [a["href"] for a in client.page("/").all(".govuk-service-navigation a")]


def test_compliance_json_has_the_ehc_figures_per_school(app, world, session, caseload):
    result = app.test_cli_runner().invoke(args=["compliance", "--date", TODAY.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    sibling = data[world.sibling.urn]["ehc"]
    assert sibling["counts"]["decisions_waiting"] == 1
    assert sibling["issued_within_20_weeks"]["this_year"]["with_exceptions"] == {
        "issued": 1,
        "within_20_weeks": 0,
        "percent": 0.0,
    }
    assert data[world.school.urn]["ehc"]["issued_within_20_weeks"]["last_year"]["all"]["issued"] == 1
    assert data[world.foreign.urn]["ehc"]["counts"]["requests_in_progress"] == 1
    assert "Dale" not in result.output


# --- The pupil page ---------------------------------------------------------------------------------


def test_the_senco_sees_the_request_and_the_flag_of_e_without_a_plan(client, world, login, caseload):
    login(world.users["senco"])
    pupil = caseload.pupils["at_risk"]
    page = client.page(f"/pupils/{pupil.public_id}")
    assert (
        "received 20 October 2026: waiting for the decision whether to assess; next statutory date 1 December 2026"
        in page.text(".app-ehc-requests")
    )
    flag = page.one(".app-ehc-without-plan")
    assert flag.find("a")["href"] == f"/pupils/{pupil.public_id}/ehc/plans/new"
    assert page.has(f'a[href="/pupils/{pupil.public_id}/ehc/requests/new"]')


def test_the_plan_in_force_shows_with_its_next_review(client, world, login, caseload):
    login(world.users["la"])
    pupil = caseload.pupils["overdue"]
    page = client.page(f"/pupils/{pupil.public_id}")
    text = page.text(".app-ehc-plan")
    assert "issued 1 October 2025, naming Oak Primary; next annual review due 1 October 2026" in text
    assert "Review overdue" in text
    assert not page.has(".app-ehc-without-plan")
    assert not page.has(f'a[href="/pupils/{pupil.public_id}/ehc/requests/new"]')  # the school records requests


def test_the_teacher_of_another_class_gets_404_and_the_admin_no_ehc_detail(client, world, login, caseload):
    pupil = caseload.pupils["at_risk"]
    login(world.users["teacher"])
    assert client.get(f"/pupils/{pupil.public_id}").status_code == 404
    login(world.users["admin"])
    page = client.page(f"/pupils/{pupil.public_id}")
    assert not page.has("#ehc")
    assert "assessment" not in page.text().lower()


def test_a_plan_issued_from_a_request_shows_both(client, world, login, caseload):
    login(world.users["senco"])
    pupil = caseload.pupils["issued_in_time"]
    page = client.page(f"/pupils/{pupil.public_id}")
    assert "issued 20 May 2026" in page.text(".app-ehc-plan")
    assert page.text(".app-ehc-requests") == "Needs assessment request received 5 January 2026: final plan issued."
    assert page.links(".app-ehc-requests") == [f"/ehc/requests/{caseload.requests['issued_in_time'].id}"]
