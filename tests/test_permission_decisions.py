"""Beside the truth table (tests/test_permissions.py): every permission decision lives in
sentrack/access.py. A static scan of the views, the home pages' builders, the workflows and the
templates fails when one of them checks a user's roles itself: `has_role(...)`, a user's `.roles`
or `.role_assignments`, or a comparison with a `Role.X` constant (other than of what a duty or a
task is for, which is routing, not permission). sentrack/access.py and the User model's own
definition (sentrack/models/people.py) are the only places allowed.

KNOWN_OFFENDERS lists the decisions still to be moved into access.py, by file and line text; it
may only shrink: a listed line that no longer offends fails the test too, so that it is taken off.
"""

from __future__ import annotations

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent / "sentrack"

# What a duty, a task or a catalogue entry is for: comparing it with a role routes work.
ROUTING = {("duty", "role"), ("spec", "role"), ("task", "for_role"), ("Task", "for_role"), ("t", "for_role")}

# (path under sentrack/, the line stripped): reads of roles that decide nothing, each with why.
ALLOWED: dict[tuple[str, str], str] = {
    ("workflows/staff.py", "held = set(member.roles)"): "the staff workflow sets roles",
    ("workflows/staff.py", "if confirm and role not in member.roles:"): "the staff workflow sets a confirmed role",
    (
        "workflows/staff.py",
        "if role not in member.roles or (active_after and role in roles_after):",
    ): "the staff workflow finds a role being given up",
    (
        "workflows/staff.py",
        "member.role_assignments.append(RoleAssignment(role=role))",
    ): "the staff workflow sets roles",
    (
        "workflows/staff.py",
        "named = role.label.lower() if role is Role.HEAD else role.label",
    ): "wording of a refusal",
    ("workflows/staff.py", "if roles_after != set(member.roles):"): "the staff workflow sees whether roles changed",
    (
        "workflows/staff.py",
        'return "the head teacher" if Role.HEAD in roles else "the head teacher or SENCO"',
    ): "wording: who may confirm a proposal (decided by access.GRANTS)",
    (
        "workflows/staff.py",
        "keep = [a for a in member.role_assignments if a.role in roles]",
    ): "the staff workflow sets roles",
    (
        "workflows/sweep.py",
        ".where(User.active, RoleAssignment.role == Role.LA_OFFICER, User.local_authority_id.is_not(None))",
    ): "routing: the officer an authority's tasks go to",
}

# (path under sentrack/, the offending line stripped): decisions still to move into access.py.
KNOWN_OFFENDERS: set[tuple[str, str]] = set()


def _python_files() -> list[pathlib.Path]:
    files = [*ROOT.glob("**/views.py"), *ROOT.glob("**/home.py"), *ROOT.glob("workflows/*.py")]
    return sorted(set(files))


def _is_role_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def _role_constants(node: ast.AST) -> bool:
    """A `Role.X`, or a tuple, list or set holding one."""
    if _is_role_constant(node):
        return True
    return isinstance(node, ast.Tuple | ast.List | ast.Set) and any(_is_role_constant(e) for e in node.elts)


def _routing(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (node.value.id, node.attr) in ROUTING
    )


def python_offences(path: pathlib.Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        why = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "has_role":
            why = "has_role"
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("roles", "role_assignments")
            and isinstance(node.ctx, ast.Load)
            and not (isinstance(node.value, ast.Name) and node.value.id in ("details", "form"))
        ):
            why = f".{node.attr}"
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_role_constants(o) for o in operands) and not any(_routing(o) for o in operands):
                why = "Role comparison"
        if why:
            found.append((node.lineno, why))
    return found


_JINJA_CONDITION = re.compile(r"{%-?\s*(?:if|elif)\b(.*?)-?%}|{{((?:(?!}}).)*?\bif\b(?:(?!}}).)*)}}", re.S)
_ROLE_CHECK = re.compile(r"has_role\s*\(|\.roles\b|\bRole\.[A-Z_]+")


def template_offences(path: pathlib.Path) -> list[tuple[int, str]]:
    source = path.read_text()
    found = []
    for match in _JINJA_CONDITION.finditer(source):
        condition = match.group(1) or match.group(2) or ""
        if _ROLE_CHECK.search(condition):
            found.append((source.count("\n", 0, match.start()) + 1, "role check in a condition"))
    return found


def _offending_lines() -> dict[tuple[str, str], str]:
    found = {}
    for path in _python_files():
        lines = path.read_text().splitlines()
        for lineno, why in python_offences(path):
            found[(str(path.relative_to(ROOT)), lines[lineno - 1].strip())] = why
    for path in sorted(ROOT.glob("templates/**/*.html")):
        lines = path.read_text().splitlines()
        for lineno, why in template_offences(path):
            found[(str(path.relative_to(ROOT)), lines[lineno - 1].strip())] = why
    return found


def test_no_view_workflow_or_template_checks_roles_itself():
    found = _offending_lines()
    new = {key: why for key, why in found.items() if key not in KNOWN_OFFENDERS and key not in ALLOWED}
    assert new == {}, "Decide this in sentrack/access.py:\n" + "\n".join(
        f"{p}: {line}  ({why})" for (p, line), why in sorted(new.items())
    )


def test_the_list_of_known_offenders_only_shrinks():
    found = _offending_lines()
    fixed = (KNOWN_OFFENDERS | ALLOWED.keys()) - found.keys()
    assert fixed == set(), f"No longer found: take these off KNOWN_OFFENDERS or ALLOWED: {sorted(fixed)}"


def test_the_scan_finds_each_kind_of_role_check(tmp_path):
    """The scan itself: each way of checking roles is found, routing by a duty's role is not."""
    views = tmp_path / "views.py"
    views.write_text(
        "def page(user, task, duty):\n"
        "    if user.has_role(Role.SENCO):\n"
        "        pass\n"
        "    if Role.TEACHER in user.roles:\n"
        "        pass\n"
        "    if current_user.role_assignments:\n"
        "        pass\n"
        "    if role is Role.HEAD:\n"
        "        pass\n"
        "    if task.for_role is Role.LA_OFFICER or duty.role is Role.TEACHER:\n"
        "        pass\n"
    )
    template = tmp_path / "page.html"
    template.write_text(
        "{% if current_user.has_role(Role.SENCO) %}a{% endif %}\n"
        "{{ 'b' if Role.TEACHER in user.roles }}\n"
        "{% for role in user.roles|sort %}{{ role.label }}{% endfor %}\n"
        "{% if may_oversee %}c{% endif %}\n"
    )

    assert sorted(line for line, _ in python_offences(views)) == [2, 4, 4, 6, 8]
    assert [line for line, _ in template_offences(template)] == [1, 2]
