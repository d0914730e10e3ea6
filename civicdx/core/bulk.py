"""Fast bulk inserts for city-scale imports: raw executemany on SQLite, COPY on PostgreSQL.

Django's bulk_create spends most of its time preparing values field by field; an import of 300,000
rows needs tuples straight to the driver. Callers must run inside a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> int:
    """Reserve ``count`` consecutive primary keys and return the first one.

    SQLite: the import's transaction holds the write lock (IMMEDIATE), so MAX(id)+1 is ours.
    PostgreSQL: advance the identity sequence by ``count`` in one statement.
    """
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            if count > 1:
                cursor.execute("SELECT setval(%s, %s, true)", [sequence, first + count - 1])
            return first
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        return cursor.fetchone()[0] + 1


def bulk_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert rows (tuples in ``columns`` order, database column names) without model instances."""
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})', list(rows))
