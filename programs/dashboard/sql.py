"""SQL helpers shared by the summaries' rebuilds (services, demographics, reach_gaps)."""

from django.db import connection


def _insert(model, columns: list[str], select: str, params=()) -> int:
    """INSERT INTO model's table (columns) `select`; the number of rows written."""
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_table(model)} ({names}) {select}", params)
        return cursor.rowcount


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _compiled(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


# The type (p.engagement_type_id) and tier (t.number) of the program s."_program".
_PROGRAM = (
    'JOIN "programs_program" p ON p."id" = s."_program" '
    'JOIN "programs_engagementtype" e ON e."id" = p."engagement_type_id" '
    'JOIN "programs_tier" t ON t."id" = e."tier_id"'
)


def _minutes(column: str) -> str:
    """Whole minutes of a summed duration, as minutes_of() counts them."""
    if connection.vendor == "postgresql":
        return f"COALESCE(CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 60) AS integer), 0)"
    return f"COALESCE(CAST({column} / 60000000 AS integer), 0)"  # microseconds


def _clear(*models) -> None:
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for model in models:
                cursor.execute(f"DELETE FROM {_table(model)}")
            return
        # TRUNCATE refuses a table with foreign-key checks still pending in this
        # transaction (rows written earlier in it): run the checks now, then defer again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(_table(model) for model in models)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
