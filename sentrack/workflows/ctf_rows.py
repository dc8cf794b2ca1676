"""A Common Transfer File's pupil as the import keeps it: plain JSON values in the preview's row
(`RowPlan.values`), the checks made on them alone (before any record is looked at), and the SEN
they give, as SEN Track's census codes.

The preview keeps these values, not the file: confirming plans them again against the records as
they are then (`sentrack.workflows.imports`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sentrack.models import NeedType, Provision
from sentrack.models.enums import YEAR_GROUP_MAX, YEAR_GROUP_MIN
from sentrack.workflows.ctf_format import RELATIONSHIPS, CtfContact, CtfPupil
from sentrack.workflows.upn import normalise, upn_problem
from sentrack.workflows.year_groups import misfit_warning

NAME_MAX = 60
CONTACT_NAME_MAX = 120
PHONE_MAX = 30  # characters of a number, as the contact form takes it
PHONE_KIND_MAX = 10
OLDEST = 26  # years: as the pupil form takes a date of birth


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _blank_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _kind(kind: str | None) -> str | None:
    return kind[:PHONE_KIND_MAX] if kind else None


def contact_values(contact: CtfContact, pupil_address: str | None, position: int) -> dict[str, Any]:
    code = (contact.relationship or "").upper() or None
    name = " ".join(part for part in (_blank_none(contact.forename), _blank_none(contact.surname)) if part)
    return {
        "name": name[:CONTACT_NAME_MAX],
        "relationship_code": code if code in RELATIONSHIPS else None,
        "relationship_to_pupil": RELATIONSHIPS.get(code or "", "Other contact"),
        "parental_responsibility": bool(contact.responsibility),
        # Every number, in order, as [kind, number]: the kind is the TelephoneType code as written.
        "phones": [
            [(phone.kind or None) and phone.kind[:PHONE_KIND_MAX], phone.number.strip()] for phone in contact.phones
        ],
        "email": _blank_none(contact.email),
        "address": pupil_address if contact.address_as_pupil else _blank_none(contact.address),
        "priority": contact.order if contact.order is not None else position,
    }


def pupil_values(pupil: CtfPupil) -> dict[str, Any]:
    """The file's pupil as the preview keeps it."""
    return {
        "upn": normalise(pupil.upn or ""),
        "former_upn": normalise(pupil.former_upn) if pupil.former_upn else None,
        "last_name": (pupil.surname or "").strip(),
        "first_name": (pupil.forename or "").strip(),
        "preferred_name": _blank_none(pupil.preferred_forename),
        "preferred_last_name": _blank_none(pupil.preferred_surname),
        "date_of_birth": _iso(pupil.date_of_birth),
        "sex": pupil.sex,
        "year_group": pupil.year_group,
        "admitted_on": _iso(pupil.entry_date),
        "contacts": [
            contact_values(contact, pupil.address, number)
            for number, contact in enumerate(pupil.contacts, start=1)
            if (contact.forename or contact.surname)
        ],
        "sen": [{"start_date": _iso(period.start_date), "provision": period.provision} for period in pupil.sen],
        "needs": [{"rank": need.rank, "type": need.type} for need in sorted(pupil.needs, key=lambda n: n.rank)],
    }


def _name_problems(values: dict[str, Any], errors: list, warnings: list) -> None:
    for name, label in (("last_name", "surname"), ("first_name", "forename")):
        if not values[name]:
            errors.append((name, f"The file gives no {label}"))
        elif len(values[name]) > NAME_MAX:
            errors.append((name, f"The {label} is longer than {NAME_MAX} characters"))
    for name in ("preferred_name", "preferred_last_name"):
        if values[name] and len(values[name]) > NAME_MAX:
            values[name] = None
            warnings.append(f"A preferred name longer than {NAME_MAX} characters is not kept")


def _date_problems(values: dict[str, Any], today: date, errors: list, warnings: list) -> None:
    born = day(values["date_of_birth"])
    if born is None:
        errors.append(("date_of_birth", "The file gives no date of birth"))
    elif born >= today:
        errors.append(("date_of_birth", "The date of birth must be in the past"))
    elif not 1 <= today.year - born.year <= OLDEST:
        errors.append(("date_of_birth", f"The date of birth must be within the last {OLDEST} years"))
    admitted = day(values["admitted_on"])
    if admitted is not None and admitted > today:
        warnings.append("The entry date is after today: the date admitted is left blank until then")
        values["admitted_on"] = None
    elif admitted is not None and born is not None and admitted <= born:
        warnings.append("The entry date is not after the date of birth: it is not kept")
        values["admitted_on"] = None


def _year_problems(values: dict[str, Any], today: date, errors: list, warnings: list) -> None:
    year, born = values["year_group"], day(values["date_of_birth"])
    if year is not None and not YEAR_GROUP_MIN <= year <= YEAR_GROUP_MAX:
        errors.append(("year_group", f"Year {year} is not a national curriculum year SEN Track keeps"))
    elif year is not None and born is not None and born < today:
        warning = misfit_warning(born, year, today)
        if warning:
            warnings.append(warning)


def row_problems(values: dict[str, Any], today: date) -> tuple[list[tuple[str, str]], list[str]]:
    """What is wrong with the row on its own (errors, as (field, message)), and what only deserves
    a word (warnings): a year group that does not fit the pupil's age is a warning, never an error.
    A value that cannot be kept but need not stop the row (a bad former UPN, an entry date still
    to come, a contact with no way to reach them) is left out of `values`, with a warning."""
    errors: list[tuple[str, str]] = []
    warnings: list[str] = []
    problem = upn_problem(values["upn"])
    if problem:
        errors.append(("upn", problem))
    if values["former_upn"] and upn_problem(values["former_upn"]):
        warnings.append("The former UPN is not a valid UPN: it is not kept")
        values["former_upn"] = None
    _name_problems(values, errors, warnings)
    _date_problems(values, today, errors, warnings)
    _year_problems(values, today, errors, warnings)
    _phone_problems(values, warnings)
    unreachable = [contact for contact in values["contacts"] if not _reachable(contact)]
    if unreachable:
        warnings.append("A contact with no phone number, email or address is not kept")
        values["contacts"] = [contact for contact in values["contacts"] if _reachable(contact)]
    return errors, warnings


def _phone_problems(values: dict[str, Any], warnings: list) -> None:
    for contact in values["contacts"]:
        kept = [phone for phone in contact["phones"] if phone[1] and len(phone[1]) <= PHONE_MAX]
        if len(kept) < len(contact["phones"]):
            warnings.append(f"A phone number longer than {PHONE_MAX} characters is not kept")
            contact["phones"] = kept


def _reachable(contact: dict[str, Any]) -> bool:
    return bool(contact["name"] and (contact["phones"] or contact["email"] or contact["address"]))


def phone_numbers(contact: dict[str, Any]) -> tuple[tuple[str | None, str], ...]:
    """A contact's numbers from the preview's values, as `Contact.phone_numbers` holds them."""
    return tuple((kind, number) for kind, number in contact["phones"])


def duplicate_upns(rows: list[dict[str, Any]]) -> set[str]:
    """The UPNs given to more than one pupil of the file."""
    seen = Counter(values["upn"] for values in rows if values["upn"])
    return {upn for upn, times in seen.items() if times > 1}


@dataclass(frozen=True)
class FileSen:
    """The SEN provision that applies now by the file, with its start and its two ranked needs, as
    SEN Track's codes (None for a code SEN Track does not record as a status)."""

    provision: Provision | None
    primary_need: NeedType | None
    secondary_need: NeedType | None
    start_date: date | None

    @property
    def key(self) -> tuple:
        return (
            self.provision.value if self.provision else None,
            self.primary_need.value if self.primary_need else None,
            self.secondary_need.value if self.secondary_need else None,
        )


def _need(code: str | None) -> NeedType | None:
    try:
        return NeedType((code or "").upper())
    except ValueError:
        return None


def _provision(code: str | None) -> Provision | None:
    try:
        return Provision((code or "").upper())
    except ValueError:
        return None  # a legacy code (S, A, P): kept in the file's record, never as a status


def ranked_needs(values: dict[str, Any]) -> tuple[NeedType | None, NeedType | None]:
    """The needs of rank 1 and 2 the file gives, as SEN Track records them with a status: no
    secondary need that repeats the primary or is NSA."""
    by_rank = {need["rank"]: _need(need["type"]) for need in values["needs"]}
    primary, secondary = by_rank.get(1), by_rank.get(2)
    if secondary is NeedType.NSA or secondary == primary:
        secondary = None
    return primary, secondary


def current_sen(values: dict[str, Any]) -> FileSen | None:
    """The file's current SEN (its latest period, undated last), or None when it gives no SEN."""
    if not values["sen"]:
        return None
    latest = max(values["sen"], key=lambda period: period["start_date"] or "")
    provision = _provision(latest["provision"])
    primary, secondary = ranked_needs(values) if provision not in (None, Provision.NONE) else (None, None)
    return FileSen(provision, primary, secondary, day(latest["start_date"]))


def needs_fit(provision: Provision, primary: NeedType | None) -> bool:
    """Whether a status of `provision` may be stored with `primary` (the rules of `SenStatus`)."""
    if provision is Provision.NONE:
        return True
    return primary is not None and (primary is not NeedType.NSA or provision is Provision.SEN_SUPPORT)


def history(values: dict[str, Any]) -> list[tuple[date, Provision]]:
    """The file's SEN periods SEN Track can store as statuses, by start date: dated, of a census
    provision N, K or E, one per start date (the file's last of a day)."""
    periods: dict[date, Provision] = {}
    for period in values["sen"]:
        start, provision = day(period["start_date"]), _provision(period["provision"])
        if start is not None and provision is not None:
            periods[start] = provision
    return sorted(periods.items())
