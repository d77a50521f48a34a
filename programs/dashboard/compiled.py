"""The SQL of the dashboards' busiest aggregate queries, compiled once per process.

Every command page runs the same few aggregate queries over the summary tables (reach
along a chain, participation sums over two grains, people by neighbourhood), each a
union of filtered sums. Building one with the ORM and compiling it costs more Python
than PostgreSQL spends answering it (bench/dashboard_scale.py: 10 ms of Python against
5 ms of SQL, several times per page). Their SQL depends only on what they are asked —
the scope's dates and filters, the periods, the grouping — never on the data, so it is
compiled once for those inputs and then sent as it is.

The caller's key must hold every input the queryset is built from, as plain values (a
model instance compares by primary key only: pass the fields the query reads). Only
querysets whose rows need no conversion from the database (ids, codes and sums) belong
here: the rows come straight from the cursor.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

SIZE = 256  # compiled queries kept per process; a page needs about ten

_compiled: OrderedDict = OrderedDict()
_lock = Lock()


def rows(key: Hashable, build: Callable[[], QuerySet]) -> list[tuple]:
    """The rows of `build()` (a values_list queryset on the default database), compiled
    the first time this key is asked for on this process's database engine."""
    connection = connections[DEFAULT_DB_ALIAS]
    key = (connection.vendor, key)
    with _lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
    if found is None:
        try:
            found = build().query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing: the ORM asks nothing
            found = ("", ())
        with _lock:
            _compiled[key] = found
            while len(_compiled) > SIZE:
                _compiled.popitem(last=False)
    sql, params = found
    if not sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def clear() -> None:
    with _lock:
        _compiled.clear()
