"""The declarative base: naming convention for constraints, and shared column types."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, Index, MetaData, text
from sqlalchemy.orm import DeclarativeBase, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints keep migrations stable across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def checks(**named: str) -> list[CheckConstraint]:
    """Check constraints by name, in the order given: `checks(held_or_planned="held_on IS NOT NULL OR ...")`."""
    return [CheckConstraint(sql, name=name) for name, sql in named.items()]


def unique_while(name: str, columns: str | tuple[str, ...], condition: str) -> Index:
    """A unique index on `columns` (one name, or a tuple of names) over the rows where `condition`
    holds, on SQLite and PostgreSQL: `unique_while("uq_x_one_open_per_pupil", "pupil_id", "end_date IS NULL")`."""
    where = text(condition)
    names = (columns,) if isinstance(columns, str) else columns
    return Index(name, *names, unique=True, sqlite_where=where, postgresql_where=where)


def children(back_populates: str, order_by: str):
    """A one-to-many relationship to rows that belong to this one: in `order_by`, deleted with it."""
    return relationship(back_populates=back_populates, order_by=order_by, cascade="all, delete-orphan")


class UTCDateTime(TypeDecorator):
    """A moment in time, stored as naive UTC and always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
