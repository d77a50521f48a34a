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


def differences(before: dict, after: dict) -> list[tuple[tuple, tuple]]:
    """The same for rows of several counts: {key: (n1, n2, ...)}."""
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        width = len(old or new)
        delta = tuple((new or (0,) * width)[i] - (old or (0,) * width)[i] for i in range(width))
        if any(delta):
            changes.append((key, delta))
    return changes


def add(model, fields: list[str], columns, changes: list[tuple[tuple, object]]) -> None:
    """Add n to the row of `model` whose `fields` (its unique constraint) equal key, for
    each (key, n) of `changes`; a row that is not there is created. `columns` is one
    count column (n an int) or several (n a tuple); a row whose counts all fall to 0
    is deleted."""
    if not changes:
        return
    columns = [columns] if isinstance(columns, str) else list(columns)
    changes = [(key, n if isinstance(n, tuple) else (n,)) for key, n in changes]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    counts = ", ".join(quote(c) for c in columns)
    one = "(" + ", ".join(["%s"] * (len(fields) + len(columns))) + ")"
    sets = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in columns)
    upsert = f"ON CONFLICT ({names}) DO UPDATE SET {sets}"
    with connection.cursor() as cursor:
        for start in range(0, len(changes), 500):
            chunk = changes[start : start + 500]
            params = [value for key, n in chunk for value in (*key, *n)]
            cursor.execute(
                f"INSERT INTO {table} ({names}, {counts}) VALUES "
                + ", ".join([one] * len(chunk))
                + f" {upsert}",
                params,
            )
    emptied = Q()
    for key, n in changes:
        if any(value < 0 for value in n):
            emptied |= Q(**dict(zip(fields, key, strict=True)))
    if emptied:
        model.objects.filter(emptied, **dict.fromkeys(columns, 0)).delete()
