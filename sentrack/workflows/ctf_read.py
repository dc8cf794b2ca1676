"""Reading a Common Transfer File: safe parsing, then the header and each pupil as plain values.

A file that cannot be a CTF (too large, not XML, hostile XML, another root, no header, a version
SEN Track does not read) is refused whole with `CtfRefused`, naming the file. A pupil whose own
fields cannot be read (a date that does not exist, a code that is not a census code, a missing
name) is still read: each problem goes into `CtfPupil.problems` as (field, message), the field
named as the file names it, so that the import's preview shows that pupil in error and the others
as they are.

Liberal in what it accepts: namespaces are ignored, `<Gender>` is read where `<Sex>` is not,
dates may be written DD/MM/YYYY as some generators do, and codes are read in any case.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sentrack.models.enums import NeedType
from sentrack.workflows import upn as upns
from sentrack.workflows.ctf_format import (
    LEGACY_PROVISIONS,
    MAX_FILE_BYTES,
    READ_VERSIONS,
    SEN_PROVISIONS,
    SEXES,
    CtfContact,
    CtfFile,
    CtfHeader,
    CtfNeed,
    CtfPhone,
    CtfPupil,
    CtfRefused,
    CtfSchool,
    CtfSenPeriod,
)

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_NEED_TYPES = frozenset(member.value for member in NeedType)
# National curriculum years as CTFs write them: R for reception, N1 and N2 for nursery.
_EARLY_YEARS = {"R": 0, "N1": -1, "N2": -1}
# A pupil outside the national curriculum's years (some special schools) has no year group.
_NO_YEAR = "X"
# The parts of a BS7666 address, in the order they are written on an envelope; PAON and Street
# share a line ("1 High Street").
_BS7666_LINES = (("SAON",), ("PAON", "Street"), ("Locality",), ("Town",), ("AdministrativeArea",), ("PostTown",))
_ADDRESS_LINES = tuple(f"AddressLine{number}" for number in range(1, 6))


def read_ctf(data: bytes, *, file_name: str) -> CtfFile:
    """The CTF in `data`. Raises CtfRefused, naming `file_name`, for a file that is too large,
    not XML, hostile (a DTD, entities, external references), not a CTF, without a header or of a
    version SEN Track does not read."""
    root = _parse(data, file_name)
    header_element = root.find("Header")
    if header_element is None:
        raise CtfRefused(f"{file_name} has no Header: it is not a complete Common Transfer File")
    header = _header(header_element, file_name)
    pupil_data = root.find("CTFpupilData")
    pupil_elements = [] if pupil_data is None else pupil_data.findall("Pupil")
    pupils = tuple(
        _pupil(element, position, header.destination) for position, element in enumerate(pupil_elements, start=1)
    )
    return CtfFile(header=header, pupils=pupils)


def _parse(data: bytes, file_name: str) -> Element:
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise CtfRefused(f"{file_name} is larger than {limit} MB, the largest Common Transfer File SEN Track reads")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as refused:
        raise CtfRefused(
            f"{file_name} declares a DTD, entities or external references, which a Common Transfer File "
            "never has: it was not read"
        ) from refused
    except (ParseError, ValueError) as broken:
        raise CtfRefused(f"{file_name} is not an XML file: it cannot be a Common Transfer File") from broken
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.split("}", 1)[1]
    if root.tag == "ATfile":
        raise CtfRefused(f"{file_name} is an admissions file (ATfile), not a Common Transfer File")
    if root.tag != "CTfile":
        raise CtfRefused(f"{file_name} is XML but not a Common Transfer File (its root is <{root.tag}>, not <CTfile>)")
    return root


def _header(element: Element, file_name: str) -> CtfHeader:
    version = _text(element, "CTFversion")
    if version is None or version.split(".", 1)[0] not in READ_VERSIONS:
        read = ", ".join(READ_VERSIONS[:-1]) + " and " + READ_VERSIONS[-1]
        said = f"version {version}" if version else "of no stated version"
        raise CtfRefused(f"{file_name} is a Common Transfer File {said}: SEN Track reads versions {read}")
    source = element.find("SourceSchool")
    destination = element.find("DestSchool")
    return CtfHeader(
        version=version,
        created=_datetime(_text(element, "DateTime")),
        qualifier=_text(element, "DocumentQualifier"),
        supplier=_text(element, "SupplierID"),
        source=_school(source, with_name=True),
        destination=_school(destination, with_name=False),
    )


def _school(element: Element | None, *, with_name: bool) -> CtfSchool:
    if element is None:
        return CtfSchool()
    year = _text(element, "AcademicYear") if with_name else None
    return CtfSchool(
        la=_text(element, "LEA"),
        estab=_text(element, "Estab"),
        urn=_text(element, "URN"),
        name=_text(element, "SchoolName") if with_name else None,
        academic_year=int(year) if year and year.isdigit() else None,
    )


class _Problems:
    """What a pupil's fields could not give, in the order found."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.found.append((field, message))

    def date(self, text: str | None, field: str) -> date | None:
        if text is None:
            return None
        value = parse_date(text)
        if value is None:
            self.add(field, f"‘{text}’ is not a date")
        return value


def _pupil(element: Element, position: int, destination: CtfSchool) -> CtfPupil:
    problems = _Problems()
    upn = _text(element, "UPN")
    surname = _text(element, "Surname")
    forename = _text(element, "Forename")
    dob_text = _text(element, "DOB")
    for field, value, words in (
        ("UPN", upn, "The UPN"),
        ("Surname", surname, "The surname"),
        ("Forename", forename, "The forename"),
        ("DOB", dob_text, "The date of birth"),
    ):
        if value is None:
            problems.add(field, f"{words} is missing")
    details = element.find("BasicDetails")
    sen, needs = _sen_history(element, problems)
    former_upn = _text(details, "FormerUPN")
    return CtfPupil(
        upn=upns.normalise(upn or ""),
        surname=surname or "",
        forename=forename or "",
        date_of_birth=problems.date(dob_text, "DOB"),
        sex=_sex(element, problems),
        former_upn=upns.normalise(former_upn) if former_upn else None,
        preferred_surname=_text(details, "PreferredSurname"),
        preferred_forename=_text(details, "PreferredForename"),
        middle_names=_text(details, "MiddleNames"),
        year_group=_year_group(_text(details, "NCyearActual"), problems),
        entry_date=(stay := _school_stay(element.find("SchoolHistory"), destination, problems))[0],
        leaving_date=stay[1],
        address=_address(element.find("Address")),
        contacts=_contacts(element.find("Contacts")),
        sen=sen,
        needs=needs,
        problems=tuple(problems.found),
        position=position,
    )


def _sex(element: Element, problems: _Problems) -> str | None:
    field = "Sex" if element.find("Sex") is not None else "Gender"
    value = _text(element, field)
    if value is None:
        return None
    if value.upper() not in SEXES:
        problems.add(field, f"‘{value}’ is not M or F")
        return None
    return value.upper()


def _year_group(text: str | None, problems: _Problems) -> int | None:
    if text is None or text.upper() == _NO_YEAR:
        return None
    code = text.upper()
    if code in _EARLY_YEARS:
        return _EARLY_YEARS[code]
    if code.isdigit() and 1 <= int(code) <= 14:
        return int(code)
    problems.add("NCyearActual", f"‘{text}’ is not a national curriculum year (R, N1, N2 or 1 to 14)")
    return None


def _school_stay(history: Element | None, destination: CtfSchool, problems: _Problems) -> tuple[date | None, ...]:
    """(entry date, leaving date) of the pupil's stay at the file's destination school where the
    history names it, else of the stay with the latest entry date the history gives."""
    if history is None:
        return None, None
    entries = []
    for school in history.findall("School"):
        entered = problems.date(_text(school, "EntryDate"), "EntryDate")
        if entered is None:
            continue
        left_text = _text(school, "LeavingDate")  # read where it can be; no import needs it
        left = parse_date(left_text) if left_text else None
        la, estab, urn = _text(school, "LEA"), _text(school, "Estab"), _text(school, "URN")
        here = (la is not None and estab is not None and (la, estab) == (destination.la, destination.estab)) or (
            urn is not None and urn == destination.urn
        )
        if here:
            return entered, left
        entries.append((entered, left))
    return max(entries, key=lambda stay: stay[0], default=(None, None))


def _sen_history(element: Element, problems: _Problems) -> tuple[tuple[CtfSenPeriod, ...], tuple[CtfNeed, ...]]:
    history = element.find("SENhistory")
    if history is None:
        return (), ()
    periods = []
    for child in history:
        if child.tag == "SEN" or child.find("SENprovision") is not None:
            period = _sen_period(child, problems)
            if period is not None:
                periods.append(period)
    needs_element = history.find("SENneeds")
    if needs_element is None:
        needs_element = element.find("SENneeds")
    needs = () if needs_element is None else _needs(needs_element, problems)
    current = max(periods, key=lambda period: period.start_date or date.min, default=None)
    if current is not None and current.provision in LEGACY_PROVISIONS:
        problems.add(
            "SENprovision",
            f"‘{current.provision}’ ({LEGACY_PROVISIONS[current.provision]}) is no longer a census provision: "
            "the current provision must be N, K or E",
        )
    return tuple(periods), needs


def _sen_period(element: Element, problems: _Problems) -> CtfSenPeriod | None:
    provision = _text(element, "SENprovision")
    start = problems.date(_text(element, "StartDate"), "StartDate")
    if provision is None:
        problems.add("SENprovision", "An SEN period has no provision")
        return None
    code = provision.upper()
    if code not in SEN_PROVISIONS and code not in LEGACY_PROVISIONS:
        problems.add("SENprovision", f"‘{provision}’ is not an SEN provision (N, K or E)")
    return CtfSenPeriod(start_date=start, provision=code)


def _needs(element: Element, problems: _Problems) -> tuple[CtfNeed, ...]:
    needs = []
    for need in element.findall("SENneed"):
        rank_text, need_type = _text(need, "SENtypeRank"), _text(need, "SENtype")
        if need_type is None:
            problems.add("SENtype", "An SEN need has no type")
            continue
        if need_type.upper() not in _NEED_TYPES:
            problems.add("SENtype", f"‘{need_type}’ is not a census need type")
        if rank_text is None or not rank_text.isdigit():
            problems.add("SENtypeRank", f"‘{rank_text or ''}’ is not a number: the rank of {need_type} is unknown")
            continue
        needs.append(CtfNeed(rank=int(rank_text), type=need_type.upper()))
    return tuple(sorted(needs, key=lambda need: need.rank))


def _contacts(element: Element | None) -> tuple[CtfContact, ...]:
    if element is None:
        return ()
    return tuple(_contact(contact) for contact in element.findall("Contact"))


def _contact(element: Element) -> CtfContact:
    order = _text(element, "Order")
    relationship = _text(element, "Relationship")
    return CtfContact(
        order=int(order) if order and order.isdigit() else None,
        title=_text(element, "Title"),
        forename=_text(element, "Forename") or "",
        surname=_text(element, "Surname") or "",
        relationship=relationship.upper() if relationship else None,
        responsibility=_true(_text(element, "Responsibility")),
        address=_address(element.find("Address")),
        address_as_pupil=_true(_text(element, "AddressAsPupil")),
        phones=_phones(element),
        email=_text(element, "Email"),
    )


def _phones(element: Element) -> tuple[CtfPhone, ...]:
    """Every <Phone> with a number, in order; its TelephoneType as written (any code, in capitals),
    None when missing. A <Phones> with a bare <PhoneNo> (no <Phone> around it) is read too."""
    phones = []
    for phone in element.iterfind("Phones/*"):
        if phone.tag == "PhoneNo":
            kind, number = None, _clean(phone.text)
        else:
            kind, number = _text(phone, "TelephoneType"), _text(phone, "PhoneNo")
        if number:
            phones.append(CtfPhone(kind=kind.upper() if kind else None, number=number))
    return tuple(phones)


def _address(element: Element | None) -> str | None:
    """The address as lines joined by newlines: the BS7666 parts or the address lines, then the
    county and post code."""
    if element is None:
        return None
    lines: list[str] = []
    bs7666 = element.find("BS7666Address")
    if bs7666 is not None:
        for parts in _BS7666_LINES:
            line = " ".join(text for text in (_text(bs7666, part) for part in parts) if text)
            if line:
                lines.append(line)
    address_lines = element.find("AddressLines")
    if address_lines is not None:
        lines += [text for text in (_text(address_lines, name) for name in _ADDRESS_LINES) if text]
    lines += [text for text in (_text(element, "County"), _text(element, "PostCode")) if text]
    return "\n".join(lines) or None


def parse_date(text: str) -> date | None:
    """The date an xs:date (YYYY-MM-DD) or a DD/MM/YYYY text names; None when it names none."""
    iso = _ISO_DATE.fullmatch(text)
    uk = _UK_DATE.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        return None
    return None


def _datetime(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _true(text: str | None) -> bool:
    return text is not None and text.lower() in ("true", "1", "yes", "y")


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(text.split()) or None


def _text(element: Element | None, tag: str) -> str | None:
    """The text of `element`'s child `tag`, spaces collapsed; None when absent or empty."""
    if element is None:
        return None
    child = element.find(tag)
    return None if child is None else _clean(child.text)
