"""Outputs of the command dashboards: the CSV export of any table, the printable monthly
report, and the public open data page and files.

`harbour()` is a hand-built city with known answers, also used by test_outputs_email.py
and the screenshots. "Today" is 10 April 2025: the report's default month is March 2025,
compared with February 2025; April is still going on.

March 2025, by program (people who took part, by home neighbourhood):
- Coffee on the Quay (public, tier 2): event on 5 March in Northside, 12 Northside residents
  came and a walk-in party of 5 from Northside; event on 12 March in Southside, 3 Southside
  residents came and a walk-in party of 10 who gave no neighbourhood.
- Spring academy (public, tier 3): one session on 20 March in Eastside: 25 Eastside, 11
  Southside and 2 Northside residents came.
- Harbour survey (public, tier 1): 4 Northside residents answered (identified survey).
- Staff wellness walk (INTERNAL, tier 2): 40 Northside residents came.
- Youth diversion circle (SENSITIVE, tier 3): 50 Eastside residents came.
February 2025: Coffee on the Quay, 20 Northside residents came. April: 15 so far.
"""

import csv
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from engagement_portal.core import privacy
from engagement_portal.core.privacy import Figure
from events.models import Event, Registration
from programs.dashboard import selectors_opendata, selectors_report
from programs.dashboard.scope import Scope
from programs.dashboard.services import rebuild
from programs.dashboard.tables import cell, csv_text, defuse, get_table, tables
from programs.models import EngagementType, Program

from ..factories import (
    EventFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    RegistrationFactory,
    ResidentFactory,
    ResponseFactory,
    SurveyFactory,
    WalkInFactory,
)

TODAY = date(2025, 4, 10)
MARCH = date(2025, 3, 1)
FEBRUARY = date(2025, 2, 1)
BOM = "\ufeff"


def at(day: date, hour: int = 18) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@dataclass
class Harbour:
    north: object
    south: object
    east: object
    coffee: Program
    academy: Program
    internal: Program
    sensitive: Program
    residents: list = field(default_factory=list)
    programs: list = field(default_factory=list)


def _program(title, type_slug, owner, **extra) -> Program:
    return ProgramFactory(
        title=title,
        engagement_type=EngagementType.objects.get(slug=type_slug),
        owner=owner,
        **extra,
    )


_numbers = itertools.count(1)


def _hood(name: str, code: str, population: int):
    from engagement_portal.accounts.models import Neighbourhood

    found = Neighbourhood.objects.filter(code=code).first()
    return found or NeighbourhoodFactory(name=name, code=code, population=population)


def harbour(owner, *, scale: int = 1, month: date = MARCH) -> Harbour:
    """The hand-built city (see the module docstring). `scale` multiplies every group of
    people, for query-count tests on a larger data set; building it a second time adds the
    same activity again (new residents, programs and events, the same neighbourhoods).
    `month` plays March (the browser tests use last month)."""
    before = selectors_report.previous_month(month)
    after = selectors_report.next_month(month)
    north = _hood("Northside", "north", 10000)
    south = _hood("Southside", "south", 5000)
    east = _hood("Eastside", "east", 2000)
    city = Harbour(
        north=north,
        south=south,
        east=east,
        coffee=_program("Coffee on the Quay", "unstructured-engagement", owner),
        academy=_program("Spring academy", "citizen-police-academy", owner),
        internal=_program(
            "Staff wellness walk",
            "unstructured-engagement",
            owner,
            visibility=Program.Visibility.INTERNAL,
        ),
        sensitive=_program(
            "Youth diversion circle", "citizen-police-academy", owner, is_sensitive=True
        ),
    )
    survey_program = _program("Harbour survey", "community-surveys", owner)
    city.programs = [city.coffee, city.academy, city.internal, city.sensitive, survey_program]

    def people(n, hood):
        made = []
        for _i in range(n * scale):
            number = next(_numbers)
            made.append(
                ResidentFactory(
                    name=f"Quillon Vantablack{number:03d}",
                    email=f"qv{number:03d}@harbour-residents.example",
                    phone=f"+1 312 555 {number:04d}",
                    neighbourhood=hood,
                )
            )
            city.residents.extend(made[-1:])
        return made

    def event(program, day, hood, attendees):
        held = EventFactory(
            program=program, starts_at=at(day), ends_at=at(day, 20), neighbourhood=hood
        )
        for resident in attendees:
            RegistrationFactory(event=held, resident=resident, status=Registration.Status.ATTENDED)
        return held

    first = event(city.coffee, month.replace(day=5), north, people(12, north))
    WalkInFactory(event=first, party_size=5 * scale, neighbourhood=north)
    second = event(city.coffee, month.replace(day=12), south, people(3, south))
    WalkInFactory(event=second, party_size=10 * scale, neighbourhood=None)
    event(
        city.academy,
        month.replace(day=20),
        east,
        people(25, east) + people(11, south) + people(2, north),
    )
    survey = SurveyFactory(program=survey_program, mode="identified")
    for resident in people(4, north):
        ResponseFactory(
            survey=survey, resident=resident, neighbourhood=north, submitted_on=month.replace(day=8)
        )
    event(city.internal, month.replace(day=14), north, people(40, north))
    event(city.sensitive, month.replace(day=21), east, people(50, east))
    event(city.coffee, before.replace(day=10), north, people(20, north))
    event(city.coffee, after.replace(day=2), north, people(15, north))
    rebuild()
    return city


@pytest.fixture
def frozen():
    with time_machine.travel(at(TODAY, 9), tick=False):
        yield


@pytest.fixture
def town(alice, frozen):
    return harbour(alice)


def read_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[1:])))


def page_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


MARCH_QUERY = {"start": "2025-03-01", "end": "2025-03-31"}


# --- The table registry -------------------------------------------------------------------


def test_the_registry_collects_every_dashboard_table():
    names = set(tables())
    assert {"overview", "participation-by-kind", "spectrum-tiers", "reach-neighbourhoods"} <= names
    assert {"open-data", "monthly-report", "principles"} <= names
    assert get_table("no-such-table") is None


def test_the_registry_tolerates_a_module_that_does_not_exist(monkeypatch):
    from programs.dashboard import tables as registry

    monkeypatch.setattr(registry, "MODULES", ("selectors_not_written_yet", "selectors_overview"))
    assert "overview" in registry.tables()


# --- Writing CSV safely ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("-3 (-10.0%)", "'-3 (-10.0%)"),  # a change as text: not a plain number
        ("-3", "-3"),  # negative numbers stay numbers
        ("-2.5", "-2.5"),
        ("+4", "+4"),
        ("-1,234.5", "-1,234.5"),
        ("Côte-des-Neiges", "Côte-des-Neiges"),
        ("a-b", "a-b"),
    ],
)
def test_text_cells_that_a_spreadsheet_would_run_are_quoted(value, written):
    assert cell(value) == written


def test_numbers_dates_and_figures_are_written_as_values():
    assert cell(-3) == "-3"
    assert cell(-2.5) == "-2.5"
    assert cell(Figure(None, 4)) == "<10"
    assert cell(Figure(12, 12)) == "12"
    assert cell(date(2025, 3, 1)) == "2025-03-01"
    assert cell(None) == ""
    assert defuse("=1") == "'=1"


def test_csv_text_starts_with_a_bom_and_has_a_header_row():
    text = csv_text(["Name", "=Count"], [["Côte", Figure(None, 3)]])
    assert text.startswith(BOM)
    assert text[1:].splitlines() == ["Name,'=Count", "Côte,<10"]


# --- The export view --------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_gives_the_overview_table_for_the_scope(client, carol, town):
    client.force_login(carol)
    response = client.get(reverse("dashboard:export", args=["overview"]), MARCH_QUERY)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="overview_2025-03-01_2025-03-31.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == ["Figure", "Unit", "This period", "Previous period", "Change", "Change (%)"]
    by_label = {row[0]: row for row in rows[1:]}
    # People: coffee 12+5+3+10, academy 38, survey 4, internal 40, sensitive 50 = 162.
    assert by_label["Participations"][2] == "162"
    assert by_label["Survey responses"][2] == "<10"  # four people
    assert by_label["Events held"][2] == "5"


@pytest.mark.django_db
def test_export_defuses_formulas_in_program_titles_and_keeps_accents(client, carol, town):
    town.coffee.title = '=HYPERLINK("http://evil.example","Click")'
    town.coffee.save()
    town.north.name = "Côte-des-Neiges"
    town.north.save()
    client.force_login(carol)

    programs = read_csv(
        client.get(reverse("dashboard:export", args=["drill-participations"]), MARCH_QUERY)
    )
    titles = [row[0] for row in programs[1:]]
    assert '\'=HYPERLINK("http://evil.example","Click")' in titles
    assert not any(title.startswith("=") for title in titles)

    hoods = read_csv(
        client.get(reverse("dashboard:export", args=["reach-neighbourhoods"]), MARCH_QUERY)
    )
    assert "Côte-des-Neiges" in [row[0] for row in hoods[1:]]


@pytest.mark.django_db
def test_a_negative_change_stays_a_number(client, carol, town):
    client.force_login(carol)
    # 21 March to 10 April (sensitive 50, April 15) against 28 February to 20 March
    # (coffee 17 + 13, survey 4, internal 40, academy 38): fewer participations.
    response = client.get(
        reverse("dashboard:export", args=["overview"]), {"start": "2025-03-21", "end": "2025-04-10"}
    )
    row = {r[0]: r for r in read_csv(response)[1:]}["Participations"]
    assert row[2:4] == ["65", "112"]
    assert row[4:6] == ["-47", "-42.0"]  # plain numbers: not quoted


@pytest.mark.django_db
def test_suppressed_figures_export_as_less_than_ten(client, carol, town):
    client.force_login(carol)
    rows = read_csv(
        client.get(reverse("dashboard:export", args=["participation-by-kind"]), MARCH_QUERY)
    )
    kinds = {row[0]: row for row in rows[1:]}
    assert kinds["Answered a survey"][2] == "<10"
    assert "4" not in kinds["Answered a survey"][1:]


@pytest.mark.django_db
def test_every_registered_table_exports(client, carol, town):
    client.force_login(carol)
    for name in tables():
        response = client.get(reverse("dashboard:export", args=[name]), MARCH_QUERY)
        assert response.status_code == 200, name
        assert read_csv(response)[0], name


@pytest.mark.django_db
def test_an_unknown_table_is_404(client, carol):
    client.force_login(carol)
    assert client.get(reverse("dashboard:export", args=["residents"])).status_code == 404


@pytest.mark.django_db
def test_bad_filters_export_the_default_period_not_an_error(client, carol, town):
    client.force_login(carol)
    response = client.get(
        reverse("dashboard:export", args=["overview"]),
        {"start": "0001-01-01", "end": "not-a-date", "tier": "99", "neighbourhood": "x"},
    )
    assert response.status_code == 200
    assert read_csv(response)[0][0] == "Figure"


# --- Permissions on the command outputs --------------------------------------------------------

COMMAND_OUTPUTS = [("dashboard:export", ["overview"]), ("dashboard:report", [])]


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", COMMAND_OUTPUTS)
def test_anonymous_visitors_are_sent_to_log_in(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", COMMAND_OUTPUTS)
@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_program_staff_and_residents_are_refused(db, client, request, persona, name, args):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name, args=args)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", COMMAND_OUTPUTS)
@pytest.mark.parametrize("persona", ["carol", "root"])
def test_command_staff_and_administrators_get_them(db, client, request, persona, name, args):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name, args=args)).status_code == 200


# --- The monthly report ----------------------------------------------------------------------


def test_months_are_parsed_strictly():
    assert selectors_report.parse_month("2025-03", TODAY) == MARCH
    assert selectors_report.parse_month("2025-04", TODAY) == date(2025, 4, 1)  # begun
    for bad in ("2025-05", "2025-13", "2025-00", "25-03", "0001-01", "2025-3", "", None, "x"):
        assert selectors_report.parse_month(bad, TODAY) is None, bad
    assert selectors_report.last_full_month(TODAY) == MARCH
    assert selectors_report.last_full_month(date(2025, 1, 1)) == date(2024, 12, 1)


@pytest.mark.django_db
def test_the_report_compares_last_month_with_the_month_before(town):
    report = selectors_report.monthly_report(MARCH, today=TODAY)

    assert report.scope == Scope(start=MARCH, end=date(2025, 3, 31))
    assert report.previous_month == FEBRUARY
    assert not report.partial
    participations = report.metric("participations")
    assert participations.figure.value == 162
    assert participations.previous.value == 20  # February, the calendar month
    assert str(participations.change) == "+142 (+710.0%)"
    # Unique residents are the identified people: 12 + 3 + 25 + 11 + 2 + 4 + 40 + 50.
    assert report.metric("residents").figure.value == 147
    assert report.metric("events").figure.value == 5
    assert report.metric("survey-responses").figure.suppressed
    assert report.metric("survey-responses").change is None


@pytest.mark.django_db
def test_the_report_has_participation_by_tier(town):
    report = selectors_report.monthly_report(MARCH, today=TODAY)
    by_tier = {block.row.tier.number: block.row for block in report.tiers}

    assert by_tier[1].people.suppressed  # four survey responses
    # 162 in all - 70 - 88 would give tier 1's four back: 70, the smallest, goes with it.
    assert by_tier[2].people.suppressed  # coffee 30 + internal 40
    assert by_tier[3].people.value == 88  # academy 38 + sensitive 50
    assert by_tier[4].people.value == 0 and not by_tier[4].active
    assert [bar.label for bar in report.tier_chart.bars][0].startswith("1.")


@pytest.mark.django_db
def test_the_report_ranks_neighbourhoods_and_gives_the_score(town):
    report = selectors_report.monthly_report(MARCH, today=TODAY)

    # Per 1,000: Eastside 75/2 = 37.5, Northside 63/10 = 6.3, Southside 14/5 = 2.8.
    assert [row.label for row in report.top] == ["Eastside", "Northside"]
    assert [row.label for row in report.lowest] == ["Southside"]
    assert report.top[0].rate.value == pytest.approx(37.5)
    assert report.lowest[0].rate.value == pytest.approx(2.8)
    assert report.score.value == pytest.approx(2.8 / 37.5)
    assert str(report.score) == "0.07"
    # February: only Northside took part, so the lowest rate is 0.
    assert report.previous_score.value == 0
    assert report.score_change_text == "+0.07"


def test_top_and_lowest_never_list_a_neighbourhood_twice():
    @dataclass
    class Row:
        label: str
        rate: object = Figure(1.0, 10)
        kind: str = "neighbourhood"

    many = [Row(f"H{n:02d}") for n in range(12)]
    top, lowest = selectors_report._top_and_lowest(many)
    assert [r.label for r in top] == ["H00", "H01", "H02", "H03", "H04"]
    assert [r.label for r in lowest] == ["H11", "H10", "H09", "H08", "H07"]
    few = [Row("A"), Row("city", kind="city"), Row("B"), Row("C"), Row("D", rate=None)]
    top, lowest = selectors_report._top_and_lowest(few)
    assert [r.label for r in top] == ["A", "B"] and [r.label for r in lowest] == ["C"]


@pytest.mark.django_db
def test_the_report_page_shows_last_month_by_default(client, carol, town):
    client.force_login(carol)
    response = client.get(reverse("dashboard:report"))

    assert response.status_code == 200
    text = page_text(response)
    assert "Community engagement: March 2025" in text
    assert "compared with February 2025" in text
    assert "Participations 162 20 ▲ +142 (+710.0%)" in text
    assert "Unique residents reached 147 20 ▲ +127 (+635.0%)" in text
    assert "Survey responses fewer than 10 0 — no comparison" in text
    assert "Events held 5 1 ▲ +4 (+400.0%)" in text
    # The 15 who walked in are also the walked-in kind, withheld with the 4 survey
    # responses (162 less the others would give the 4 back).
    assert "Walk-ins fewer than 10 0 — no comparison" in text
    assert "1. Information sharing fewer than 10 fewer than 10 0 1" in text
    assert "2. In-person interactions fewer than 10 55 3 2" in text
    assert "Eastside 2,000 75 37.5 Northside 10,000 63 6.3" in text
    assert "Southside 5,000 14 2.8" in text
    assert "Representation score 0.07 (+0.07 from 0.00 the month before)" in text
    assert "Recommendations received 0 0 ■ ±0" in text
    assert "Overdue now 0 (as of today) — not compared — no comparison" in text
    # Recommendations and personnel are in their own section, not twice.
    assert text.count("Recommendations received") == 1
    html = response.content.decode()
    assert "data-print hidden" in html and "js/print.js" in html
    assert "css/report-print.css" in html
    assert 'name="month" value="2025-03"' in html
    assert "?month=2025-02" in html and "?month=2025-04" in html


@pytest.mark.django_db
def test_the_report_page_shows_another_month(client, carol, town):
    client.force_login(carol)
    text = page_text(client.get(reverse("dashboard:report"), {"month": "2025-02"}))
    assert "Community engagement: February 2025" in text
    assert "compared with January 2025" in text


@pytest.mark.django_db
def test_the_current_month_is_marked_as_not_over(client, carol, town):
    client.force_login(carol)
    text = page_text(client.get(reverse("dashboard:report"), {"month": "2025-04"}))
    assert "This month is not over yet" in text


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2025-13", "2026-01", "March", "0001-01", "2025-03'--", "x" * 500])
def test_a_bad_month_shows_last_month_with_a_warning(client, carol, town, bad):
    client.force_login(carol)
    response = client.get(reverse("dashboard:report"), {"month": bad})
    assert response.status_code == 200
    text = page_text(response)
    assert "Community engagement: March 2025" in text
    assert "is not a month that has begun; showing 2025-03 instead" in text


@pytest.mark.django_db
def test_the_report_links_to_its_csv_tables(client, carol, town):
    client.force_login(carol)
    html = client.get(reverse("dashboard:report")).content.decode()
    query = "start=2025-03-01&amp;end=2025-03-31"
    for table in ("monthly-report", "spectrum-tiers", "reach-neighbourhoods"):
        assert f"{reverse('dashboard:export', args=[table])}?{query}" in html

    rows = read_csv(client.get(reverse("dashboard:export", args=["monthly-report"]), MARCH_QUERY))
    by_label = {row[0]: row for row in rows[1:]}
    assert by_label["Participations"][2:7] == ["2025-03", "162", "20", "+142", "710.0"]
    assert by_label["Survey responses"][3] == "<10"
    assert by_label["Representation score"][3:5] == ["0.075", "0.000"]


def _report_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(45):
        assert client.get(reverse("dashboard:report")).status_code == 200


@pytest.mark.django_db
def test_the_report_costs_the_same_queries_on_small_and_larger_data(
    client, carol, alice, frozen, django_assert_max_num_queries
):
    harbour(alice)
    client.force_login(carol)
    _report_queries(client, django_assert_max_num_queries)
    harbour(alice, scale=3)  # four times the people, twice the programs and events
    for extra in range(5):
        NeighbourhoodFactory(population=1000 + extra)
    _report_queries(client, django_assert_max_num_queries)


# --- Open data ------------------------------------------------------------------------------


def _csv_cells(response) -> dict[tuple, dict]:
    rows = read_csv(response)
    assert rows[0] == [name for name, _help in selectors_opendata.FIELDS]
    return {(r[0], r[1], r[3]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}


@pytest.mark.django_db
def test_open_data_csv_has_month_tier_neighbourhood_cells(client, town):
    response = client.get(reverse("dashboard:open-data-file", args=["csv"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    cells = _csv_cells(response)
    assert set(cells) == {
        ("2025-02", "2", "north"),
        ("2025-03", "1", "north"),
        ("2025-03", "2", "north"),
        ("2025-03", "2", "south"),
        ("2025-03", "2", ""),
        ("2025-03", "3", "east"),
        ("2025-03", "3", "south"),
        ("2025-03", "3", "north"),
    }
    assert cells[("2025-02", "2", "north")] | {} == {
        "month": "2025-02",
        "tier": "2",
        "tier_name": cells[("2025-02", "2", "north")]["tier_name"],
        "neighbourhood_code": "north",
        "neighbourhood": "Northside",
        "people": "20",
        "participations": "20",
        "residents": "20",
    }
    assert cells[("2025-03", "2", "")]["neighbourhood"] == "Not recorded"


@pytest.mark.django_db
def test_open_data_withholds_small_counts_and_the_counts_that_would_reveal_them(client, town):
    cells = _csv_cells(client.get(reverse("dashboard:open-data-file", args=["csv"])))

    def measures(month, tier, code):
        row = cells[(month, tier, code)]
        return row["people"], row["participations"], row["residents"]

    # March, tier 2 (coffee): Northside 17 people (12 residents), Southside 3, not recorded 10.
    # Southside is under 10; the smallest other, "not recorded" (10), is withheld with it so
    # the month's total (30, on the page) minus Northside gives nothing away.
    assert measures("2025-03", "2", "south") == ("<10", "<10", "<10")
    assert measures("2025-03", "2", "") == ("<10", "<10", "0")
    assert measures("2025-03", "2", "north") == ("17", "13", "<10")  # residents: 12 with 3
    # March, tier 3 (academy): Eastside 25, Southside 11, Northside 2.
    assert measures("2025-03", "3", "north") == ("<10", "<10", "<10")
    assert measures("2025-03", "3", "south") == ("<10", "<10", "<10")
    assert measures("2025-03", "3", "east") == ("25", "25", "25")
    # March, tier 1: four survey answers, alone in their tier.
    assert measures("2025-03", "1", "north") == ("<10", "<10", "<10")


@pytest.mark.django_db
def test_open_data_leaves_out_internal_and_sensitive_programs_and_unfinished_months(client, town):
    cells = _csv_cells(client.get(reverse("dashboard:open-data-file", args=["csv"])))

    # Without the wellness walk (40 Northside) and the diversion circle (50 Eastside).
    assert cells[("2025-03", "2", "north")]["people"] == "17"
    assert cells[("2025-03", "3", "east")]["people"] == "25"
    assert not any(month == "2025-04" for month, _tier, _code in cells)
    data = selectors_opendata.open_data(today=TODAY)
    assert sum(c.true["people"] for c in data.cells) == 20 + 30 + 38 + 4


@pytest.mark.django_db
def test_drafts_are_left_out_of_open_data(town):
    Program.objects.filter(pk=town.academy.pk).update(status=Program.Status.DRAFT)
    data = selectors_opendata.open_data(today=TODAY)
    assert not any(c.tier == 3 for c in data.cells)


@pytest.mark.django_db
def test_open_data_json_has_a_stable_shape(client, town):
    response = client.get(reverse("dashboard:open-data-file", args=["json"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    assert set(document) == {
        "schema_version",
        "title",
        "publisher",
        "licence",
        "source",
        "first_month",
        "last_month",
        "suppression",
        "fields",
        "rows",
    }
    assert document["schema_version"] == 1
    assert document["licence"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert (document["first_month"], document["last_month"]) == ("2025-02", "2025-03")
    assert document["suppression"]["threshold"] == 10
    assert [f["name"] for f in document["fields"]] == [
        "month",
        "tier",
        "tier_name",
        "neighbourhood_code",
        "neighbourhood",
        "people",
        "participations",
        "residents",
    ]
    assert document["source"].endswith(reverse("dashboard:open-data"))
    for row in document["rows"]:
        assert list(row) == [f["name"] for f in document["fields"]]
        assert isinstance(row["tier"], int)
        for measure in ("people", "participations", "residents"):
            assert set(row[measure]) == {"value", "suppressed"}
            assert (row[measure]["value"] is None) == row[measure]["suppressed"]
    rows = {(r["month"], r["tier"], r["neighbourhood_code"]): r for r in document["rows"]}
    assert rows[("2025-03", 2, "south")]["people"] == {"value": None, "suppressed": True}
    assert rows[("2025-03", 2, None)]["neighbourhood"] == "Not recorded"
    assert rows[("2025-03", 3, "east")]["people"] == {"value": 25, "suppressed": False}


@pytest.mark.django_db
def test_open_data_contains_no_personal_data(client, town, alice):
    outputs = [
        client.get(reverse("dashboard:open-data")).content.decode(),
        client.get(reverse("dashboard:open-data-file", args=["csv"])).content.decode(),
        client.get(reverse("dashboard:open-data-file", args=["json"])).content.decode(),
    ]
    outputs[2] = json.dumps(json.loads(outputs[2]), ensure_ascii=False)
    assert len(town.residents) == 12 + 3 + 38 + 4 + 40 + 50 + 20 + 15
    forbidden = [alice.full_name, alice.email]
    for resident in town.residents:
        forbidden += [resident.name, resident.email, resident.phone, resident.phone_normalised]
    forbidden += [program.title for program in town.programs]
    forbidden += [program.owner.full_name for program in town.programs]
    for output in outputs:
        lowered = output.lower()
        leaks = [value for value in forbidden if value and value.lower() in lowered]
        assert not leaks, leaks
    # No field can carry an id: the JSON rows have only the published keys.
    document = json.loads(outputs[2])
    keys = {key for row in document["rows"] for key in row}
    assert keys == {name for name, _help in selectors_opendata.FIELDS}


@pytest.mark.django_db
def test_open_data_files_can_be_cached_by_anyone_for_an_hour(client, town):
    response = client.get(reverse("dashboard:open-data-file", args=["csv"]))

    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=3600"}
    assert response["ETag"]
    assert response["Access-Control-Allow-Origin"] == "*"
    again = client.get(
        reverse("dashboard:open-data-file", args=["csv"]), HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304
    assert not again.content


@pytest.mark.django_db
def test_open_data_files_are_the_same_in_every_language(client, town):
    english = client.get(reverse("dashboard:open-data-file", args=["json"])).content
    client.cookies["django_language"] = "es"
    spanish = client.get(
        reverse("dashboard:open-data-file", args=["json"]), HTTP_ACCEPT_LANGUAGE="es"
    ).content
    assert english == spanish


@pytest.mark.django_db
def test_an_unknown_open_data_format_is_404(client):
    for fmt in ("xml", "CSV", "json.exe"):
        assert client.get(reverse("dashboard:open-data-file", args=[fmt])).status_code == 404


@pytest.mark.django_db
def test_open_data_is_read_only(client):
    assert client.post(reverse("dashboard:open-data")).status_code == 405
    assert client.post(reverse("dashboard:open-data-file", args=["csv"])).status_code == 405


@pytest.mark.django_db
def test_the_open_data_page_explains_and_shows_the_last_12_months(client, town):
    response = client.get(reverse("dashboard:open-data"))

    assert response.status_code == 200
    text = page_text(response)
    assert "Open data: community participation" in text
    assert "Creative Commons Attribution 4.0 International licence (CC BY 4.0)" in text
    assert "The agency may change the licence" in text
    # Newest month first; tiers 1 to 5; public programs only.
    assert "March 2025 fewer than 10 30 38 0 0" in text
    assert "February 2025 0 20 0 0 0" in text
    assert "April 2025" not in text
    assert text.count(" 2025 ") + text.count(" 2024 ") >= 12
    html = response.content.decode()
    assert reverse("dashboard:open-data-file", args=["csv"]) in html
    assert reverse("dashboard:open-data-file", args=["json"]) in html
    for name, _help in selectors_opendata.FIELDS:
        assert f"<code>{name}</code>" in html
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"private", "max-age=3600"}


@pytest.mark.django_db
def test_the_footer_links_to_open_data(client):
    html = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("dashboard:open-data")}"' in html


@pytest.mark.django_db
def test_open_data_with_nothing_published_yet(client, frozen):
    text = page_text(client.get(reverse("dashboard:open-data")))
    assert "Nothing has been published yet" in text
    document = json.loads(client.get(reverse("dashboard:open-data-file", args=["json"])).content)
    assert document["rows"] == [] and document["first_month"] is None
    rows = read_csv(client.get(reverse("dashboard:open-data-file", args=["csv"])))
    assert len(rows) == 1


@pytest.mark.django_db
def test_the_command_export_of_open_data_matches_the_public_file(client, carol, town):
    client.force_login(carol)
    exported = read_csv(
        client.get(
            reverse("dashboard:export", args=["open-data"]),
            {**MARCH_QUERY, "neighbourhood": town.south.pk},
        )
    )
    public = _csv_cells(client.get(reverse("dashboard:open-data-file", args=["csv"])))
    # Filtering to Southside must not show what the full file withholds.
    assert [row[3] for row in exported[1:]] == ["south", "south"]
    for row in exported[1:]:
        assert row[5:] == [public[(row[0], row[1], row[3])][m] for m in selectors_opendata.MEASURES]


def _open_data_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(reverse("dashboard:open-data")).status_code == 200
    for fmt in ("csv", "json"):
        with django_assert_max_num_queries(4):
            assert client.get(reverse("dashboard:open-data-file", args=[fmt])).status_code == 200


@pytest.mark.django_db
def test_open_data_costs_the_same_queries_on_small_and_larger_data(
    client, alice, frozen, django_assert_max_num_queries
):
    harbour(alice)
    _open_data_queries(client, django_assert_max_num_queries)
    harbour(alice, scale=3)
    _open_data_queries(client, django_assert_max_num_queries)


# --- Complementary suppression ------------------------------------------------------------


@pytest.mark.parametrize(
    "values, hidden",
    [
        ({"a": 50, "b": 20}, set()),  # nothing small: nothing withheld
        ({"a": 50, "b": 3}, {"a", "b"}),  # one small: the only other goes too
        ({"a": 50, "b": 3, "c": 12}, {"b", "c"}),  # the smallest other, 3 + 12 >= 10
        ({"a": 50, "b": 3, "c": 4, "d": 12}, {"b", "c", "d"}),  # 3 + 4 < 10: one more
        ({"a": 3, "b": 4, "c": 5}, {"a", "b", "c"}),
        ({"a": 3, "b": 0, "c": 40}, {"a", "c"}),  # zeros are shown and never picked
        ({"a": 4}, {"a"}),
    ],
)
def test_protect_withholds_enough_that_no_small_count_can_be_worked_out(values, hidden):
    assert privacy.withhold(values) == hidden


@pytest.mark.django_db
def test_open_data_page_table_is_protected_by_its_cells(town):
    """Every (month, tier) total on the page is either withheld, or its withheld cells are
    at least two and rest on 10 people or more together."""
    data = selectors_opendata.open_data(today=TODAY)
    for row in selectors_opendata.page_table(data):
        for tier, total in zip(data.tiers, row.people, strict=True):
            group = [c for c in data.cells if (c.month, c.tier) == (row.month, tier.number)]
            withheld = [c for c in group if "people" in c.hidden]
            if total.suppressed or not withheld:
                continue
            assert len(withheld) >= 2
            assert sum(c.true["people"] for c in withheld) >= 10


# --- Making sure fixtures above stay honest -------------------------------------------------


@pytest.mark.django_db
def test_the_hand_built_city_is_what_the_docstring_says(town):
    assert Event.objects.count() == 7
    assert Registration.objects.filter(status=Registration.Status.ATTENDED).count() == (
        len(town.residents) - 4
    )
