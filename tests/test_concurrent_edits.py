"""Two people editing the same record: nothing either of them typed is lost.

For every kind of record people edit, two members of staff open the edit page; the first saves;
the second's save is stopped with what the first changed (field by field, by whom and when) and
the second's own typing kept on the page; saving again from there goes through. A save with a
missing or garbled version is refused beside the form and stores nothing.

Then real concurrency, on a database of the test's own (a SQLite file, or PostgreSQL when the
suite runs on it): saves of the same plan and review made at the same moment from threads give
one winner per version and friendly conflicts, never an error; and four writers saving 25 times
each give no error at all.
"""

from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from sentrack import create_app, submissions
from sentrack.auth.sessions import start_session
from sentrack.extensions import db
from sentrack.forms import VERSION_MESSAGE
from sentrack.models import (
    Assessment,
    Concern,
    Contact,
    CycleState,
    Intervention,
    InterventionPupil,
    InterventionType,
    Plan,
    Pupil,
    RecordRevision,
    Review,
    Role,
    School,
    SchoolTerm,
    Season,
    SupportCycle,
    TeachingGroup,
    User,
)
from sentrack.models.cycles import Outcome
from sentrack.workflows.concerns import raise_concern
from sentrack.workflows.settings import TermDetails, save_term
from tests import factories
from tests.conftest import TODAY
from tests.helpers import date_parts, own_postgresql_database
from tests.pages import Page
from tests.test_cycles_views import _plan_form, _review_form
from tests.test_fuzz_forms import rendered_forms, snapshot
from tests.test_security import _form_data

SECOND = "Sam Second"


# --- Every kind of record people edit -----------------------------------------------------------


@dataclass
class Kind:
    """An edit page: how to make the record and its URL, the first person's change (what the
    conflict must show: `label` and `shown`), the second person's typing, and how to read back
    the field the first changed (`saved`, which must stay `mine_saved`)."""

    setup: Callable  # (world, session) -> url
    mine: dict | Callable  # or (world) -> dict, for fields named by a record's id
    theirs: dict | Callable
    label: str
    shown: str
    saved: Callable  # (world, session) -> value
    mine_saved: object
    role: Role = Role.SENCO
    kept: list[str] = field(default_factory=list)  # what of `theirs` the page must show again
    kept_pattern: str | None = None  # the same, as a regular expression
    version_field: str | Callable = "version"  # or (world) -> the name of the version the first save moves on

    def fields(self, world) -> tuple[dict, dict, str]:
        """Mine, theirs and the version field, for this world."""
        return tuple(
            value(world) if callable(value) else value for value in (self.mine, self.theirs, self.version_field)
        )


def _cycle_at(session, world, state: CycleState) -> SupportCycle:
    cycle = factories.drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=state)
    session.flush()
    return cycle


def _cycle_url(cycle: SupportCycle, rest: str) -> str:
    return f"/pupils/{cycle.pupil.public_id}/cycles/{cycle.number}{rest}"


def _first_cycle(session, world) -> SupportCycle:
    return session.scalar(sa.select(SupportCycle).where(SupportCycle.pupil_id == world.pupils["taught"].id))


def _concern_url(world, session) -> str:
    pupil = world.pupils["taught"]
    concern = raise_concern(
        session,
        actor=world.users["teacher"],
        pupil=pupil,
        raised_on=date(2026, 11, 20),
        area_of_need=None,
        description="Reverses letters",
        today=TODAY,
    )
    return f"/pupils/{pupil.public_id}/concerns/{concern.id}/decide"


def _intervention(world, session) -> Intervention:
    kind = factories.make_intervention_type(session, actor=world.users["senco"])
    return factories.make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[world.pupils["taught"], world.pupils["taught_plain"]],
    )


def _term_url(world, session) -> str:
    term = save_term(
        session,
        actor=world.users["senco"],
        school=world.school,
        details=TermDetails(
            academic_year=2026,
            season=Season.SPRING,
            starts_on=date(2027, 1, 5),
            ends_on=date(2027, 3, 26),
            half_term_starts_on=None,
            half_term_ends_on=None,
        ),
    )
    return f"/settings/terms/{term.id}"


def _ended_intervention(world, session) -> str:
    """An intervention that has ended, its impact to record for two pupils."""
    kind = factories.make_intervention_type(session, actor=world.users["senco"])
    intervention = factories.make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[world.pupils["taught"], world.pupils["taught_plain"]],
        starts_on=date(2026, 9, 14),
        ends_on=date(2026, 11, 20),
        today=date(2026, 9, 14),
    )
    return f"/interventions/{intervention.id}/impact"


def _impacts(world, **per_pupil) -> dict:
    """An impact form's fields for the two pupils of `_ended_intervention`, a row each in the order
    of their places: each rated, and more."""
    rows = {name: f"rows-{n}-" for n, name in enumerate(("taught", "taught_plain"))}
    form = {f"{row}impact": "1" for row in rows.values()}
    for key, value in per_pupil.items():
        field, _, pupil = key.rpartition("_of_")
        form[f"{rows[pupil]}{field}"] = value
    return form


def _one(session, model):
    session.expire_all()
    return session.scalars(sa.select(model)).first()


KINDS = {
    "pupil details": Kind(
        setup=lambda w, s: f"/pupils/{w.pupils['taught'].public_id}/edit",
        mine={"medical_conditions": "y", "medical_notes": "Epipen in the bag"},
        theirs={"preferred_name": "Addie"},
        kept=["Addie"],
        label="Medical arrangements",
        shown="Epipen in the bag",
        saved=lambda w, s: (s.expire_all(), s.get(Pupil, w.pupils["taught"].id).medical_notes)[1],
        mine_saved="Epipen in the bag",
    ),
    "contact": Kind(
        setup=lambda w, s: f"/pupils/{w.pupils['taught'].public_id}/contacts/{w.pupils['taught'].contacts[0].id}",
        mine={"phone": "07700 900111"},
        theirs={"address": "12 Long Lane, Oakton"},
        kept=["12 Long Lane, Oakton"],
        label="Phone numbers",
        shown="07700 900111",
        saved=lambda w, s: (s.expire_all(), s.get(Contact, w.pupils["taught"].contacts[0].id).phone)[1],
        mine_saved="07700 900111",
    ),
    "assessment": Kind(
        setup=lambda w, s: _cycle_url(_cycle_at(s, w, CycleState.PLAN), "/assessment"),
        mine={"strengths": "Draws detailed maps"},
        theirs={"difficulties": "Copying from the board"},
        kept=["Copying from the board"],
        label="Strengths",
        shown="Draws detailed maps",
        saved=lambda w, s: _one(s, Assessment).strengths,
        mine_saved="Draws detailed maps",
    ),
    "plan": Kind(
        setup=lambda w, s: _cycle_url(_cycle_at(s, w, CycleState.DO), "/plan"),
        mine={"provision": "Reading group three times a week"},
        theirs={"strategies": "Coloured overlay in every lesson"},
        kept=["Coloured overlay in every lesson"],
        label="Provision",
        shown="Reading group three times a week",
        saved=lambda w, s: _one(s, Plan).provision,
        mine_saved="Reading group three times a week",
    ),
    "outcome": Kind(
        setup=lambda w, s: _cycle_url(c := _cycle_at(s, w, CycleState.DO), f"/outcomes/{c.outcomes[0].id}"),
        mine={"description": "Reads a book at band 6"},
        theirs={"success_criteria": "Nine words in ten, twice running"},
        kept=["Nine words in ten, twice running"],
        label="Outcome",
        shown="Reads a book at band 6",
        saved=lambda w, s: (
            s.expire_all(),
            s.scalars(sa.select(Outcome).order_by(Outcome.position)).first().description,
        )[1],
        mine_saved="Reads a book at band 6",
    ),
    "review": Kind(
        setup=lambda w, s: _cycle_url(_cycle_at(s, w, CycleState.REVIEW), "/review"),
        mine={
            "pupil_views": "I can read the signs now",
            "held_on": date_parts(date(2026, 11, 20)),
            "decision": "continue",
        },
        theirs={
            "parent_views": "Reads to her brother",
            "held_on": date_parts(date(2026, 11, 20)),
            "decision": "continue",
        },
        kept=["Reads to her brother"],
        label="The pupil's views",
        shown="I can read the signs now",
        saved=lambda w, s: _one(s, Review).pupil_views,
        mine_saved="I can read the signs now",
    ),
    "concern decision": Kind(
        setup=_concern_url,
        mine={"decision": "no_further_action", "reason": "Caught up after a phonics recap"},
        theirs={"decision": "no_further_action", "reason": "Class strategies are enough"},
        kept=["Class strategies are enough"],
        label="Reason",
        shown="Caught up after a phonics recap",
        saved=lambda w, s: _one(s, Concern).decision_note,
        mine_saved="Caught up after a phonics recap",
    ),
    "intervention": Kind(
        setup=lambda w, s: f"/interventions/{_intervention(w, s).id}/edit",
        mine={"name": "Reading group A"},
        theirs={"measure": "Reading age in months"},
        kept=["Reading age in months"],
        label="Name",
        shown="Reading group A",
        saved=lambda w, s: _one(s, Intervention).name,
        mine_saved="Reading group A",
    ),
    "catalogue entry": Kind(
        setup=lambda w, s: f"/interventions/catalogue/{factories.make_intervention_type(s, actor=w.users['senco']).id}",
        mine={"description": "Phonics, fluency and a reading buddy"},
        theirs={"name": "Reading catch-up plus"},
        kept=["Reading catch-up plus"],
        label="Description",
        shown="Phonics, fluency and a reading buddy",
        saved=lambda w, s: _one(s, InterventionType).description,
        mine_saved="Phonics, fluency and a reading buddy",
    ),
    "rule settings": Kind(
        setup=lambda w, s: "/settings/rules",
        mine={"concern_deadline_days": "20"},
        theirs={"records_stale_weeks": "11"},
        kept=['value="11"'],
        label="Days to decide on a concern",
        shown="20",
        saved=lambda w, s: (s.expire_all(), s.get(School, w.school.id).concern_deadline_days)[1],
        mine_saved=20,
    ),
    "impact scale": Kind(
        setup=lambda w, s: "/interventions/impact-scale",
        mine={"label_0": "Went backwards"},
        theirs={"label_4": "Flew ahead"},
        kept=["Flew ahead"],
        label="Impact scale",
        shown="-2: Went backwards",
        saved=lambda w, s: (s.expire_all(), s.get(School, w.school.id).impact_labels[-2])[1],
        mine_saved="Went backwards",
    ),
    "term dates": Kind(
        setup=_term_url,
        mine={"ends_on": date_parts(date(2027, 3, 25))},
        theirs={"starts_on": date_parts(date(2027, 1, 6))},
        kept_pattern=r'id="starts_on-day"[^>]*value="6"',
        label="Last day of the term",
        shown="25 March 2027",
        saved=lambda w, s: _one(s, SchoolTerm).ends_on,
        mine_saved=date(2027, 3, 25),
    ),
    "staff member": Kind(
        setup=lambda w, s: f"/staff/{w.users['ta'].id}",
        mine={"full_name": "Tess Assistant-Hall"},
        theirs={"email": "tess.hall@oak.test"},
        kept=["tess.hall@oak.test"],
        label="Full name",
        shown="Tess Assistant-Hall",
        saved=lambda w, s: (s.expire_all(), s.get(User, w.users["ta"].id).full_name)[1],
        mine_saved="Tess Assistant-Hall",
    ),
    "class": Kind(
        setup=lambda w, s: f"/staff/classes/{w.group.id}",
        mine={"name": "4 Oak Tree"},
        theirs={"year_group": "5"},
        kept_pattern=r'<option selected value="5"|value="5" selected',
        label="Class name",
        shown="4 Oak Tree",
        saved=lambda w, s: (s.expire_all(), s.get(TeachingGroup, w.group.id).name)[1],
        mine_saved="4 Oak Tree",
    ),
    "intervention impact": Kind(
        setup=_ended_intervention,
        mine=lambda w: _impacts(w, impact_of_taught="2", exit_of_taught="31"),
        theirs=lambda w: _impacts(w, comment_of_taught="Reads road signs now"),
        kept=["Reads road signs now"],
        label="Ada Brook: Exit score",
        shown="31",
        saved=lambda w, s: (
            s.expire_all(),
            s.scalar(
                sa.select(InterventionPupil.exit_score).where(InterventionPupil.pupil_id == w.pupils["taught"].id)
            ),
        )[1],
        mine_saved="31",
        version_field="rows-0-version",  # the row of the first pupil's place
    ),
}


def _opened(app, client, url: str) -> dict:
    """What the browser would post for the edit page as it opened: its fields as rendered."""
    with rendered_forms(app) as seen:
        page = client.get(url)
    assert page.status_code == 200, url
    form = next(f for name, f in seen if name == "form")
    data = _form_data(form)
    data.pop("record", None)  # a review is saved as a draft ("Save draft"), not recorded
    # A review's draft rates each outcome: rated here as a person would before saving.
    return {
        name: (value or "partly_achieved") if name.startswith("ratings-") and name.endswith("-rating") else value
        for name, value in data.items()
    }


def _errors(response) -> list[str]:
    """The error messages a refused save shows (for the report of a failure)."""
    page = Page(response, status=None)
    return page.error_summary() + page.texts(".govuk-error-message")


def _merge(data: dict, changes: dict) -> dict:
    return {**data, **changes}


@pytest.fixture
def second_senco(session, world) -> User:
    user = factories.make_user(session, "second.senco@oak.test", Role.SENCO, school=world.school, name=SECOND)
    session.commit()
    return user


def _two_people(app, login, world, second_senco):
    first = login(world.users["senco"], app.test_client())
    other = login(second_senco, app.test_client())
    return first, other


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_second_save_is_told_what_the_first_changed_and_keeps_its_own_typing(
    app, session, world, login, second_senco, kind
):
    case = KINDS[kind]
    url = case.setup(world, session)
    session.commit()
    my_change, their_change, version = case.fields(world)
    first, other = _two_people(app, login, world, second_senco)
    mine, theirs = (_opened(app, first, url)), (_opened(app, other, url))

    saved = first.post(url, data=(_merge(mine, my_change)))
    assert saved.status_code == 302, _errors(saved)

    stopped = other.post(url, data=(_merge(theirs, their_change)))

    page = Page(stopped)
    assert f"{world.users['senco'].full_name} saved a change to this record" in page.text(".app-conflict")
    changes = page.table("What they changed")
    listed = [value for label, value in changes if label == case.label]
    assert len(listed) == 1, f"the conflict does not list {case.label!r} once: {changes}"
    assert case.shown in listed[0]
    typing = html.unescape(page.html)  # typing shows again in the fields' values, attributes included
    for typed in case.kept:  # the second person's typing is still in the form
        assert typed in typing
    assert case.kept_pattern is None or re.search(case.kept_pattern, typing)
    assert case.saved(world, session) == case.mine_saved  # nothing of the first save lost

    # Saving again from the page that told them goes through, with the version they have now seen.
    # (A page carrying the versions of several records carries each as the conflict left it.)
    seen = {name: page.value(name) for name in theirs if name == version or name.endswith("-version")}
    again = other.post(url, data=(_merge(theirs, their_change | seen)))
    assert again.status_code == 302


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "1.0", " 1x", "99999999999", "1e3"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_save_without_a_version_or_with_a_garbled_one_is_refused_and_stores_nothing(
    app, session, world, login, second_senco, kind, version
):
    case = KINDS[kind]
    url = case.setup(world, session)
    session.commit()
    my_change, _their_change, field_name = case.fields(world)
    first, _other = _two_people(app, login, world, second_senco)
    data = _merge((_opened(app, first, url)), my_change)
    if version is None:
        data.pop(field_name)
    else:
        data[field_name] = version
    before = snapshot(session)

    response = first.post(url, data=(data))

    assert Page(response).field_error(field_name) == VERSION_MESSAGE
    after = snapshot(session)
    assert {t: rows for t, rows in after.items() if t != "audit_event"} == {
        t: rows for t, rows in before.items() if t != "audit_event"
    }


def test_a_stale_version_is_a_conflict_even_when_the_form_says_nothing_new(app, session, world, login, second_senco):
    """Opened before someone else's change and posted back unchanged: the other's change stands."""
    url = KINDS["pupil details"].setup(world, session)
    session.commit()
    first, other = _two_people(app, login, world, second_senco)
    stale = _opened(app, other, url)
    assert (
        first.post(url, data=_merge((_opened(app, first, url)), {"medical_notes": "Inhaler in the office"})).status_code
        == 302
    )

    response = other.post(url, data=stale)

    assert response.status_code == 200
    session.expire_all()
    assert session.get(Pupil, world.pupils["taught"].id).medical_notes == "Inhaler in the office"


# --- Real concurrency ---------------------------------------------------------------------------


@pytest.fixture
def own_app(tmp_path):
    """An app with a database of its own, outside the test transaction, which threads reach
    through their own connections: a SQLite file, or PostgreSQL when the suite runs on it."""
    with ExitStack() as stack:
        url = os.environ.get("SENTRACK_TEST_DATABASE_URL")
        if url:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            url = stack.enter_context(own_postgresql_database(url, f"sentrack_edits_{os.getpid()}"))
        else:
            url = f"sqlite:///{tmp_path / 'edits.sqlite'}"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "TODAY": TODAY})
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


def _writers(app, count: int) -> tuple[list, dict]:
    """`count` SENCOs of one school signed in on their own clients, and a cycle at review."""
    with app.app_context():
        world = factories.build_world(db.session)
        users = [world.users["senco"]] + [
            factories.make_user(db.session, f"senco{n}@oak.test", Role.SENCO, school=world.school)
            for n in range(1, count)
        ]
        cycle = factories.drive_cycle(
            db.session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.REVIEW
        )
        planning = factories.drive_cycle(
            db.session, actor=world.users["senco"], pupil=world.pupils["taught_plain"], to=CycleState.DO
        )
        db.session.commit()
        clients = []
        for user in users:
            token = start_session(db.session, user, remote_addr="127.0.0.1", user_agent="pytest")
            db.session.commit()
            client = app.test_client()
            with client.session_transaction() as cookie:
                cookie["_user_id"], cookie["_fresh"] = token, True
            clients.append(client)
        info = {
            "review": (f"/pupils/{cycle.pupil.public_id}/cycles/{cycle.number}/review", cycle.id),
            "plan": (f"/pupils/{planning.pupil.public_id}/cycles/{planning.number}/plan", planning.id),
            "outcomes": [o.id for o in cycle.outcomes],
        }
        db.session.remove()
    return clients, info


class _Cycle:
    """What `_review_form` reads of a cycle: its outcomes' ids."""

    def __init__(self, outcome_ids):
        self.outcomes = [type("O", (), {"id": i})() for i in outcome_ids]


def _form_for(what: str, info: dict, version: str, words: str) -> dict:
    if what == "plan":
        return _plan_form(version=version, provision=words)
    return _review_form(_Cycle(info["outcomes"]), version=version, pupil_views=words)


def _at_once(clients, act) -> list:
    """Run `act(n, client)` for every client in its own thread, all starting together."""
    start, results, errors = threading.Barrier(len(clients)), [None] * len(clients), []

    def run(n, client):
        try:
            start.wait()
            results[n] = act(n, client)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    return results


def _revisions(app, record_type: str, record_id: int) -> list[int]:
    with app.app_context():
        versions = list(
            db.session.scalars(
                sa.select(RecordRevision.version)
                .where(RecordRevision.record_type == record_type, RecordRevision.record_id == record_id)
                .order_by(RecordRevision.version)
            )
        )
        db.session.remove()
    return versions


@pytest.mark.no_transaction
@pytest.mark.parametrize("what", ["plan", "review"])
def test_saves_of_the_same_version_at_the_same_moment_give_one_winner_and_no_error(own_app, what):
    clients, info = _writers(own_app, 4)
    url, cycle_id = info[what]
    with own_app.app_context():
        model = Plan if what == "plan" else Review
        record = db.session.scalar(sa.select(model).where(model.cycle_id == cycle_id))
        record_id, version = record.id, record.version
        db.session.remove()
    pages = [Page(c.get(url)) for c in clients]
    opened = [page.value("version") for page in pages]
    tokens = [page.submission_token() for page in pages]
    assert opened == [str(version)] * 4

    responses = _at_once(
        clients,
        lambda n, c: c.post(
            url, data={**_form_for(what, info, opened[n], f"Writer {n}'s words"), submissions.FIELD: tokens[n]}
        ),
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 302], [_errors(r) for r in responses]
    winner = next(n for n, r in enumerate(responses) if r.status_code == 302)
    for n, response in enumerate(responses):
        if n != winner:
            page = Page(response)
            assert "saved a change to this record" in page.text(".app-conflict") and f"Writer {n}'s words" in page
    with own_app.app_context():
        saved = db.session.get(model, record_id)
        assert (saved.version, saved.provision if what == "plan" else saved.pupil_views) == (
            version + 1,
            f"Writer {winner}'s words",
        )
        db.session.remove()
    assert _revisions(own_app, what, record_id)[-2:] == [version, version + 1]


@pytest.mark.no_transaction
def test_four_writers_saving_25_times_each_get_no_error(own_app):
    clients, info = _writers(own_app, 4)
    url, cycle_id = info["review"]

    def writer(n, client):
        statuses = []
        for round_ in range(25):
            page = Page(client.get(url))
            data = {
                **_form_for("review", info, page.value("version"), f"Writer {n}, save {round_}"),
                submissions.FIELD: page.submission_token(),
            }
            statuses.append(client.post(url, data=data).status_code)
        return statuses

    results = _at_once(clients, writer)

    statuses = [status for result in results for status in result]
    assert len(statuses) == 100 and set(statuses) <= {200, 302}
    with own_app.app_context():
        review = db.session.scalar(sa.select(Review).where(Review.cycle_id == cycle_id))
        review_id, final = review.id, review.version
        db.session.remove()
    assert final == statuses.count(302)  # every save that succeeded is one version: none lost, none doubled
    assert _revisions(own_app, "review", review_id) == list(range(final + 1))


def test_a_version_already_kept_by_someone_else_is_a_conflict_not_an_error(app, session, world, login, second_senco):
    """Were two saves ever to claim the same version, the second's snapshot meets the first's
    (the unique key on the saved versions): the person is told, as for any conflict."""
    from sentrack.workflows.pupils import PUPIL_FIELDS, PupilDetails, update_pupil
    from sentrack.workflows.revisions import EditConflict

    pupil = world.pupils["taught"]
    opened = pupil.version
    session.add(
        RecordRevision(
            record_type="pupil",
            record_id=pupil.id,
            version=pupil.version + 1,
            snapshot={"medical_notes": "Theirs"},
            saved_by_id=second_senco.id,
        )
    )
    session.commit()
    details = PupilDetails(**{name: getattr(pupil, name) for name in PUPIL_FIELDS})
    details.medical_notes = "Mine"

    with pytest.raises(EditConflict) as conflict:
        update_pupil(
            session,
            actor=world.users["senco"],
            pupil=pupil,
            details=details,
            group_ids=[g.id for g in pupil.groups],
            today=TODAY,
            expected_version=pupil.version,
        )

    assert (conflict.value.by.full_name, conflict.value.current_version) == (SECOND, opened + 1)
