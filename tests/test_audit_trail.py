"""The audit trail: every change to pupil data, every export, every sign-in and failed sign-in and
every view of a pupil's record is recorded with who, what, when and from where; the SENCO and
head teacher read it per pupil.

Changes are found independently of the app's own audit calls: a listener on the database session
notes the pupil behind every row of pupil data a request inserts, changes or deletes, and each
such pupil must have an audit event from that request, by the user who made it, from the address
the request came from.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import (
    AuditEvent,
    Concern,
    Contact,
    ContactPhone,
    Intervention,
    InterventionPupil,
    ParentLetter,
    ParentMeeting,
    Pupil,
    RecordRevision,
    SenStatus,
    SupportCycle,
)
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER
from tests.factories import PASSWORD, make_intervention, make_intervention_type
from tests.helpers import date_parts, rows
from tests.pages import Page
from tests.test_cycles_views import _assessment_form, _outcome_form, _plan_form, _review_form
from tests.test_meetings_views import _meeting_form
from tests.test_pupils import _concern_form, _contact_form, _edit_form, _pupil_form, _status_form

ADDRESS = "203.0.113.7"  # TEST-NET-3: where the requests in these tests come from
# The tables of pupil data. Audit events, sessions, tasks and notifications are not pupil data.
NOT_PUPIL_DATA = {
    "audit_event",
    "user_session",
    "task",
    "notification",
    "user",
    "role_assignment",
    "duty",
    "school",
    "local_authority",
    "school_term",
    "intervention_type",
    "teaching_group",
    "compliance_snapshot",
    "intervention_session",
    "form_submission",
}


def _pupils_behind(session: Session, obj) -> set[int]:
    """The pupils a changed row of pupil data belongs to."""
    table = getattr(obj, "__tablename__", None)
    if table is None or table in NOT_PUPIL_DATA:
        return set()
    if isinstance(obj, Pupil):
        return {obj.id}
    if getattr(obj, "pupil_id", None) is not None:
        return {obj.pupil_id}
    if getattr(obj, "cycle_id", None) is not None:
        return {session.execute(sa.select(SupportCycle.pupil_id).where(SupportCycle.id == obj.cycle_id)).scalar_one()}
    if isinstance(obj, RecordRevision):  # a saved version of an edited record: whose record it is
        model = {mapper.class_.__tablename__: mapper.class_ for mapper in Pupil.registry.mappers}[obj.record_type]
        if model.__tablename__ in NOT_PUPIL_DATA:
            return set()
        return _pupils_behind(session, session.get(model, obj.record_id))
    if isinstance(obj, ContactPhone):  # a parent's phone number: the pupil whose contact it is
        return {session.execute(sa.select(Contact.pupil_id).where(Contact.id == obj.contact_id)).scalar_one()}
    if isinstance(obj, Intervention):
        return set(
            session.scalars(sa.select(InterventionPupil.pupil_id).where(InterventionPupil.intervention_id == obj.id))
        )
    raise AssertionError(f"which pupil does a changed {table} row belong to?")


@contextmanager
def changed_pupils(session: Session):
    """The ids of the pupils whose data the block changed (inserted, updated or deleted rows)."""
    found: set[int] = set()

    def after_flush(flushed, context):
        with flushed.no_autoflush:
            for obj in list(flushed.new) + list(flushed.deleted):
                found.update(_pupils_behind(flushed, obj))
            for obj in flushed.dirty:
                if flushed.is_modified(obj, include_collections=True):
                    found.update(_pupils_behind(flushed, obj))

    event.listen(Session, "after_flush", after_flush)
    try:
        yield found
    finally:
        event.remove(Session, "after_flush", after_flush)


def _last_event_id(session) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))


def _events_since(session, after: int) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)))


@pytest.fixture
def from_address(client):
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    return client


def _act(client, session, actor, method: str, url: str, data=None) -> tuple:
    """Make one request as `actor`; return (response, the pupils whose data it changed, its audit events)."""
    before = _last_event_id(session)
    with changed_pupils(session) as changed:
        response = client.open(url, method=method, data=data)
    assert response.status_code in (200, 302), f"{method} {url}: {response.status_code}"
    if method == "POST":
        assert response.status_code == 302, f"{url} refused the change: " + "; ".join(
            Page(response, status=None).texts(".govuk-error-message")
        )
    return response, set(changed), _events_since(session, before)


def assert_audited(events, pupils: set[int], actor, what: str) -> None:
    for pupil_id in pupils:
        mine = [e for e in events if e.pupil_id == pupil_id]
        assert mine, f"{what}: no audit event for pupil {pupil_id}"
        for e in mine:
            assert e.user_id == actor.id, what
            assert e.remote_addr == ADDRESS, what
            assert isinstance(e.occurred_at, datetime), what
            assert e.action, what


# --- Every change to pupil data ---------------------------------------------------------------


def test_every_change_to_pupil_data_through_the_app_is_audited(from_address, world, login, session):
    """A year of one pupil's record, made through the pages as staff would: each request that
    changes any row of pupil data leaves an audit event for each pupil it touched, with who and
    from where."""
    client = from_address
    senco, teacher, ta = world.users["senco"], world.users["teacher"], world.users["ta"]
    pupil = world.pupils["taught_plain"]
    base = f"/pupils/{pupil.public_id}"
    steps = 0

    def change(actor, url, data=None, *, what):
        nonlocal steps
        login(actor)
        response, changed, events = _act(client, session, actor, "POST", url, data)
        assert changed, f"{what}: the request changed no pupil data"
        assert_audited(events, changed, actor, what)
        steps += 1
        return response

    change(senco, "/pupils/new", _pupil_form(groups=[str(world.group.id)]), what="add a pupil")
    change(senco, f"{base}/edit", _edit_form(pupil, preferred_name="Benny"), what="edit a pupil")
    change(senco, f"{base}/contacts/new", _contact_form(), what="add a contact")
    change(
        senco,
        f"{base}/contacts/{pupil.contacts[0].id}",
        _contact_form(name="Pat Cole", version="1"),
        what="edit a contact",
    )
    change(
        senco,
        f"{base}/sen-status",
        _status_form(provision="K", primary="SPLD", reason="Screening showed decoding difficulties"),
        what="change the SEN status",
    )
    change(teacher, f"{base}/concerns/new", _concern_form(), what="raise a concern")
    concern = session.scalar(sa.select(Concern).where(Concern.pupil_id == pupil.id))
    change(
        senco,
        f"{base}/concerns/{concern.id}/decide",
        {
            "decision": "no_further_action",
            "reason": "Class strategies are working",
            "version": "1",
            "decided_on": date_parts(date(2026, 11, 24)),
        },
        what="decide a concern",
    )
    letter = session.scalar(
        sa.select(ParentLetter).where(ParentLetter.pupil_id == pupil.id, ParentLetter.kind == SEN_SUPPORT_LETTER)
    )
    change(senco, f"{base}/letters/{letter.id}/sent", what="mark the letter to parents sent")

    # The graduated approach: a whole support cycle.
    change(senco, f"{base}/cycles", what="open a cycle")
    cycle = f"{base}/cycles/1"
    change(senco, f"{cycle}/assessment", _assessment_form(), what="save the assessment")
    change(senco, f"{cycle}/move/finish_assessment", what="finish the assessment")
    change(senco, f"{cycle}/plan", _plan_form(), what="save the plan")
    change(senco, f"{cycle}/outcomes/new", _outcome_form(), what="add an outcome")
    change(senco, f"{cycle}/outcomes/new", _outcome_form(description="Writes a sentence"), what="add a second outcome")
    found = session.scalar(sa.select(SupportCycle).where(SupportCycle.pupil_id == pupil.id))
    first, second = sorted(found.outcomes, key=lambda o: o.position)
    change(
        senco,
        f"{cycle}/outcomes/{first.id}",
        _outcome_form(description="Reads a banded book", version=str(first.version)),
        what="edit an outcome",
    )
    change(senco, f"{cycle}/outcomes/{second.id}/remove", what="remove an outcome")
    change(senco, f"{cycle}/start", {"primary_need": "SPLD", "secondary_need": ""}, what="start the plan")
    change(
        teacher,
        f"{cycle}/observations/new",
        {"observed_on": date_parts(date(2026, 11, 10)), "outcome": str(first.id), "note": "Read 8 of 10 words"},
        what="record an observation",
    )
    change(senco, f"{cycle}/move/start_review", what="start the review")
    session.expire_all()
    change(senco, f"{cycle}/review", _review_form(found, version="0"), what="save the review")
    session.expire_all()
    change(
        senco,
        f"{cycle}/review",
        _review_form(found, version=str(found.review.version), record=True),
        what="record the review",
    )

    # Meetings with parents.
    # The review of 20 Nov was a meeting with parents already: this one is of another day.
    change(
        teacher,
        f"{base}/meetings/new",
        _meeting_form(world, held_on=date_parts(date(2026, 11, 19))),
        what="record a meeting",
    )
    review_meeting = session.scalar(
        sa.select(ParentMeeting).where(ParentMeeting.pupil_id == pupil.id, ParentMeeting.review_id.is_not(None))
    )
    change(
        teacher,
        f"{base}/meetings/{review_meeting.id}/shared",
        {"shared_with_parents_on": date_parts(date(2026, 11, 24))},
        what="mark a meeting record shared",
    )
    change(
        teacher,
        f"{base}/meetings/plan",
        {"planned_for": date_parts(date(2026, 12, 10)), "mode": "in_person", "led_by_id": str(teacher.id)},
        what="plan a meeting",
    )
    planned = session.scalar(
        sa.select(ParentMeeting).where(ParentMeeting.pupil_id == pupil.id, ParentMeeting.held_on.is_(None))
    )
    change(
        teacher,
        f"{base}/meetings/{planned.id}/record",
        _meeting_form(
            world, held_on=date_parts(date(2026, 11, 26)), shared_with_parents_on=date_parts(date(2026, 11, 27))
        ),
        what="record the planned meeting",
    )

    # Interventions: setting one up, changing it, registers, ending it and its impact.
    entry = make_intervention_type(session, actor=senco)
    session.commit()
    form = {
        "type_id": str(entry.id),
        "name": "Phonics group",
        "delivery": "group",
        "delivered_by_id": str(ta.id),
        "weekdays": ["0", "2", "4"],
        "minutes_per_session": "20",
        "starts_on": date_parts(date(2026, 11, 2)),
        "ends_on": date_parts(date(2026, 12, 18)),
        "measure": "Words a minute",
        "pupils": [pupil.public_id],
        **rows({"pupil": pupil.public_id, "entry": "12"}),
    }
    change(
        senco,
        f"/interventions/new?type={entry.id}&group={world.group.id}&chosen=1",
        form,
        what="set up an intervention",
    )
    intervention = session.scalar(sa.select(Intervention).where(Intervention.name == "Phonics group"))
    change(
        senco,
        f"/interventions/{intervention.id}/edit",
        {**form, "rows-0-entry": "14", "version": "1"},
        what="change a pupil's place in an intervention",
    )
    change(
        ta,
        f"/interventions/{intervention.id}/sessions/new",
        {"held_on": date_parts(date(2026, 11, 25)), "attended": [str(pupil.id)], "note": "Good focus"},
        what="take a register",
    )
    change(ta, f"/interventions/{intervention.id}/sessions/quick", what="everyone attended today")
    change(
        senco,
        f"/interventions/{intervention.id}/end",
        {"ended_on": date_parts(date(2026, 11, 27))},
        what="end the intervention",
    )
    change(
        ta,
        f"/interventions/{intervention.id}/impact",
        rows(
            {
                "pupil": str(pupil.id),
                "exit": "30",
                "impact": "1",
                "comment": "Reads faster",
                "version": str(intervention.places[0].version),
            }
        ),
        what="record the impact",
    )

    assert steps == 31
    # Every action recorded about the pupil reads as words on the audit page.
    recorded = set(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.pupil_id == pupil.id)))
    assert recorded - audit.DESCRIPTIONS.keys() == set()


def test_a_staff_change_that_touches_no_pupil_leaves_no_pupil_event(from_address, world, login, session):
    """The control for the listener above: a change to a class (staff data) changes no pupil data."""
    login(world.users["head"])

    _, changed, events = _act(
        from_address,
        session,
        world.users["head"],
        "POST",
        f"/staff/classes/{world.group.id}",
        {
            "name": "4 Oak renamed",
            "year_group": "4",
            "kind": "registration",
            "teachers": [str(world.users["teacher"].id)],
            "version": str(world.group.version),
        },
    )

    assert changed == set()
    assert [e.action for e in events] == ["class_updated"]


# --- Views and exports ------------------------------------------------------------------------

VIEWS = [
    ("pupil_viewed", lambda w, c: f"/pupils/{w.pupils['taught'].public_id}"),
    ("timeline_viewed", lambda w, c: f"/pupils/{w.pupils['taught'].public_id}/timeline"),
    ("cycle_viewed", lambda w, c: f"/pupils/{w.pupils['taught'].public_id}/cycles/{c.number}"),
    ("plan_printed", lambda w, c: f"/pupils/{w.pupils['taught'].public_id}/cycles/{c.number}/plan/print"),
    ("audit_viewed", lambda w, c: f"/pupils/{w.pupils['taught'].public_id}/audit"),
]


@pytest.fixture
def cycle(world, session):
    from sentrack.models import CycleState
    from tests.factories import drive_cycle

    found = drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.DO)
    session.commit()
    return found


@pytest.mark.parametrize(("action", "url"), VIEWS, ids=[v[0] for v in VIEWS])
@pytest.mark.parametrize("role", ["senco", "head"])
def test_each_view_of_a_pupils_record_is_audited(from_address, world, login, session, cycle, action, url, role):
    actor = world.users[role]
    login(actor)
    before = _last_event_id(session)

    response = from_address.get(url(world, cycle))

    assert response.status_code == 200
    (found,) = [e for e in _events_since(session, before) if e.action == action]
    assert (found.user_id, found.pupil_id, found.remote_addr) == (actor.id, world.pupils["taught"].id, ADDRESS)
    assert found.occurred_at is not None


def test_a_refused_view_records_a_refusal_not_a_view(from_address, world, login, session):
    """A 404 for a pupil beyond the user's reach is audited as a refusal, with the route and the
    user, the pupil's id (which the user never sees), and no view."""
    teacher, pupil = world.users["teacher"], world.pupils["untaught"]
    login(teacher)
    before = _last_event_id(session)

    assert from_address.get(f"/pupils/{pupil.public_id}").status_code == 404

    events = _events_since(session, before)
    assert [(e.action, e.user_id, e.pupil_id, e.remote_addr) for e in events] == [
        ("access_refused", teacher.id, pupil.id, ADDRESS)
    ]
    assert events[0].details == {"endpoint": "pupils.show", "method": "GET", "status": 404}


@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("/provision-map/export", "provision_map_exported"),
        ("/provision-map/print", "provision_map_printed"),
    ],
)
def test_each_export_is_audited(from_address, world, login, session, url, action):
    login(world.users["head"])
    before = _last_event_id(session)

    response = from_address.get(url)

    assert response.status_code == 200
    (found,) = [e for e in _events_since(session, before) if e.action == action]
    assert (found.user_id, found.school_id, found.remote_addr) == (world.users["head"].id, world.school.id, ADDRESS)


def test_printing_the_letter_to_parents_is_audited(from_address, world, login, session):
    pupil = world.pupils["taught"]
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id))
    letter = ParentLetter(
        pupil_id=pupil.id, sen_status_id=status.id, kind=SEN_SUPPORT_LETTER, created_on=date(2026, 9, 7)
    )
    session.add(letter)
    session.commit()
    login(world.users["senco"])
    before = _last_event_id(session)

    assert from_address.get(f"/pupils/{pupil.public_id}/letters/{letter.id}").status_code == 200

    (found,) = [e for e in _events_since(session, before) if e.action == "letter_printed"]
    assert (found.user_id, found.pupil_id, found.remote_addr) == (world.users["senco"].id, pupil.id, ADDRESS)


# --- Sign-ins --------------------------------------------------------------------------------


def test_sign_in_and_failed_sign_in_are_audited_with_the_address(from_address, world, session):
    head = world.users["head"]
    before = _last_event_id(session)

    from_address.post("/sign-in", data={"email": head.email, "password": "wrong password"})
    from_address.post("/sign-in", data={"email": "nobody@oak.test", "password": "wrong password"})
    from_address.post("/sign-in", data={"email": head.email, "password": PASSWORD})
    from_address.post("/sign-out")

    events = [(e.action, e.user_id, e.remote_addr) for e in _events_since(session, before)]
    assert events == [
        ("sign_in_failed", head.id, ADDRESS),
        ("sign_in_failed", None, ADDRESS),
        ("signed_in", head.id, ADDRESS),
        ("signed_out", head.id, ADDRESS),
    ]


def test_behind_the_proxy_the_address_is_the_clients(app, client, world, session, monkeypatch):
    """Production runs behind one TLS proxy (PROXY_FIX): the address recorded is the client's,
    from X-Forwarded-For, not the proxy's."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    before = _last_event_id(session)

    client.post(
        "/sign-in",
        data={"email": world.users["head"].email, "password": "wrong password"},
        headers={"X-Forwarded-For": ADDRESS},
    )

    assert [(e.action, e.remote_addr) for e in _events_since(session, before)] == [("sign_in_failed", ADDRESS)]


# --- The page: the SENCO and head teacher read it per pupil -----------------------------------


def test_the_audit_page_lists_who_what_when_and_where_newest_first(from_address, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["teacher"])
    from_address.get(f"/pupils/{pupil.public_id}")
    login(world.users["senco"])
    from_address.post(f"/pupils/{pupil.public_id}/edit", data=_edit_form(pupil, preferred_name="Addy"))

    page = from_address.page(f"/pupils/{pupil.public_id}/audit")

    assert page.table_head("#audit-trail") == ["When", "Who", "What", "From where"]
    rows = page.table("#audit-trail")
    assert "Viewed this audit trail" in rows[0][2]
    assert "Changed the pupil's details: preferred name" in rows[1][2]
    assert "Senco" in rows[1][1] and "SENCO" in rows[1][1] and ADDRESS in rows[1][3]
    assert "Viewed the pupil's record" in rows[2][2]
    assert "Teacher" in rows[2][1] and "Class teacher" in rows[2][1]
    assert re.fullmatch(r"\d{1,2} \w+ 20\d\d at \d{1,2}:\d\d[ap]m", rows[0][0])
    assert "Addy" not in page.text("#audit-trail")  # what changed is named, not its value


def test_the_audit_page_is_paginated(from_address, world, login, session):
    pupil = world.pupils["taught"]
    for _ in range(60):
        audit.record(
            session, "pupil_viewed", actor=world.users["head"], pupil=pupil, object_type="pupil", object_id=pupil.id
        )
    session.commit()
    login(world.users["senco"])

    first = from_address.page(f"/pupils/{pupil.public_id}/audit")
    second = from_address.page(f"/pupils/{pupil.public_id}/audit?page=2")

    assert len(first.table("#audit-trail")) == 50  # a full page
    assert "page 1 of 2" in first.text('[role="status"]')
    assert f"/pupils/{pupil.public_id}/audit?page=2" in first.links(".govuk-pagination")
    assert "page 2 of 2" in second.text('[role="status"]')
    assert from_address.get(f"/pupils/{pupil.public_id}/audit?page=3").status_code == 404


def test_reading_the_audit_page_is_audited(from_address, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["head"])
    before = _last_event_id(session)

    from_address.get(f"/pupils/{pupil.public_id}/audit")

    assert [(e.action, e.pupil_id, e.user_id, e.remote_addr) for e in _events_since(session, before)] == [
        ("audit_viewed", pupil.id, world.users["head"].id, ADDRESS)
    ]


@pytest.mark.parametrize(
    ("role", "shown"), [("senco", True), ("head", True), ("teacher", False), ("admin", False), ("la", False)]
)
def test_the_pupil_page_links_to_the_audit_for_those_who_may_read_it(client, world, login, role, shown):
    pupil = world.pupils["untaught" if role == "la" else "taught"]
    login(world.users[role])

    page = client.page(f"/pupils/{pupil.public_id}")

    assert (f"/pupils/{pupil.public_id}/audit" in page.links()) is shown


@pytest.mark.parametrize("pupil_key", ["sibling_ehc", "foreign"])
def test_another_schools_pupils_audit_is_not_found(client, world, login, session, pupil_key):
    login(world.users["senco"])
    before = _last_event_id(session)

    assert client.get(f"/pupils/{world.pupils[pupil_key].public_id}/audit").status_code == 404
    assert [e.action for e in _events_since(session, before)] == ["access_refused"]  # no view


def test_every_audited_action_reads_as_words():
    """Each action the app records has a description on the audit page."""
    import pathlib

    source = "\n".join(p.read_text() for p in pathlib.Path(audit.__file__).parent.rglob("*.py"))
    actions = set(
        re.findall(
            # audit.record, audit.shown, and a workflow's own `_audit` about its records
            r"(?:audit\.(?:record(?:_for_pupils)?\(\s*(?:db\.)?session|shown\(\s*(?:db\.)?session,\s*\w+)"
            r'|\b_audit\(\s*session),\s*"([a-z_]+)"',
            source,
        )
    )
    actions |= {
        "intervention_place_added",
        "intervention_place_removed",
        "intervention_place_changed",
        "intervention_place_ended",
        "attendance_recorded",
        "audit_viewed",
    }
    pupil_actions = {
        a
        for a in actions
        if a
        not in {
            "signed_in",
            "session_kept",
            "signed_out",
            "sign_in_failed",
            "sign_in_throttled",
            "current_password_throttled",
            "password_changed",
            "staff_added",
            "staff_updated",
            "class_added",
            "class_updated",
            "term_added",
            "term_changed",
            "term_removed",
            "rule_settings_changed",
            "intervention_type_saved",
            "impact_scale_saved",
            "task_completed",
            "task_reassigned",
            "email_resent",
            "provision_map_viewed",
            "provision_map_printed",
            "provision_map_exported",
            "intervention_updated",
            "intervention_ended",
            "session_recorded",
            "dashboard_viewed",
            "dashboard_printed",
            "dashboard_exported",
            "dashboard_list_viewed",
            "dashboard_list_exported",
            "invitation_sent",
            "invitation_accepted",
            "invitation_link_refused",
            # account recovery and one's own sessions
            "password_reset_requested",
            "password_reset_throttled",
            "password_reset_link_refused",
            "password_reset",
            "session_ended_by_owner",
            "other_sessions_ended",
            "role_proposed",
            "role_proposal_withdrawn",
            "role_confirmed",
            "role_declined",
            "notifications_marked_read",
            "notification_emails_chosen",
            "notification_link_refused",
            "sen_report_drafted",
            "sen_report_saved",
            "sen_report_published",
            # Second factors of sign-in: about the account, never a pupil
            "second_factor_passed",
            "second_factor_failed",
            "second_factor_throttled",
            "second_factor_enrolled",
            "second_factor_removed",
            "second_factor_reset",
            "second_factor_requirement_changed",
            "recovery_codes_made",
            "recovery_code_used",
            # Security keys and passkeys (WebAuthn): about the person's own sign-in, never a pupil
            "webauthn_key_refused",
            "webauthn_key_not_added",
        }
    }

    assert {
        "pupil_viewed",
        "sen_status_changed",
        "passport_viewed",
        "review_saved",
    } <= pupil_actions  # the search finds them
    assert pupil_actions - audit.DESCRIPTIONS.keys() == set()


# --- Every page that shows a pupil, every refusal, names as they were, exports per pupil ---------

from tests.test_permissions import (  # noqa: E402
    HIDDEN_NEARBY,
    INTERVENTION,
    LEAVER,
    PUPIL,
    ROUTES,
    SEES,
    _expected,
    _target,
)

# A pupil's routes: of any pupil in reach, or of a leaver only (retention and destruction).
PUPIL_TARGETS = (PUPIL, LEAVER)
PUPIL_GET_RULES = sorted(
    rule for rule, route in ROUTES.items() if route.target in PUPIL_TARGETS and route.method == "GET"
)
PUPIL_RULES = sorted(rule for rule, route in ROUTES.items() if route.target in PUPIL_TARGETS)


def _seer(rule: str) -> str:
    """A role that is shown the page of a pupil it may see."""
    route = ROUTES[rule]
    return next(role for role in ("senco", "head", "teacher", "la", "admin") if route.expect.get(role) == 200)


def test_the_walk_covers_every_page_under_a_pupil(app):
    """Every GET route with a pupil in its URL, or one of a pupil's EHC records by its number, is
    walked below (the truth table holds them all)."""
    rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if ("<public_id>" in rule.rule or (rule.endpoint.startswith("ehc.") and "<int:" in rule.rule))
        and "GET" in rule.methods
    }
    assert rules == set(PUPIL_GET_RULES)


@pytest.mark.parametrize("rule", PUPIL_GET_RULES)
def test_every_page_that_shows_a_pupil_is_audited(from_address, world, login, session, foreign_group, rule):
    """Forms, SEN status, plan, review, letters, timeline and the rest: each GET that shows a pupil
    leaves an event in that pupil's trail, by the user, from their address."""
    role = _seer(rule)
    kind = "own" if ROUTES[rule].target == LEAVER else ("sees", SEES[role])
    target = _target(world, ROUTES[rule], kind, foreign_group, session)
    actor = world.users[role]
    login(actor)
    before = _last_event_id(session)

    response = from_address.get(ROUTES[rule].url(target))

    assert response.status_code == 200, rule
    mine = [e for e in _events_since(session, before) if e.pupil_id == target.pupil.id]
    assert mine, f"{rule}: no audit event for the pupil shown"
    assert all((e.user_id, e.remote_addr) == (actor.id, ADDRESS) for e in mine)


def _refusal(rule: str) -> tuple[str, tuple[str, str]]:
    """A role refused the route (403 if some role is refused the page itself, else 404 for a pupil
    beyond its reach), and the pupil it asks for."""
    route = ROUTES[rule]
    if route.target == LEAVER:
        return "teacher", "own"  # the school's leaver: the teacher is refused the page itself
    for role, expected in route.expect.items():
        if expected == 403 and role in SEES:
            return role, ("sees", SEES[role])
    return "teacher", ("hidden", HIDDEN_NEARBY["teacher"])


@pytest.mark.parametrize("rule", PUPIL_RULES)
def test_every_refusal_on_a_pupils_route_is_audited(from_address, world, login, session, foreign_group, rule):
    """A 403 or 404 on a pupil's route writes a refusal with the user, the route and the answer,
    and the pupil's id (never shown to the user); nothing else."""
    route = ROUTES[rule]
    role, kind = _refusal(rule)
    target = _target(world, route, kind, foreign_group, session)
    expected = _expected(route, role, kind)
    assert expected in (403, 404)
    actor = world.users[role]
    login(actor)
    before = _last_event_id(session)

    response = from_address.open(route.url(target), method=route.method)

    assert response.status_code == expected, rule
    events = _events_since(session, before)
    assert [(e.action, e.user_id, e.pupil_id, e.remote_addr) for e in events] == [
        ("access_refused", actor.id, target.pupil.id, ADDRESS)
    ], rule
    assert events[0].details["status"] == expected
    assert events[0].details["method"] == route.method
    assert events[0].details["endpoint"]


@pytest.mark.parametrize(
    ("role", "url"), [("governor", "/pupils/"), ("teacher", "/provision-map"), ("ta", "/pupils/left")]
)
def test_a_403_on_a_pupils_route_is_audited(from_address, world, login, session, role, url):
    """A page of pupils the user's roles do not open at all: refused (403) and audited, with the
    route and the user and no pupil."""
    actor = world.users[role]
    login(actor)
    before = _last_event_id(session)

    assert from_address.get(url).status_code == 403

    events = _events_since(session, before)
    assert [(e.action, e.user_id, e.pupil_id, e.remote_addr) for e in events] == [
        ("access_refused", actor.id, None, ADDRESS)
    ]
    assert events[0].details["status"] == 403


def test_a_refusal_on_an_intervention_is_audited(from_address, world, login, session, foreign_group):
    route = ROUTES["/interventions/<int:intervention_id>"]
    target = _target(world, route, "other-school", foreign_group, session)
    actor = world.users["senco"]
    login(actor)
    before = _last_event_id(session)

    assert from_address.get(route.url(target)).status_code == 404

    events = _events_since(session, before)
    assert [(e.action, e.user_id, e.pupil_id, e.object_type, e.object_id) for e in events] == [
        ("access_refused", actor.id, None, "intervention_id", str(target.intervention.id))
    ]
    assert route.target == INTERVENTION


def test_a_rename_leaves_the_trail_with_the_name_the_actor_had(from_address, world, login, session):
    """Renaming a member of staff rewrites no history: the events they wrote keep their old name."""
    teacher, head, pupil = world.users["teacher"], world.users["head"], world.pupils["taught"]
    old_name = teacher.full_name
    login(teacher)
    assert from_address.get(f"/pupils/{pupil.public_id}").status_code == 200
    teacher.full_name = "Renamed Person"
    session.commit()

    login(head)
    page = from_address.page(f"/pupils/{pupil.public_id}/audit")

    viewers = [row[1] for row in page.table("#audit-trail") if "Viewed the pupil's record" in row[2]]
    assert len(viewers) == 1 and old_name in viewers[0]
    assert "Renamed Person" not in page.html


@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("/provision-map", "named_in_provision_map"),
        ("/provision-map/print", "named_in_provision_map_print"),
        ("/provision-map/export", "named_in_provision_map_export"),
    ],
)
def test_the_provision_map_names_its_pupils_in_each_trail(from_address, world, login, session, url, action):
    senco = world.users["senco"]
    shown = [world.pupils["taught"], world.pupils["untaught"]]
    make_intervention(
        session, actor=senco, kind=make_intervention_type(session, actor=senco), deliverer=senco, pupils=shown
    )
    session.commit()
    login(senco)
    before = _last_event_id(session)

    assert from_address.get(url).status_code == 200

    events = _events_since(session, before)
    assert {e.pupil_id for e in events if e.action == action} == {p.id for p in shown}


def test_a_dashboard_list_names_its_pupils_in_each_trail(from_address, world, login, session):
    """The download of the pupils behind a figure appears in each named pupil's trail."""
    senco = world.users["senco"]
    login(senco)
    before = _last_event_id(session)

    response = from_address.get("/dashboard/figures/k_without_plan.csv")

    assert response.status_code == 200
    named = {e.pupil_id for e in _events_since(session, before) if e.action == "named_in_dashboard_export"}
    on_k = set(
        session.scalars(sa.select(SenStatus.pupil_id).where(SenStatus.end_date.is_(None), SenStatus.provision == "K"))
    )
    assert named and named <= on_k


def test_the_new_actions_read_as_words(from_address, world, login, session):
    for action in (
        "page_viewed",
        "access_refused",
        "named_in_provision_map_export",
        "named_in_dashboard_export",
        "named_in_dashboard_list",
    ):
        assert action in audit.DESCRIPTIONS
    event = AuditEvent(action="page_viewed", details={"endpoint": "cycles.plan"})
    assert audit.describe(event) == "Viewed a page of the pupil's record: the plan"


def test_a_task_page_that_names_a_pupil_is_audited_in_their_trail(from_address, world, login, session):
    from sentrack.models import Role, Task
    from sentrack.workflows.duty_catalogue import sync_catalogue

    senco, pupil = world.users["senco"], world.pupils["taught"]
    duty = sync_catalogue(session)["senco_supports_transition"]
    task = Task(
        school_id=world.school.id,
        duty_id=duty.id,
        subject_type="pupil",
        subject_id=pupil.id,
        period="",
        pupil_id=pupil.id,
        assigned_to_id=senco.id,
        for_role=Role.SENCO,
        title="Support the move",
        due_on=date(2026, 12, 18),
    )
    session.add(task)
    session.commit()
    login(senco)
    before = _last_event_id(session)

    assert from_address.get(f"/tasks/{task.id}").status_code == 200

    assert [(e.action, e.pupil_id, e.user_id, e.details) for e in _events_since(session, before)] == [
        ("page_viewed", pupil.id, senco.id, {"endpoint": "duties.task"})
    ]


# --- Pages that list pupils by name -----------------------------------------------------------


def _linked_pupils(session, response) -> set[int]:
    """The pupils the page links to (to their record or a page under it) by their public id: those it names."""
    links = (re.match(r"/pupils/([0-9a-f]{24})", href) for href in Page(response).links())
    public_ids = {link.group(1) for link in links if link}
    return set(session.scalars(sa.select(Pupil.id).where(Pupil.public_id.in_(public_ids)))) if public_ids else set()


def _named(session, before: int, action: str, actor) -> list[int]:
    events = [e for e in _events_since(session, before) if e.action == action]
    for named in events:
        assert (named.user_id, named.remote_addr) == (actor.id, ADDRESS)
    return sorted(e.pupil_id for e in events)


def test_each_page_of_the_pupil_list_audits_the_pupils_it_shows(app, from_address, world, login, session, monkeypatch):
    monkeypatch.setitem(app.config, "PUPILS_PER_PAGE", 2)
    senco = world.users["senco"]
    login(senco)
    shown = {}
    for number in (1, 2):
        before = _last_event_id(session)
        response = from_address.get(f"/pupils/?page={number}")
        assert response.status_code == 200
        shown[number] = _linked_pupils(session, response)
        assert len(shown[number]) == 2
        assert _named(session, before, "named_in_pupil_list", senco) == sorted(shown[number])
    assert not shown[1] & shown[2]


def test_the_leavers_list_audits_the_pupils_it_shows(from_address, world, login, session):
    leaver = world.pupils["untaught"]
    leaver.left_on, leaver.leaving_reason = date(2026, 11, 2), "Moved away from the area"
    session.commit()
    senco = world.users["senco"]
    login(senco)
    before = _last_event_id(session)

    response = from_address.get("/pupils/left")

    assert response.status_code == 200
    assert _linked_pupils(session, response) == {leaver.id}
    assert _named(session, before, "named_in_leavers_list", senco) == [leaver.id]


def test_the_intervention_list_audits_the_pupils_it_names_not_those_it_counts(from_address, world, login, session):
    senco, teacher = world.users["senco"], world.users["teacher"]
    make_intervention(
        session,
        actor=senco,
        kind=make_intervention_type(session, actor=senco),
        deliverer=teacher,
        pupils=[world.pupils["taught"], world.pupils["untaught"]],
    )
    session.commit()
    login(teacher)
    before = _last_event_id(session)

    page = from_address.page("/interventions/")

    assert "Ada Brook" in page
    assert _named(session, before, "named_in_intervention_list", teacher) == sorted(
        p.id
        for p in session.scalars(
            sa.select(Pupil).where(
                Pupil.first_name.in_([name for name in ("Ada", "Cara") if f"{name} " in page.text()])
            )
        )
    )


@pytest.mark.parametrize("role", ["teacher", "ta"])
def test_the_home_page_audits_each_pupil_it_names_once(from_address, world, login, session, role):
    senco, user = world.users["senco"], world.users[role]
    make_intervention(
        session,
        actor=senco,
        kind=make_intervention_type(session, actor=senco),
        deliverer=user,
        pupils=[world.pupils["taught"], world.pupils["untaught_k"]],
    )
    session.commit()
    login(user)
    before = _last_event_id(session)

    response = from_address.get("/")

    assert response.status_code == 200
    events = [e for e in _events_since(session, before) if e.action in ("named_on_home_page", "passport_viewed")]
    audited = [e.pupil_id for e in events]
    assert len(audited) == len(set(audited))
    assert set(audited) == _linked_pupils(session, response) | _named_in_text(session, response)
    assert audited
    assert not [e for e in _events_since(session, before) if e.action == "page_viewed"]


def _named_in_text(session, response) -> set[int]:
    """The pupils the page names in its text."""
    page = Page(response)
    return {pupil.id for pupil in session.scalars(sa.select(Pupil)) if pupil.full_name in page}


def test_the_list_actions_read_as_words():
    for action in ("named_in_pupil_list", "named_in_leavers_list", "named_in_intervention_list", "named_on_home_page"):
        assert action in audit.DESCRIPTIONS


@pytest.mark.parametrize("object_id", [None, 77])
def test_naming_pupils_writes_one_event_each_with_the_event_s_columns(app, world, session, object_id):
    """`record_for_pupils` (one statement on either database): a row for each pupil, with their own
    school, and the actor, action, object, address and details the same on every row."""
    head = world.users["head"]
    pupils = [world.pupils["untaught"], world.pupils["sibling_k"], world.pupils["foreign"]]
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.9"}):
        audit.record_for_pupils(
            session, "named_in_probe", actor=head, pupils=pupils, object_id=object_id, details={"list": "probe"}
        )
    session.flush()
    found = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "named_in_probe")).all()
    assert sorted((e.pupil_id, e.school_id, e.object_id) for e in found) == sorted(
        (p.id, p.school_id, str(p.id if object_id is None else object_id)) for p in pupils
    )
    assert {p.school_id for p in pupils} >= {world.school.id, world.sibling.id}
    assert {(e.user_id, e.actor_name, e.object_type, e.remote_addr) for e in found} == {
        (head.id, head.full_name, "pupil", "192.0.2.9")
    }
    assert [e.details for e in found] == [{"list": "probe"}] * 3
    assert len({e.occurred_at for e in found}) == 1 and found[0].occurred_at is not None
