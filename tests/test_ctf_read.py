"""Reading Common Transfer Files: every field, each version, hostile files refused, per-pupil
problems kept beside the pupil, and a file of 2,000 pupils."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sentrack.workflows.ctf_format import CtfContact, CtfNeed, CtfPhone, CtfRefused, CtfSchool, CtfSenPeriod
from sentrack.workflows.ctf_read import parse_date, read_ctf
from tests import ctf_samples as samples


def _one(data: bytes):
    ctf = read_ctf(data, file_name="school.xml")
    assert len(ctf.pupils) == 1
    return ctf.pupils[0]


def test_the_header_is_read_in_full():
    header = read_ctf(samples.CTF_25_FULL, file_name="full.xml").header

    assert header.version == "25.0"
    assert header.created == datetime(2026, 3, 4, 10, 15)
    assert header.qualifier == "full"
    assert header.supplier == "ExampleMIS"
    assert header.source == CtfSchool(la="820", estab="1234", urn="100001", name="Example Primary", academic_year=2025)
    assert header.destination == CtfSchool(la="820", estab="5678", urn="100002")


def test_every_pupil_field_is_read():
    pupil = _one(samples.CTF_25_FULL)

    assert pupil.upn == "E820123456789"
    assert (pupil.surname, pupil.forename) == ("SMITH", "JO")
    assert pupil.date_of_birth == date(2015, 5, 1)
    assert pupil.sex == "F"
    assert pupil.former_upn == "N820000000001"
    assert (pupil.preferred_surname, pupil.preferred_forename) == ("Smith-Jones", "Jo")
    assert pupil.middle_names == "Anne Marie"
    assert pupil.year_group == 5
    assert pupil.address == "Flat 2\n1 High St\nCastle\nBedford\nBedfordshire\nMK40 1AA"
    assert pupil.sen == (
        CtfSenPeriod(start_date=date(2021, 9, 6), provision="K"),
        CtfSenPeriod(start_date=date(2024, 1, 15), provision="E"),
    )
    assert pupil.current_provision.provision == "E"
    assert pupil.needs == (CtfNeed(rank=1, type="SLCN"), CtfNeed(rank=2, type="SPLD"))
    assert pupil.problems == ()
    assert pupil.position == 1


def test_contacts_are_read_with_every_phone_and_their_own_address():
    mother, father = _one(samples.CTF_25_FULL).contacts

    assert mother == CtfContact(
        order=1,
        title="Mrs",
        forename="Ann",
        surname="Smith",
        relationship="PAM",
        responsibility=True,
        address=None,
        address_as_pupil=True,
        phones=(CtfPhone("M", "07700 900000"), CtfPhone("H", "01234 567890")),
        email="ann@example.org",
    )
    assert father == CtfContact(
        order=2,
        title=None,
        forename="Mark",
        surname="Jones",
        relationship="PAF",
        responsibility=False,
        address="4 Mill Lane\nLuton\nLU1 2AB",
        address_as_pupil=False,
        phones=(),
        email=None,
    )


def test_the_entry_date_is_the_destination_schools_not_the_latest():
    assert _one(samples.CTF_25_FULL).entry_date == date(2017, 1, 9)


def test_the_entry_date_found_by_urn_when_the_history_gives_no_la():
    extra = (
        "<SchoolHistory><School><URN>100002</URN><EntryDate>2018-09-05</EntryDate></School>"
        "<School><LEA>821</LEA><Estab>1111</Estab><EntryDate>2020-09-03</EntryDate></School></SchoolHistory>"
    )
    pupil = _one(samples.ctf_xml(samples.pupil_xml(entry_date=None, extra=extra)))
    assert pupil.entry_date == date(2018, 9, 5)


def test_the_latest_entry_date_when_no_school_in_the_history_is_the_destination():
    extra = (
        "<SchoolHistory><School><LEA>821</LEA><Estab>1111</Estab><EntryDate>2016-09-05</EntryDate></School>"
        "<School><LEA>821</LEA><Estab>2222</Estab><EntryDate>2020-09-03</EntryDate></School></SchoolHistory>"
    )
    pupil = _one(samples.ctf_xml(samples.pupil_xml(entry_date=None, extra=extra)))
    assert pupil.entry_date == date(2020, 9, 3)


def test_ctf_23_with_gender_and_only_the_required_fields():
    ctf = read_ctf(samples.CTF_23_GENDER, file_name="ctf23.xml")
    (pupil,) = ctf.pupils

    assert ctf.header.version == "23.0"
    assert ctf.header.qualifier == "partial"
    assert pupil.sex == "M"
    assert pupil.date_of_birth == date(2016, 2, 29)
    assert (pupil.year_group, pupil.address, pupil.entry_date) == (None, None, None)
    assert (pupil.contacts, pupil.sen, pupil.needs, pupil.problems) == ((), (), (), ())


def test_ctf_24_with_gender_lower_case_codes_spaced_upn_and_a_dd_mm_yyyy_date():
    pupil = _one(samples.CTF_24_GENDER)

    assert pupil.upn == "E820123456789"
    assert pupil.sex == "F"
    assert pupil.date_of_birth == date(2017, 7, 3)
    assert pupil.year_group == 0
    assert pupil.sen == (CtfSenPeriod(start_date=date(2024, 9, 10), provision="K"),)
    assert pupil.needs == (CtfNeed(rank=1, type="NSA"),)
    assert pupil.problems == ()


def test_ctf_24_with_sex_reads_as_with_gender():
    assert _one(samples.CTF_24_SEX) == _one(samples.CTF_24_GENDER)


@pytest.mark.parametrize(
    ("version", "sex_tag"), [("23.0", "Gender"), ("24.0", "Gender"), ("24.0", "Sex"), ("25.0", "Sex")]
)
def test_each_version_read_with_its_sex_element(version, sex_tag):
    data = samples.ctf_xml(samples.pupil_xml(sex_tag=sex_tag, sex="M"), version=version)
    ctf = read_ctf(data, file_name="school.xml")
    assert ctf.header.version == version
    assert ctf.pupils[0].sex == "M"
    assert ctf.pupils[0].problems == ()


def test_a_file_with_a_missing_optional_block_reads_the_rest():
    pupil = _one(samples.CTF_25_BARE)
    assert (pupil.upn, pupil.surname, pupil.forename, pupil.sex) == ("E820123456789", "SMITH", "JO", "F")
    assert pupil.problems == ()


def test_namespaces_are_ignored():
    data = samples.ctf_xml(samples.pupil_xml(), namespace="http://www.dfes.gov.uk/CTF")
    ctf = read_ctf(data, file_name="school.xml")
    assert ctf.header.destination.estab == "5678"
    assert ctf.pupils[0].needs == (CtfNeed(rank=1, type="SLCN"),)


@pytest.mark.parametrize(
    ("code", "year_group"), [("R", 0), ("N1", -1), ("N2", -1), ("1", 1), ("14", 14), ("X", None), (None, None)]
)
def test_national_curriculum_years(code, year_group):
    pupil = _one(samples.ctf_xml(samples.pupil_xml(year=code)))
    assert pupil.year_group == year_group
    assert pupil.problems == ()


def test_pupils_keep_their_positions_in_the_file():
    data = samples.ctf_xml(*(samples.pupil_xml(upn=samples.sample_upn(n)) for n in (7, 8, 9)))
    pupils = read_ctf(data, file_name="school.xml").pupils
    assert [(p.position, p.upn) for p in pupils] == [(n - 6, samples.sample_upn(n)) for n in (7, 8, 9)]


# --- Per-pupil problems: the pupil is read, the file is not refused -------------------------------


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"dob": "2015-02-30"}, ("DOB", "‘2015-02-30’ is not a date")),
        ({"dob": "1st May 2015"}, ("DOB", "‘1st May 2015’ is not a date")),
        ({"dob": None}, ("DOB", "The date of birth is missing")),
        ({"upn": ""}, ("UPN", "The UPN is missing")),
        ({"surname": None}, ("Surname", "The surname is missing")),
        ({"forename": " "}, ("Forename", "The forename is missing")),
        ({"sex": "X"}, ("Sex", "‘X’ is not M or F")),
        ({"sex": "U", "sex_tag": "Gender"}, ("Gender", "‘U’ is not M or F")),
        ({"year": "15"}, ("NCyearActual", "‘15’ is not a national curriculum year (R, N1, N2 or 1 to 14)")),
        ({"sen": [("2023-13-01", "K")]}, ("StartDate", "‘2023-13-01’ is not a date")),
        ({"sen": [("2023-09-05", "Q")]}, ("SENprovision", "‘Q’ is not an SEN provision (N, K or E)")),
        ({"sen": [("2023-09-05", None)]}, ("SENprovision", "An SEN period has no provision")),
        ({"needs": [(1, "XYZ")]}, ("SENtype", "‘XYZ’ is not a census need type")),
        ({"needs": [("first", "ASD")]}, ("SENtypeRank", "‘first’ is not a number: the rank of ASD is unknown")),
        ({"needs": [(1, None)]}, ("SENtype", "An SEN need has no type")),
        ({"entry_date": "2019-09-31"}, ("EntryDate", "‘2019-09-31’ is not a date")),
    ],
)
def test_a_pupil_problem_is_named_by_its_field_and_the_pupil_still_read(changes, problem):
    good = samples.pupil_xml(upn=samples.sample_upn(1))
    bad = samples.pupil_xml(**{"upn": samples.sample_upn(2), **changes})
    ctf = read_ctf(samples.ctf_xml(good, bad), file_name="school.xml")

    assert ctf.pupils[0].problems == ()
    assert ctf.pupils[1].problems == (problem,)
    assert ctf.pupils[1].position == 2


def test_a_legacy_provision_in_the_history_is_kept_without_a_problem():
    pupil = _one(
        samples.ctf_xml(samples.pupil_xml(sen=[("2013-09-04", "A"), ("2016-01-10", "S"), ("2018-09-05", "E")]))
    )
    assert [period.provision for period in pupil.sen] == ["A", "S", "E"]
    assert pupil.problems == ()


def test_a_legacy_provision_that_is_still_current_is_a_problem():
    pupil = _one(samples.ctf_xml(samples.pupil_xml(sen=[("2012-09-04", "A"), ("2014-01-10", "P")])))
    assert pupil.current_provision == CtfSenPeriod(start_date=date(2014, 1, 10), provision="P")
    assert pupil.problems == (
        (
            "SENprovision",
            "‘P’ (School Action Plus) is no longer a census provision: the current provision must be N, K or E",
        ),
    )


def test_an_unknown_need_type_is_kept_as_written_for_the_message():
    pupil = _one(samples.ctf_xml(samples.pupil_xml(needs=[(1, "dyslexia")])))
    assert pupil.needs == (CtfNeed(rank=1, type="DYSLEXIA"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-05-01", date(2015, 5, 1)),
        ("2015-05-01Z", date(2015, 5, 1)),
        ("2015-05-01+01:00", date(2015, 5, 1)),
        ("01/05/2015", date(2015, 5, 1)),
        ("1/5/2015", date(2015, 5, 1)),
        ("2015-02-29", None),
        ("29/02/2015", None),
        ("2015-5-1", None),
        ("2015-05-01T10:00:00", None),
        ("", None),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


# --- Files refused whole ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            samples.BILLION_LAUGHS,
            "laughs.xml declares a DTD, entities or external references, which a Common Transfer File never has: "
            "it was not read",
        ),
        (
            samples.EXTERNAL_ENTITY,
            "laughs.xml declares a DTD, entities or external references, which a Common Transfer File never has: "
            "it was not read",
        ),
        (
            samples.DTD_ONLY,
            "laughs.xml declares a DTD, entities or external references, which a Common Transfer File never has: "
            "it was not read",
        ),
        (samples.NOT_XML, "laughs.xml is not an XML file: it cannot be a Common Transfer File"),
        (samples.TRUNCATED, "laughs.xml is not an XML file: it cannot be a Common Transfer File"),
        (b"", "laughs.xml is not an XML file: it cannot be a Common Transfer File"),
        (
            samples.WRONG_ROOT,
            "laughs.xml is XML but not a Common Transfer File (its root is <SchoolCensus>, not <CTfile>)",
        ),
        (samples.ADMISSIONS_FILE, "laughs.xml is an admissions file (ATfile), not a Common Transfer File"),
        (samples.NO_HEADER, "laughs.xml has no Header: it is not a complete Common Transfer File"),
        (
            samples.ctf_xml(version="22.0"),
            "laughs.xml is a Common Transfer File version 22.0: SEN Track reads versions 23, 24 and 25",
        ),
        (
            samples.ctf_xml(version="26.0"),
            "laughs.xml is a Common Transfer File version 26.0: SEN Track reads versions 23, 24 and 25",
        ),
        (
            samples.ctf_xml(version=None),
            "laughs.xml is a Common Transfer File of no stated version: SEN Track reads versions 23, 24 and 25",
        ),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "dtd",
        "csv",
        "truncated",
        "empty",
        "wrong-root",
        "admissions",
        "no-header",
        "version-22",
        "version-26",
        "no-version",
    ],
)
def test_a_file_that_cannot_be_a_ctf_is_refused_naming_it(data, message):
    with pytest.raises(CtfRefused) as refused:
        read_ctf(data, file_name="laughs.xml")
    assert refused.value.message == message


def test_the_external_entity_is_never_resolved():
    with pytest.raises(CtfRefused) as refused:
        read_ctf(samples.EXTERNAL_ENTITY, file_name="school.xml")
    assert "root:" not in refused.value.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed():
    data = samples.oversized(21)
    assert len(data) == 21 * 1024 * 1024
    with pytest.raises(CtfRefused) as refused:
        read_ctf(data, file_name="huge.xml")
    assert refused.value.message == "huge.xml is larger than 20 MB, the largest Common Transfer File SEN Track reads"


def test_a_file_just_under_the_size_limit_is_read():
    data = samples.oversized(20)[:-1]
    assert len(read_ctf(data, file_name="big.xml").pupils) == 1


def test_a_file_with_no_pupils_reads_as_none():
    data = samples.ctf_xml().replace(samples.pupil_xml().encode(), b"")
    assert read_ctf(data, file_name="empty.xml").pupils == ()


# --- Size -------------------------------------------------------------------------------------------


def test_two_thousand_pupils_are_read_distinctly():
    """How long it takes is the benchmark's to measure (bench/ctf_import.py), not a test's."""
    data = samples.many_pupils(2000)
    ctf = read_ctf(data, file_name="roll.xml")

    assert len(ctf.pupils) == 2000
    assert len({pupil.upn for pupil in ctf.pupils}) == 2000
    assert len({(pupil.surname, pupil.forename, pupil.date_of_birth) for pupil in ctf.pupils}) == 2000
    assert all(pupil.problems == () for pupil in ctf.pupils)
    assert sum(pupil.current_provision.provision == "E" for pupil in ctf.pupils) == 200


# --- Phones: every number a contact gives, with its type, in order --------------------------------


def _phones_read(phones_xml: str) -> tuple[CtfPhone, ...]:
    contact = (
        "<Contact><Order>1</Order><Surname>Smith</Surname><Forename>Ann</Forename>"
        f"<Relationship>PAM</Relationship>{phones_xml}</Contact>"
    )
    (ann,) = _one(samples.ctf_xml(samples.pupil_xml(contacts=(contact,)))).contacts
    return ann.phones


def test_a_contact_with_no_phones_has_none():
    assert _phones_read("") == ()
    assert _phones_read("<Phones></Phones>") == ()


def test_a_contact_with_one_phone_keeps_it_with_its_type():
    xml = "<Phones><Phone><TelephoneType>H</TelephoneType><PhoneNo>01632 960001</PhoneNo></Phone></Phones>"
    assert _phones_read(xml) == (CtfPhone("H", "01632 960001"),)


def test_a_contact_with_three_phones_keeps_them_all_in_order_with_their_types():
    xml = (
        "<Phones>"
        "<Phone><TelephoneType>W</TelephoneType><PhoneNo> 0113 496 0000 </PhoneNo></Phone>"
        "<Phone><TelephoneType>m</TelephoneType><PhoneNo>07700 900123</PhoneNo></Phone>"
        "<Phone><TelephoneType>D</TelephoneType><PhoneNo>01632 960002</PhoneNo></Phone>"
        "</Phones>"
    )
    assert _phones_read(xml) == (
        CtfPhone("W", "0113 496 0000"),
        CtfPhone("M", "07700 900123"),  # a type in small letters read in capitals
        CtfPhone("D", "01632 960002"),  # a type whose meaning is not sure is kept as written
    )


def test_a_phone_without_a_type_or_number_and_a_bare_number_are_read_liberally():
    xml = (
        "<Phones>"
        "<Phone><PhoneNo>07700 900124</PhoneNo></Phone>"
        "<Phone><TelephoneType>H</TelephoneType><PhoneNo>  </PhoneNo></Phone>"
        "<Phone><TelephoneType>M</TelephoneType></Phone>"
        "<PhoneNo>01632 960003</PhoneNo>"
        "</Phones>"
    )
    assert _phones_read(xml) == (CtfPhone(None, "07700 900124"), CtfPhone(None, "01632 960003"))
