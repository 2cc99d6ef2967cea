"""Model instances from the row of a precompiled join, for the few hot reads that run on every API
call (the API key, the grant check): the ORM's query compilation and object building cost there more
than the query itself. The statement's columns and the ORM's value converters (JSON, dates, times) are
worked out once per process; each call only puts a row's values into whole instances (``from_db``, as
the ORM does), so nothing read from them later costs a query.
"""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class RowPart(Generic[M]):
    """One model's columns in a joined row: where they start, their field names and converters."""

    model: type[M]
    start: int
    names: list[str]
    converters: list[tuple[int, list]]
    columns: list[str]

    def values(self, row: tuple) -> list:
        """The part's values in ``row``, as the ORM gives them (JSON decoded, times aware...)."""
        values = list(row[self.start : self.start + len(self.names)])
        for n, converters in self.converters:
            for convert in converters:
                values[n] = convert(values[n], None, connection)
        return values

    def build(self, row: tuple) -> M:
        return self.model.from_db(connection.alias, self.names, self.values(row))


def row_part(model: type[M], alias: str, start: int = 0, names: tuple[str, ...] = ()) -> RowPart[M]:
    """``model``'s columns (every one, or those of the fields ``names``), as table ``alias`` of a
    SELECT, from column ``start`` of its row."""
    fields: list[Any] = (
        [model._meta.get_field(name) for name in names] if names else list(model._meta.concrete_fields)
    )
    converters = []
    for n, field in enumerate(fields):
        found = connection.ops.get_db_converters(field.get_col(alias)) + field.get_db_converters(connection)
        if found:
            converters.append((n, found))
    columns = [f'{alias}."{field.column}"' for field in fields]
    return RowPart(model, start, [field.attname for field in fields], converters, columns)
