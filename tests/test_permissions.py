"""Who may see what: a truth table over every route, every role and the pupils in and out of scope.

Expectations come from DESIGN section 2 and sentrack/access.py: a page a role's abilities do not
open at all is 403; a record outside the user's scope is 404, never 403; anonymous users are sent
to sign in. Every rule in the app's url_map must have an entry in ROUTES, so a new route cannot be
added without deciding who may reach it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from sentrack.models import NeedType, Provision, TeachingGroup
from sentrack.workflows.sen_status import change_sen_status
from tests.factories import World
from tests.helpers import pupil_links, text

ROLES = ("senco", "head", "teacher", "ta", "governor", "admin", "la")
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Redirect:
    to: str


def only(*roles: str, yes=200, no=403) -> dict[str, object]:
    return {role: (yes if role in roles else no) for role in ROLES}


EVERYONE = only(*ROLES)


@dataclass(frozen=True)
class Target:
    """What a URL is built around: a pupil, a member of staff or a class (or nothing)."""

    world: World
    pupil_key: str | None = None
    member_key: str | None = None
    group: TeachingGroup | None = None

    @property
    def pupil(self):
        return self.world.pupils[self.pupil_key]

    @property
    def member(self):
        return self.world.users[self.member_key]


@dataclass(frozen=True)
class Route:
    url: Callable[[Target], str]
    expect: dict[str, object]  # per role, for a target inside the user's school and scope
    method: str = "GET"
    anonymous: object = Redirect("/sign-in")
    target: str | None = None  # "pupil", "member" or "group"


PUPIL = "pupil"
MEMBER = "member"
GROUP = "group"

# The key is the rule as Werkzeug spells it: one endpoint may have several rules.
ROUTES: dict[str, Route] = {
    "/sign-in": Route(lambda t: "/sign-in", {role: Redirect("/") for role in ROLES}, anonymous=200),
    "/sign-out": Route(lambda t: "/sign-out", {role: Redirect("/sign-in") for role in ROLES}, method="POST"),
    "/change-password": Route(lambda t: "/change-password", EVERYONE),
    "/": Route(lambda t: "/", EVERYONE),
    "/accessibility": Route(lambda t: "/accessibility", EVERYONE, anonymous=200),
    "/privacy": Route(lambda t: "/privacy", EVERYONE, anonymous=200),
    "/cookies": Route(lambda t: "/cookies", EVERYONE, anonymous=200),
    # Governors see figures only: the pupil list is closed to them.
    "/pupils/": Route(lambda t: "/pupils/", only("senco", "head", "teacher", "ta", "admin", "la")),
    # Clearing the search only forgets the search text: harmless for anyone signed in.
    "/pupils/clear-search": Route(lambda t: "/pupils/clear-search", {role: Redirect("/pupils/") for role in ROLES}, method="POST"),
    "/pupils/new": Route(lambda t: "/pupils/new", only("senco", "admin")),
    "/pupils/<public_id>": Route(
        lambda t: f"/pupils/{t.pupil.public_id}", only("senco", "head", "teacher", "admin", "la", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/edit": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/edit", only("senco", "admin", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/contacts/new": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/contacts/new", only("senco", "admin", no=404), target=PUPIL
    ),
    "/pupils/<public_id>/contacts/<int:contact_id>": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/contacts/{t.pupil.contacts[0].id}",
        only("senco", "admin", no=404),
        target=PUPIL,
    ),
    "/pupils/<public_id>/sen-status": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/sen-status", only("senco", no=404), target=PUPIL
    ),
    # access.py lets the head raise a concern as well as teachers and the SENCO.
    "/pupils/<public_id>/concerns/new": Route(
        lambda t: f"/pupils/{t.pupil.public_id}/concerns/new", only("senco", "head", "teacher", no=404), target=PUPIL
    ),
    "/staff/": Route(lambda t: "/staff/", only("head", "admin")),
    "/staff/new": Route(lambda t: "/staff/new", only("head", "admin")),
    "/staff/<int:user_id>": Route(lambda t: f"/staff/{t.member.id}", only("head", "admin"), target=MEMBER),
    "/staff/classes": Route(lambda t: "/staff/classes", only("head", "admin")),
    "/staff/classes/new": Route(lambda t: "/staff/classes/new", only("head", "admin")),
    "/staff/classes/<int:group_id>": Route(lambda t: f"/staff/classes/{t.group.id}", only("head", "admin"), target=GROUP),
}

# Pupils by how they stand to each role (names are keys of World.pupils).
# (a) a pupil the role may see; TAs (no interventions yet) and governors see none.
SEES = {"senco": "taught", "head": "taught", "teacher": "taught", "admin": "taught", "la": "untaught"}
# (b) a pupil of the role's own school (or authority) that the role may not see.
HIDDEN_NEARBY = {"teacher": "untaught", "ta": "taught", "governor": "taught", "la": "untaught_k"}
# (c) pupils of another school: in the same authority, and in another authority.
OTHER_SCHOOL = {role: ("sibling_ehc", "foreign") for role in ROLES if role != "la"} | {"la": ("foreign",)}


def _cases():
    for rule, route in ROUTES.items():
        yield pytest.param(rule, ANONYMOUS, "own", id=f"{rule} {ANONYMOUS}")
        for role in ROLES:
            if route.target == PUPIL:
                kinds = ([("sees", SEES[role])] if role in SEES else [])
                kinds += [("hidden", HIDDEN_NEARBY[role])] if role in HIDDEN_NEARBY else []
                kinds += [("other-school", key) for key in OTHER_SCHOOL[role]]
                for kind, key in kinds:
                    yield pytest.param(rule, role, (kind, key), id=f"{rule} {role} {kind}:{key}")
            elif route.target in (MEMBER, GROUP):
                yield pytest.param(rule, role, "own", id=f"{rule} {role} own-school")
                yield pytest.param(rule, role, "other-school", id=f"{rule} {role} other-school")
            else:
                yield pytest.param(rule, role, "own", id=f"{rule} {role}")


@pytest.fixture
def foreign_group(world, session):
    group = TeachingGroup(school_id=world.foreign.id, name="3 Far", year_group=3)
    session.add(group)
    session.commit()
    return group


def _target(world: World, route: Route, kind, foreign_group) -> Target:
    if route.target == PUPIL:
        key = "taught" if kind == "own" else kind[1]
        return Target(world, pupil_key=key)
    if route.target == MEMBER:
        return Target(world, member_key="teacher" if kind == "own" else "foreign_senco")
    if route.target == GROUP:
        return Target(world, group=world.group if kind == "own" else foreign_group)
    return Target(world)


def _expected(route: Route, role: str, kind) -> object:
    if role == ANONYMOUS:
        return route.anonymous
    expected = route.expect[role]
    if route.target == PUPIL and kind[0] != "sees":
        return 404  # out of scope: never confirm the record exists
    if route.target in (MEMBER, GROUP) and kind == "other-school" and expected == 200:
        return 404
    return expected


def test_every_route_has_an_entry_in_the_truth_table(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}

    assert rules - ROUTES.keys() == set(), "add these routes to ROUTES in test_permissions.py"
    assert ROUTES.keys() - rules == set(), "these ROUTES entries no longer exist"


@pytest.mark.parametrize(("rule", "role", "kind"), list(_cases()))
def test_truth_table(client, world, login, foreign_group, rule, role, kind):
    route = ROUTES[rule]
    url = route.url(_target(world, route, kind, foreign_group))
    if role != ANONYMOUS:
        login(world.users[role])

    response = client.open(url, method=route.method)

    expected = _expected(route, role, kind)
    if isinstance(expected, Redirect):
        assert response.status_code == 302, text(response)[:500]
        assert response.headers["Location"].split("?")[0] == expected.to
    else:
        assert response.status_code == expected


# --- Local-authority officers: EHC plans in their own authority only ----------------------------

@pytest.mark.parametrize(
    ("pupil", "status"),
    [("untaught", 200), ("sibling_ehc", 200), ("untaught_k", 404), ("sibling_k", 404), ("taught", 404), ("foreign", 404)],
    ids=["ehc-school", "ehc-sibling-school", "k-school", "k-sibling-school", "k-taught", "ehc-other-authority"],
)
def test_la_officer_sees_ehc_pupils_of_their_authority_only(client, world, login, pupil, status):
    login(world.users["la"])

    assert client.get(f"/pupils/{world.pupils[pupil].public_id}").status_code == status


def test_la_officer_list_holds_the_ehc_pupils_of_their_authority(client, world, login):
    login(world.users["la"])

    listed = set(pupil_links(text(client.get("/pupils/"))))

    assert listed == {world.pupils["untaught"].public_id, world.pupils["sibling_ehc"].public_id}


def test_la_officer_loses_sight_of_a_pupil_whose_plan_ends(client, world, login, session):
    pupil = world.pupils["sibling_ehc"]
    change_sen_status(
        session, actor=world.users["senco"], pupil=pupil, provision=Provision.SEN_SUPPORT,
        primary_need=NeedType.SEMH, secondary_need=None,
        start_date=date(2026, 11, 1), reason="Plan ceased", today=date(2026, 11, 27),
    )
    session.commit()
    login(world.users["la"])

    assert client.get(f"/pupils/{pupil.public_id}").status_code == 404


def test_other_authority_officer_sees_none_of_this_authority(client, world, login):
    login(world.users["foreign_la"])

    listed = set(pupil_links(text(client.get("/pupils/"))))

    assert listed == {world.pupils["foreign"].public_id}


# --- Governors: figures, never names ------------------------------------------------------------

def test_governor_is_refused_the_pupil_list(client, world, login):
    login(world.users["governor"])

    assert client.get("/pupils/").status_code == 403


def test_governor_home_page_shows_figures_but_no_pupil_name(client, world, login):
    login(world.users["governor"])

    page = text(client.get("/"))

    assert "The SEN register" in page
    assert "Oak Primary" in page
    for pupil in world.pupils.values():
        for name in (pupil.first_name, pupil.last_name):
            assert not re.search(rf"\b{name}\b", page), name
        assert pupil.public_id not in page


def test_governor_home_page_shows_no_other_school(client, world, login):
    login(world.users["governor"])

    page = text(client.get("/"))

    assert "Ash Secondary" not in page
    assert "Far Primary" not in page


def test_governor_has_no_link_to_pupils(client, world, login):
    login(world.users["governor"])

    assert 'href="/pupils/' not in text(client.get("/"))


# --- Administrators: the roll, not SEN ----------------------------------------------------------

SEN_HISTORY = "SEN status history"


def test_senco_sees_the_sen_history_and_concerns(client, world, login):
    """The control for the admin tests below: the headings are there for those who may see them."""
    login(world.users["senco"])

    page = text(client.get(f"/pupils/{world.pupils['taught'].public_id}"))

    assert SEN_HISTORY in page
    assert 'id="concerns"' in page


def test_admin_sees_a_pupils_details_but_not_their_sen_record(client, world, login):
    login(world.users["admin"])
    pupil = world.pupils["taught"]

    response = client.get(f"/pupils/{pupil.public_id}")

    page = text(response)
    assert response.status_code == 200
    assert pupil.upn in page
    assert "Parents and carers" in page
    assert SEN_HISTORY not in page
    assert 'id="concerns"' not in page
    assert "SEN support" not in page
    assert pupil.sen_statuses[0].primary_need.label not in page


def test_admin_pupil_list_shows_no_provision(client, world, login):
    login(world.users["admin"])

    page = text(client.get("/pupils/"))

    assert "SEN support" not in page
    assert "EHC plan" not in page


@pytest.mark.parametrize("query", ["provision=K", "provision=E", "need=SPLD"])
def test_admin_cannot_filter_the_list_by_sen(client, world, login, query):
    """A filter the admin may not see is ignored, so the list cannot reveal who is on the register."""
    login(world.users["admin"])

    listed = set(pupil_links(text(client.get(f"/pupils/?{query}"))))

    assert listed == {world.pupils[key].public_id for key in ("taught", "taught_plain", "untaught", "untaught_k")}


def test_admin_sorting_by_provision_reveals_nothing(client, world, login):
    login(world.users["admin"])

    by_provision = pupil_links(text(client.get("/pupils/?sort=provision")))
    by_name = pupil_links(text(client.get("/pupils/?sort=name")))

    assert by_provision == by_name


# --- Teachers and support assistants ------------------------------------------------------------

def test_teacher_home_page_names_only_pupils_of_their_classes(client, world, login):
    login(world.users["teacher"])

    page = text(client.get("/"))

    assert world.pupils["taught"].last_name in page
    for key in ("untaught", "untaught_k", "sibling_ehc", "foreign"):
        assert world.pupils[key].last_name not in page


def test_support_assistant_list_is_empty_without_interventions(client, world, login):
    login(world.users["ta"])

    assert pupil_links(text(client.get("/pupils/"))) == []


# --- Staff pages stay inside the school ---------------------------------------------------------

@pytest.mark.parametrize("manager", ["head", "admin"])
def test_another_schools_staff_member_is_not_found(client, world, login, manager):
    login(world.users[manager])

    assert client.get(f"/staff/{world.users['foreign_senco'].id}").status_code == 404


@pytest.mark.parametrize("manager", ["head", "admin"])
def test_an_la_officer_account_is_not_a_schools_to_manage(client, world, login, manager, session):
    officer = world.users["la"]
    officer.school_id = world.school.id
    session.commit()
    login(world.users[manager])

    assert client.get(f"/staff/{officer.id}").status_code == 404


@pytest.mark.parametrize("manager", ["head", "admin"])
def test_another_schools_class_is_not_found(client, world, login, foreign_group, manager):
    login(world.users[manager])

    assert client.get(f"/staff/classes/{foreign_group.id}").status_code == 404


@pytest.mark.parametrize("manager", ["head", "admin"])
def test_the_staff_list_holds_only_the_school_s_own_staff(client, world, login, manager):
    login(world.users[manager])

    page = text(client.get("/staff/"))

    assert "senco@oak.test" in page
    assert "senco@far.test" not in page
    assert "officer@borough.test" not in page


def test_a_contact_of_another_pupil_is_not_found_under_this_pupil(client, world, login):
    login(world.users["senco"])
    other_contact = world.pupils["taught_plain"].contacts[0]

    response = client.get(f"/pupils/{world.pupils['taught'].public_id}/contacts/{other_contact.id}")

    assert response.status_code == 404


def test_a_pupil_of_another_school_cannot_be_changed_by_post(client, world, login, session):
    login(world.users["senco"])
    pupil = world.pupils["foreign"]

    response = client.post(f"/pupils/{pupil.public_id}/edit", data={"first_name": "Changed"})

    assert response.status_code == 404
    session.refresh(pupil)
    assert pupil.first_name == "Gita"


def test_404_pages_do_not_name_the_pupil(client, world, login):
    login(world.users["teacher"])

    page = text(client.get(f"/pupils/{world.pupils['untaught'].public_id}"))

    assert not re.search(r"Cara|Dale", page)
