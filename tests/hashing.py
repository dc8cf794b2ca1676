"""Passwords hashed at test strength.

Argon2 is slow on purpose: the app hashes with the library's recommended parameters (64 MiB, three
passes), a tenth of a second or more per password on a shared machine. The suite signs in through
the form, changes passwords and fuzzes the sign-in forms thousands of times, so its processes (the
test run and the browser journeys' server) hash with the least memory and passes argon2id allows.
The hashes are still argon2id, checked by the same code; only their cost differs.
tests/test_password_hashing.py proves that the app, started without this, uses the strong ones.
"""

from __future__ import annotations

from argon2 import PasswordHasher

from sentrack.auth import accounts, passwords

# argon2id at its smallest cost: 8 KiB of memory (the minimum for one lane), one pass.
TEST_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def use_test_strength() -> None:
    """Hash and check passwords in this process at test strength, the unknown account's stand-in
    hash too (it must cost what a real one does, or timing would tell the two apart)."""
    passwords._hasher = PasswordHasher(**TEST_PARAMETERS)
    accounts._DUMMY_HASH = passwords.hash_password("no account has this password")
