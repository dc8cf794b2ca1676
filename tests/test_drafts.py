"""Nothing typed is lost: drafts of long forms, kept while typing and when a session ends before
the form is saved, offered back when the form is opened again; all of a form's errors at once;
and the characters left in every long text field.

The review form of a support cycle stands for every long form (the same hook serves each); the
app's date is 27 Nov 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from sentrack import submissions
from sentrack.clock import now
from sentrack.models import AuditEvent, CycleState, Draft, Review, Role, UserSession
from sentrack.scheduler import run_sweep_job
from sentrack.workflows import drafts as flow
from tests.factories import HELD_ON, make_user
from tests.helpers import audit_events, count, date_parts
from tests.pages import Page
from tests.test_cycles_views import _drive, _review_form, _url

TYPED = "Ada says the reading group helps; she wants to keep it"


@pytest.fixture
def senco(client, world, login):
    return login(world.users["senco"])


@pytest.fixture
def cycle(session, world):
    return _drive(session, world, CycleState.REVIEW)


def _keep_url(cycle, rest: str = "/review") -> str:
    return "/drafts/keep" + _url(cycle, rest)


def _typed(cycle, **changes) -> dict:
    """The review form as its page's script sends it while someone types: unfinished."""
    return _review_form(cycle, version=0, **{"pupil_views": TYPED, **changes})


def _drafts(session) -> list[Draft]:
    session.expire_all()
    return list(session.scalars(sa.select(Draft).order_by(Draft.id)))


def _end_session_by(session, reason: str | None = None, *, idle: bool = False) -> None:
    """Make the signed-in session end: idle longer than the timeout (ended by the next request),
    or ended already for `reason`."""
    row = session.scalars(sa.select(UserSession).where(UserSession.ended_at.is_(None))).one()
    if idle:
        row.last_seen_at = datetime.now(UTC) - current_app.config["SESSION_IDLE_TIMEOUT"] - timedelta(seconds=5)
    else:
        row.ended_at, row.ended_reason = datetime.now(UTC), reason
    session.commit()


# --- Kept while typing --------------------------------------------------------------------------


def test_what_is_typed_is_kept_as_the_persons_draft_without_the_pages_tokens(senco, world, session, cycle):
    response = senco.post(_keep_url(cycle), data=_typed(cycle), headers={"Accept": "application/json"})

    assert response.status_code == 200
    answer = response.get_json()
    assert answer["kept"] is True
    assert answer["saved_at"].endswith(("am", "pm"))
    assert 0 < answer["idle_left"] <= current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    (draft,) = _drafts(session)
    assert draft.user_id == world.users["senco"].id
    assert draft.form_key == f"cycles.review:number={cycle.number},public_id={cycle.pupil.public_id}"
    assert draft.fields["pupil_views"] == [TYPED]
    assert draft.fields["held_on"] == date_parts(HELD_ON)  # a date's three parts, as posted
    assert not {"csrf_token", submissions.FIELD, "save", "record"} & draft.fields.keys()
    # Nothing was saved to the review itself.
    assert session.get(Review, cycle.review.id).pupil_views is None


def test_typing_on_replaces_the_draft_and_only_its_start_is_audited(senco, session, cycle):
    senco.post(_keep_url(cycle), data=_typed(cycle))
    senco.post(_keep_url(cycle), data=_typed(cycle, pupil_views=TYPED + " every day"))

    (draft,) = _drafts(session)
    assert draft.fields["pupil_views"] == [TYPED + " every day"]
    (event,) = audit_events(session, "draft_saved")
    assert (event.pupil_id, event.object_type) == (cycle.pupil_id, "draft")
    assert event.details == {"endpoint": "cycles.review"}


def test_an_empty_form_keeps_nothing(senco, session, cycle):
    response = senco.post(_keep_url(cycle), data={})

    assert response.status_code == 200
    assert response.get_json()["kept"] is False
    assert _drafts(session) == []


@pytest.mark.parametrize(
    ("role", "pupil_key"),
    [("senco", "foreign"), ("senco", "sibling_k"), ("teacher", "taught"), ("head", "taught"), ("ta", "taught")],
)
def test_a_draft_of_a_form_the_person_may_not_open_is_refused_as_the_form_is(
    client, login, world, session, role, pupil_key
):
    cycle = _drive(session, world, CycleState.REVIEW, pupil_key="taught")
    login(world.users[role])
    path = _url(cycle, "/review").replace(cycle.pupil.public_id, world.pupils[pupil_key].public_id)

    page_answer = client.get(path).status_code
    response = client.post("/drafts/keep" + path, data=_typed(cycle))

    assert response.status_code == page_answer == 404
    assert _drafts(session) == []


@pytest.mark.parametrize(
    "path",
    ["/pupils/nobody/cycles/1/review", "/sign-in", "/", "/pupils/", "/drafts/keep/x", "/../etc/passwd", ""],
)
def test_an_address_that_is_no_long_form_is_not_found(senco, world, session, cycle, path):
    pupil_edit = f"/pupils/{cycle.pupil.public_id}/edit"  # a form, but not a long one

    assert senco.post("/drafts/keep" + (path or pupil_edit), data=_typed(cycle)).status_code == 404
    assert _drafts(session) == []


def test_a_refused_draft_is_audited_as_a_refusal_of_the_form(client, login, world, session):
    cycle = _drive(session, world, CycleState.REVIEW)
    login(world.users["teacher"])

    client.post(_keep_url(cycle), data=_typed(cycle))

    (event,) = audit_events(session, "access_refused")
    assert event.pupil_id == cycle.pupil_id
    assert event.details["endpoint"] == "cycles.review"


# --- Offered back -------------------------------------------------------------------------------


def test_the_form_offers_the_draft_back_and_is_not_filled_from_it_until_asked(senco, session, cycle):
    senco.post(_keep_url(cycle), data=_typed(cycle))

    page = senco.page(_url(cycle, "/review"))

    banner = page.text(".govuk-notification-banner")
    assert "You have a draft of this form" in banner
    restore = page.one(".govuk-notification-banner a.govuk-button")
    assert restore.get_text().startswith("Restore what you typed at ")
    assert page.one("textarea[name=pupil_views]").get_text().strip() == ""
    assert page.one("form[data-draft-keep]").has_attr("data-draft-offered")

    restored = senco.page(restore["href"])

    assert restored.one("textarea[name=pupil_views]").get_text().strip() == TYPED
    assert "is filled in below" in restored.text(".govuk-notification-banner")
    assert not restored.one("form[data-draft-keep]").has_attr("data-draft-offered")
    (event,) = audit_events(session, "draft_restored")
    assert event.details == {"endpoint": "cycles.review"}


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_a_draft_typed_over_other_outcomes_than_the_plan_has_now_is_restored_around_them(senco, session, cycle, rows):
    """The outcomes changed after the draft was typed (or it kept none): each outcome of the plan
    still has its row, and the typed text is filled in."""
    data = {k: v for k, v in _typed(cycle).items() if not k.startswith("ratings-")}
    for index in range(rows):
        data |= {f"ratings-{index}-outcome_id": str(900 + index), f"ratings-{index}-rating": "achieved"}
    senco.post(_keep_url(cycle), data=data)

    restored = senco.page(_url(cycle, "/review") + "?draft=restore")

    assert restored.one("textarea[name=pupil_views]").get_text().strip() == TYPED
    assert len(restored.all("input[name$=-outcome_id]")) == len(cycle.outcomes)


def test_saving_the_form_deletes_its_draft(senco, session, cycle):
    senco.post(_keep_url(cycle), data=_typed(cycle))

    response = senco.post(_url(cycle, "/review"), data=_typed(cycle))

    assert response.status_code == 302
    assert _drafts(session) == []
    assert session.get(Review, cycle.review.id).pupil_views == TYPED


def test_a_form_refused_keeps_its_draft(senco, session, cycle):
    senco.post(_keep_url(cycle), data=_typed(cycle))

    response = senco.post(_url(cycle, "/review"), data=_typed(cycle, held_on=["40", "1", "2026"]))

    assert response.status_code == 200
    assert len(_drafts(session)) == 1


def test_discarding_the_draft_deletes_it_and_shows_the_form_as_saved(senco, session, cycle):
    senco.post(_keep_url(cycle), data=_typed(cycle))
    page = senco.page(_url(cycle, "/review"))
    discard = page.one(".govuk-notification-banner form")["action"]

    response = senco.post(discard, data={})

    assert response.status_code == 302
    assert response.headers["Location"] == _url(cycle, "/review")
    assert _drafts(session) == []
    assert len(audit_events(session, "draft_discarded")) == 1
    shown = senco.page(_url(cycle, "/review"))
    assert shown.texts(".govuk-notification-banner") == ["Success Your draft has been discarded."]


def test_a_draft_is_the_persons_own(client, login, world, session, cycle):
    colleague = make_user(session, "deputy.senco@oak.test", Role.SENCO, school=world.school)
    session.commit()
    login(world.users["senco"])
    client.post(_keep_url(cycle), data=_typed(cycle))

    login(colleague)
    page = client.page(_url(cycle, "/review"))

    assert not page.has(".govuk-notification-banner")


def test_a_draft_older_than_its_lifetime_is_not_offered_and_is_purged(app, senco, session, cycle):
    senco.post(_keep_url(cycle), data=_typed(cycle))
    session.execute(sa.update(Draft).values(saved_at=now() - flow.DRAFT_LIFETIME - timedelta(minutes=1)))
    session.commit()

    assert not senco.page(_url(cycle, "/review")).has(".govuk-notification-banner")
    summary = run_sweep_job(app)
    assert summary["drafts_purged"] == 1
    assert _drafts(session) == []


# --- Kept when the session ends before the form is saved ----------------------------------------


def test_a_form_posted_after_the_idle_timeout_keeps_the_text_as_a_draft(senco, world, session, cycle):
    _end_session_by(session, idle=True)

    response = senco.post(_url(cycle, "/review"), data=_typed(cycle))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    (draft,) = _drafts(session)
    assert (draft.user_id, draft.fields["pupil_views"]) == (world.users["senco"].id, [TYPED])
    assert session.get(Review, cycle.review.id).pupil_views is None
    sign_in = senco.page(response.headers["Location"])
    assert "What you typed has been kept" in sign_in.text(".govuk-notification-banner")
    (event,) = audit_events(session, "draft_kept_at_sign_out")
    assert event.user_id == world.users["senco"].id
    assert TYPED not in str(event.details)


def test_a_long_form_opened_after_the_timeout_says_its_draft_is_waiting(senco, session, cycle):
    senco.post(_keep_url(cycle), data=_typed(cycle))
    _end_session_by(session, idle=True)

    response = senco.get(_url(cycle, "/review"))

    sign_in = senco.page(response.headers["Location"])
    assert "What you typed has been kept" in sign_in.text(".govuk-notification-banner")


def test_an_autosave_after_the_timeout_is_kept_and_says_the_person_is_signed_out(senco, world, session, cycle):
    _end_session_by(session, idle=True)

    response = senco.post(_keep_url(cycle), data=_typed(cycle))

    assert response.status_code == 401
    assert response.get_json() == {"signed_out": True, "kept": True}
    assert len(_drafts(session)) == 1


@pytest.mark.parametrize("reason", ["timed_out", "expired"])
def test_a_later_post_of_a_session_that_timed_out_still_keeps_the_text(senco, session, cycle, reason):
    _end_session_by(session, reason)

    senco.post(_url(cycle, "/review"), data=_typed(cycle))

    assert len(_drafts(session)) == 1


@pytest.mark.parametrize("reason", ["signed_out", "password_changed"])
def test_a_session_ended_by_the_person_keeps_nothing(senco, session, cycle, reason):
    _end_session_by(session, reason)

    response = senco.post(_url(cycle, "/review"), data=_typed(cycle))

    assert response.headers["Location"].startswith("/sign-in")
    assert _drafts(session) == []


def test_a_post_long_after_the_timeout_keeps_nothing(senco, session, cycle):
    _end_session_by(session, "timed_out")
    session.execute(sa.update(UserSession).values(ended_at=datetime.now(UTC) - timedelta(days=2)))
    session.commit()

    senco.post(_url(cycle, "/review"), data=_typed(cycle))

    assert _drafts(session) == []


def test_a_post_without_the_pages_token_for_that_person_keeps_nothing(app, senco, world, session, cycle):
    _end_session_by(session, idle=True)
    senco.sends_submission_tokens = False
    other = submissions.issue(world.users["head"].id, secret_key=app.secret_key)

    senco.post(_url(cycle, "/review"), data={**_typed(cycle), submissions.FIELD: other})
    senco.post(_url(cycle, "/review"), data=_typed(cycle))

    assert _drafts(session) == []


def test_a_post_of_a_short_form_after_the_timeout_keeps_nothing(senco, session, cycle):
    _end_session_by(session, idle=True)

    senco.post(f"/pupils/{cycle.pupil.public_id}/edit", data={"first_name": "Typed"})

    assert _drafts(session) == []


def test_the_kept_draft_is_offered_once_signed_in_again(senco, login, world, session, cycle):
    _end_session_by(session, idle=True)
    senco.post(_url(cycle, "/review"), data=_typed(cycle))

    login(world.users["senco"])
    page = senco.page(_url(cycle, "/review"))

    restored = senco.page(page.one(".govuk-notification-banner a.govuk-button")["href"])
    assert restored.one("textarea[name=pupil_views]").get_text().strip() == TYPED


# --- Wired into every long form ------------------------------------------------------------------


def test_the_long_forms_keep_drafts(app):
    long_forms = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "keeps_drafts", False)}

    assert long_forms >= {
        "cycles.assessment",
        "cycles.plan",
        "cycles.review",
        "meetings.record",
        "meetings.record_planned",
        "ehc.new_plan",
        "ehc.edit_plan",
        "ehc.review_meeting",
    }


@pytest.mark.parametrize("rest", ["/assessment", "/plan"])
def test_the_assessment_and_plan_forms_offer_their_drafts(senco, session, world, rest):
    cycle = _drive(session, world, CycleState.PLAN)
    data = {"strengths" if rest == "/assessment" else "strategies": TYPED, "version": "1"}

    assert senco.post(_keep_url(cycle, rest), data=data).get_json()["kept"] is True
    page = senco.page(_url(cycle, rest))
    restored = senco.page(page.one(".govuk-notification-banner a.govuk-button")["href"])

    assert TYPED in [t.get_text().strip() for t in restored.all("textarea")]


def test_the_meeting_form_offers_its_draft(client, login, world, session):
    login(world.users["teacher"])
    path = f"/pupils/{world.pupils['taught'].public_id}/meetings/new"

    assert client.post("/drafts/keep" + path, data={"outcomes": TYPED}).get_json()["kept"] is True
    page = client.page(path)
    restored = client.page(page.one(".govuk-notification-banner a.govuk-button")["href"])

    assert restored.one("textarea[name=outcomes]").get_text().strip() == TYPED
    assert count(session, AuditEvent, AuditEvent.action == "draft_restored") == 1


# --- All errors at once -------------------------------------------------------------------------


def test_recording_a_review_shows_every_missing_part_at_once(senco, session, cycle):
    first, second = cycle.outcomes
    data = _review_form(
        cycle, version=0, record=True, ratings={first.id: "achieved"}, pupil_views="", parent_views="", decision=""
    )

    page = Page(senco.post(_url(cycle, "/review"), data=data))

    assert page.field_error("ratings-1-rating").startswith("Rate the outcome")
    assert page.field_error("pupil_views") == "Record the pupil's views"
    assert page.field_error("parent_views") == "Record the parents' views"
    assert page.field_error("decision") == "Choose what happens next"
    assert len(page.error_summary()) == 4


def test_a_plan_with_several_dates_wrong_shows_each_beside_its_field(senco, session, world):
    from tests.test_cycles_views import _plan_form

    cycle = _drive(session, world, CycleState.PLAN)
    data = _plan_form(
        version="0",
        starts_on=date_parts(cycle.opened_on - timedelta(days=3)),
        review_date=date_parts(cycle.opened_on - timedelta(days=5)),
    )

    page = Page(senco.post(_url(cycle, "/plan"), data=data))

    assert page.field_error("starts_on").startswith("The plan cannot start before the cycle opened")
    assert page.field_error("review_date") == "The review date must be after the date the plan starts"


# --- Characters left --------------------------------------------------------------------------------


def test_every_long_text_box_of_the_review_counts_down_from_its_own_limit(senco, cycle):
    from sentrack.cycles.forms import ReviewForm

    page = senco.page(_url(cycle, "/review"))

    counted = {box["name"]: box for box in page.all("textarea")}
    for name in ("attendees", "provision_impact", "pupil_views", "parent_views", "next_steps", "ratings-0-note"):
        wrapper = counted[name].find_parent(class_="govuk-character-count")
        field = ReviewForm.ratings if name.startswith("ratings") else getattr(ReviewForm, name)
        assert wrapper["data-module"] == "govuk-character-count"
        assert wrapper["data-maxlength"] == str(_limit(field)), name
        assert page.text(
            f"#{counted[name]['id']}-info"
        ) == f"You can enter up to {int(wrapper['data-maxlength']):,} characters".replace(",", "")


def _limit(unbound) -> int:
    from wtforms.validators import Length

    validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else [])
    if unbound.field_class.__name__ == "FieldList":
        return 1000  # a rated outcome's comment
    return next(v.max for v in validators if isinstance(v, Length))


def test_every_text_box_with_a_limit_in_the_app_shows_the_characters_left(app):
    """Walk every form class: each text box (and one-line field of long text) whose Length sets a
    limit uses a widget that shows the count, so no page needs its own wiring."""
    from flask_wtf import FlaskForm
    from wtforms import Form, TextAreaField
    from wtforms.validators import Length

    from sentrack.forms import LONG_TEXT, CountedTextArea, CountedTextInput, TextField

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    checked = 0
    for form_class in set(subclasses(Form)) | set(subclasses(FlaskForm)):
        if not form_class.__module__.startswith("sentrack."):
            continue
        for name, unbound in vars(form_class).items():
            if not hasattr(unbound, "field_class"):
                continue
            limits = [v.max for v in unbound.kwargs.get("validators") or [] if isinstance(v, Length)]
            widget = unbound.kwargs.get("widget")
            if issubclass(unbound.field_class, TextAreaField) and limits:
                assert isinstance(widget, CountedTextArea), f"{form_class.__name__}.{name}"
                checked += 1
            elif issubclass(unbound.field_class, TextField) and limits and limits[0] >= LONG_TEXT and name != "email":
                assert isinstance(widget, CountedTextInput), f"{form_class.__name__}.{name}"
                checked += 1
    assert checked > 50


def test_a_line_break_counts_as_one_character_as_the_page_counts_it(senco, session, cycle):
    """4000 characters with line breaks, sent as browsers send them (CR LF), fit a 4000 limit."""
    text = ("x" * 99 + "\r\n") * 40  # 100 characters a line on the page, 101 as sent

    response = senco.post(_url(cycle, "/review"), data=_review_form(cycle, version=0, pupil_views=text.strip()))

    assert response.status_code == 302
    assert session.get(Review, cycle.review.id).pupil_views == text.strip().replace("\r\n", "\n")


# --- Every long form keeps its typing -------------------------------------------------------------


def _held_meeting(client, world, session, login):
    from tests.test_meeting_records import _base, _recorded

    meeting = _recorded(client, world, session, login, who="senco")
    return f"{_base(world)}/meetings/{meeting.id}/edit", "outcomes"


def _report_edit(client, world, session, login):
    login(world.users["senco"])
    return "/sen-report/2026/edit", "teaching"


def _letter_template(client, world, session, login):
    login(world.users["senco"])
    return "/letter-templates/s68", "body"


@pytest.mark.parametrize(
    ("opened", "endpoint"),
    [
        (_held_meeting, "meetings.correct"),
        (_report_edit, "reports.edit"),
        (_letter_template, "letters.template"),
    ],
)
def test_a_meeting_correction_the_sen_report_and_a_letter_template_keep_what_is_typed(
    client, world, session, login, opened, endpoint
):
    url, field = opened(client, world, session, login)
    typed = "Written over several minutes and not yet saved"
    from tests.test_meeting_records import _correction  # the form's fields as its page fills them

    data = {**_correction(client.page(url)), field: typed}

    response = client.post("/drafts/keep" + url, data=data, headers={"Accept": "application/json"})

    assert response.status_code == 200 and response.get_json()["kept"] is True
    (draft,) = _drafts(session)
    assert draft.form_key.startswith(endpoint)
    assert draft.fields[field] == [typed]
    restore = client.page(url).one(".govuk-notification-banner a.govuk-button")
    assert client.page(restore["href"]).one(f"[name={field}]").get_text().strip() == typed
