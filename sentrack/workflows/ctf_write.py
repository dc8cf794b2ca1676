"""Writing a Common Transfer File: a `CtfFile` as CTF 25.0 XML, exact in what it writes.

Elements follow the DfE's order (header: DocumentName, CTFversion, DateTime, DocumentQualifier,
SupplierID, SourceSchool, DestSchool; pupil: UPN, Surname, Forename, DOB, Sex, BasicDetails,
SENhistory, Address, Contacts, SchoolHistory). Dates are xs:date (YYYY-MM-DD), the file is UTF-8
with its declaration, and `<Sex>` is written, never the older `<Gender>`. An element with no value
is left out rather than written empty. What `write_ctf` writes, `ctf_read.read_ctf` reads back to
an equal `CtfFile` (for a file of the version written).
"""

from __future__ import annotations

import re
from datetime import date
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from sentrack.workflows.ctf_format import (
    WRITTEN_VERSION,
    CtfContact,
    CtfFile,
    CtfHeader,
    CtfPupil,
    CtfSchool,
)

DOCUMENT_NAME = "Common Transfer File"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all, even escaped: left out of what is written.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ADDRESS_LINES = 5
_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}", re.IGNORECASE)
# Year groups as a CTF writes them: reception R, nursery N2 (the year before reception).
_EARLY_YEARS = {0: "R", -1: "N2"}


def write_ctf(ctf: CtfFile) -> bytes:
    """The file as CTF 25.0 XML bytes, UTF-8 with its declaration."""
    root = Element("CTfile")
    _header(SubElement(root, "Header"), ctf.header)
    pupil_data = SubElement(root, "CTFpupilData")
    for pupil in ctf.pupils:
        _pupil(SubElement(pupil_data, "Pupil"), pupil, ctf.header.source)
    indent(root, space="  ")
    return _DECLARATION + tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def contact_name_parts(name: str) -> tuple[str, str]:
    """A contact's one-line name as the CTF's (forename, surname): the last word is the surname,
    the words before it the forename ("" when the name is one word)."""
    words = name.split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]


def _header(element: Element, header: CtfHeader) -> None:
    _add(element, "DocumentName", DOCUMENT_NAME)
    _add(element, "CTFversion", WRITTEN_VERSION)
    _add(element, "DateTime", header.created.replace(microsecond=0).isoformat() if header.created else None)
    _add(element, "DocumentQualifier", header.qualifier)
    _add(element, "SupplierID", header.supplier)
    source = SubElement(element, "SourceSchool")
    _school(source, header.source)
    _add(source, "SchoolName", header.source.name)
    _add(source, "AcademicYear", header.source.academic_year)
    _school(SubElement(element, "DestSchool"), header.destination)


def _school(element: Element, school: CtfSchool) -> None:
    _add(element, "LEA", school.la)
    _add(element, "Estab", school.estab)
    _add(element, "URN", school.urn)


def _pupil(element: Element, pupil: CtfPupil, source: CtfSchool) -> None:
    _add(element, "UPN", pupil.upn)
    _add(element, "Surname", pupil.surname)
    _add(element, "Forename", pupil.forename)
    _add(element, "DOB", pupil.date_of_birth)
    _add(element, "Sex", pupil.sex)
    details = Element("BasicDetails")
    _add(details, "FormerUPN", pupil.former_upn)
    _add(details, "PreferredSurname", pupil.preferred_surname)
    _add(details, "PreferredForename", pupil.preferred_forename)
    _add(details, "MiddleNames", pupil.middle_names)
    _add(details, "NCyearActual", _year(pupil.year_group))
    _append_if_filled(element, details)
    _sen_history(element, pupil)
    _address(element, pupil.address)
    if pupil.contacts:
        contacts = SubElement(element, "Contacts")
        for contact in pupil.contacts:
            _contact(SubElement(contacts, "Contact"), contact)
    if pupil.entry_date is not None:
        school = SubElement(SubElement(element, "SchoolHistory"), "School")
        _school(school, source)
        _add(school, "SchoolName", source.name)
        _add(school, "EntryDate", pupil.entry_date)
        _add(school, "LeavingDate", pupil.leaving_date)


def _sen_history(element: Element, pupil: CtfPupil) -> None:
    if not pupil.sen and not pupil.needs:
        return
    history = SubElement(element, "SENhistory")
    for period in pupil.sen:
        sen = SubElement(history, "SEN")
        _add(sen, "StartDate", period.start_date)
        _add(sen, "SENprovision", period.provision)
    if pupil.needs:
        needs = SubElement(history, "SENneeds")
        for need in pupil.needs:
            written = SubElement(needs, "SENneed")
            _add(written, "SENtypeRank", need.rank)
            _add(written, "SENtype", need.type)


def _contact(element: Element, contact: CtfContact) -> None:
    _add(element, "Order", contact.order)
    _add(element, "Title", contact.title)
    _add(element, "Surname", contact.surname)
    _add(element, "Forename", contact.forename)
    _add(element, "Relationship", contact.relationship)
    _add(element, "Responsibility", "true" if contact.responsibility else "false")
    if contact.address_as_pupil:
        _add(element, "AddressAsPupil", "true")
    _address(element, contact.address)
    if contact.phones:
        phones = SubElement(element, "Phones")
        for number in contact.phones:
            phone = SubElement(phones, "Phone")
            _add(phone, "TelephoneType", number.kind)
            _add(phone, "PhoneNo", number.number)
    _add(element, "Email", contact.email)


def _address(element: Element, address: str | None) -> None:
    """An address as AddressLines (at most five; any more join the fifth), the last line written
    as the PostCode when it is one."""
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    if not lines:
        return
    postcode = lines.pop() if _POSTCODE.fullmatch(lines[-1]) else None
    written = SubElement(element, "Address")
    if lines:
        kept = lines[: _ADDRESS_LINES - 1] + [", ".join(lines[_ADDRESS_LINES - 1 :])] if lines[4:] else lines
        address_lines = SubElement(written, "AddressLines")
        for number, line in enumerate(kept, start=1):
            _add(address_lines, f"AddressLine{number}", line)
    _add(written, "PostCode", postcode)


def _year(year_group: int | None) -> str | None:
    if year_group is None:
        return None
    return _EARLY_YEARS.get(year_group, str(year_group))


def _append_if_filled(parent: Element, child: Element) -> None:
    if len(child):
        parent.append(child)


def _add(parent: Element, tag: str, value: object) -> None:
    """`<tag>value</tag>` under `parent`, unless there is no value."""
    if value is None or value == "":
        return
    # A datetime is a date too: both are written in ISO form.
    text = value.isoformat() if isinstance(value, date) else _NOT_XML.sub("", str(value))
    SubElement(parent, tag).text = text
