"""Adding to counts kept in a table, for summaries refreshed by difference.

Some summaries cannot be recomputed from one bucket's rows (a month is thousands of
buckets): the refresh works out what a change adds to or takes from each count and adds
it. `add(...)` does that with one upsert per 500 counts, in a fixed order (so two
transactions adding to the same rows cannot deadlock), and deletes the rows it brought
to zero. The count column must not be a Positive field: PostgreSQL checks a CHECK
constraint on the proposed row, negative addition included, before ON CONFLICT applies
it.
"""

from collections import Counter

from django.db import connection
from django.db.models import Q


def difference(before: Counter, after: Counter) -> list[tuple[tuple, int]]:
    delta = Counter(after)
    delta.subtract(before)
    return sorted((key, n) for key, n in delta.items() if n)


def add(model, fields: list[str], column: str, changes: list[tuple[tuple, int]]) -> None:
    """Add n to the row of `model` whose `fields` (its unique constraint) equal key, for
    each (key, n) of `changes`; a row that is not there is created."""
    if not changes:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    count = quote(column)
    one = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    upsert = f"ON CONFLICT ({names}) DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}"
    with connection.cursor() as cursor:
        for start in range(0, len(changes), 500):
            chunk = changes[start : start + 500]
            params = [value for key, n in chunk for value in (*key, n)]
            cursor.execute(
                f"INSERT INTO {table} ({names}, {count}) VALUES "
                + ", ".join([one] * len(chunk))
                + f" {upsert}",
                params,
            )
    emptied = Q()
    for key, n in changes:
        if n < 0:
            emptied |= Q(**dict(zip(fields, key, strict=True)))
    if emptied:
        model.objects.filter(emptied, **{column: 0}).delete()
