"""The version of each school's records, for the pages kept in a web process (`sentrack.kept`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sentrack.models.base import Base

ANY_SCHOOL = 0  # the key of records that belong to no one school (or whose school a write cannot tell)


class DataVersion(Base):
    """One school's version (`school_key` its id), or that of the records of no one school
    (`ANY_SCHOOL`): a new random `token` each time a transaction that changed them commits
    (`sentrack.changes`). A school without a row has not changed since the table was made."""

    __tablename__ = "data_version"

    school_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(sa.BigInteger)
