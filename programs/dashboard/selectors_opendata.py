"""Open data: participation statistics by month, tier and home neighbourhood, for anyone.

Read from the summary tables only (ParticipationDay for people and participations, ReachDay
for unique residents), in a fixed number of queries. What is published, and why it is safe:

- Only programs the public may know about: visibility "public", not flagged sensitive
  (victim services, youth and the like) and not drafts. Internal and sensitive programs are
  left out of every cell, so no total can be reconciled against them.
- Only months that are over: a published month does not change while it is being counted.
- No names, ids, programs or staff: a cell is (month, tier, neighbourhood) and three counts.
- Small numbers: any count under 10 people is withheld (privacy.count); the participations
  of a cell are withheld with its people.
- Sums must not give a withheld count away. The page shows totals per month and tier; if
  one cell of such a total were withheld alone, the total minus the others would reveal it.
  So within each (month, tier), when any cell is withheld, the smallest shown cells are
  withheld too until at least two are withheld and together they rest on 10 people or
  more, and then until no withheld cell has a single possible value (complementary
  suppression: privacy.withhold, the dashboards' one protector). No other sum is published.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core import privacy
from engagement_portal.core.privacy import Figure
from programs.dashboard.models import ParticipationDay, ReachDay
from programs.dashboard.scope import Scope
from programs.models import Program, Tier

LICENCE_NAME = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
PAGE_MONTHS = 12
SCHEMA_VERSION = 1
MEASURES = ("people", "participations", "residents")

# The columns of the CSV file and the keys of each JSON row, in order. Stable: consumers
# rely on them; add new ones at the end and bump SCHEMA_VERSION when one changes meaning.
FIELDS = (
    ("month", _("The month, as YYYY-MM (agency time zone).")),
    ("tier", _("The tier of the engagement spectrum, 1 to 5.")),
    ("tier_name", _("The tier's name.")),
    (
        "neighbourhood_code",
        _("The code of the participants' home neighbourhood; empty when it was not recorded."),
    ),
    ("neighbourhood", _("The neighbourhood's name, or “Not recorded”.")),
    (
        "people",
        _("People who took part (a registration for three people who came counts three)."),
    ),
    (
        "participations",
        _("Records of taking part: a registration, a survey response, a volunteer shift…"),
    ),
    ("residents", _("Unique identified residents who took part at least once in the month.")),
)


def public_programs() -> Q:
    """Summary rows of programs whose participation may be published."""
    return Q(
        program__visibility=Program.Visibility.PUBLIC,
        program__is_sensitive=False,
    ) & ~Q(program__status=Program.Status.DRAFT)


def last_complete_month(today: date | None = None) -> date:
    """The first day of the last month that is over."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _as_month(value) -> date:
    value = value.date() if hasattr(value, "date") and callable(value.date) else value
    return value.replace(day=1)


@dataclass
class Cell:
    """One (month, tier, neighbourhood) of published statistics."""

    month: date
    tier: int
    tier_name: str
    neighbourhood_id: int | None
    neighbourhood_code: str
    neighbourhood: str
    true: dict[str, int]  # never published as is
    hidden: set[str] = field(default_factory=set)  # measures withheld

    def figure(self, measure: str) -> Figure:
        n = self.true[measure]
        if measure in self.hidden:
            return Figure(None, n)
        return Figure(n, n)

    @property
    def people(self) -> Figure:
        return self.figure("people")

    @property
    def participations(self) -> Figure:
        return self.figure("participations")

    @property
    def residents(self) -> Figure:
        return self.figure("residents")

    def csv_row(self) -> list:
        return [
            self.month.strftime("%Y-%m"),
            self.tier,
            self.tier_name,
            self.neighbourhood_code,
            self.neighbourhood,
            self.people,
            self.participations,
            self.residents,
        ]

    def json_row(self) -> dict:
        row = {
            "month": self.month.strftime("%Y-%m"),
            "tier": self.tier,
            "tier_name": self.tier_name,
            "neighbourhood_code": self.neighbourhood_code or None,
            "neighbourhood": self.neighbourhood,
        }
        for measure in MEASURES:
            figure = self.figure(measure)
            row[measure] = {"value": figure.value, "suppressed": figure.suppressed}
        return row


@dataclass
class MonthRow:
    """Totals of one month per tier, for the page: the same protection as the cells."""

    month: date
    people: list[Figure]  # one per tier, in tier order


@dataclass
class OpenData:
    first: date | None  # first month published (None: nothing yet)
    last: date  # last month published
    cells: list[Cell]
    tiers: list[Tier]

    @property
    def empty(self) -> bool:
        return not self.cells


def open_data(
    *,
    first: date | None = None,
    last: date | None = None,
    tier: int | None = None,
    neighbourhood_id: int | None = None,
    today: date | None = None,
) -> OpenData:
    """Every published cell from `first` to `last` (first days of months; default: all
    months that are over). Four queries whatever the data size.

    Cells are protected within their (month, tier) across every neighbourhood before the
    neighbourhood filter applies, so a filtered download never shows a cell that the full
    file withholds."""
    last = min(last or last_complete_month(today), last_complete_month(today))
    start = first or date(1, 1, 1)
    q = public_programs() & Q(day__gte=start, day__lte=_month_end(last))
    if tier:
        q &= Q(tier=tier)

    true: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for row in (
        ParticipationDay.objects.filter(q)
        .annotate(month=TruncMonth("day"))
        .values("month", "tier", "neighbourhood_id")
        .annotate(people=Sum("people"), participations=Sum("participations"))
        .order_by()
    ):
        key = (_as_month(row["month"]), row["tier"], row["neighbourhood_id"])
        true[key]["people"] = row["people"] or 0
        true[key]["participations"] = row["participations"] or 0
    for row in (
        ReachDay.objects.filter(q)
        .annotate(month=TruncMonth("day"))
        .values("month", "tier", "neighbourhood_id")
        .annotate(residents=Count("resident", distinct=True))
        .order_by()
    ):
        key = (_as_month(row["month"]), row["tier"], row["neighbourhood_id"])
        true[key]["residents"] = row["residents"] or 0

    hoods = {
        pk: (code, name)
        for pk, code, name in Neighbourhood.objects.values_list("pk", "code", "name")
    }
    tiers = list(Tier.objects.order_by("number"))
    tier_names = {t.number: t.display_name for t in tiers}
    not_recorded = gettext("Not recorded")

    cells = []
    for (month, tier_number, hood), measures in true.items():
        if not any(measures.values()):
            continue
        code, name = hoods.get(hood, ("", not_recorded))
        cells.append(
            Cell(
                month=month,
                tier=tier_number,
                tier_name=tier_names.get(tier_number, str(tier_number)),
                neighbourhood_id=hood,
                neighbourhood_code=code,
                neighbourhood=name,
                true=measures,
            )
        )
    cells.sort(key=lambda c: (c.month, c.tier, c.neighbourhood_code == "", c.neighbourhood))

    groups: dict[tuple[date, int], list[Cell]] = defaultdict(list)
    for cell in cells:
        groups[(cell.month, cell.tier)].append(cell)
    for group in groups.values():
        for measure in ("people", "residents"):
            # Keyed by the neighbourhood, never by anything that changes between requests
            # (memory addresses did): ties must be broken alike in every download, or two
            # downloads that hid different cells would give each other's hidden counts away.
            withheld = privacy.withhold({c.neighbourhood_id or 0: c.true[measure] for c in group})
            for c in group:
                if (c.neighbourhood_id or 0) in withheld:
                    c.hidden.add(measure)
                    if measure == "people":
                        c.hidden.add("participations")

    if neighbourhood_id:
        cells = [c for c in cells if c.neighbourhood_id == neighbourhood_id]
    months = sorted({c.month for c in cells})
    return OpenData(first=months[0] if months else None, last=last, cells=cells, tiers=tiers)


def page_table(data: OpenData, *, months: int = PAGE_MONTHS) -> list[MonthRow]:
    """The last `months` months, newest first: people per tier, totals from the true
    numbers, withheld under 10. A total of a (month, tier) is the only sum published; its
    cells are protected against it (see privacy.withhold)."""
    first = data.last
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    totals: dict[tuple[date, int], int] = defaultdict(int)
    for cell in data.cells:
        if cell.month >= first:
            totals[(cell.month, cell.tier)] += cell.true["people"]
    rows = []
    month = data.last
    while month >= first:
        people = [privacy.count(totals.get((month, tier.number), 0)) for tier in data.tiers]
        rows.append(MonthRow(month=month, people=people))
        month = (month - timedelta(days=1)).replace(day=1)
    return rows


def csv_headers() -> list[str]:
    return [name for name, _help in FIELDS]


def json_document(data: OpenData, *, agency: str, url: str) -> dict:
    """The JSON file: metadata, the field list and one object per cell."""
    return {
        "schema_version": SCHEMA_VERSION,
        "title": gettext("Community engagement: participation by month, tier and neighbourhood"),
        "publisher": agency,
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL},
        "source": url,
        "first_month": data.first.strftime("%Y-%m") if data.first else None,
        "last_month": data.last.strftime("%Y-%m"),
        "suppression": {
            "threshold": privacy.MIN_PEOPLE,
            "note": gettext(
                "A count under 10 people, and any count that would let one be worked out "
                "from a total, is null with suppressed: true."
            ),
        },
        "fields": [{"name": name, "description": str(text)} for name, text in FIELDS],
        "rows": [cell.json_row() for cell in data.cells],
    }


def table_open_data(scope: Scope) -> tuple[list[str], list[list]]:
    """The open data cells of the scope's months (whole months that are over), for command
    staff's CSV export: exactly what the public file holds for them. Open data has no
    program or type dimension, so those filters do not apply."""
    data = open_data(
        first=scope.start.replace(day=1),
        last=scope.end.replace(day=1),
        tier=scope.tier.number if scope.tier else None,
        neighbourhood_id=scope.neighbourhood.pk if scope.neighbourhood else None,
    )
    return csv_headers(), [cell.csv_row() for cell in data.cells]


TABLES = {"open-data": table_open_data}
