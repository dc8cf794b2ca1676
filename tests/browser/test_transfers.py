"""The SEN file for the next school in Chromium: the SENCO finds a pupil who left, downloads the
transfer pack (the CTF, the readable record) and sees the export listed and the task done; then
confirms another school's request for a pupil's record."""

from __future__ import annotations

import zipfile

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


def test_senco_downloads_a_leavers_transfer_pack_and_confirms_a_transfer(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.senco, PASSWORD)
    visitor.goto("/pupils/left")
    first, last = cast.leaver.split(" ")
    visitor.click_link(f"{last}, {first}")
    visitor.heading(cast.leaver)
    visitor.click_link("Send the SEN file to the next school")
    visitor.heading("Send the SEN file to the next school")
    details = page.locator(".govuk-summary-list")
    expect(details).to_contain_text("Ash Secondary")
    expect(details).to_contain_text("14 December 2026")

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download the transfer pack").click()
    download = downloading.value
    assert download.suggested_filename == "9991234_CTF_9995678_001_transfer_pack.zip"
    names = zipfile.ZipFile(download.path()).namelist()
    assert sorted(names) == ["9991234_CTF_9995678_001.xml", "record.html"]

    visitor.goto(page.url)  # the page again: the export is listed, the task done
    exported = page.get_by_role("region", name="Files exported")
    expect(exported).to_contain_text("9991234_CTF_9995678_001.xml")
    expect(exported).to_contain_text("Transfer pack")
    expect(details).to_contain_text("(done)")

    visitor.goto("/pupils/left")
    visitor.click_link("transfers between schools")
    visitor.heading("Transfers between schools")
    expect(page.get_by_role("heading", name=f"{cast.mover}, Year 4")).to_be_visible()
    visitor.click_button(f"Confirm the transfer of {cast.mover}")
    visitor.success("Transfer confirmed")
    expect(page.get_by_role("region", name="Decided lately")).to_contain_text(cast.mover)
