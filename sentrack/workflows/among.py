"""`among(column, ids)`: the column's value is one of the ids a query selects, written so that
PostgreSQL probes the column's index for each id.

`column IN (SELECT ...)` lets PostgreSQL's planner turn the test into a join, and over a child table
of the pupil (support cycles, SEN statuses, meetings, EHC plans) it often chooses to hash every row
of the authority and keep one school's. `column = ANY(ARRAY(SELECT ...))` is run once, before the
statement, as a list of ids, and the statement then reads only those pupils' rows through the
column's index. Other databases get the plain `IN`, which means the same.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal


class among(sa.sql.expression.ColumnElement[bool]):  # noqa: N801 (used as a SQL function)
    """The value of `column` is one of the values `ids` (a one-column SELECT) returns."""

    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: sa.ColumnElement, ids: sa.Select) -> None:
        self.column = column
        self.ids = ids


@compiles(among)
def _among_in(element: among, compiler, **kw) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(among, "postgresql")
def _among_any_array(element: among, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids.scalar_subquery(), **kw)
    return f"{column} = ANY(ARRAY{ids})"
