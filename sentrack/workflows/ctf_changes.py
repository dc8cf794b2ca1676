"""What a Common Transfer File would change of a pupil SEN Track already holds, field by field:
the pupil's details and their contacts. A value the file does not give changes nothing (a partial
CTF carries only the pupil's core details); a name differing only in capitals changes nothing (an
MIS often writes surnames in capitals); a contact is matched by name, and a contact the file does
not list is kept.
"""

from __future__ import annotations

from typing import Any

from sentrack.models import Contact, Pupil
from sentrack.models.enums import year_group_label
from sentrack.models.pupils import phones_shown
from sentrack.workflows import ctf_rows
from sentrack.workflows.ctf_format import SEXES
from sentrack.workflows.imports import Change
from sentrack.workflows.revisions import display

# The pupil's fields a CTF gives, with the labels the preview shows.
PUPIL_FIELDS = {
    "upn": "UPN",
    "last_name": "Last name",
    "first_name": "First name",
    "preferred_name": "Preferred first name",
    "preferred_last_name": "Preferred last name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "former_upn": "Former UPN",
    "year_group": "Year group",
    "admitted_on": "Date admitted",
}
NAMES = {"last_name", "first_name", "preferred_name", "preferred_last_name"}
DATES = {"date_of_birth", "admitted_on"}
CONTACT_FIELDS = {
    "relationship_code": "relationship code",
    "relationship_to_pupil": "relationship",
    "parental_responsibility": "parental responsibility",
    "phones": "phones",
    "email": "email",
    "address": "address",
}


def _file_value(name: str, values: dict[str, Any]):
    value = values[name]
    return ctf_rows.day(value) if name in DATES else value


def _shown(name: str, value) -> str:
    if value is None:
        return "(blank)"
    if name == "year_group":
        return year_group_label(value)
    if name == "sex":
        return SEXES.get(value, value)
    return display(value)


def pupil_updates(pupil: Pupil, values: dict[str, Any]) -> dict[str, Any]:
    """The pupil's fields the file changes, with their new values."""
    updates = {}
    for name in PUPIL_FIELDS:
        new, old = _file_value(name, values), getattr(pupil, name)
        if new is None or new == old:
            continue
        if name in NAMES and old is not None and str(new).casefold() == old.casefold():
            continue
        updates[name] = new
    return updates


def pupil_changes(pupil: Pupil, values: dict[str, Any]) -> list[Change]:
    return [
        Change(field=name, label=PUPIL_FIELDS[name], was=_shown(name, getattr(pupil, name)), becomes=_shown(name, new))
        for name, new in pupil_updates(pupil, values).items()
    ]


def matching_contact(pupil: Pupil, contact: dict[str, Any]) -> Contact | None:
    wanted = contact["name"].casefold()
    return next((held for held in pupil.contacts if held.name.casefold() == wanted), None)


def contact_updates(held: Contact, contact: dict[str, Any]) -> dict[str, Any]:
    """A held contact's fields the file changes: what it gives, and the relationship's code."""
    updates = {}
    if contact["relationship_code"] and contact["relationship_code"] != held.relationship_code:
        updates["relationship_code"] = contact["relationship_code"]
        if contact["relationship_to_pupil"] != held.relationship_to_pupil:
            updates["relationship_to_pupil"] = contact["relationship_to_pupil"]
    if contact["parental_responsibility"] != held.parental_responsibility:
        updates["parental_responsibility"] = contact["parental_responsibility"]
    numbers = ctf_rows.phone_numbers(contact)
    if numbers and numbers != held.phone_numbers:
        updates["phones"] = numbers
    for name in ("email", "address"):
        if contact[name] and contact[name] != getattr(held, name):
            updates[name] = contact[name]
    return updates


def _held_value(held: Contact, name: str):
    return held.phone_numbers if name == "phones" else getattr(held, name)


def _contact_shown(name: str, value) -> str:
    return (phones_shown(value) or "(blank)") if name == "phones" else display(value)


def contact_changes(pupil: Pupil, values: dict[str, Any]) -> list[Change]:
    changes = []
    for contact in values["contacts"]:
        held = matching_contact(pupil, contact)
        if held is None:
            changes.append(
                Change(
                    field="contact",
                    label="Contact added",
                    was="(none)",
                    becomes=f"{contact['name']} ({contact['relationship_to_pupil']})",
                )
            )
            continue
        for name, new in contact_updates(held, contact).items():
            changes.append(
                Change(
                    field=f"contact.{name}",
                    label=f"{held.name}: {CONTACT_FIELDS[name]}",
                    was=_contact_shown(name, _held_value(held, name)),
                    becomes=_contact_shown(name, new),
                )
            )
    return changes
