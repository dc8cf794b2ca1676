"""EHC plans through the test client: the SENCO records the plan of a pupil on "E" without one,
the LA officer changes it (versioned: two people saving at once lose nothing) and ceases it, and
the pupil's "E" status follows the plan each time. The app's date is 27 Nov 2026."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import EhcOutcome, EhcPlan, NeedType, Provision, SenStatus, TimelineEvent
from sentrack.workflows import ehc_plans as flow
from sentrack.workflows import timeline as titles
from tests.helpers import audit_events, count, date_parts

TODAY = date(2026, 11, 27)


def _plan_form(**changes) -> dict:
    data = {
        "issued_on": date_parts(date(2026, 3, 2)),
        "named_setting": "Oak Primary",
        "primary_need": "ASD",
        "secondary_need": "SLCN",
        "outcomes-0-description": "Joins in group work with one adult nearby",
        "outcomes-0-area_of_need": "communication",
        "outcomes-1-description": "Reads a short book aloud",
        "outcomes-1-area_of_need": "",
        "outcomes-2-description": "",
    }
    data.update(changes)
    return data


def _statuses(session, pupil) -> list[tuple]:
    session.expire_all()
    return [
        (s.provision, s.primary_need, s.secondary_need, s.start_date, s.end_date)
        for s in session.scalars(
            sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id).order_by(SenStatus.start_date)
        )
    ]


def _record_plan(session, world, pupil_key: str = "untaught") -> EhcPlan:
    pupil = world.pupils[pupil_key]
    plan = flow.add_plan(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        details=flow.PlanDetails(
            issued_on=date(2026, 3, 2),
            named_setting="Oak Primary",
            primary_need=NeedType.ASD,
            outcomes=(flow.OutcomeDetails("Joins in group work"),),
        ),
        today=TODAY,
    )
    session.commit()
    return plan


# --- Recording a plan already issued -----------------------------------------------------------------


def test_senco_records_the_plan_of_a_pupil_on_e_without_one(client, world, login, session):
    pupil = world.pupils["untaught"]  # on "E" (ASD) since 10 Sep 2025, no plan record
    login(world.users["senco"])

    response = client.post(f"/pupils/{pupil.public_id}/ehc/plans/new", data=_plan_form())

    assert response.status_code == 302
    plan = session.scalar(sa.select(EhcPlan).where(EhcPlan.pupil_id == pupil.id))
    assert response.headers["Location"] == f"/ehc/plans/{plan.id}"
    assert (plan.issued_on, plan.named_setting, plan.primary_need, plan.secondary_need) == (
        date(2026, 3, 2),
        "Oak Primary",
        NeedType.ASD,
        NeedType.SLCN,
    )
    assert plan.local_authority_id == world.la.id
    assert [(o.position, o.description) for o in plan.outcomes] == [
        (1, "Joins in group work with one adult nearby"),
        (2, "Reads a short book aloud"),
    ]
    # "E" follows the plan: the plan's needs from the day it was issued.
    assert _statuses(session, pupil) == [
        (Provision.EHC_PLAN, NeedType.ASD, None, date(2025, 9, 10), date(2026, 3, 1)),
        (Provision.EHC_PLAN, NeedType.ASD, NeedType.SLCN, date(2026, 3, 2), None),
    ]
    assert count(session, TimelineEvent, TimelineEvent.title == titles.EHC_PLAN_ISSUED) == 1
    assert len(audit_events(session, "ehc_plan_added")) == 1

    page = client.page(f"/ehc/plans/{plan.id}")
    assert page.summary()["Named setting"] == "Oak Primary"
    assert page.summary()["Issued"] == "2 March 2026"
    assert "Reads a short book aloud" in page.text()


def test_the_la_officer_records_a_plan_too(client, world, login, session):
    pupil = world.pupils["untaught"]
    login(world.users["la"])

    response = client.post(f"/pupils/{pupil.public_id}/ehc/plans/new", data=_plan_form())

    assert response.status_code == 302
    assert count(session, EhcPlan, EhcPlan.pupil_id == pupil.id) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"issued_on": date_parts(date(2026, 12, 1))}, "issued_on", "cannot be in the future"),
        ({"named_setting": "   "}, "named_setting", "Enter the setting the plan names"),
        ({"primary_need": ""}, "primary_need", "Select the primary type of need"),
        ({"primary_need": "NSA"}, "primary_need", "Choose the primary type of need from the list"),
        ({"secondary_need": "ASD"}, "secondary_need", "must differ from the primary need"),
        ({"outcomes-0-area_of_need": "wizardry"}, "outcomes-0-area_of_need", "Choose an area of need"),
    ],
)
def test_a_plan_with_bad_details_is_refused_and_nothing_stored(client, world, login, session, changes, field, message):
    pupil = world.pupils["untaught"]
    login(world.users["senco"])
    before = _statuses(session, pupil)

    page = client.post_page(f"/pupils/{pupil.public_id}/ehc/plans/new", data=_plan_form(**changes))

    assert message in (page.field_error(field) or ""), page.error_summary()
    assert count(session, EhcPlan) == 0 and count(session, EhcOutcome) == 0
    assert _statuses(session, pupil) == before


def test_a_second_plan_in_force_is_refused(client, world, login, session):
    pupil = world.pupils["untaught"]
    _record_plan(session, world)
    login(world.users["senco"])

    page = client.post_page(f"/pupils/{pupil.public_id}/ehc/plans/new", data=_plan_form())

    assert "has an EHC plan in force already" in page.field_error("issued_on")
    assert count(session, EhcPlan, EhcPlan.pupil_id == pupil.id) == 1


def test_neither_the_class_teacher_nor_another_schools_senco_records_a_plan(client, world, login, session):
    pupil = world.pupils["untaught"]
    for user in (world.users["teacher"], world.users["head"], world.users["foreign_senco"]):
        login(user)
        assert client.post(f"/pupils/{pupil.public_id}/ehc/plans/new", data=_plan_form()).status_code == 404
    assert count(session, EhcPlan) == 0


# --- The authority changes the plan ------------------------------------------------------------------


def _edit_form(plan: EhcPlan, **changes) -> dict:
    data = {
        "version": str(plan.version),
        "named_setting": "Ash Secondary",
        "primary_need": "SEMH",
        "secondary_need": "",
        "outcomes-0-description": "Manages transitions between lessons",
        "outcomes-0-area_of_need": "semh",
        "outcomes-1-description": "",
    }
    data.update(changes)
    return data


def test_la_officer_changes_the_plan_and_e_follows_its_needs(client, world, login, session):
    plan = _record_plan(session, world)
    pupil = world.pupils["untaught"]
    login(world.users["la"])

    opened = client.page(f"/ehc/plans/{plan.id}/edit")
    assert opened.value("named_setting") == "Oak Primary"
    assert opened.value("version") == "1"
    response = client.post(f"/ehc/plans/{plan.id}/edit", data=_edit_form(plan))

    assert response.status_code == 302
    session.expire_all()
    plan = session.get(EhcPlan, plan.id)
    assert (plan.named_setting, plan.primary_need, plan.secondary_need, plan.version) == (
        "Ash Secondary",
        NeedType.SEMH,
        None,
        2,
    )
    assert [o.description for o in plan.outcomes] == ["Manages transitions between lessons"]
    assert _statuses(session, pupil)[-2:] == [
        (Provision.EHC_PLAN, NeedType.ASD, None, date(2025, 9, 10), TODAY.replace(day=26)),
        (Provision.EHC_PLAN, NeedType.SEMH, None, TODAY, None),
    ]
    assert count(session, TimelineEvent, TimelineEvent.title == titles.EHC_PLAN_AMENDED) == 1
    assert [e.details for e in audit_events(session, "ehc_plan_updated")] == [{"version": 2}]


def test_two_changes_from_the_same_version_lose_nothing(client, world, login, session):
    plan = _record_plan(session, world)
    login(world.users["la"])
    first = _edit_form(plan, named_setting="Ash Secondary")
    second = _edit_form(plan, named_setting="Elm Special School")

    assert client.post(f"/ehc/plans/{plan.id}/edit", data=first).status_code == 302
    page = client.post_page(f"/ehc/plans/{plan.id}/edit", data=second)

    assert "changed this record while you were editing it" in page.text() or "saved a change" in page.text()
    assert ["Named setting", "Ash Secondary"] in page.table("What they changed")
    assert page.value("named_setting") == "Elm Special School"  # what they typed is kept
    assert page.value("version") == "2"
    session.expire_all()
    assert session.get(EhcPlan, plan.id).named_setting == "Ash Secondary"


def test_the_senco_cannot_change_or_cease_the_plan(client, world, login, session):
    plan = _record_plan(session, world)
    login(world.users["senco"])

    assert client.get(f"/ehc/plans/{plan.id}/edit").status_code == 404
    assert client.post(f"/ehc/plans/{plan.id}/edit", data=_edit_form(plan)).status_code == 404
    assert client.post(f"/ehc/plans/{plan.id}/cease", data={}).status_code == 404
    session.expire_all()
    assert session.get(EhcPlan, plan.id).version == 1


# --- The authority ceases the plan -------------------------------------------------------------------


def _cease_form(plan: EhcPlan, **changes) -> dict:
    data = {
        "version": str(plan.version),
        "ceased_on": date_parts(date(2026, 11, 20)),
        "reason": "The outcomes are met",
        "provision_after": "N",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("after", "expected"),
    [("N", (Provision.NONE, None)), ("K", (Provision.SEN_SUPPORT, NeedType.ASD))],
)
def test_a_ceased_plan_ends_e_from_that_day(client, world, login, session, after, expected):
    plan = _record_plan(session, world)
    pupil = world.pupils["untaught"]
    login(world.users["la"])

    response = client.post(f"/ehc/plans/{plan.id}/cease", data=_cease_form(plan, provision_after=after))

    assert response.status_code == 302
    session.expire_all()
    plan = session.get(EhcPlan, plan.id)
    assert (plan.ceased_on, plan.cease_reason) == (date(2026, 11, 20), "The outcomes are met")
    statuses = _statuses(session, pupil)
    assert statuses[-2][0] is Provision.EHC_PLAN and statuses[-2][4] == date(2026, 11, 19)
    assert statuses[-1][:2] == expected and statuses[-1][3:] == (date(2026, 11, 20), None)
    assert count(session, TimelineEvent, TimelineEvent.title == titles.EHC_PLAN_CEASED) == 1
    assert len(audit_events(session, "ehc_plan_ceased")) == 1
    # The officer keeps the pupil while the authority's figures count the plan (ceased this year),
    # but a ceased plan is changed no more; the school keeps the record.
    edit = client.get(f"/ehc/plans/{plan.id}/edit")
    assert edit.status_code == 302 and edit.headers["Location"] == f"/ehc/plans/{plan.id}"
    login(world.users["senco"])
    assert "Ceased" in client.page(f"/ehc/plans/{plan.id}").text()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ceased_on": date_parts(date(2026, 3, 1))}, "ceased_on", "cannot cease before it was issued"),
        ({"ceased_on": date_parts(date(2026, 12, 1))}, "ceased_on", "cannot be in the future"),
        ({"reason": ""}, "reason", "Enter why the plan ceases"),
        ({"provision_after": "E"}, "provision_after", "SEN support or off the SEN register"),
    ],
)
def test_a_bad_cessation_is_refused_and_nothing_stored(client, world, login, session, changes, field, message):
    plan = _record_plan(session, world)
    pupil = world.pupils["untaught"]
    before = _statuses(session, pupil)
    login(world.users["la"])

    page = client.post_page(f"/ehc/plans/{plan.id}/cease", data=_cease_form(plan, **changes))

    assert message in (page.field_error(field) or ""), page.error_summary()
    session.expire_all()
    assert session.get(EhcPlan, plan.id).ceased_on is None
    assert _statuses(session, pupil) == before


# --- Who sees the plan -------------------------------------------------------------------------------


def test_a_teacher_of_another_class_and_another_school_get_404(client, world, login, session):
    plan = _record_plan(session, world)  # "untaught" is in 4 Elm, not the teacher's class
    for user in (world.users["teacher"], world.users["foreign_senco"], world.users["foreign_la"]):
        login(user)
        assert client.get(f"/ehc/plans/{plan.id}").status_code == 404
    login(world.users["head"])
    page = client.page(f"/ehc/plans/{plan.id}")
    assert len(audit_events(session, "ehc_plan_viewed")) == 1
    assert "Change the plan" not in page.text()
