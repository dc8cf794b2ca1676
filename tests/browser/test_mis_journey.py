"""The roll from the school's MIS in Chromium (issue 16), at Birch Primary, the journey's own
school: the administrator imports a Common Transfer File, reviews its preview and confirms it;
the SENCO reconciles the SEN history the file gives differently; a pupil leaves for a school typed
in on the leaving form and the SENCO downloads their transfer pack; and, on a server whose clock
stands in the summer term, the administrator runs the year-end rollover."""

from __future__ import annotations

import io
import zipfile

from playwright.sync_api import expect

from sentrack.workflows.ctf_read import read_ctf
from tests.browser.seed import PASSWORD
from tests.browser.test_senco_cycle import open_pupil
from tests.ctf_samples import ctf_xml, pupil_xml, sample_upn

FILE_NAME = "9993456_CTF_9993456_001.xml"
NEXT_SCHOOL = ("Rowan Academy", "100456", "202", "4567")  # name, URN, LA and establishment numbers


def known_pupil_xml(details: dict, **changes) -> str:
    """A pupil SEN Track holds, as the school's MIS gives them (no contacts, no SEN history,
    nothing SEN Track does not hold), with `changes`."""
    given = {
        "upn": details["upn"],
        "surname": details["last_name"].upper(),
        "forename": details["first_name"],
        "dob": details["date_of_birth"],
        "year": str(details["year_group"]),
        "sen": (),
        "needs": (),
        "contacts": (),
        "entry_date": None,
        "sex": None,
    }
    return pupil_xml(**(given | changes))


def mis_file(cast) -> bytes:
    """Birch Primary's CTF: a pupil new to the school, a known pupil with a preferred first name,
    the pupil on SEN support whose need the file gives as ASD, the leaver unchanged, and a pupil
    whose date of birth does not exist."""
    pupils = cast.mis_pupils
    return ctf_xml(
        pupil_xml(upn=sample_upn(7001, "999"), surname="North", forename="Zara", dob="2016-03-02", year="5"),
        known_pupil_xml(pupils[cast.mis_renamed], preferred_forename="Ted"),
        known_pupil_xml(pupils[cast.mis_sen_pupil], sen=(("2026-10-01", "K"),), needs=((1, "ASD"),)),
        known_pupil_xml(pupils[cast.mis_leaver]),
        pupil_xml(upn=sample_upn(7002, "999"), surname="Odell", forename="Amy", dob="2016-02-30", year="5"),
        dest=cast.mis_dfe,
    )


def summary(visitor) -> dict[str, str]:
    """The first summary list of the page, key to value, as shown."""
    rows = visitor.page.locator(".govuk-summary-list").first.locator(".govuk-summary-list__row")
    return {row.locator("dt").inner_text().strip(): row.locator("dd").first.inner_text().strip() for row in rows.all()}


def test_a_ctf_is_imported_its_sen_difference_reconciled_and_a_leavers_transfer_pack_downloaded(
    new_visitor, cast, tmp_path
):
    admin, senco = new_visitor(), new_visitor()
    ctf = tmp_path / FILE_NAME
    ctf.write_bytes(mis_file(cast))
    sen_pupil, renamed, leaver = cast.mis_sen_pupil, cast.mis_renamed, cast.mis_leaver

    # The administrator uploads the school's CTF and sees its preview: nothing is stored yet.
    admin.sign_in(cast.mis_admin, PASSWORD)
    admin.goto("/imports")
    admin.heading("Import from your MIS")
    admin.choose("What is in the file?", "Common Transfer File")
    admin.page.get_by_label("File", exact=True).set_input_files(ctf)
    admin.click_button("Upload and preview")
    admin.heading(f"Preview of {FILE_NAME}")
    shown = summary(admin)
    assert shown.pop("Uploaded").endswith("by Bea Office"), shown
    assert shown == {
        "Status": "Waiting for confirmation",
        "From": "Example Primary",
        "New": "1",
        "Changed": "1",
        "Unchanged": "2",
        "In error": "1",
        "SEN histories that differ from the school's": "1",
    }
    main = admin.page.locator("main")
    expect(main).to_contain_text(
        "The file's SEN history of 1 pupil differs from the school's record. The SENCO decides on it once the"
        " import is applied."
    )
    # How many, never what: neither the file's need nor the school's is shown to the administrator.
    for words in ("ASD", "Autistic", "SPLD", "Specific learning", "SEN in the file differs"):
        expect(main).not_to_contain_text(words)
    errors = admin.page.get_by_role("region", name="In error (1)")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors).to_contain_text("Amy Odell")
    expect(errors).to_contain_text("‘2016-02-30’ is not a date")
    new = admin.page.get_by_role("region", name="New (1)")
    expect(new.locator("tbody tr")).to_contain_text(["Zara North"])
    expect(new).to_contain_text("Not matched: new to the school")
    changed = admin.page.get_by_role("region", name="Changed (1)")
    expect(changed).to_contain_text("Matched by UPN")
    expect(changed).to_contain_text("Preferred first name")
    expect(changed).to_contain_text("Ted")
    unchanged = admin.page.get_by_role("region", name="Unchanged (2)")
    expect(unchanged.locator("tbody tr")).to_have_count(2)
    expect(unchanged).to_contain_text("Matched by UPN")

    admin.click_button("Apply the rows not in error")
    admin.heading(f"Preview of {FILE_NAME}")
    admin.success("Import applied: rows in error were left out.")
    assert summary(admin)["Status"] == "Applied"
    expect(admin.page.get_by_role("button", name="Apply the rows not in error")).to_have_count(0)
    admin.click_link("Back to imports")
    admin.heading("Import from your MIS")
    recent = admin.page.get_by_role("region", name="Recent imports").locator("tbody tr")
    expect(recent).to_have_count(1)
    expect(recent.first).to_contain_text(FILE_NAME)
    expect(recent.first).to_contain_text("Applied")
    expect(recent.first).to_contain_text("1 new, 1 changed, 2 unchanged, 1 in error")

    # The SENCO sees the new pupil and the preferred name on the roll, and reconciles the SEN.
    senco.sign_in(cast.mis_senco, PASSWORD)
    open_pupil(senco, "Zara North")
    expect(senco.page.get_by_role("region", name="SEN status history")).to_contain_text(
        "Speech, language and communication needs"
    )
    open_pupil(senco, f"Ted {renamed.split(' ', 1)[1]}")  # the roll goes by the preferred name now

    senco.goto("/imports/sen-differences")
    senco.heading("Imported SEN histories that differ")
    waiting = senco.page.get_by_role("region", name="Waiting for a decision").locator("tbody tr")
    expect(waiting).to_have_count(1)
    cells = waiting.first.locator("td, th")
    expect(cells.nth(0)).to_have_text(sen_pupil)
    expect(cells.nth(1)).to_have_text("SEN support (SPLD) from 10 September 2025")
    expect(cells.nth(2)).to_have_text("SEN support (ASD) from 1 October 2026")
    expect(cells.nth(3)).to_have_text("27 November 2026")
    senco.click_button(f"Accept the file's SEN status for {sen_pupil}")
    senco.heading("Imported SEN histories that differ")
    senco.success(f"{sen_pupil}'s SEN status was taken from the file.")
    expect(waiting).to_have_text(["No imported SEN history differs from the school's records."])

    open_pupil(senco, sen_pupil)
    periods = senco.page.get_by_role("region", name="SEN status history").locator("tbody tr")
    expect(periods).to_have_count(2)
    expect(periods.first).to_contain_text("Autistic spectrum disorder")
    expect(periods.first).to_contain_text("Now")
    expect(periods.first).to_contain_text(f"Taken from the Common Transfer File {FILE_NAME}")
    expect(periods.nth(1)).to_contain_text("Specific learning difficulty")

    # A pupil leaves today for a school not in SEN Track, typed in on the leaving form.
    name, urn, la, estab = NEXT_SCHOOL
    open_pupil(senco, leaver)
    senco.click_link("Record that the pupil left")
    senco.heading("Record that the pupil left")
    senco.fill_date("Date the pupil leaves the roll", 27, 11, 2026)
    senco.choose("Why did the pupil leave?", "Moved to another school")
    senco.fill("Name of the school", name)
    senco.fill("URN", urn, exact=True)
    senco.fill("LA number", la)
    senco.fill("Establishment number", estab)
    senco.click_button("Record leaving")
    senco.heading(leaver)
    senco.success("Leaving recorded")
    banner = senco.page.get_by_role("note").filter(has_text="Left on 27 November 2026")
    expect(banner).to_contain_text(f"Moved to {name}, URN {urn}, DfE number {la}/{estab}.")
    expect(banner).to_contain_text("read-only")

    # The SENCO downloads the transfer pack: the CTF, named by the DfE's rule, and the record.
    senco.click_link("Send the SEN file to the next school")
    senco.heading("Send the SEN file to the next school")
    details = summary(senco)
    assert details["Next school"] == name
    assert details["Next school's URN"] == urn
    with senco.page.expect_download() as downloading:
        senco.page.get_by_role("button", name="Download the transfer pack").click()
    download = downloading.value
    exported = f"999{cast.mis_dfe[1]}_CTF_{la}{estab}_001.xml"
    assert download.suggested_filename == exported.replace(".xml", "_transfer_pack.zip")
    pack = zipfile.ZipFile(io.BytesIO(download.path().read_bytes()))
    assert sorted(pack.namelist()) == [exported, "record.html"]
    sent = read_ctf(pack.read(exported), file_name=exported)
    destination, source = sent.header.destination, sent.header.source
    assert (destination.la, destination.estab, destination.urn) == (la, estab, urn)
    assert (source.la, source.estab, source.urn) == cast.mis_dfe
    (pupil,) = sent.pupils
    assert (pupil.upn, pupil.forename, pupil.surname) == (
        cast.mis_pupils[leaver]["upn"],
        *leaver.split(" ", 1),
    )
    record = pack.read("record.html").decode("utf-8")
    assert leaver in record

    senco.goto(senco.page.url)  # the page again: the download is listed
    listed = senco.page.get_by_role("region", name="Files exported")
    expect(listed).to_contain_text(exported)
    expect(listed).to_contain_text("Transfer pack")


def test_the_administrator_runs_the_year_end_in_the_summer_term(july_visitor, july_cast):
    cast = july_cast
    admin = july_visitor()
    admin.sign_in(cast.mis_admin, PASSWORD)
    admin.goto("/year-end")
    admin.heading("Year end 2026 to 2027")
    page = admin.page
    moves = page.get_by_role("region", name="Pupils moving up, by year group").locator("tbody tr")
    expect(moves).to_have_count(1)
    expect(moves.first.locator("td, th")).to_have_text(["Year 5", "Year 6", "3"])
    card = page.locator(".govuk-summary-card").filter(has=page.get_by_role("heading", name=cast.mis_class))
    expect(card).to_contain_text("Dee Teach")
    expect(card).to_contain_text("6 Birch, Year 6")
    next_name = page.get_by_label(f"Name of next year's class in place of {cast.mis_class}")
    expect(next_name).to_have_value("6 Birch")

    admin.click_button("Run the year end")
    admin.heading("Year end 2026 to 2027")
    admin.success("The year end was run: 3 pupils moved up a year, 1 classes ended and 1 opened for next year.")
    expect(page.get_by_role("note")).to_contain_text("was run on 20 July 2027 by Bea Office")
    expect(page.get_by_role("button", name="Run the year end")).to_have_count(0)

    open_pupil(admin, cast.mis_sen_pupil)
    expect(page.locator(".govuk-caption-l")).to_have_text("Year 6, 6 Birch")
