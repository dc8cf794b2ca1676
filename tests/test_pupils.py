"""The pupil list, adding and editing pupils, their contacts, SEN status and concerns."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import (
    Concern,
    Contact,
    ContactMethod,
    ContactPhone,
    NeedType,
    Provision,
    Pupil,
    SenStatus,
    TeachingGroup,
)
from sentrack.workflows.upn import CHECK_ALPHABET, check_letter
from tests.factories import make_pupil, make_upn
from tests.helpers import audit_events, count, date_parts
from tests.pages import Page

TODAY = date(2026, 11, 27)


@pytest.fixture
def senco(client, world, login):
    return login(world.users["senco"])


def _ids(world, *keys) -> list[str]:
    return [world.pupils[key].public_id for key in keys]


def _listed(client, url="/pupils/") -> list[str]:
    return client.page(url).pupil_links()


# --- Search -------------------------------------------------------------------------------------


def test_search_by_name_is_posted_and_never_in_the_url(senco, world):
    response = senco.post("/pupils/", data={"q": "Brook"})

    assert response.status_code == 302
    assert "brook" not in response.headers["Location"].lower()
    assert "q=" not in response.headers["Location"]
    assert _listed(senco, response.headers["Location"]) == _ids(world, "taught")


def test_search_matches_part_of_the_full_name_in_any_case(senco, world):
    senco.post("/pupils/", data={"q": "ada b"})

    assert _listed(senco) == _ids(world, "taught")


def test_search_matches_the_preferred_name(senco, world, session):
    world.pupils["untaught"].preferred_name = "Caz"
    session.commit()

    senco.post("/pupils/", data={"q": "caz dale"})

    assert _listed(senco) == _ids(world, "untaught")


def test_search_by_upn_ignores_spaces_and_case(senco, world):
    upn = world.pupils["untaught_k"].upn
    typed = f"{upn[:4].lower()} {upn[4:]}"

    response = senco.post("/pupils/", data={"q": typed})

    assert upn not in response.headers["Location"]
    assert _listed(senco) == _ids(world, "untaught_k")


@pytest.mark.parametrize("wildcard", ["%", "_"])
def test_search_treats_sql_wildcards_as_text(senco, world, wildcard):
    senco.post("/pupils/", data={"q": wildcard})

    assert _listed(senco) == []


def test_search_finds_nobody_outside_the_users_scope(client, world, login):
    login(world.users["teacher"])

    client.post("/pupils/", data={"q": "Dale"})

    assert _listed(client) == []


def test_clearing_the_search_lists_everyone_again(senco, world):
    senco.post("/pupils/", data={"q": "Brook"})

    senco.post("/pupils/clear-search")

    assert len(_listed(senco)) == 4


def test_filters_posted_with_a_search_go_in_the_url_but_the_name_does_not(senco, world):
    response = senco.post("/pupils/", data={"q": "Dale", "year": "4", "provision": "E"})

    location = response.headers["Location"]
    assert "year=4" in location
    assert "provision=E" in location
    assert "dale" not in location.lower()
    assert _listed(senco, location) == _ids(world, "untaught")


# --- Filters, sorting and pages -----------------------------------------------------------------


def test_filter_by_year_group(senco, world, session):
    year_six = make_pupil(session, world.school, first="Hal", last="Ince", year=6)
    session.commit()

    assert _listed(senco, "/pupils/?year=6") == [year_six.public_id]


def test_filter_by_class(senco, world):
    assert _listed(senco, f"/pupils/?group={world.group.id}") == _ids(world, "taught", "taught_plain")


@pytest.mark.parametrize(
    ("provision", "keys"),
    [("K", ("taught", "untaught_k")), ("E", ("untaught",)), ("N", ("taught_plain",))],
)
def test_filter_by_provision(senco, world, provision, keys):
    assert _listed(senco, f"/pupils/?provision={provision}") == _ids(world, *keys)


def test_filter_by_need_type_matches_primary_and_secondary_needs(senco, world, session):
    secondary = make_pupil(
        session, world.school, first="Ivo", last="Jay", provision=Provision.SEN_SUPPORT, need=NeedType.MLD
    )
    secondary.sen_statuses[0].secondary_need = NeedType.SPLD
    session.commit()

    assert _listed(senco, "/pupils/?need=SPLD") == [world.pupils["taught"].public_id, secondary.public_id]


def test_a_closed_sen_period_does_not_count_for_the_filters(senco, world, session):
    pupil = world.pupils["taught"]
    pupil.sen_statuses[0].end_date = date(2026, 9, 30)
    session.add(
        SenStatus(pupil_id=pupil.id, provision=Provision.NONE, start_date=date(2026, 10, 1), reason="Stepped down")
    )
    session.commit()

    assert _listed(senco, "/pupils/?provision=K") == _ids(world, "untaught_k")


def test_sort_by_name(senco, world):
    ascending = _ids(world, "taught", "taught_plain", "untaught", "untaught_k")

    assert _listed(senco, "/pupils/?sort=name") == ascending
    assert _listed(senco, "/pupils/?sort=name&order=desc") == ascending[::-1]


def test_the_sorted_column_says_how_it_is_sorted_to_screen_readers(senco, world):
    def sorts(url: str) -> dict[str, str]:
        headers = senco.page(url).all('thead th[scope="col"][aria-sort]')
        return {str(header.a.contents[0]).strip(): header["aria-sort"] for header in headers}

    assert sorts("/pupils/?sort=name") == {"Name": "ascending", "Year": "none", "SEN provision": "none"}
    assert sorts("/pupils/?sort=year&order=desc") == {"Name": "none", "Year": "descending", "SEN provision": "none"}
    # The link says which way it sorts next, after the visible label.
    name = senco.page("/pupils/?sort=name").one('thead th[aria-sort="ascending"] a')
    assert str(name.contents[0]) == "Name"
    assert name.contents[1].name == "span" and name.contents[1]["class"] == ["govuk-visually-hidden"]
    assert name.contents[1].get_text() == " (sort descending)"


def test_sort_by_year_then_name(senco, world, session):
    young = make_pupil(session, world.school, first="Zoe", last="Zane", year=2)
    old = make_pupil(session, world.school, first="Abe", last="Able", year=6)
    session.commit()
    year_four = _ids(world, "taught", "taught_plain", "untaught", "untaught_k")

    assert _listed(senco, "/pupils/?sort=year") == [young.public_id, *year_four, old.public_id]
    assert _listed(senco, "/pupils/?sort=year&order=desc")[0] == old.public_id


def test_an_unknown_sort_falls_back_to_name(senco, world):
    assert _listed(senco, "/pupils/?sort=upn;drop") == _ids(world, "taught", "taught_plain", "untaught", "untaught_k")


@pytest.fixture
def three_per_page(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUPILS_PER_PAGE", 3)


def test_the_list_is_paged(senco, world, three_per_page):
    first = senco.page("/pupils/")

    assert first.pupil_links() == _ids(world, "taught", "taught_plain", "untaught")
    assert "4 pupils, page 1 of 2" in first
    assert _listed(senco, "/pupils/?page=2") == _ids(world, "untaught_k")


def test_a_page_past_the_end_shows_the_last_page(senco, world, three_per_page):
    assert _listed(senco, "/pupils/?page=99") == _ids(world, "untaught_k")


def test_paging_keeps_the_filters(senco, world, three_per_page, session):
    for n in range(3):
        make_pupil(session, world.school, first=f"Kit{n}", last="Lowe", year=6)
    make_pupil(session, world.school, first="Kit9", last="Lowe", year=6)
    session.commit()

    page = senco.page("/pupils/?year=6")

    assert "/pupils/?year=6&page=2" in page.links()


def test_a_teacher_lists_only_the_pupils_of_their_classes(client, world, login, session):
    login(world.users["teacher"])
    not_theirs = session.scalar(
        sa.select(TeachingGroup).where(TeachingGroup.school_id == world.school.id, TeachingGroup.name == "4 Elm")
    )

    assert _listed(client) == _ids(world, "taught", "taught_plain")
    assert _listed(client, f"/pupils/?group={not_theirs.id}") == []


def test_an_la_officer_pages_through_exactly_the_pupils_they_reach(client, world, login, session, three_per_page):
    """The officer's list reads the pupils in EHC work through their ids: page by page it holds, in
    name order and counted, exactly the pupils on the roll that the officer's reach (asked of each
    pupil, as a pupil's own pages ask) lets them read."""
    from sentrack import access
    from sentrack.access import Ability
    from sentrack.models import EhcPlan, EhcRequest, EhcRequester

    in_progress = make_pupil(session, world.sibling, first="Ira", last="Ames", year=8)
    session.add(EhcRequest(pupil_id=in_progress.id, requested_by=EhcRequester.PARENT, received_on=date(2026, 10, 1)))
    plan_only = make_pupil(session, world.school, first="Jo", last="Cole", provision=Provision.SEN_SUPPORT)
    session.add(
        EhcPlan(
            pupil_id=plan_only.id,
            local_authority_id=world.la.id,
            issued_on=date(2026, 3, 1),
            named_setting="Oak Primary",
            primary_need=NeedType.ASD,
        )
    )
    for n in range(4):
        make_pupil(session, world.school, first=f"Kai{n}", last="Moss", provision=Provision.EHC_PLAN)
    left = make_pupil(session, world.school, first="Lea", last="Nash", provision=Provision.EHC_PLAN)
    left.left_on, left.leaving_reason = date(2026, 10, 1), "moved"
    make_pupil(session, world.sibling, first="Max", last="Orme", year=8, provision=Provision.SEN_SUPPORT)
    session.commit()
    officer = world.users["la"]
    on_roll = session.scalars(
        sa.select(Pupil).where(Pupil.left_on.is_(None)).order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
    ).all()
    reached = [pupil.public_id for pupil in on_roll if access.may(officer, Ability.VIEW_PUPILS, pupil)]
    login(officer)

    first = client.page("/pupils/")
    listed = [public_id for n in (1, 2, 3) for public_id in _listed(client, f"/pupils/?page={n}")]

    assert len(reached) == 8
    assert listed == reached
    assert "8 pupils, page 1 of 3" in first


# --- Adding a pupil -----------------------------------------------------------------------------


def _pupil_form(**changes) -> dict:
    form = {
        "upn": make_upn(),
        "first_name": "Ivy",
        "last_name": "Jones",
        "preferred_name": "",
        "date_of_birth": date_parts(date(2020, 5, 1)),
        "year_group": "2",
        "admitted_on": ["", "", ""],
        "medical_notes": "",
    }
    form.update(changes)
    return form


def test_adding_a_pupil(senco, world, session):
    form = _pupil_form(groups=[str(world.group.id)], admitted_on=date_parts(date(2023, 9, 4)), looked_after="y")

    response = senco.post("/pupils/new", data=form)

    pupil = session.scalar(sa.select(Pupil).where(Pupil.upn == form["upn"]))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pupils/{pupil.public_id}"
    assert (pupil.first_name, pupil.last_name, pupil.year_group) == ("Ivy", "Jones", 2)
    assert pupil.date_of_birth == date(2020, 5, 1)
    assert pupil.admitted_on == date(2023, 9, 4)
    assert pupil.looked_after is True
    assert pupil.school_id == world.school.id
    assert [g.id for g in pupil.groups] == [world.group.id]
    assert len(audit_events(session, "pupil_added", pupil_id=pupil.id)) == 1


def _wrong_check_letter_upn() -> str:
    rest = "999200100042"
    right = check_letter(rest)
    wrong = CHECK_ALPHABET[(CHECK_ALPHABET.index(right) + 1) % len(CHECK_ALPHABET)]
    return wrong + rest


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        (
            {"upn": _wrong_check_letter_upn()},
            "upn",
            "This UPN's check letter does not match: check it has been copied correctly",
        ),
        ({"upn": "A12345"}, "upn", "A UPN is 13 characters long"),
        ({"upn": "A1234567890BC"}, "upn", "A UPN is a letter followed by 11 digits and a final digit or letter"),
        ({"date_of_birth": date_parts(date(2027, 1, 1))}, "date_of_birth", "The date of birth must be in the past"),
        ({"date_of_birth": ["1", "", "2019"]}, "date_of_birth", "The date of birth must include a month"),
        ({"date_of_birth": ["", "5", ""]}, "date_of_birth", "The date of birth must include a day and year"),
        ({"date_of_birth": ["", "", ""]}, "date_of_birth", "Enter the pupil's date of birth"),
        ({"date_of_birth": ["31", "2", "2019"]}, "date_of_birth", "The date of birth must be a real date"),
        ({"first_name": ""}, "first_name", "Enter the pupil's first name"),
        ({"last_name": ""}, "last_name", "Enter the pupil's last name"),
        ({"first_name": "   "}, "first_name", "Enter the pupil's first name"),
        ({"last_name": " \t "}, "last_name", "Enter the pupil's last name"),
        (
            {"admitted_on": date_parts(date(2018, 1, 1))},
            "admitted_on",
            "The admission date must be after the date of birth",
        ),
    ],
    ids=[
        "check-letter",
        "upn-short",
        "upn-shape",
        "born-in-future",
        "no-month",
        "no-day-or-year",
        "no-date",
        "impossible-date",
        "no-first-name",
        "no-last-name",
        "blank-first-name",
        "blank-last-name",
        "admitted-before-birth",
    ],
)
def test_adding_a_pupil_refused_with_the_message_beside_the_field(senco, world, session, changes, field_id, message):
    before = count(session, Pupil)

    response = senco.post("/pupils/new", data=_pupil_form(**changes))

    assert response.status_code == 200
    assert Page(response).field_error(field_id) == message
    assert count(session, Pupil) == before


def test_a_duplicate_upn_is_refused(senco, world, session):
    before = count(session, Pupil)

    response = senco.post("/pupils/new", data=_pupil_form(upn=world.pupils["untaught"].upn))

    assert Page(response).field_error("upn") == "Another pupil on the school's roll already has this UPN"
    assert count(session, Pupil) == before


def test_the_upn_of_a_pupil_at_another_school_is_not_this_schools_business(senco, world, session):
    """A pupil who moves between schools of the authority gets a record at each: the UPN is unique
    per school's roll, so the other school's record does not block this one."""
    before = count(session, Pupil)

    response = senco.post("/pupils/new", data=_pupil_form(upn=world.pupils["foreign"].upn))

    assert response.status_code == 302
    assert count(session, Pupil) == before + 1


def test_a_date_field_missing_from_the_post_is_an_error_not_a_crash(senco, world, session):
    form = _pupil_form()
    del form["date_of_birth"], form["admitted_on"]

    response = senco.post("/pupils/new", data=form)

    assert response.status_code == 200
    assert Page(response).field_error("date_of_birth") == "Enter the pupil's date of birth"


def test_a_class_of_another_school_cannot_be_chosen(senco, world, session):
    far = TeachingGroup(school_id=world.foreign.id, name="1 Far")
    session.add(far)
    session.commit()
    before = count(session, Pupil)

    response = senco.post("/pupils/new", data=_pupil_form(groups=[str(far.id)]))

    assert response.status_code == 200
    assert Page(response).field_error("groups") is not None
    assert count(session, Pupil) == before


# --- Editing a pupil ----------------------------------------------------------------------------


def _edit_form(pupil: Pupil, **changes) -> dict:
    form = {
        "version": str(pupil.version),
        "upn": pupil.upn,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "preferred_name": pupil.preferred_name or "",
        "date_of_birth": date_parts(pupil.date_of_birth),
        "year_group": str(pupil.year_group),
        "groups": [str(g.id) for g in pupil.groups],
        "admitted_on": ["", "", ""],
        "medical_notes": "",
    }
    form.update(changes)
    return form


def test_editing_audits_the_names_of_the_changed_fields_not_their_values(senco, world, session):
    pupil = world.pupils["taught"]

    response = senco.post(
        f"/pupils/{pupil.public_id}/edit", data=_edit_form(pupil, first_name="Adaline", year_group="5")
    )

    assert response.status_code == 302
    session.refresh(pupil)
    assert (pupil.first_name, pupil.year_group) == ("Adaline", 5)
    [event] = audit_events(session, "pupil_updated", pupil_id=pupil.id)
    assert event.details == {"fields": ["first_name", "year_group"]}
    assert "Adaline" not in repr(event.details)


def test_saving_without_a_change_writes_no_audit_event(senco, world, session):
    pupil = world.pupils["taught"]

    senco.post(f"/pupils/{pupil.public_id}/edit", data=_edit_form(pupil))

    assert audit_events(session, "pupil_updated", pupil_id=pupil.id) == []


def test_unticking_the_medical_condition_keeps_the_medical_notes(senco, world, session):
    pupil = world.pupils["taught"]
    pupil.medical_conditions = True
    pupil.medical_notes = "Inhaler kept in the office"
    session.commit()

    response = senco.post(
        f"/pupils/{pupil.public_id}/edit", data=_edit_form(pupil, medical_notes="Inhaler kept in the office")
    )

    assert response.status_code == 302
    session.refresh(pupil)
    assert pupil.medical_conditions is False
    assert pupil.medical_notes == "Inhaler kept in the office"
    assert senco.page(f"/pupils/{pupil.public_id}").summary()["Medical arrangements"] == "Inhaler kept in the office"


def test_ticking_the_medical_condition_again_shows_the_kept_notes_on_the_form(senco, world, session):
    pupil = world.pupils["taught"]
    pupil.medical_conditions = False
    pupil.medical_notes = "Epipen in the bag"
    session.commit()

    senco.post(
        f"/pupils/{pupil.public_id}/edit",
        data=_edit_form(pupil, medical_conditions="y", medical_notes="Epipen in the bag"),
    )

    session.refresh(pupil)
    assert (pupil.medical_conditions, pupil.medical_notes) == (True, "Epipen in the bag")
    notes = senco.page(f"/pupils/{pupil.public_id}/edit").one("textarea#medical_notes")
    assert notes.get_text().strip() == "Epipen in the bag"


def test_editing_may_keep_the_pupils_own_upn(senco, world, session):
    pupil = world.pupils["taught"]

    response = senco.post(f"/pupils/{pupil.public_id}/edit", data=_edit_form(pupil, last_name="Brooke"))

    assert response.status_code == 302


def test_editing_to_another_pupils_upn_is_refused(senco, world, session):
    pupil = world.pupils["taught"]
    upn = pupil.upn

    response = senco.post(f"/pupils/{pupil.public_id}/edit", data=_edit_form(pupil, upn=world.pupils["untaught"].upn))

    assert Page(response).field_error("upn") == "Another pupil on the school's roll already has this UPN"
    session.refresh(pupil)
    assert pupil.upn == upn


# --- Contacts -----------------------------------------------------------------------------------


def _contact_form(**changes) -> dict:
    form = {
        "name": "Rosa Brook",
        "relationship_to_pupil": "Grandparent",
        "parental_responsibility": "no",
        "phone": "",
        "email": "rosa@example.com",
        "address": "",
        "preferred_contact": "email",
        "priority": "2",
    }
    form.update(changes)
    return form


def test_adding_a_contact(senco, world, session):
    pupil = world.pupils["taught"]

    response = senco.post(f"/pupils/{pupil.public_id}/contacts/new", data=_contact_form())

    assert response.status_code == 302
    contact = session.scalar(sa.select(Contact).where(Contact.pupil_id == pupil.id, Contact.name == "Rosa Brook"))
    assert contact.preferred_contact is ContactMethod.EMAIL
    assert contact.parental_responsibility is False
    assert contact.priority == 2
    assert len(audit_events(session, "contact_added", pupil_id=pupil.id)) == 1


def test_editing_a_contact_audits_the_changed_fields(senco, world, session):
    pupil = world.pupils["taught"]
    contact = pupil.contacts[0]
    form = _contact_form(
        name=contact.name,
        relationship_to_pupil=contact.relationship_to_pupil,
        parental_responsibility="yes",
        phone="07700 900999",
        email="",
        preferred_contact="phone",
        priority="1",
        version=str(contact.version),
    )

    response = senco.post(f"/pupils/{pupil.public_id}/contacts/{contact.id}", data=form)

    assert response.status_code == 302
    session.refresh(contact)
    assert contact.phone == "07700 900999"
    [event] = audit_events(session, "contact_updated", pupil_id=pupil.id)
    assert event.details == {"fields": ["phone_numbers"]}


@pytest.mark.parametrize(
    ("method", "field_id", "message"),
    [
        ("phone", "phone", "Enter a phone number, or choose another way to contact them"),
        ("email", "email", "Enter an email address, or choose another way to contact them"),
        ("letter", "address", "Enter an address, or choose another way to contact them"),
    ],
)
def test_a_preferred_contact_method_needs_its_detail(senco, world, session, method, field_id, message):
    pupil = world.pupils["taught"]
    before = count(session, Contact)

    response = senco.post(
        f"/pupils/{pupil.public_id}/contacts/new",
        data=_contact_form(phone="", email="", address="", preferred_contact=method),
    )

    assert response.status_code == 200
    assert Page(response).field_error(field_id) == message
    assert count(session, Contact) == before


def test_a_contact_needs_a_name_that_is_not_just_spaces(senco, world, session):
    pupil = world.pupils["taught"]
    before = count(session, Contact)

    response = senco.post(f"/pupils/{pupil.public_id}/contacts/new", data=_contact_form(name="   "))

    assert Page(response).field_error("name") == "Enter the contact's name"
    assert count(session, Contact) == before


def test_a_contact_edit_refused_leaves_the_contact_as_it_was(senco, world, session):
    pupil = world.pupils["taught"]
    contact = pupil.contacts[0]

    response = senco.post(
        f"/pupils/{pupil.public_id}/contacts/{contact.id}",
        data=_contact_form(name=contact.name, phone="", preferred_contact="phone", version=str(contact.version)),
    )

    assert Page(response).field_error("phone") is not None
    session.refresh(contact)
    assert contact.phone == "07700 900123"


# --- A contact's phone numbers ------------------------------------------------------------------


def test_a_contact_is_saved_with_three_numbers_each_with_its_kind_in_order(senco, world, session):
    pupil = world.pupils["taught"]
    data = _contact_form(
        phone="07700 900301",
        phone_kind="M",
        phone_2="",  # a blank row is skipped: the third number becomes the second
        phone_2_kind="",
        phone_3="+44 (0)1632 960301",
        phone_3_kind="W",
        preferred_contact="phone",
    )

    response = senco.post(f"/pupils/{pupil.public_id}/contacts/new", data=data)

    assert response.status_code == 302
    contact = session.scalar(sa.select(Contact).where(Contact.pupil_id == pupil.id, Contact.name == "Rosa Brook"))
    assert contact.phone_numbers == (("M", "07700 900301"), ("W", "+44 (0)1632 960301"))
    page = Page(senco.get(f"/pupils/{pupil.public_id}"))
    assert "07700 900301 (mobile), +44 (0)1632 960301 (work)" in page.text("#main-content")


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"phone": "call Rosa"}, "phone", "Enter a phone number in digits, like 01632 960001 or +44 7700 900123"),
        ({"phone_2": "0770-ABC"}, "phone_2", "Enter a phone number in digits, like 01632 960001 or +44 7700 900123"),
        ({"phone_3": "1" * 31}, "phone_3", None),
        ({"phone_2_kind": "H"}, "phone_2_kind", "Enter the number, or choose ‘Not said’"),
        ({"phone_kind": "Z"}, "phone_kind", None),
    ],
    ids=["words", "letters", "too-long", "kind-without-number", "unknown-kind"],
)
def test_a_bad_phone_is_named_beside_its_field_and_nothing_is_stored(senco, world, session, changes, field_id, message):
    pupil = world.pupils["taught"]
    before = count(session, Contact)

    response = senco.post(f"/pupils/{pupil.public_id}/contacts/new", data=_contact_form(**changes))

    assert response.status_code == 200
    error = Page(response).field_error(field_id)
    assert error is not None and (message is None or error == message)
    assert count(session, Contact) == before


def test_the_edit_form_shows_the_numbers_and_keeps_kinds_and_numbers_it_has_no_rows_for(senco, world, session):
    pupil = world.pupils["taught"]
    contact = pupil.contacts[0]
    contact.phone_numbers = [
        ("M", "07700 900401"),
        ("D", "01632 960401"),
        (None, "01632 960402"),
        ("H", "01632 960403"),
    ]
    session.commit()
    url = f"/pupils/{pupil.public_id}/contacts/{contact.id}"

    page = Page(senco.get(url))
    assert [page.value(name) for name in ("phone", "phone_2", "phone_3")] == [
        "07700 900401",
        "01632 960401",
        "01632 960402",
    ]
    assert [_selected(page, name) for name in ("phone_kind", "phone_2_kind", "phone_3_kind")] == ["M", "D", ""]

    form = _contact_form(
        name=contact.name,
        relationship_to_pupil=contact.relationship_to_pupil,
        phone="07700 900409",
        phone_kind="M",
        phone_2="01632 960401",
        phone_2_kind="D",  # a code the form offers because the contact has it
        phone_3="",
        preferred_contact="phone",
        priority="1",
        version=str(contact.version),
    )
    response = senco.post(url, data=form)

    assert response.status_code == 302, Page(response).text("#main-content")
    session.expire_all()
    contact = session.get(Contact, contact.id)
    assert contact.phone_numbers == (("M", "07700 900409"), ("D", "01632 960401"), ("H", "01632 960403"))
    assert count(session, ContactPhone, ContactPhone.contact_id == contact.id) == 3


def _selected(page: Page, name: str) -> str:
    chosen = page.soup.select(f'select[name="{name}"] option[selected]')
    return chosen[0].get("value", "") if chosen else ""


# --- SEN status ---------------------------------------------------------------------------------


def _status_form(
    provision="E", primary="SPLD", secondary="", start=date(2026, 11, 1), reason="EHC plan issued"
) -> dict:
    return {
        "provision": provision,
        "primary_need": primary,
        "secondary_need": secondary,
        "start_date": date_parts(start) if isinstance(start, date) else start,
        "reason": reason,
    }


def _periods(session, pupil) -> list[SenStatus]:
    return list(
        session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id).order_by(SenStatus.start_date))
    )


def test_changing_k_to_e_closes_the_old_period_the_day_before_and_keeps_history(senco, world, session):
    pupil = world.pupils["taught"]

    response = senco.post(f"/pupils/{pupil.public_id}/sen-status", data=_status_form())

    assert response.status_code == 302
    old, new = _periods(session, pupil)
    assert (old.provision, old.start_date, old.end_date) == (
        Provision.SEN_SUPPORT,
        date(2025, 9, 10),
        date(2026, 10, 31),
    )
    assert (new.provision, new.primary_need, new.start_date, new.end_date) == (
        Provision.EHC_PLAN,
        NeedType.SPLD,
        date(2026, 11, 1),
        None,
    )
    assert new.recorded_by_id == world.users["senco"].id
    [event] = audit_events(session, "sen_status_changed", pupil_id=pupil.id)
    assert event.details == {"from": "K", "to": "E"}
    history = senco.page(f"/pupils/{pupil.public_id}").table("SEN status periods, newest first")
    assert history[0][2:4] == ["1 Nov 2026", "Now"]
    assert history[1][3] == "31 Oct 2026"


def test_no_sen_with_no_needs_is_accepted(senco, world, session):
    pupil = world.pupils["taught"]

    response = senco.post(
        f"/pupils/{pupil.public_id}/sen-status", data=_status_form(provision="N", primary="", reason="Stepped down")
    )

    assert response.status_code == 302
    new = _periods(session, pupil)[-1]
    assert (new.provision, new.primary_need, new.secondary_need) == (Provision.NONE, None, None)


def test_the_first_status_of_a_pupil_with_none_recorded(senco, world, session):
    pupil = world.pupils["taught_plain"]

    response = senco.post(f"/pupils/{pupil.public_id}/sen-status", data=_status_form(provision="K", primary="NSA"))

    assert response.status_code == 302
    [only] = _periods(session, pupil)
    assert (only.provision, only.primary_need) == (Provision.SEN_SUPPORT, NeedType.NSA)


@pytest.mark.parametrize(
    ("form", "field_id", "message"),
    [
        (
            _status_form(primary="NSA"),
            "primary_need",
            "'No specialist assessment' can only be recorded for SEN support",
        ),
        (
            _status_form(primary="ASD", secondary="ASD"),
            "secondary_need",
            "The secondary need must differ from the primary need",
        ),
        (_status_form(primary=""), "primary_need", "Select the pupil's primary type of need"),
        (_status_form(start=date(2026, 11, 28)), "start_date", "The date the status starts cannot be in the future"),
        (
            _status_form(start=date(2025, 9, 10)),
            "start_date",
            "The date must be after the current status began (10 September 2025)",
        ),
        (
            _status_form(start=date(2025, 1, 6)),
            "start_date",
            "The date must be after the current status began (10 September 2025)",
        ),
        (
            _status_form(provision="K", primary="SPLD"),
            "provision",
            "This is already the pupil's SEN status: change the provision or the needs",
        ),
        (_status_form(reason="  "), "reason", "Enter the reason for the change"),
    ],
    ids=[
        "nsa-with-e",
        "secondary-equals-primary",
        "no-primary-need",
        "future",
        "same-day-as-current",
        "before-current",
        "unchanged",
        "no-reason",
    ],
)
def test_a_sen_status_change_is_refused(senco, world, session, form, field_id, message):
    pupil = world.pupils["taught"]

    response = senco.post(f"/pupils/{pupil.public_id}/sen-status", data=form)

    assert response.status_code == 200
    assert Page(response).field_error(field_id) == message
    [still_open] = _periods(session, pupil)
    assert (still_open.provision, still_open.end_date) == (Provision.SEN_SUPPORT, None)


# --- Concerns -----------------------------------------------------------------------------------


def _concern_form(raised_on=date(2026, 11, 20), area="cognition", description="Reverses letters when writing") -> dict:
    return {"raised_on": date_parts(raised_on), "area_of_need": area, "description": description}


def test_raising_a_concern_sets_its_deadline_from_the_schools_setting(client, world, login, session):
    world.school.concern_deadline_days = 10
    session.commit()
    login(world.users["teacher"])
    pupil = world.pupils["taught_plain"]

    response = client.post(f"/pupils/{pupil.public_id}/concerns/new", data=_concern_form())

    assert response.status_code == 302
    concern = session.scalar(sa.select(Concern).where(Concern.pupil_id == pupil.id))
    assert (concern.raised_on, concern.deadline) == (date(2026, 11, 20), date(2026, 11, 30))
    assert concern.raised_by_id == world.users["teacher"].id
    assert len(audit_events(session, "concern_raised", pupil_id=pupil.id)) == 1


def test_a_concern_dated_in_the_future_is_refused(senco, world, session):
    pupil = world.pupils["taught_plain"]

    response = senco.post(f"/pupils/{pupil.public_id}/concerns/new", data=_concern_form(raised_on=date(2026, 11, 28)))

    assert response.status_code == 200
    assert Page(response).field_error("raised_on") == "The date cannot be in the future"
    assert count(session, Concern) == 0


def test_a_concern_needs_a_description(senco, world, session):
    pupil = world.pupils["taught_plain"]

    response = senco.post(f"/pupils/{pupil.public_id}/concerns/new", data=_concern_form(description="   "))

    assert Page(response).field_error("description") is not None
    assert count(session, Concern) == 0


def test_the_senco_home_page_lists_concerns_past_their_deadline(client, world, login, session):
    login(world.users["teacher"])
    overdue, recent = world.pupils["taught"], world.pupils["taught_plain"]
    client.post(f"/pupils/{overdue.public_id}/concerns/new", data=_concern_form(raised_on=date(2026, 10, 1)))
    client.post(f"/pupils/{recent.public_id}/concerns/new", data=_concern_form(raised_on=date(2026, 11, 20)))
    login(world.users["senco"])

    page = client.page("/")

    past_deadline = page.links('table:has(> caption:-soup-contains("Past their deadline"))')
    assert f"/pupils/{overdue.public_id}#concerns" in past_deadline
    assert not any(recent.public_id in href for href in past_deadline)
    assert page.text("section[aria-labelledby=concerns-heading] > p").startswith("2 open concerns")


# --- The record page ----------------------------------------------------------------------------


def test_viewing_a_pupil_is_audited(client, world, login, session):
    login(world.users["teacher"])
    pupil = world.pupils["taught"]

    client.get(f"/pupils/{pupil.public_id}")

    [event] = audit_events(session, "pupil_viewed", pupil_id=pupil.id)
    assert event.user_id == world.users["teacher"].id
    assert event.school_id == world.school.id


def test_a_pupil_out_of_scope_is_not_audited_as_viewed(client, world, login, session):
    login(world.users["teacher"])

    client.get(f"/pupils/{world.pupils['untaught'].public_id}")

    assert audit_events(session, "pupil_viewed") == []


def test_text_shown_back_is_escaped(senco, world, session):
    pupil = make_pupil(session, world.school, first="<script>alert(1)</script>", last="O'Hara & Sons")
    session.commit()

    for page in (senco.page(f"/pupils/{pupil.public_id}"), senco.page("/pupils/")):
        assert "<script>alert(1)</script>" not in page.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.html
        assert "<script>alert(1)</script>" in page and "O'Hara & Sons" in page


def test_text_typed_into_a_refused_form_is_escaped(senco, world):
    response = senco.post("/pupils/new", data=_pupil_form(first_name='"><script>alert(1)</script>', upn="A12345"))

    page = Page(response)
    assert "<script>alert(1)</script>" not in page.html
    assert "&lt;script&gt;" in page.html
    assert page.value("first_name") == '"><script>alert(1)</script>'
