"""A form sent twice is saved once: every form that creates a record carries a one-time token.

The same POST twice (a double click, or Back then Save) is answered the second time with the
redirect the first got, and writes nothing more; a post without a token, or with a garbled one,
another user's or an out-of-date one, is refused with a message and stores nothing; two identical
posts at the same moment (threads, on a SQLite file and on PostgreSQL) store one record.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack import create_app, submissions
from sentrack.auth.sessions import start_session
from sentrack.extensions import db
from sentrack.models import (
    Concern,
    FormSubmission,
    Intervention,
    ParentLetter,
    ParentMeeting,
    SupportCycle,
)
from sentrack.scheduler import run_sweep_job
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER
from sentrack.workflows.sweep import run_sweep
from tests import factories
from tests.conftest import TODAY, FreshGlobalsClient
from tests.factories import make_intervention_type
from tests.helpers import count, date_parts, own_postgresql_database, rows, text
from tests.test_cycles_views import _assessment_form, _outcome_form, _plan_form, _review_form
from tests.test_fuzz_forms import snapshot
from tests.test_interventions_views import _catalogue_form
from tests.test_meetings_views import _meeting_form, _term
from tests.test_pupils import _concern_form, _contact_form, _pupil_form, _status_form
from tests.test_roll import _leaving_form
from tests.test_staff import _member_form


def _rows(session) -> dict:
    """Every row of every table but the tokens' own (and when sessions were last seen)."""
    rows = snapshot(session)
    rows.pop("form_submission")
    return rows


@pytest.fixture
def as_browser(client):
    """A client that sends only the submission tokens the pages gave it, as a browser does."""
    client.sends_submission_tokens = False
    return client


def test_every_create_form_saves_once_when_sent_twice(as_browser, world, login, session):
    """The year of a pupil's record, made through the pages: each form that creates a record is
    opened, then sent twice with the token its page carried. The first post saves; the second is
    answered with the same redirect and changes nothing."""
    client = as_browser
    senco, teacher, ta, head = world.users["senco"], world.users["teacher"], world.users["ta"], world.users["head"]
    pupil = world.pupils["taught_plain"]
    base = f"/pupils/{pupil.public_id}"
    sent = []

    def twice(actor, url, data=None, *, page=None, action=None):
        """Open `page` (the form itself unless named), take its token and post `data` twice."""
        login(actor)
        token = client.page(page or url).submission_token(action)
        posted = {**(data or {}), submissions.FIELD: token}
        before = _rows(session)
        first = client.post(url, data=posted)
        assert first.status_code == 302, f"{url}: {first.status_code} {text(first)[:300]}"
        after_first = _rows(session)
        assert after_first != before, f"{url}: the first post saved nothing"
        second = client.post(url, data=posted)
        assert second.status_code == 302, f"{url}: the repeat answered {second.status_code}"
        assert second.headers["Location"] == first.headers["Location"], url
        assert _rows(session) == after_first, f"{url}: the repeat saved something"
        sent.append(url)
        return first

    twice(senco, "/pupils/new", _pupil_form(groups=[str(world.group.id)]))
    twice(senco, f"{base}/contacts/new", _contact_form())
    twice(
        senco,
        f"{base}/sen-status",
        _status_form(provision="K", primary="SPLD", reason="Screening showed decoding difficulties"),
    )
    twice(teacher, f"{base}/concerns/new", _concern_form())
    concern = session.scalar(sa.select(Concern).where(Concern.pupil_id == pupil.id))
    twice(
        senco,
        f"{base}/concerns/{concern.id}/decide",
        {
            "decision": "no_further_action",
            "reason": "Class strategies are working",
            "decided_on": date_parts(date(2026, 11, 24)),
            "version": str(concern.version),
        },
    )
    letter = session.scalar(
        sa.select(ParentLetter).where(ParentLetter.pupil_id == pupil.id, ParentLetter.kind == SEN_SUPPORT_LETTER)
    )
    twice(
        senco,
        f"{base}/letters/{letter.id}/sent",
        page=f"{base}/letters/{letter.id}",
        action=f"{base}/letters/{letter.id}/sent",
    )

    twice(senco, f"{base}/cycles", page=base, action=f"{base}/cycles")
    cycle = f"{base}/cycles/1"
    twice(senco, f"{cycle}/assessment", _assessment_form())
    twice(senco, f"{cycle}/move/finish_assessment", page=cycle, action=f"{cycle}/move/finish_assessment")
    twice(senco, f"{cycle}/plan", _plan_form(version="0"))
    twice(senco, f"{cycle}/outcomes/new", _outcome_form())
    found = session.scalar(sa.select(SupportCycle).where(SupportCycle.pupil_id == pupil.id))
    twice(senco, f"{cycle}/start", {"primary_need": "SPLD", "secondary_need": ""})
    twice(
        teacher,
        f"{cycle}/observations/new",
        {
            "observed_on": date_parts(date(2026, 11, 10)),
            "outcome": str(found.outcomes[0].id),
            "note": "Read 8 of 10 words",
        },
    )
    twice(senco, f"{cycle}/move/start_review", page=cycle, action=f"{cycle}/move/start_review")
    session.expire_all()
    twice(senco, f"{cycle}/review", _review_form(found, version=str(found.review.version)))
    session.expire_all()
    twice(senco, f"{cycle}/review", _review_form(found, version=str(found.review.version), record=True))

    twice(teacher, f"{base}/meetings/new", _meeting_form(world, held_on=date_parts(date(2026, 11, 19))))
    twice(
        teacher,
        f"{base}/meetings/plan",
        {"planned_for": date_parts(date(2026, 12, 10)), "mode": "in_person", "led_by_id": str(teacher.id)},
    )
    planned = session.scalar(
        sa.select(ParentMeeting).where(ParentMeeting.pupil_id == pupil.id, ParentMeeting.held_on.is_(None))
    )
    twice(
        teacher,
        f"{base}/meetings/{planned.id}/record",
        _meeting_form(
            world, held_on=date_parts(date(2026, 11, 26)), shared_with_parents_on=date_parts(date(2026, 11, 26))
        ),
    )
    held = session.scalar(
        sa.select(ParentMeeting).where(
            ParentMeeting.pupil_id == pupil.id, ParentMeeting.shared_with_parents_on.is_(None)
        )
    )
    twice(teacher, f"{base}/meetings/{held.id}/shared", {"shared_with_parents_on": date_parts(date(2026, 11, 27))})

    entry = make_intervention_type(session, actor=senco)
    session.commit()
    setup = f"/interventions/new?type={entry.id}&group={world.group.id}&chosen=1"
    twice(
        senco,
        setup,
        {
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
        },
    )
    intervention = session.scalar(sa.select(Intervention).where(Intervention.name == "Phonics group"))
    twice(
        ta,
        f"/interventions/{intervention.id}/sessions/new",
        {"held_on": date_parts(date(2026, 11, 25)), "attended": [str(pupil.id)], "note": "Good focus"},
    )
    register = intervention.sessions[0]  # of 25 November, taken by the assistant
    twice(
        ta,
        f"/interventions/{intervention.id}/sessions/{register.id}/correct",
        {"version": str(register.version), "happened": "yes", **rows({"pupil": str(pupil.id), "mark": "ill"})},
    )
    twice(
        ta,
        f"/interventions/{intervention.id}/sessions/quick",
        page="/",
        action=f"/interventions/{intervention.id}/sessions/quick",
    )
    twice(senco, f"/interventions/{intervention.id}/end", {"ended_on": date_parts(date(2026, 11, 27))})
    twice(
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
    )

    run_sweep(session, TODAY, codes=["teacher_acknowledges_passport"])
    session.commit()
    taught = world.pupils["taught"]
    twice(
        teacher,
        f"/pupils/{taught.public_id}/passport/read",
        page="/",
        action=f"/pupils/{taught.public_id}/passport/read",
    )

    twice(senco, "/interventions/catalogue/new", _catalogue_form(name="Reading buddies"))
    twice(senco, "/settings/terms/new", _term(2026, "autumn", date(2026, 9, 2), date(2026, 12, 18)))
    twice(head, "/staff/new", _member_form())
    twice(
        head,
        "/staff/classes/new",
        {"name": "5 Birch", "year_group": "5", "kind": "registration", "teachers": [str(teacher.id)]},
    )
    twice(
        senco, f"/pupils/{world.pupils['untaught'].public_id}/leaving", _leaving_form(date(2026, 12, 7), detail="Leeds")
    )

    assert len(sent) == 32


# EHC plans


def test_the_ehc_plan_forms_save_once_when_sent_twice(as_browser, world, login, session):
    """Recording a plan, changing it, adding a document (a multipart upload, sent afresh each time,
    as a browser resends the file) and ceasing it: the repeat is answered with the first's
    redirect and stores nothing."""
    import io

    from sentrack.models import EhcPlan
    from tests.test_ehc_documents import PDF
    from tests.test_ehc_plans import _cease_form, _edit_form, _plan_form

    client = as_browser
    pupil = world.pupils["untaught"]

    def twice(actor, url, data, multipart=False):
        login(actor)
        token = client.page(url).submission_token()
        before = _rows(session)
        answers = []
        for _ in range(2):
            posted = {**data(), submissions.FIELD: token}
            kwargs = {"content_type": "multipart/form-data"} if multipart else {}
            answers.append(client.post(url, data=posted, **kwargs))
            if len(answers) == 1:
                assert answers[0].status_code == 302, f"{url}: {answers[0].status_code} {text(answers[0])[:300]}"
                after_first = _rows(session)
                assert after_first != before, f"{url}: the first post saved nothing"
        assert answers[1].status_code == 302 and answers[1].headers["Location"] == answers[0].headers["Location"]
        assert _rows(session) == after_first, f"{url}: the repeat saved something"

    twice(world.users["senco"], f"/pupils/{pupil.public_id}/ehc/plans/new", _plan_form)
    plan = session.scalar(sa.select(EhcPlan).where(EhcPlan.pupil_id == pupil.id))
    # The needs kept, so that "E" has no new period to cease before.
    twice(
        world.users["la"],
        f"/ehc/plans/{plan.id}/edit",
        lambda: _edit_form(plan, primary_need="ASD", secondary_need="SLCN"),
    )
    twice(
        world.users["senco"],
        f"/ehc/plans/{plan.id}/documents/new",
        lambda: {"kind": "plan", "title": "Final plan", "file": (io.BytesIO(PDF), "plan.pdf")},
        multipart=True,
    )
    session.expire_all()
    plan = session.get(EhcPlan, plan.id)
    twice(world.users["la"], f"/ehc/plans/{plan.id}/cease", lambda: _cease_form(plan))


def test_a_letter_template_saves_once_when_sent_twice(as_browser, world, login, session):
    """The first save of a school's wording creates its template: the repeat is answered with the
    first's redirect and stores nothing."""
    from sentrack.models import LetterTemplate

    url = "/letter-templates/s68"
    login(world.users["senco"])
    token = as_browser.page(url).submission_token()
    posted = {"title": "For {pupil_name}", "body": "Dear {parent_names}", "version": "0", submissions.FIELD: token}

    first = as_browser.post(url, data=posted)
    after_first = _rows(session)
    second = as_browser.post(url, data=posted)

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert _rows(session) == after_first
    assert count(session, LetterTemplate) == 1


def _concern_page(client, pupil) -> tuple[str, dict]:
    url = f"/pupils/{pupil.public_id}/concerns/new"
    token = client.page(url).submission_token()
    return url, {**_concern_form(), submissions.FIELD: token}


def _flashed(page, message: str) -> bool:
    """Whether a message flashed at the top of `page` starts with `message`."""
    return any(flashed.startswith(message) for flashed in page.flashes())


def _concerns(session, pupil) -> int:
    session.expire_all()
    return count(session, Concern, Concern.pupil_id == pupil.id)


def test_back_then_save_again_is_answered_as_the_first_save(as_browser, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["teacher"])
    url, data = _concern_page(as_browser, pupil)

    first = as_browser.post(url, data=data)
    as_browser.get(first.headers["Location"])  # the pupil page, where the first save was reported
    second = as_browser.post(url, data=data)  # Back to the form, Save again

    assert second.headers["Location"] == first.headers["Location"] == f"/pupils/{pupil.public_id}#concerns"
    assert _concerns(session, pupil) == 1


def test_a_post_without_a_token_is_refused_with_a_message(as_browser, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["teacher"])
    url = f"/pupils/{pupil.public_id}/concerns/new"

    page = as_browser.post_page(url, data=_concern_form(), follow_redirects=True)

    assert _flashed(page, "Nothing was saved: the form was sent without the code that stops it being saved twice")
    assert _concerns(session, pupil) == 0


@pytest.mark.parametrize(
    "token",
    ["", "   ", "garbled", "x" * 1000, "WzEsImFiYyJd.abc.def", "<script>alert(1)</script>"],
    ids=["empty", "spaces", "garbled", "too-long", "bad-signature", "markup"],
)
def test_a_garbled_token_is_refused_with_a_message(as_browser, world, login, session, token):
    pupil = world.pupils["taught"]
    login(world.users["teacher"])
    url = f"/pupils/{pupil.public_id}/concerns/new"

    page = as_browser.post_page(url, data={**_concern_form(), submissions.FIELD: token}, follow_redirects=True)

    assert _flashed(page, "Nothing was saved")
    assert "<script>alert(1)" not in page.html
    assert _concerns(session, pupil) == 0


def test_a_token_of_another_user_is_refused(app, as_browser, world, login, session):
    """The SENCO's token, taken from the SENCO's page, is useless to the teacher, even unused."""
    pupil = world.pupils["taught"]
    login(world.users["senco"])
    url, data = _concern_page(as_browser, pupil)
    login(world.users["teacher"])

    page = as_browser.post_page(url, data=data, follow_redirects=True)

    assert _flashed(page, "Nothing was saved: the form was out of date or was not opened from your account")
    assert _concerns(session, pupil) == 0


def test_a_used_token_of_another_user_does_not_give_away_their_answer(app, as_browser, world, login, session):
    pupil = world.pupils["taught"]
    login(world.users["senco"])
    url, data = _concern_page(as_browser, pupil)
    assert as_browser.post(url, data=data).status_code == 302
    login(world.users["teacher"])

    response = as_browser.post(url, data=data)

    assert response.headers["Location"] == url  # back to the form, refused: not the SENCO's answer
    assert _concerns(session, pupil) == 1


def test_an_out_of_date_token_is_refused(app, as_browser, world, login, session, monkeypatch):
    pupil = world.pupils["taught"]
    login(world.users["teacher"])
    url = f"/pupils/{pupil.public_id}/concerns/new"
    long_ago = int(datetime.now(UTC).timestamp() - submissions.MAX_AGE.total_seconds() - 60)
    with monkeypatch.context() as then:
        then.setattr("itsdangerous.timed.TimestampSigner.get_timestamp", lambda self: long_ago)
        token = submissions.issue(world.users["teacher"].id)

    page = as_browser.post_page(url, data={**_concern_form(), submissions.FIELD: token}, follow_redirects=True)

    assert _flashed(page, "Nothing was saved: the form was out of date")
    assert _concerns(session, pupil) == 0


def test_a_refused_token_still_lets_the_access_check_answer_first(as_browser, world, login, session):
    """Without a token, a pupil outside the user's reach is still not found: the token is checked
    at the first write, after the view's own checks."""
    login(world.users["teacher"])

    response = as_browser.post(f"/pupils/{world.pupils['untaught'].public_id}/concerns/new", data=_concern_form())

    assert response.status_code == 404


def test_a_form_with_errors_keeps_its_token_unused(as_browser, world, login, session):
    """A post refused for its fields saves nothing, so the same token saves the corrected form."""
    pupil = world.pupils["taught"]
    login(world.users["teacher"])
    url, data = _concern_page(as_browser, pupil)

    refused = as_browser.post(url, data={**data, "description": ""})
    saved = as_browser.post(url, data=data)

    assert refused.status_code == 200
    assert saved.status_code == 302
    assert _concerns(session, pupil) == 1


def test_the_daily_job_purges_tokens_older_than_a_day(app, world, session):
    now = datetime.now(UTC)
    user = world.users["senco"]
    session.add_all(
        [
            FormSubmission(
                token_hash="a" * 64, user_id=user.id, created_at=now - timedelta(days=1, minutes=1), location="/"
            ),
            FormSubmission(token_hash="b" * 64, user_id=user.id, created_at=now - timedelta(hours=23), location="/"),
        ]
    )
    session.commit()

    result = run_sweep_job(app)

    session.expire_all()
    assert result["form_tokens_purged"] == 1
    assert list(session.scalars(sa.select(FormSubmission.token_hash))) == ["b" * 64]


def test_the_sweep_command_purges_tokens_older_than_a_day_too(app, world, session):
    user = world.users["senco"]
    session.add(
        FormSubmission(
            token_hash="c" * 64, user_id=user.id, created_at=datetime.now(UTC) - timedelta(days=2), location="/"
        )
    )
    session.commit()

    result = app.test_cli_runner().invoke(args=["sweep", "--json"])

    assert result.exit_code == 0, result.output
    session.expire_all()
    assert count(session, FormSubmission) == 0


# --- Two identical posts at the same moment ----------------------------------------------------


def _race(url_of_database: str, tmp_path) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url_of_database, "TODAY": TODAY})
    app.test_client_class = FreshGlobalsClient
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        world = factories.build_world(db.session)
        db.session.commit()
        teacher, pupil = world.users["teacher"], world.pupils["taught"]
        url = f"/pupils/{pupil.public_id}/concerns/new"
        clients = []
        for _ in range(2):
            client = app.test_client()
            client.sends_submission_tokens = False
            token = start_session(db.session, teacher, remote_addr="127.0.0.1", user_agent="pytest")
            db.session.commit()
            with client.session_transaction() as cookie:
                cookie["_user_id"] = token
                cookie["_fresh"] = True
            clients.append(client)
        form_token = clients[0].page(url).submission_token()
        pupil_id, expected = pupil.id, f"/pupils/{pupil.public_id}#concerns"
        db.session.remove()

    data = {**_concern_form(), submissions.FIELD: form_token}
    answers: list = [None, None]
    start = threading.Barrier(2)

    def post(index: int) -> None:
        with app.app_context():
            start.wait()
            answers[index] = clients[index].post(url, data=data)
            db.session.remove()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with app.app_context():
        assert count(db.session, Concern, Concern.pupil_id == pupil_id) == 1
        assert [a.status_code for a in answers] == [302, 302]
        assert answers[0].headers["Location"] == answers[1].headers["Location"] == expected
        db.session.remove()
        db.engine.dispose()


@pytest.mark.no_transaction
def test_two_identical_posts_at_once_on_a_sqlite_file_save_one_record(tmp_path):
    _race(f"sqlite:///{tmp_path / 'race.sqlite'}", tmp_path)


@pytest.mark.no_transaction
def test_two_identical_posts_at_once_on_postgresql_save_one_record(tmp_path):
    import os

    url = os.environ.get("SENTRACK_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    with own_postgresql_database(url, f"sentrack_race_{os.getpid()}") as own:
        _race(own, tmp_path)


def test_the_views_that_create_records_save_once(app):
    """The views decorated with `once`: each is sent twice in the walk above. A new form that
    creates a record is added here and to the walk."""
    saved_once = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "saved_once", False)}

    assert saved_once == {
        "pupils.new",
        "pupils.contact",
        "pupils.sen_status",
        "pupils.raise_concern_view",
        "pupils.leaving",
        "pupils.passport_read",
        "cycles.open_new",
        "cycles.move",
        "cycles.assessment",
        "cycles.plan",
        "cycles.outcome_new",
        "cycles.outcome_edit",
        "cycles.start",
        "cycles.observation",
        "cycles.review",
        "cycles.letter_sent",
        "cycles.decide_concern",
        "meetings.record",
        "meetings.record_planned",
        "meetings.plan",
        "meetings.shared",
        "meetings.term_new",
        "meetings.term_edit",
        "meetings.correct",  # sent twice in tests/test_meeting_records.py
        "interventions.new",
        "interventions.record_session",
        "interventions.correct_register",
        "interventions.quick_register",
        "interventions.end",
        "interventions.impact",
        "interventions.catalogue_new",
        "interventions.catalogue_edit",
        # The bank of outcomes (sent twice in tests/test_review_flow.py)
        "outcome_bank.new",
        "outcome_bank.edit",
        "staff.member_new",
        "staff.group_new",
        "staff.group_edit",
        # EHC plans
        "ehc.new_plan",
        "ehc.edit_plan",
        "ehc.cease_plan",
        "ehc.new_document",
        # EHC reviews (sent twice in test_each_ehc_review_step_saves_once_when_sent_twice)
        "ehc.new_review",
        "ehc.review_meeting",
        "ehc.review_report",
        "ehc.review_decision",
        "ehc.review_amendments",
        # EHC requests (sent twice in test_each_ehc_request_form_that_creates_a_record_saves_once)
        "ehc.new_request",
        "ehc.ask_advice",
        "ehc.new_exception",
        "ehc.issue_final",
        # The school's letter templates (sent twice in test_a_letter_template_saves_once_when_sent_twice)
        "letters.template",
        # The SEN information report (sent twice in test_the_sen_report_forms_save_once_when_sent_twice)
        "reports.draft",
        "reports.edit",
        "reports.publish",
        # A leaver's SEN file and transfers (sent twice in tests/test_transfers.py)
        "transfers.download_ctf",
        "transfers.download_pack",
        "transfers.confirm",
        # Imports from the MIS (sent twice in tests/test_ctf_import_views.py)
        "imports.upload",
        # The year end and a class's pupils (sent twice in tests/test_year_end.py and
        # tests/test_class_membership.py)
        "yearend.preview",
        "yearend.class_pupils",
        # Second factors of sign-in (sent twice in test_the_second_factor_forms_save_once_when_sent_twice)
        "auth.totp_enrol",
        "auth.recovery_codes_new",
        "auth.second_factor_reset_post",
        # A security key or passkey added (sent twice in tests/test_webauthn.py)
        "auth.webauthn_add",
        # Subject access (sent twice in tests/test_subject_access.py)
        "access_requests.new",
        "access_requests.withhold",
        # Retention and destruction (sent twice in tests/test_destruction.py; a legal hold sent
        # twice is refused by its rule: one stands at a time)
        "retention.destroy",
    }


# EHC reviews


def test_each_ehc_review_step_saves_once_when_sent_twice(as_browser, world, login, session):
    """An EHC plan's annual review through its pages, each step's form sent twice with the token its
    page carried: the first post saves, the second is answered with the same redirect."""
    from sentrack.models import EhcPlan, EhcReview, NeedType

    client = as_browser
    pupil = world.pupils["untaught"]  # on "E": the SENCO's and the LA officer's
    plan = EhcPlan(
        pupil_id=pupil.id,
        local_authority_id=world.la.id,
        issued_on=date(2025, 12, 1),
        named_setting="Oak Primary",
        primary_need=NeedType.ASD,
    )
    session.add(plan)
    session.commit()

    def twice(actor, url, data):
        login(actor)
        posted = {**data, submissions.FIELD: client.page(url).submission_token()}
        before = _rows(session)
        first = client.post(url, data=posted)
        assert first.status_code == 302, f"{url}: {first.status_code} {text(first)[:300]}"
        after_first = _rows(session)
        assert after_first != before, f"{url}: the first post saved nothing"
        second = client.post(url, data=posted)
        assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"], url
        assert _rows(session) == after_first, f"{url}: the repeat saved something"

    senco, officer = world.users["senco"], world.users["la"]
    convene = {
        "kind": "annual",
        "meeting_on": date_parts(date(2026, 11, 20)),
        "convened_on": date_parts(date(2026, 11, 2)),
    }
    twice(senco, f"/ehc/plans/{plan.id}/reviews/new", convene)
    review = session.scalar(sa.select(EhcReview).where(EhcReview.plan_id == plan.id))
    base = f"/ehc/reviews/{review.id}"
    meeting = {
        "held_on": date_parts(date(2026, 11, 20)),
        "attendees": "Mother; SENCO",
        "pupil_views": "Likes the group",
        "summary": "Good progress",
        "recommendation": "amend",
    }
    twice(senco, f"{base}/meeting", meeting)
    twice(senco, f"{base}/report", {"report_sent_on": date_parts(TODAY)})
    twice(officer, f"{base}/decision", {"la_decision": "amend", "la_decided_on": date_parts(TODAY)})
    twice(officer, f"{base}/amendments", {"amendments_proposed_on": date_parts(TODAY)})
    twice(officer, f"{base}/amendments", {"amended_final_on": date_parts(TODAY)})
    session.expire_all()
    assert review.amended_final_on == TODAY


# --- EHC requests ---


def test_each_ehc_request_form_that_creates_a_record_saves_once(as_browser, world, login, session):
    """The SENCO records a request; the LA officer asks for advice, records an exception and, the
    decisions and the draft recorded, the final plan: each sent twice with its page's token, the
    second answered with the first's redirect and saving nothing."""
    from sentrack.models import EhcRequest

    client = as_browser
    senco, officer = world.users["senco"], world.users["la"]
    pupil = world.pupils["taught"]

    def twice(actor, url, data):
        login(actor)
        posted = {**data, submissions.FIELD: client.page(url).submission_token()}
        before = _rows(session)
        first = client.post(url, data=posted)
        assert first.status_code == 302, f"{url}: {first.status_code} {text(first)[:300]}"
        after_first = _rows(session)
        assert after_first != before, f"{url}: the first post saved nothing"
        second = client.post(url, data=posted)
        assert second.headers["Location"] == first.headers["Location"], url
        assert _rows(session) == after_first, f"{url}: the repeat saved something"

    twice(
        senco,
        f"/pupils/{pupil.public_id}/ehc/requests/new",
        {"requested_by": "parent", "requester_detail": "Mother", "received_on": date_parts(date(2026, 9, 7))},
    )
    request = session.scalar(sa.select(EhcRequest).where(EhcRequest.pupil_id == pupil.id))
    base = f"/ehc/requests/{request.id}"
    login(officer)
    client.sends_submission_tokens = True
    client.post(f"{base}/assessment-decision", data={"decision": "agreed", "decided_on": date_parts(date(2026, 10, 5))})
    client.sends_submission_tokens = False
    twice(officer, f"{base}/advice/new", {"adviser": "Health", "asked_on": date_parts(date(2026, 10, 6))})
    twice(
        officer,
        f"{base}/exceptions/new",
        {"kind": "personal", "starts_on": date_parts(date(2026, 10, 8)), "reason": "Bereavement"},
    )
    client.post(f"{base}/plan-decision", data={"decision": "issue", "decided_on": date_parts(date(2026, 11, 2))})
    client.post(f"{base}/draft", data={"draft_sent_on": date_parts(date(2026, 11, 3))})
    twice(
        officer,
        f"{base}/final-plan",
        {"issued_on": date_parts(date(2026, 11, 26)), "named_setting": "Oak Primary", "primary_need": "SPLD"},
    )
    session.expire_all()
    assert request.final_issued_on == date(2026, 11, 26)


# The SEN information report


def test_the_sen_report_forms_save_once_when_sent_twice(as_browser, world, login, session):
    """Writing this year's report (which begins it), drafting its figure sections and publishing it:
    each sent twice with the token its page carried; the repeat is answered with the first's
    redirect and stores nothing."""
    from sentrack.workflows.sen_report import REPORT_FIELDS

    client = as_browser
    login(world.users["senco"])
    page_url = "/sen-report/2026"

    def twice(url, data, *, page):
        token = client.page(page).submission_token(url if page != url else None)
        posted = {**data, submissions.FIELD: token}
        before = _rows(session)
        first = client.post(url, data=posted)
        assert first.status_code == 302, f"{url}: {first.status_code} {text(first)[:300]}"
        after_first = _rows(session)
        assert after_first != before, f"{url}: the first post saved nothing"
        second = client.post(url, data=posted)
        assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"], url
        assert _rows(session) == after_first, f"{url}: the repeat saved something"

    sections = {key: f"What the school does: {heading.lower()}." for key, heading in REPORT_FIELDS.items()}
    twice(f"{page_url}/edit", {**sections, "version": "0"}, page=f"{page_url}/edit")
    twice(f"{page_url}/draft", {}, page=page_url)
    version = client.page(page_url).value("version")
    twice(f"{page_url}/publish", {"version": version}, page=page_url)


# Second factors of sign-in


def test_the_second_factor_forms_save_once_when_sent_twice(as_browser, world, login, session):
    """Setting up the app, new recovery codes and a colleague's reset, each sent twice: the
    repeat is answered as the first and saves nothing more (no second set of codes, no second
    email)."""
    import time

    import pyotp

    from sentrack.models import Notification, RecoveryCode, TotpFactor

    client = as_browser
    teacher, head = world.users["teacher"], world.users["head"]

    def twice(actor, url, data, page):
        """`data`: what to post, or a function of the page opened (the code its key makes)."""
        login(actor)
        opened = client.page(page)
        token = opened.submission_token(None if page == url else url)
        posted = {**(data(opened) if callable(data) else data), submissions.FIELD: token}
        first = client.post(url, data=posted)
        assert first.status_code == 302, f"{url}: {first.status_code} {text(first)[:300]}"
        after_first = _rows(session)
        second = client.post(url, data=posted)
        assert second.headers["Location"] == first.headers["Location"], url
        assert _rows(session) == after_first, f"{url}: the repeat saved something"
        return first

    def code_for(page):
        return {"code": pyotp.TOTP(page.text("#totp-key").replace(" ", "")).at(time.time())}

    twice(teacher, "/account/security/authenticator", code_for, "/account/security/authenticator")
    assert count(session, TotpFactor, TotpFactor.user_id == teacher.id) == 1
    first_codes = set(session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == teacher.id)))

    twice(teacher, "/account/security/recovery-codes/new", {}, "/account/security")
    new_codes = set(session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == teacher.id)))
    assert len(new_codes) == 10 and not new_codes & first_codes

    reset = f"/account/security/resets/{teacher.id}/reset"
    twice(head, reset, {}, f"/account/security/resets/{teacher.id}")
    assert count(session, TotpFactor, TotpFactor.user_id == teacher.id) == 0
    assert count(session, Notification, Notification.recipient_id == teacher.id) == 1
