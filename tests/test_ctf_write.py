"""Writing Common Transfer Files: CTF 25.0 in the DfE's element order, read back to what was written."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from xml.etree import ElementTree

import pytest

from sentrack.workflows.ctf_format import (
    CtfContact,
    CtfFile,
    CtfHeader,
    CtfNeed,
    CtfPhone,
    CtfPupil,
    CtfSchool,
    CtfSenPeriod,
)
from sentrack.workflows.ctf_read import read_ctf
from sentrack.workflows.ctf_write import contact_name_parts, write_ctf
from tests import ctf_samples as samples

HEADER = CtfHeader(
    version="25.0",
    created=datetime(2026, 3, 4, 10, 15),
    qualifier="partial",
    supplier="SEN Track",
    source=CtfSchool(la="820", estab="1234", urn="100001", name="Oak & Ash Primary <Trust>", academic_year=2025),
    destination=CtfSchool(la="820", estab="5678", urn="100002"),
)

MOTHER = CtfContact(
    order=1,
    title="Mrs",
    forename="Ann",
    surname="O'Neill",
    relationship="PAM",
    responsibility=True,
    address=None,
    address_as_pupil=True,
    phones=(CtfPhone("M", "07700 900000"), CtfPhone("H", "01632 960001"), CtfPhone("X", "0113 496 0000")),
    email="ann@example.org",
)
CARER = CtfContact(
    order=2,
    title=None,
    forename="Sam",
    surname="Lee",
    relationship="CAR",
    responsibility=False,
    address="Flat 2\n4 Mill Lane\nLuton\nLU1 2AB",
    address_as_pupil=False,
    phones=(),
    email=None,
)


def _pupil(position: int, **changes) -> CtfPupil:
    values = {
        "upn": samples.sample_upn(position),
        "surname": "SMITH",
        "forename": "JO",
        "date_of_birth": date(2015, 5, 1),
        "sex": "F",
        "former_upn": samples.sample_upn(900 + position),
        "preferred_surname": "Smith-Jones",
        "preferred_forename": "Jo",
        "middle_names": "Anne Marie",
        "year_group": 5,
        "entry_date": date(2019, 9, 4),
        "address": "1 High St\nBedford\nMK40 1AA",
        "contacts": (MOTHER, CARER),
        "sen": (
            CtfSenPeriod(start_date=date(2021, 9, 6), provision="K"),
            CtfSenPeriod(start_date=date(2024, 1, 15), provision="E"),
        ),
        "needs": (CtfNeed(rank=1, type="ASD"), CtfNeed(rank=2, type="SLCN")),
        "position": position,
    }
    return CtfPupil(**{**values, **changes})


def test_what_is_written_reads_back_equal():
    ctf = CtfFile(header=HEADER, pupils=(_pupil(1), _pupil(2, surname="ĆWIK", forename="Zoë", sex="M")))
    assert read_ctf(write_ctf(ctf), file_name="out.xml") == ctf


@pytest.mark.parametrize(
    "changes",
    [
        {"year_group": 0},
        {"year_group": -1},
        {"year_group": None},
        {"year_group": 14},
        {"sex": None},
        {"former_upn": None, "preferred_surname": None, "preferred_forename": None, "middle_names": None},
        {"sen": (), "needs": ()},
        {"sen": (CtfSenPeriod(start_date=None, provision="N"),), "needs": ()},
        {"contacts": ()},
        {"address": None},
        {"address": "MK40 1AA"},
        {"address": "Rose Cottage\nLittle Snoring"},
        {"entry_date": None},
        {"contacts": (dataclasses.replace(CARER, order=None, relationship=None, title=None),)},
        {"contacts": (dataclasses.replace(MOTHER, address="9 Elm Road\nMK41 2CD"),)},
    ],
    ids=[
        "reception",
        "nursery",
        "no-year",
        "year-14",
        "no-sex",
        "no-basic-details",
        "no-sen",
        "undated-no-sen",
        "no-contacts",
        "no-address",
        "postcode-only",
        "no-postcode",
        "no-entry-date",
        "bare-contact",
        "contact-with-both",
    ],
)
def test_a_pupil_with_optional_parts_left_out_reads_back_equal(changes):
    ctf = CtfFile(header=HEADER, pupils=(_pupil(1, **changes),))
    assert read_ctf(write_ctf(ctf), file_name="out.xml") == ctf


def test_a_header_with_no_optional_values_reads_back_equal():
    header = CtfHeader(
        version="25.0", created=None, qualifier=None, supplier=None, source=CtfSchool(), destination=CtfSchool()
    )
    ctf = CtfFile(header=header, pupils=())
    assert read_ctf(write_ctf(ctf), file_name="out.xml") == ctf


def test_a_read_file_written_again_reads_back_as_version_25():
    ctf = read_ctf(samples.CTF_24_GENDER, file_name="in.xml")
    again = read_ctf(write_ctf(ctf), file_name="out.xml")
    assert again.header == dataclasses.replace(ctf.header, version="25.0")
    assert again.pupils == ctf.pupils


def test_the_file_is_utf8_with_its_declaration_and_uses_sex():
    data = write_ctf(CtfFile(header=HEADER, pupils=(_pupil(1, surname="ĆWIK"),)))
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>')
    assert "ĆWIK".encode() in data
    assert b"<Sex>F</Sex>" in data
    assert b"<Gender>" not in data
    assert b"<CTFversion>25.0</CTFversion>" in data


def test_text_is_escaped_and_characters_xml_cannot_carry_are_left_out():
    data = write_ctf(CtfFile(header=HEADER, pupils=(_pupil(1, surname="O'BRIEN & <SONS>\x07"),)))
    assert b"<Surname>O'BRIEN &amp; &lt;SONS&gt;</Surname>" in data
    assert read_ctf(data, file_name="out.xml").header.source.name == "Oak & Ash Primary <Trust>"


def test_dates_are_written_as_xs_date():
    root = ElementTree.fromstring(write_ctf(CtfFile(header=HEADER, pupils=(_pupil(1),))))
    assert root.findtext("Header/DateTime") == "2026-03-04T10:15:00"
    pupil = root.find("CTFpupilData/Pupil")
    assert pupil.findtext("DOB") == "2015-05-01"
    assert [sen.findtext("StartDate") for sen in pupil.iterfind("SENhistory/SEN")] == ["2021-09-06", "2024-01-15"]
    assert pupil.findtext("SchoolHistory/School/EntryDate") == "2019-09-04"


def _children(element) -> list[str]:
    return [child.tag for child in element]


def test_elements_follow_the_dfe_order():
    root = ElementTree.fromstring(write_ctf(CtfFile(header=HEADER, pupils=(_pupil(1),))))
    assert _children(root) == ["Header", "CTFpupilData"]
    assert _children(root.find("Header")) == [
        "DocumentName",
        "CTFversion",
        "DateTime",
        "DocumentQualifier",
        "SupplierID",
        "SourceSchool",
        "DestSchool",
    ]
    assert root.findtext("Header/DocumentName") == "Common Transfer File"
    assert _children(root.find("Header/SourceSchool")) == ["LEA", "Estab", "URN", "SchoolName", "AcademicYear"]
    assert _children(root.find("Header/DestSchool")) == ["LEA", "Estab", "URN"]
    pupil = root.find("CTFpupilData/Pupil")
    assert _children(pupil) == [
        "UPN",
        "Surname",
        "Forename",
        "DOB",
        "Sex",
        "BasicDetails",
        "SENhistory",
        "Address",
        "Contacts",
        "SchoolHistory",
    ]
    assert _children(pupil.find("BasicDetails")) == [
        "FormerUPN",
        "PreferredSurname",
        "PreferredForename",
        "MiddleNames",
        "NCyearActual",
    ]
    assert _children(pupil.find("SENhistory")) == ["SEN", "SEN", "SENneeds"]
    assert _children(pupil.find("SENhistory/SENneeds/SENneed")) == ["SENtypeRank", "SENtype"]
    mother, carer = pupil.iterfind("Contacts/Contact")
    assert _children(mother) == [
        "Order",
        "Title",
        "Surname",
        "Forename",
        "Relationship",
        "Responsibility",
        "AddressAsPupil",
        "Phones",
        "Email",
    ]
    assert _children(carer) == ["Order", "Surname", "Forename", "Relationship", "Responsibility", "Address"]
    assert _children(pupil.find("SchoolHistory/School")) == ["LEA", "Estab", "URN", "SchoolName", "EntryDate"]


def test_an_address_is_written_as_lines_and_a_postcode():
    root = ElementTree.fromstring(write_ctf(CtfFile(header=HEADER, pupils=(_pupil(1),))))
    address = root.find("CTFpupilData/Pupil/Address")
    assert [line.text for line in address.find("AddressLines")] == ["1 High St", "Bedford"]
    assert address.findtext("PostCode") == "MK40 1AA"


def test_an_address_of_more_than_five_lines_keeps_every_part_in_the_fifth():
    address = "Flat 2\nThe Mill\n1 High St\nCastle\nBedford\nBedfordshire\nMK40 1AA"
    root = ElementTree.fromstring(write_ctf(CtfFile(header=HEADER, pupils=(_pupil(1, address=address),))))
    lines = [line.text for line in root.find("CTFpupilData/Pupil/Address/AddressLines")]
    assert lines == ["Flat 2", "The Mill", "1 High St", "Castle", "Bedford, Bedfordshire"]


def test_two_thousand_pupils_written_and_read_back():
    ctf = read_ctf(samples.many_pupils(2000), file_name="roll.xml")
    assert read_ctf(write_ctf(ctf), file_name="out.xml").pupils == ctf.pupils


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ann Smith", ("Ann", "Smith")),
        ("Mary Ann  O'Neill", ("Mary Ann", "O'Neill")),
        ("Smith", ("", "Smith")),
        ("  ", ("", "")),
    ],
)
def test_contact_name_parts(name, parts):
    assert contact_name_parts(name) == parts


def _written(*contacts: CtfContact) -> tuple[ElementTree.Element, CtfFile]:
    ctf = CtfFile(header=HEADER, pupils=(_pupil(1, contacts=contacts),))
    return ElementTree.fromstring(write_ctf(ctf)), ctf


def _phone_elements(contact: ElementTree.Element) -> list[list[tuple[str, str | None]]]:
    return [[(child.tag, child.text) for child in phone] for phone in contact.iterfind("Phones/Phone")]


def test_every_phone_is_written_with_its_type_in_order_and_reads_back():
    carer = dataclasses.replace(CARER, phones=(CtfPhone(None, "07700 900777"),))
    written, ctf = _written(MOTHER, carer)
    mother_element, carer_element = written.iter("Contact")
    assert _phone_elements(mother_element) == [
        [("TelephoneType", "M"), ("PhoneNo", "07700 900000")],
        [("TelephoneType", "H"), ("PhoneNo", "01632 960001")],
        [("TelephoneType", "X"), ("PhoneNo", "0113 496 0000")],
    ]
    # A number of no known type is written without one, never with a guessed type.
    assert _phone_elements(carer_element) == [[("PhoneNo", "07700 900777")]]
    assert read_ctf(write_ctf(ctf), file_name="out.xml") == ctf


def test_a_contact_with_no_phone_gets_no_phones_element():
    written, _ = _written(CARER)
    assert written.find(".//Contact/Phones") is None
