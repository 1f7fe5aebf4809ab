"""Rows written in bulk: COPY on PostgreSQL, `bulk_create` elsewhere (SQLite, small N).

A `Table` holds the rows of one model as lists in the order of its concrete fields, with
the primary keys allocated here (after the largest id in the table), so that rows of other
tables can point at them before anything is written. Fields the caller leaves out take the
model's constant default, NULL, or "" for a blank text field; a field with none of these (a
required foreign key, a callable default such as `uuid4` or `now`) must be given, or `add`
raises. No `save()` runs: whatever a model's `save` would fill (`Person.search_name`) the
caller fills.
"""

from __future__ import annotations

import json

from django.core.management.color import no_style
from django.db import connection, models

MISSING = object()


def _default(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        if callable(field.default):
            return field.default() if field.default in (list, dict) else MISSING
        return field.default
    if field.null:
        return None
    if field.blank and isinstance(field, (models.CharField, models.TextField)):
        return ""
    return MISSING


class Table:
    def __init__(self, model: type[models.Model], now):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.index = {field.attname: i for i, field in enumerate(self.fields)}
        self.pk = self.index[model._meta.pk.attname]
        self.template = [_default(field, now) for field in self.fields]
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self.required = frozenset(
            f.attname for f, v in zip(self.fields, self.template, strict=True) if v is MISSING
        ) - {model._meta.pk.attname}
        self.rows: list[list] = []
        self.next_id = 1 + (model.objects.aggregate(top=models.Max("pk"))["top"] or 0)
        self.first_id = self.next_id
        self.written = 0

    def add(self, **values) -> int:
        """One row; returns its primary key."""
        if not self.required <= values.keys():
            missing = ", ".join(sorted(self.required - values.keys()))
            raise ValueError(f"{self.model.__name__}: no value for {missing}")
        row = self.template.copy()
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        pk = row[self.pk] = self.next_id
        self.next_id += 1
        self.rows.append(row)
        return pk

    def flush(self, use_copy: bool) -> None:
        if not self.rows:
            return
        if use_copy:
            self._copy()
        else:
            names = [field.attname for field in self.fields]
            self.model.objects.bulk_create(
                (self.model(**dict(zip(names, row, strict=True))) for row in self.rows),
                batch_size=500,
            )
        self.written += len(self.rows)
        self.rows = []

    def _copy(self) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        sql = f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in self.rows:
                for i in self.json:
                    row[i] = json.dumps(row[i])
                copy.write_row(row)


def can_copy() -> bool:
    return connection.vendor == "postgresql"


def can_defer_foreign_keys() -> bool:
    """Whether the foreign keys of a bulk load may be checked once, by set, at the end rather
    than row by row (PostgreSQL, connected as a superuser: `session_replication_role`, as
    pg_restore does)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser')")
        return cursor.fetchone()[0] == "on"


def skip_row_triggers() -> None:
    """For the rest of the transaction, no trigger fires for the rows written (PostgreSQL's
    foreign-key checks are triggers: one queued per row and key, run at COMMIT, they cost
    more than the COPY itself). CHECK constraints and unique indexes still hold row by row;
    `check_foreign_keys` then checks every key of the rows written in one query per key."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


def restore_row_triggers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")


def check_foreign_keys(tables: list[Table]) -> None:
    """Raise unless every foreign key of the rows written points at a row (an anti-join per
    key, over the new rows only)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            if not table.written:
                continue
            child = quote(table.model._meta.db_table)
            child_pk = quote(table.model._meta.pk.column)
            for field in table.fields:
                if not (field.is_relation and field.db_constraint):
                    continue
                parent = field.related_model._meta
                column = quote(field.column)
                target = quote(field.target_field.column)
                cursor.execute(
                    f"SELECT c.{column} FROM {child} c WHERE c.{child_pk} >= %s "  # noqa: S608
                    f"AND c.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                    f"{quote(parent.db_table)} p WHERE p.{target} = c.{column}) LIMIT 1",
                    [table.first_id],
                )
                broken = cursor.fetchone()
                if broken:
                    raise ValueError(
                        f"{table.model.__name__}.{field.name} = {broken[0]}: no such "
                        f"{parent.object_name}"
                    )


def reset_sequences(tables: list[Table]) -> None:
    """Move each table's id sequence past the ids written here (PostgreSQL; SQLite keeps
    its own counter)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables])
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def analyze(tables: list[Table]) -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table.model._meta.db_table)}")
