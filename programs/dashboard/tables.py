"""Every table the command dashboards can export, by name.

Each dashboard selectors module exposes `TABLES: dict[str, callable(scope) -> (headers,
rows)]`. This registry collects them, importing each module only when a table is first
asked for, and tolerating a module that does not exist (yet) or has no TABLES: a page
that is not built has nothing to export.
"""

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from importlib import import_module

from engagement_portal.core.privacy import Figure
from programs.dashboard.scope import Scope

Table = Callable[[Scope], tuple[list[str], list[list]]]

MODULES = (
    "selectors_overview",
    "selectors_reach",
    "selectors_principles",
    "selectors_trust",
    "selectors_opendata",
    "selectors_report",
)


def _module_tables(name: str) -> dict[str, Table]:
    try:
        module = import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as error:
        # Only the dashboard module itself may be missing; a broken import inside it is a bug.
        if error.name != f"{__package__}.{name}":
            raise
        return {}
    return dict(getattr(module, "TABLES", None) or {})


def tables() -> dict[str, Table]:
    """Every exportable table by name. When two modules use one name, the first wins."""
    found: dict[str, Table] = {}
    for name in MODULES:
        for table, build in _module_tables(name).items():
            found.setdefault(table, build)
    # The drill-down lists of the reach and principles pages: fn(scope) -> (title,
    # headers, rows), exported as "drill-<name>" like the overview's.
    for name in ("selectors_reach", "selectors_principles"):
        module = import_module(f"{__package__}.{name}")
        for drill, build in (getattr(module, "DRILL_DOWNS", None) or {}).items():
            found.setdefault(f"drill-{drill}", _drop_title(build))
    return found


def _drop_title(build):
    def table(scope):
        _title, headers, rows = build(scope)
        return list(headers), list(rows)

    return table


def get_table(name: str) -> Table | None:
    return tables().get(name)


# --- Writing a table as CSV that spreadsheets open safely ----------------------------------
#
# - UTF-8 with a byte-order mark, so Excel shows accented names instead of mojibake.
# - Figures print with `.export()`: a number, or "<10" when suppressed.
# - CSV (formula) injection: a text cell starting with = + - @ (or a tab or carriage return,
#   which some spreadsheets strip before reading a formula) is prefixed with a single quote.
#   Plain numbers are left alone, so a negative change such as "-3" or "-2.5" stays a
#   number; anything else that merely starts with "-" ("-1+cmd|...") is quoted.

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")


def cell(value) -> str:
    """One value as the text of a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, Figure):
        return value.export()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    exporter = getattr(value, "export", None)
    text = exporter() if callable(exporter) else str(value)
    return defuse(text)


def defuse(text: str) -> str:
    """Text that a spreadsheet will not run as a formula."""
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_text(headers, rows) -> str:
    """The whole file, BOM first."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([defuse(str(header)) for header in headers])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()
