"""The SENCO's home page says what the MIS and other schools leave waiting: imported SEN histories
that differ from the school's record, and other schools' requests for a pupil's record; each
counted from the records, only for the SENCO's own pupils, and leading to where it is settled.
The import, the census check and the year end are reached from the home page and the pupil list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sentrack.extensions import db
from sentrack.models import (
    DifferenceStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Provision,
    PupilTransfer,
    SenDifference,
    TransferStatus,
)

DIFFERENCES = "imported SEN"
TRANSFERS = "for the record of a pupil who moved to them"


def _batch(school) -> ImportBatch:
    batch = ImportBatch(
        school_id=school.id,
        kind=ImportKind.CTF,
        file_name="mis.xml",
        digest="0" * 64,
        status=ImportStatus.APPLIED,
        rows=[],
        counts={},
        decided_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def _difference(pupil, batch, status=DifferenceStatus.OPEN) -> SenDifference:
    decided = None if status is DifferenceStatus.OPEN else datetime(2026, 11, 21, 9, tzinfo=UTC)
    difference = SenDifference(
        pupil_id=pupil.id, batch_id=batch.id, provision=Provision.SEN_SUPPORT, status=status, decided_at=decided
    )
    db.session.add(difference)
    return difference


def _transfer(pupil, to_school, status=TransferStatus.AWAITING) -> PupilTransfer:
    transfer = PupilTransfer(
        from_pupil_id=pupil.id, to_school_id=to_school.id, details={"upn": pupil.upn}, status=status
    )
    if status is TransferStatus.DECLINED:
        transfer.decided_at = datetime(2026, 11, 21, 9, tzinfo=UTC)
    db.session.add(transfer)
    return transfer


def _section(client) -> str:
    page = client.get("/").get_data(as_text=True)
    start = page.find('id="exchange-heading"')
    return page[start : page.find("</section>", start)] if start != -1 else ""


def test_the_senco_sees_what_waits_counted_from_the_records(client, world, login):
    login(world.users["senco"])
    section = _section(client)
    assert "No imported SEN history waits for you." in section
    assert "No other school waits for a pupil's record." in section

    batch = _batch(world.school)
    _difference(world.pupils["taught"], batch)
    _difference(world.pupils["untaught"], batch)
    _difference(world.pupils["untaught_k"], batch, DifferenceStatus.KEPT)  # decided: not waiting
    foreign_batch = _batch(world.foreign)
    _difference(world.pupils["foreign"], foreign_batch)  # another school's: not this SENCO's
    _transfer(world.pupils["taught_plain"], world.sibling)
    _transfer(world.pupils["untaught_k"], world.sibling, TransferStatus.DECLINED)
    _transfer(world.pupils["sibling_k"], world.school)  # asked BY this school: the sibling decides
    db.session.commit()

    section = _section(client)
    assert "2 imported SEN histories differ from the school's record" in section
    assert 'href="/imports/sen-differences"' in section
    assert f"1 school asks {TRANSFERS}" in section
    assert 'href="/transfers"' in section


def test_the_count_leads_to_a_list_of_the_same_number(client, world, login):
    login(world.users["senco"])
    batch = _batch(world.school)
    _difference(world.pupils["taught"], batch)
    db.session.commit()
    assert "1 imported SEN history differs" in _section(client)
    listed = client.get("/imports/sen-differences").get_data(as_text=True)
    assert world.pupils["taught"].last_name in listed
    assert world.pupils["untaught"].last_name not in listed


@pytest.mark.parametrize("role", ["head", "teacher", "ta", "admin", "governor", "la"])
def test_only_the_senco_has_the_section(client, world, login, role):
    batch = _batch(world.school)
    _difference(world.pupils["taught"], batch)
    db.session.commit()
    login(world.users[role])
    page = client.get("/").get_data(as_text=True)
    assert 'id="exchange-heading"' not in page
    assert DIFFERENCES not in page


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("senco", {"/imports": True, "/census": True, "/year-end": True}),
        ("admin", {"/imports": True, "/census": False, "/year-end": True}),
        ("head", {"/imports": False, "/census": True, "/year-end": False}),
        ("teacher", {"/imports": False, "/census": False, "/year-end": False}),
    ],
)
def test_the_import_census_and_year_end_are_linked_for_those_who_may_use_them(client, world, login, role, links):
    login(world.users[role])
    pages = client.get("/").get_data(as_text=True) + client.get("/pupils/").get_data(as_text=True)
    for href, shown in links.items():
        assert (f'href="{href}"' in pages) is shown, href
