"""Letters to parents from the school's templates, who receives them and the printouts for parents.

The templates' placeholders are checked and filled by plain substitution (never a template
language or `str.format` over what a person typed); each letter goes to each contact with parental
responsibility and no restriction, and the pages staff see say who is left out and why.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from sentrack.models import (
    Contact,
    ContactMethod,
    ContactRestriction,
    CycleState,
    LetterTemplate,
    MeetingMode,
    ParentLetter,
    ParentMeeting,
    RecordRevision,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows.letter_templates import (
    KINDS,
    TemplateDetails,
    check_template,
    fill,
    placeholder_problem,
    render,
    save_template,
    school_template,
)
from sentrack.workflows.recipients import NO_RESPONSIBILITY, copies_for, may_receive, recipients, why_left_out
from sentrack.workflows.revisions import EditConflict
from tests.conftest import TODAY
from tests.helpers import audit_events, count
from tests.test_cycles_views import _drive
from tests.test_cycles_views import senco as senco  # the SENCO's signed-in client (a fixture)

S68 = KINDS["s68"]


def _contact(session, pupil, name, *, priority, responsibility=True, restriction=ContactRestriction.NONE, **more):
    contact = Contact(
        pupil_id=pupil.id,
        name=name,
        relationship_to_pupil=more.pop("relationship", "Father"),
        parental_responsibility=responsibility,
        preferred_contact=ContactMethod.LETTER,
        address=more.pop("address", f"{priority} Letter Lane\nOaktown"),
        priority=priority,
        restriction=restriction,
        restriction_note=more.pop("note", None if restriction is ContactRestriction.NONE else "Order of 1 May"),
        **more,
    )
    session.add(contact)
    session.commit()
    return contact


def _letter_of(session, pupil) -> ParentLetter:
    return session.scalar(sa.select(ParentLetter).where(ParentLetter.pupil_id == pupil.id))


@pytest.fixture
def lettered(session, world):
    """Ben, on SEN support with his letter waiting, and his contacts: his mother (the world's
    "Parent of Ben", parental responsibility, no restriction), a father under a court order, and a
    grandparent without parental responsibility."""
    _drive(session, world, CycleState.DO, pupil_key="taught_plain")
    pupil = world.pupils["taught_plain"]
    _contact(session, pupil, "Tom Cole", priority=2, restriction=ContactRestriction.COURT_ORDER)
    _contact(session, pupil, "Gran Cole", priority=3, responsibility=False, relationship="Grandparent")
    session.expire_all()
    return pupil


# --- Checking and filling templates --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("Dear {__class__}", "{__class__}"),
        ("{pupil_name.__class__.__mro__}", "{pupil_name.__class__.__mro__}"),
        ("{pupil_name!r}", "{pupil_name!r}"),
        ("{0}", "{0}"),
        ("{{ 7*7 }}", "{ 7*7 }"),
        ("{config}", "{config}"),
        ("{ pupil_name }", "{ pupil_name }"),
    ],
)
def test_an_unknown_placeholder_is_refused_by_name(typed, named):
    problem = placeholder_problem(typed)

    assert problem is not None and named in problem


@pytest.mark.parametrize("typed", ["Dear {pupil_name", "Dear pupil_name}", "a } then {pupil_name}", "{"])
def test_a_stray_curly_bracket_is_refused(typed):
    assert "curly bracket" in placeholder_problem(typed)


def test_every_placeholder_of_the_default_wording_is_known():
    assert placeholder_problem(S68.title) is None and placeholder_problem(S68.body) is None
    assert set(re.findall(r"\{(\w+)\}", S68.body)) >= {"parent_names", "address", "date", "senco_name"}


def test_a_refused_template_names_the_field_at_fault():
    with pytest.raises(RuleBroken) as heading:
        check_template("Hello {nobody}", "Dear {parent_names}")
    with pytest.raises(RuleBroken) as body:
        check_template("Hello", "Dear {parent_names} and {nobody}")
    with pytest.raises(RuleBroken) as empty:
        check_template("Hello", "   ")

    assert (heading.value.field, body.value.field, empty.value.field) == ("title", "body", "body")
    assert "{nobody}" in body.value.message


def test_filling_substitutes_values_as_text_and_runs_nothing():
    values = {"pupil_name": "{school_name} <script>alert(1)</script>", "school_name": "Oak"}

    filled = fill("To {pupil_name} at {school_name}: %(x)s {0}", values)

    # A value is never filled in again, and nothing but the known names is touched.
    assert filled == "To {school_name} <script>alert(1)</script> at Oak: %(x)s {0}"


def test_rendering_makes_paragraphs_of_blank_lines_and_drops_lines_left_empty():
    letter = render(
        "For {pupil_name}",
        "{parent_names}\n{address}\n\n\n{date}\r\n\r\nDear {parent_names},\nline two",
        {"pupil_name": "Ben", "parent_names": "Ann", "address": "", "date": "1 May 2027"},
    )

    assert letter.title == "For Ben"
    assert letter.paragraphs == [["Ann"], ["1 May 2027"], ["Dear Ann,", "line two"]]


# --- Who receives copies -------------------------------------------------------------------------


def test_only_contacts_with_parental_responsibility_and_no_restriction_receive_copies(session, lettered):
    mother, father, gran = sorted(lettered.contacts, key=lambda c: c.priority)

    copies = copies_for(lettered.contacts)

    assert [may_receive(c) for c in (mother, father, gran)] == [True, False, False]
    assert copies.sent == recipients(lettered.contacts) == [mother]
    assert [(left.contact, left.reason) for left in copies.left_out] == [
        (father, why_left_out(father)),
        (gran, NO_RESPONSIBILITY),
    ]
    assert "court order" in why_left_out(father)


@pytest.mark.parametrize("restriction", [r for r in ContactRestriction if r is not ContactRestriction.NONE])
def test_any_restriction_holds_whatever_the_parental_responsibility(session, world, restriction):
    contact = _contact(session, world.pupils["taught"], "Sam Lee", priority=2, restriction=restriction)

    assert contact.parental_responsibility and not may_receive(contact)
    assert why_left_out(contact) != NO_RESPONSIBILITY


# --- Contacts' restrictions on the contact form and the pupil page -------------------------------


def _contact_form(**changes) -> dict:
    form = {
        "name": "Tom Cole",
        "relationship_to_pupil": "Father",
        "parental_responsibility": "yes",
        "email": "tom@example.com",
        "preferred_contact": "email",
        "priority": "2",
        "restriction": "court_order",
        "restriction_note": "Prohibited steps order, 1 May 2026: no school information",
    }
    return form | changes


def test_a_restriction_is_saved_and_shown_on_the_pupil_page_to_those_in_scope(senco, login, world, session):  # noqa: F811
    pupil = world.pupils["taught"]

    response = senco.post(f"/pupils/{pupil.public_id}/contacts/new", data=_contact_form())

    assert response.status_code == 302
    contact = session.scalar(sa.select(Contact).where(Contact.name == "Tom Cole"))
    assert (contact.restriction, contact.restriction_note) == (
        ContactRestriction.COURT_ORDER,
        "Prohibited steps order, 1 May 2026: no school information",
    )
    page = login(world.users["teacher"]).page(f"/pupils/{pupil.public_id}")
    card = next(c for c in page.all(".govuk-summary-card") if "Tom Cole" in c.get_text())
    shown = card.get_text(" ", strip=True)
    assert "A court order: Prohibited steps order" in shown
    assert "No: a court order restricts what the school sends them" in shown


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"restriction_note": ""}, "Say what the restriction is"),
        ({"restriction": "none"}, "Choose the restriction this note is about"),
        ({"restriction": "banned"}, "Select whether anything restricts what the school sends them"),
    ],
)
def test_a_restriction_without_its_note_or_a_note_without_one_is_refused(senco, world, session, changes, message):  # noqa: F811
    pupil = world.pupils["taught"]

    page = senco.post_page(f"/pupils/{pupil.public_id}/contacts/new", data=_contact_form(**changes))

    field = "restriction_note" if "note" in message.lower() or "restriction is" in message else "restriction"
    assert message in (page.field_error(field) or "")
    assert count(session, Contact, Contact.name == "Tom Cole") == 0


def test_a_contact_form_sent_without_the_restriction_means_none(senco, world, session):  # noqa: F811
    pupil = world.pupils["taught"]
    form = _contact_form()
    del form["restriction"], form["restriction_note"]

    assert senco.post(f"/pupils/{pupil.public_id}/contacts/new", data=form).status_code == 302
    contact = session.scalar(sa.select(Contact).where(Contact.name == "Tom Cole"))
    assert contact.restriction is ContactRestriction.NONE and contact.restriction_note is None


def test_a_file_from_the_mis_changing_a_contact_keeps_its_restriction(world, session):
    from tests.ctf_samples import contact_xml
    from tests.test_ctf_import import _file_of, confirm, preview

    world.school.estab_number = "2001"
    pupil = world.pupils["taught_plain"]
    parent = pupil.contacts[0]
    parent.restriction, parent.restriction_note = ContactRestriction.SAFEGUARDING, "See the DSL"
    session.commit()
    data = _file_of(
        pupil,
        contacts=(contact_xml(forename="Parent of", surname="Ben", relationship="PAM", phones=("07700900999",)),),
        sex=None,
    )

    confirm(session, world, preview(session, world, data))

    session.expire_all()
    parent = session.get(Contact, parent.id)
    assert parent.phone == "07700900999"  # the file's change is made
    assert (parent.restriction, parent.restriction_note) == (ContactRestriction.SAFEGUARDING, "See the DSL")


# --- The letter page and its PDF -----------------------------------------------------------------


def test_the_letter_is_written_to_each_contact_who_may_receive_it(senco, world, session, lettered):  # noqa: F811
    _contact(session, lettered, "Ann Cole", priority=4, relationship="Step-parent", address="9 Elm Row\nOaktown")
    letter = _letter_of(session, lettered)

    page = senco.page(f"/pupils/{lettered.public_id}/letters/{letter.id}")

    letters = page.all("article.app-letter")
    assert [a["aria-label"] for a in letters] == ["Letter to Parent of Ben", "Letter to Ann Cole"]
    ann = letters[1].get_text("\n", strip=True)
    assert "9 Elm Row\nOaktown" in ann and "Dear Ann Cole," in ann
    printed = " ".join(page.texts("article"))
    assert "Tom Cole" not in printed and "Gran Cole" not in printed
    assert page.texts("#letter-left-out li") == [
        "Tom Cole (father): a court order restricts what the school sends them",
        "Gran Cole (grandparent): they do not hold parental responsibility",
    ]
    # The list of who is left out is for staff: on screen only, never printed.
    assert page.one("#letter-left-out").find_parent(class_="app-no-print") is not None


def test_the_letter_follows_the_schools_own_wording_escaped(senco, world, session, lettered):  # noqa: F811
    session.add(
        LetterTemplate(
            school_id=world.school.id,
            kind="s68",
            title="Notice for {pupil_name}",
            body="Dear {parent_names},\n\n<b>{pupil_first_name}</b> starts SEN support on {support_start}.",
        )
    )
    parent = lettered.contacts[0]
    parent.name = "<script>alert(1)</script>"
    session.commit()
    letter = _letter_of(session, lettered)

    page = senco.page(f"/pupils/{lettered.public_id}/letters/{letter.id}")

    assert page.texts("article h2") == ["Notice for Ben Cole"]
    assert "Dear <script>alert(1)</script>," in page.texts("article p")
    assert "<b>Ben</b> starts SEN support on 7 September 2026." in page.texts("article p")
    assert "<script>alert(1)" not in page.html and "<b>Ben" not in page.html


def test_the_letters_download_as_a_pdf_page_each_and_audited(senco, world, session, lettered):  # noqa: F811
    _contact(session, lettered, "Ann Cole", priority=4, relationship="Step-parent")
    letter = _letter_of(session, lettered)

    response = senco.get(f"/pupils/{lettered.public_id}/letters/{letter.id}/download")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=letter-to-parents-2026-11-27.pdf"
    content = response.data
    assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
    assert b"/Count 2" in content  # a page for each of the two letters
    assert b"(Dear Parent of Ben,) Tj" in content and b"(Dear Ann Cole,) Tj" in content
    assert b"Tom Cole" not in content and b"Gran Cole" not in content
    (event,) = audit_events(session, "letter_downloaded")
    assert (event.pupil_id, event.object_id, event.details) == (lettered.id, str(letter.id), {"letters": 2})


def test_a_letter_with_no_one_to_receive_it_says_so_and_downloads_nothing(senco, world, session, lettered):  # noqa: F811
    for contact in lettered.contacts:
        contact.parental_responsibility = False
    session.commit()
    letter = _letter_of(session, lettered)
    url = f"/pupils/{lettered.public_id}/letters/{letter.id}"

    page = senco.page(url)
    response = senco.get(f"{url}/download")

    assert "No parent or carer may be sent this letter" in page.text(".govuk-warning-text")
    assert not page.all("article.app-letter")
    assert response.status_code == 302 and response.headers["Location"] == url
    assert audit_events(session, "letter_downloaded") == []


# --- The SENCO's template page -------------------------------------------------------------------

URL = "/letter-templates/s68"


def _template_form(version: str, **changes) -> dict:
    return {
        "title": "Support for {pupil_name}",
        "body": "Dear {parent_names},\n\nWe are helping.",
        "version": version,
    } | changes


def _typed(page) -> str:
    """What the letter's text box holds."""
    return page.one("textarea[name=body]").text.lstrip("\n")


def test_saving_the_wording_keeps_each_version_and_the_letters_use_it(senco, world, session, lettered):  # noqa: F811
    assert "The default wording" in senco.page("/letter-templates").text("table")
    assert _typed(senco.page(URL)) == S68.body

    first = senco.post(URL, data=_template_form("0"))
    second = senco.post(
        URL, data=_template_form("1", body="Dear {parent_names},\n\nWe are helping {pupil_first_name}.")
    )

    assert first.status_code == second.status_code == 302
    template = session.scalar(sa.select(LetterTemplate).where(LetterTemplate.school_id == world.school.id))
    assert (template.version, template.updated_by_id) == (2, world.users["senco"].id)
    versions = session.scalars(
        sa.select(RecordRevision.version).where(RecordRevision.record_type == "letter_template")
    ).all()
    assert sorted(versions) == [1, 2]
    assert len(audit_events(session, "letter_template_saved")) == 2
    page = senco.page(URL)
    assert [s.split(",")[0] for s in page.texts("details summary")] == ["Version 2", "Version 1"]
    letter = senco.page(f"/pupils/{lettered.public_id}/letters/{_letter_of(session, lettered).id}")
    assert letter.texts("article p")[1:] == ["Dear Parent of Ben,", "We are helping Ben."]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"body": "Dear {parent_name},\n\n{__class__}"}, "body", "{__class__}, {parent_name} are not placeholders"),
        ({"title": "Hello {pupil}"}, "title", "{pupil} is not a placeholder"),
        ({"body": "Dear {parent_names"}, "body", "Remove the curly bracket"),
        ({"body": "   "}, "body", "Enter the letter"),
    ],
)
def test_a_template_with_an_unknown_placeholder_is_refused_beside_the_field(senco, session, changes, field, message):  # noqa: F811
    page = senco.post_page(URL, data=_template_form("0", **changes))

    assert message in (page.field_error(field) or "")
    if changes.get("body", "x").strip():
        assert _typed(page) == _template_form("0", **changes)["body"]  # nothing typed is lost
    assert count(session, LetterTemplate) == 0


def test_the_preview_fills_in_made_up_details_and_saves_nothing(senco, world, session):  # noqa: F811
    typed = "Dear {parent_names},\n\n<i>{pupil_name}</i>"
    page = senco.post_page(URL, data=_template_form("0", preview="Preview", body=typed))

    assert page.texts(".app-letter-preview .app-letter p")[1:] == ["Dear Alex Example,", "<i>Sam Example</i>"]
    assert "<i>Sam" not in page.html
    assert _typed(page) == typed  # kept as typed
    assert count(session, LetterTemplate) == 0 and count(session, RecordRevision) == 0


def test_two_saves_of_the_same_version_give_one_winner_and_a_conflict(session, world):
    actor = world.users["senco"]
    template = school_template(session, world.school.id, "s68")
    save_template(
        session,
        actor=actor,
        template=template,
        details=TemplateDetails("First {pupil_name}", "Dear {parent_names}"),
        expected_version=0,
    )
    session.commit()

    with pytest.raises(EditConflict) as conflict:
        save_template(
            session,
            actor=actor,
            template=school_template(session, world.school.id, "s68"),
            details=TemplateDetails("Second", "Dear {parent_names}"),
            expected_version=0,
        )

    assert [change.label for change in conflict.value.changes] == ["Heading", "Letter"]
    session.rollback()
    assert school_template(session, world.school.id, "s68").title == "First {pupil_name}"


def test_an_unknown_kind_of_letter_is_not_found(senco):  # noqa: F811
    assert senco.get("/letter-templates/s69").status_code == 404


# --- The parents' copy of the plan and the meeting record ----------------------------------------


def test_the_parents_copy_of_the_plan_has_both_views_a_reply_slip_and_its_recipients(senco, world, session, lettered):  # noqa: F811
    page = senco.page(f"/pupils/{lettered.public_id}/cycles/1/plan/print")

    assert page.text("#copy-for") == "Copy for: Parent of Ben (mother)"
    assert page.one("#copy-left-out").find_parent(class_="app-no-print") is not None
    assert "Tom Cole (father): a court order restricts what the school sends them" in page.texts("#copy-left-out li")
    assert "Reads at home with support" in page.texts("section[aria-labelledby=your-views] p")
    assert "Reading is hard when the words are long" in page.texts("section[aria-labelledby=pupil-views] p")
    assert len(page.all(".app-reply .app-ruled__line")) == 8
    assert "Signed (parent or carer)" in page.text(".app-signature")


def test_the_meeting_record_page_says_whom_the_record_goes_to(world, login, session, lettered):
    meeting = ParentMeeting(
        pupil_id=lettered.id,
        held_on=TODAY,
        mode=MeetingMode.IN_PERSON,
        led_by_id=world.users["teacher"].id,
        pupil_views="Likes the reading group",
    )
    session.add(meeting)
    session.commit()

    page = login(world.users["teacher"]).page(f"/pupils/{lettered.public_id}/meetings/{meeting.id}/shared")

    assert page.texts("#record-recipients p")[0] == "Give the record to Parent of Ben (mother)."
    assert page.texts("#record-recipients li") == [
        "Tom Cole (father): a court order restricts what the school sends them",
        "Gran Cole (grandparent): they do not hold parental responsibility",
    ]


def test_the_transfer_pack_tells_the_next_school_of_a_restriction(session, world):
    """The CTF has no place for a restriction: the pack's readable record carries it."""
    import io
    import zipfile

    from sentrack.models import ExportKind
    from sentrack.workflows.transfer_pack import download
    from tests.test_ctf_export import _ready

    pupil = world.pupils["taught"]
    _contact(session, pupil, "Tom Lee", priority=2, restriction=ContactRestriction.SAFEGUARDING, note="Ask the DSL")
    _ready(session, world, pupil)

    got = download(session, actor=world.users["senco"], pupil=pupil, kind=ExportKind.PACK, today=TODAY)

    record = zipfile.ZipFile(io.BytesIO(got.content)).read("record.html").decode()
    assert "A safeguarding concern: Ask the DSL" in record
