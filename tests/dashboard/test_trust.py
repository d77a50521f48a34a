"""Trust and satisfaction: means by month with confidence intervals worked out by hand,
suppression below 10 answers, neighbourhoods, before/after a program, anonymous answers
arriving when published in groups, CSV tables, query bounds, access and bad input."""

import itertools
import math
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from programs.dashboard.charts import TrendRow, trend_chart
from programs.dashboard.models import StandardAnswerMonth
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_trust import (
    TABLES,
    AnswerScale,
    Estimate,
    Sums,
    by_neighbourhood,
    comparable_programs,
    t_critical,
    trends,
    trust,
)
from programs.dashboard.services import rebuild, rebuild_standard_rollups
from programs.models import EngagementType
from surveys import services as survey_services
from surveys.models import Answer, Question, Response, StandardItem
from tests.ledger import summarise

from ..factories import NeighbourhoodFactory, ProgramFactory, SurveyFactory

pytestmark = pytest.mark.django_db

URL = "/command/dashboard/trust/"
SPRING = Scope(start=date(2025, 3, 1), end=date(2025, 6, 30))

# Student's t, 0.975 quantile, from a printed table.
T9, T19, T11, T14 = 2.262157, 2.093024, 2.200985, 2.144787


# --- Building data ------------------------------------------------------------------------


def item(key: str = "trust-neighbourhood") -> StandardItem:
    return StandardItem.objects.get(key=key)


def survey_for(*keys: str, program=None, mode: str = "identified", title: str = ""):
    survey = SurveyFactory(
        program=program, mode=mode, **({"title": {"en": title}} if title else {})
    )
    for position, key in enumerate(keys):
        Question.objects.create(
            survey=survey,
            kind=item(key).kind,
            text=item(key).text,
            standard_item=item(key),
            position=position,
        )
    return survey


def answer(survey, values: list[int], day: date, hood=None, key: str = "trust-neighbourhood"):
    """One response per value, from `hood`, on `day`, to the question asking `key`."""
    question = survey.questions.get(standard_item__key=key)
    responses = Response.objects.bulk_create(
        Response(survey=survey, language="en", source="web", submitted_on=day, neighbourhood=hood)
        for _value in values
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=question, number=value)
        for response, value in zip(responses, values, strict=True)
    )


def by_hand(values: list[int]) -> tuple[float, float, float]:
    """Mean and 95 % interval, the textbook way, from the list of answers."""
    n = len(values)
    mean = sum(values) / n
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    t = {10: T9, 20: T19, 12: T11, 15: T14}[n]
    return mean, mean - t * s / math.sqrt(n), mean + t * s / math.sqrt(n)


MARCH = [1, 2, 3, 4, 5] * 2  # mean 3, s² = 20/9
APRIL = [4] * 12 + [5] * 8  # mean 4.4, s² = 4.8/19
MAY = [5, 5, 4, 3, 2]  # fewer than 10


@pytest.fixture
def hoods():
    return (
        NeighbourhoodFactory(name="Riverside North", code="rn"),
        NeighbourhoodFactory(name="Hillcrest", code="hc"),
    )


@pytest.fixture
def spring(hoods):
    """One identified survey answered in March (10), April (20), May (5) and June (5).
    Two small months: with "All respondents" shown, one alone would be the total less
    the others, and March would have to be withheld with it."""
    north, hill = hoods
    survey = survey_for("trust-neighbourhood", "event-worthwhile")
    answer(survey, MARCH, date(2025, 3, 12), north)
    answer(survey, APRIL[:10], date(2025, 4, 2), north)
    answer(survey, APRIL[10:], date(2025, 4, 28), hill)
    answer(survey, MAY, date(2025, 5, 30), hill)
    answer(survey, MAY, date(2025, 6, 20), hill)
    answer(survey, [3] * 12, date(2025, 4, 9), north, key="event-worthwhile")
    rebuild()
    return survey


# --- Statistics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "df, table", [(9, 2.262), (14, 2.145), (19, 2.093), (29, 2.045), (99, 1.984), (10**6, 1.960)]
)
def test_t_critical_matches_the_printed_table(df, table):
    assert round(t_critical(df), 3) == table


def test_the_hand_computation_of_march_is_the_textbook_one():
    # 1..5 twice: mean 3, s = √(20/9) = 1.4907, se = 0.4714, half-width 2.2622 × 0.4714.
    mean, low, high = by_hand(MARCH)
    assert mean == 3
    assert round(math.sqrt(20 / 9), 4) == 1.4907
    assert round(low, 3) == 1.934 and round(high, 3) == 4.066


def test_an_estimate_from_sums_equals_the_one_from_the_answers():
    sums = Sums(n=20, total=sum(APRIL), total_sq=sum(v * v for v in APRIL), agree=20)
    estimate = Estimate.of(sums, AnswerScale.of(item()))
    mean, low, high = by_hand(APRIL)
    assert round(estimate.mean.value, 3) == round(mean, 3) == 4.4
    assert round(estimate.low.value, 3) == round(low, 3) == 4.165
    assert round(estimate.high.value, 3) == round(high, 3) == 4.635
    assert estimate.agree.value == 100


def test_intervals_stop_at_the_ends_of_the_scale():
    values = [5] * 9 + [4]
    sums = Sums(n=10, total=sum(values), total_sq=sum(v * v for v in values), agree=10)
    estimate = Estimate.of(sums, AnswerScale.of(item()))
    assert estimate.high.value == 5
    assert round(estimate.low.value, 3) == round(4.9 - T9 * math.sqrt(0.1 / 10), 3)
    same = Estimate.of(Sums(n=10, total=50, total_sq=250, agree=10), AnswerScale.of(item()))
    assert (same.low.value, same.mean.value, same.high.value) == (5, 5, 5)


def test_nine_answers_give_no_mean_and_no_interval():
    estimate = Estimate.of(Sums(n=9, total=27, total_sq=90, agree=3), AnswerScale.of(item()))
    assert estimate.suppressed
    assert [str(f) for f in (estimate.respondents, estimate.mean, estimate.low, estimate.high)] == [
        "fewer than 10"
    ] * 4
    assert str(estimate.agree) == "fewer than 10"


# --- By month -----------------------------------------------------------------------------


def test_trend_by_month_has_mean_interval_and_agree_checked_by_hand(spring):
    trend = next(t for t in trends(SPRING) if t.item.key == "trust-neighbourhood")
    months = {m.month: m.estimate for m in trend.months}
    assert list(months) == [date(2025, m, 1) for m in (3, 4, 5, 6)]
    for month, values in ((date(2025, 3, 1), MARCH), (date(2025, 4, 1), APRIL)):
        mean, low, high = by_hand(values)
        estimate = months[month]
        assert estimate.respondents.value == len(values)
        assert round(estimate.mean.value, 3) == round(mean, 3)
        assert round(estimate.low.value, 3) == round(low, 3)
        assert round(estimate.high.value, 3) == round(high, 3)
    assert months[date(2025, 3, 1)].agree.value == 40
    assert months[date(2025, 4, 1)].agree.value == 100
    may = months[date(2025, 5, 1)]
    assert may.suppressed and may.respondents.value is None and may.n == 5


def test_the_change_runs_from_the_first_to_the_last_month_shown(spring):
    trend = next(t for t in trends(SPRING) if t.item.key == "trust-neighbourhood")
    change = trend.change
    assert (change.first.month, change.last.month) == (date(2025, 3, 1), date(2025, 4, 1))
    assert round(change.verdict.difference.value, 3) == 1.4
    # [1.934, 4.066] and [4.165, 4.635] do not overlap.
    assert change.verdict.real is True
    assert "a real change" in change.sentence


def test_overlapping_intervals_are_within_the_margin_of_error(hoods):
    survey = survey_for("trust-neighbourhood")
    answer(survey, MARCH, date(2025, 3, 5))
    answer(survey, [2, 3, 4, 5, 5] * 2, date(2025, 4, 5))  # mean 3.8, interval overlaps
    rebuild()
    change = trends(SPRING)[0].change
    assert change.verdict.real is False
    assert "within the margin of error" in change.sentence


def test_one_month_with_figures_has_no_change(hoods):
    survey = survey_for("trust-neighbourhood")
    answer(survey, MARCH, date(2025, 3, 5))
    answer(survey, MAY, date(2025, 4, 5))
    rebuild()
    trend = trends(SPRING)[0]
    assert trend.change is None
    assert "no change to show" in trend.change_sentence


def test_months_overlapping_the_period_count_whole(spring):
    scope = Scope(start=date(2025, 3, 31), end=date(2025, 4, 1))
    trend = next(t for t in trends(scope) if t.item.key == "trust-neighbourhood")
    assert [(m.month, m.n) for m in trend.months] == [
        (date(2025, 3, 1), 10),
        (date(2025, 4, 1), 20),
    ]
    assert trends(Scope(start=date(2025, 7, 1), end=date(2025, 9, 30))) == []


def test_months_without_answers_inside_the_range_are_gaps(hoods):
    survey = survey_for("trust-neighbourhood")
    answer(survey, MARCH, date(2025, 3, 5))
    answer(survey, MARCH, date(2025, 6, 5))
    rebuild()
    trend = trends(SPRING)[0]
    assert [m.n for m in trend.months] == [10, 0, 0, 10]
    assert [p.shown for p in trend.chart.points] == [True, False, False, True]
    assert [p.gap for p in trend.chart.points] == ["", "none", "none", ""]
    assert len(trend.chart.lines) == 2 and trend.chart.bands == []


def test_filters_by_program_type_tier_and_neighbourhood(hoods):
    north, hill = hoods
    coffee = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="unstructured-engagement")
    )
    academy_type = EngagementType.objects.get(slug="citizen-police-academy")
    academy = ProgramFactory(engagement_type=academy_type)
    answer(survey_for("trust-neighbourhood", program=coffee), [5] * 10, date(2025, 3, 3), north)
    answer(survey_for("trust-neighbourhood", program=academy), [1] * 10, date(2025, 3, 3), hill)
    answer(survey_for("trust-neighbourhood"), [3] * 10, date(2025, 3, 3), hill)
    rebuild()

    def mean(scope):
        (trend,) = trends(scope)
        return trend.months[0].estimate.mean.value, trend.months[0].n

    assert mean(SPRING) == (3, 30)
    assert mean(Scope(SPRING.start, SPRING.end, program=coffee)) == (5, 10)
    assert mean(Scope(SPRING.start, SPRING.end, engagement_type=academy_type)) == (1, 10)
    assert mean(Scope(SPRING.start, SPRING.end, tier=academy_type.tier)) == (1, 10)
    assert mean(Scope(SPRING.start, SPRING.end, neighbourhood=north)) == (5, 10)
    assert mean(Scope(SPRING.start, SPRING.end, neighbourhood=hill)) == (2, 20)


def test_page_shows_the_figures_and_hides_small_months(client, carol, spring):
    client.force_login(carol)
    query = {"start": "2025-03-01", "end": "2025-06-30"}
    response = client.get(URL, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trust is counted by calendar month" in html
    assert "March 2025 to June 2025" in html
    # March: 3.00 [1.93, 4.07]; April: 4.40 [4.17, 4.64] (4.165 → 4.17 is the float's rounding),
    # in the chart's text summary.
    for text in ("3.00", "1.93", "4.07", "4.40", "4.64"):
        assert text in html, text
    assert (
        "From March 2025 to April 2025 the mean went from 3.00 to 4.40 (+1.40). "
        "That is a real change" in html
    )
    assert "fewer than 10" in html
    assert "May 2025: fewer than 10 answers" in html  # the chart's text summary
    assert 'role="img" aria-label="Mean by month for “I trust the police' in html
    # May's five answers show no mean anywhere: the only 5-answer figure is the count hidden.
    assert "3.80" not in html  # May: five answers, mean 19 / 5, never shown

    # The table by month, % agree included, is on the question's page the chart links to.
    question = reverse("dashboard:trust-question", args=["trust-neighbourhood"])
    assert f'href="{question}?start=2025-03-01&amp;end=2025-06-30#months"' in html
    detail = client.get(question, query).content.decode()
    for text in ("3.00", "1.93", "4.07", "4.40", "4.64", "40 %", "100 %"):
        assert text in detail, text
    assert "March 2025" in detail and "June 2025" in detail
    assert "3.80" not in detail


def test_csv_table_of_the_monthly_figures_suppresses_small_months(spring):
    headers, rows = TABLES["trust-trends"](SPRING)
    assert headers[:3] == ["Question key", "Question", "Month"]
    trust_rows = [row for row in rows if row[0] == "trust-neighbourhood"]
    exported = [
        [cell.export() if hasattr(cell, "export") else cell for cell in row[2:]]
        for row in trust_rows
    ]
    assert exported == [
        ["2025-03", "10", "3.0", "1.934", "4.066", "40.0"],
        ["2025-04", "20", "4.4", "4.165", "4.635", "100.0"],
        ["2025-05", "<10", "<10", "<10", "<10", "<10"],
        ["2025-06", "<10", "<10", "<10", "<10", "<10"],
    ]
    rating = [row for row in rows if row[0] == "event-worthwhile"]
    assert [row[2] for row in rating] == ["2025-03", "2025-04", "2025-05", "2025-06"]
    assert rating[0][3].export() == "0" and rating[1][7] == ""  # no "% agree" for a rating


# --- By neighbourhood ---------------------------------------------------------------------


def test_neighbourhoods_get_figures_only_from_ten_answers(hoods):
    north, hill = hoods
    quiet = NeighbourhoodFactory(name="Mill District", code="md")
    survey = survey_for("trust-neighbourhood")
    answer(survey, MARCH, date(2025, 3, 5), north)
    answer(survey, [4] * 9, date(2025, 4, 5), hill)
    answer(survey, [2] * 3, date(2025, 4, 5), None)
    answer(survey, [5] * 6, date(2025, 3, 5), quiet)
    answer(survey, [5] * 6, date(2025, 5, 5), quiet)  # 12 over the period
    rebuild()
    (result,) = by_neighbourhood(SPRING)
    assert result.overall.estimate.n == 10 + 9 + 3 + 12
    assert [row.label for row in result.rows] == ["Mill District", "Riverside North"]
    riverside = result.rows[1].estimate
    mean, low, high = by_hand(MARCH)
    assert (round(riverside.low.value, 3), round(riverside.high.value, 3)) == (
        round(low, 3),
        round(high, 3),
    )
    assert result.rows[0].estimate.mean.value == 5
    assert [row.label for row in result.few] == ["Hillcrest", "Neighbourhood not given"]
    assert all(row.estimate.suppressed for row in result.few)

    headers, rows = TABLES["trust-neighbourhoods"](SPRING)
    exported = {
        row[2]: [c.export() if hasattr(c, "export") else c for c in row[3:]] for row in rows
    }
    assert exported["Riverside North"] == ["10", "3.0", "1.934", "4.066", "40.0"]
    assert exported["Hillcrest"] == ["<10", "<10", "<10", "<10", "<10"]
    assert exported["Neighbourhood not given"] == ["<10"] * 5
    assert exported["All respondents"][0] == "34"


def test_page_lists_small_neighbourhoods_without_figures(client, carol, hoods):
    north, hill = hoods
    survey = survey_for("trust-neighbourhood")
    answer(survey, [5] * 10, date(2025, 3, 5), north)
    answer(survey, [1] * 9, date(2025, 3, 5), hill)
    rebuild()
    client.force_login(carol)
    query = {"start": "2025-03-01", "end": "2025-03-31"}
    html = client.get(URL, query).content.decode()
    assert "1.00" not in html  # Hillcrest's mean
    question = reverse("dashboard:trust-question", args=["trust-neighbourhood"])
    assert f'href="{question}?start=2025-03-01&amp;end=2025-03-31#neighbourhoods"' in html
    html = client.get(question, query).content.decode()
    assert "Fewer than 10 answers:</span> Hillcrest" in html
    assert "1.00" not in html


# --- Before and after ---------------------------------------------------------------------


@pytest.fixture
def academy(hoods):
    """A citizen police academy with an intake survey in January and a graduation survey
    in April; a second program with one survey only."""
    program = ProgramFactory(
        title="Citizen Police Academy",
        engagement_type=EngagementType.objects.get(slug="citizen-police-academy"),
    )
    intake = survey_for(
        "trust-neighbourhood", "fair-treatment", "listens", program=program, title="Intake"
    )
    graduation = survey_for(
        "trust-neighbourhood", "fair-treatment", "informed", program=program, title="Graduation"
    )
    intake_values = [2, 3, 3, 4] * 3  # 12 answers, mean 3
    graduation_values = [4, 4, 5, 5, 5] * 3  # 15 answers, mean 4.6
    answer(intake, intake_values, date(2025, 1, 20), hoods[0])
    answer(graduation, graduation_values, date(2025, 4, 10), hoods[1])
    answer(intake, [3] * 12, date(2025, 1, 20), key="fair-treatment")
    answer(graduation, [4] * 8, date(2025, 4, 10), key="fair-treatment")  # fewer than 10
    answer(intake, [3] * 12, date(2025, 1, 20), key="listens")
    answer(graduation, [3] * 12, date(2025, 4, 10), key="informed")
    lonely = ProgramFactory(title="Coffee with a Cop")
    answer(survey_for("trust-neighbourhood", program=lonely), [4] * 10, date(2025, 2, 1))
    rebuild()
    return program, intake_values, graduation_values


WINTER_SPRING = Scope(start=date(2025, 1, 1), end=date(2025, 4, 30))


def test_only_programs_with_a_question_asked_twice_can_be_compared(academy):
    program, _i, _g = academy
    assert [c.pk for c in comparable_programs(WINTER_SPRING)] == [program.pk]
    # Without the intake in the period there is nothing to compare.
    assert comparable_programs(Scope(start=date(2025, 3, 1), end=date(2025, 4, 30))) == []


def test_before_and_after_compares_the_earliest_and_latest_survey(academy):
    program, intake_values, graduation_values = academy
    page = trust(WINTER_SPRING)
    assert page.program.pk == program.pk
    by_key = {c.item.key: c for c in page.comparisons}
    assert list(by_key) == ["trust-neighbourhood", "fair-treatment"]
    trust_item = by_key["trust-neighbourhood"]
    assert (trust_item.before.title, trust_item.after.title) == ("Intake", "Graduation")
    for side, values in ((trust_item.before, intake_values), (trust_item.after, graduation_values)):
        mean, low, high = by_hand(values)
        assert side.estimate.n == len(values)
        assert round(side.estimate.mean.value, 3) == round(mean, 3)
        assert round(side.estimate.low.value, 3) == round(low, 3)
        assert round(side.estimate.high.value, 3) == round(high, 3)
    assert round(trust_item.verdict.difference.value, 3) == 1.6
    assert trust_item.verdict.real is True
    fair = by_key["fair-treatment"]
    assert fair.after.estimate.suppressed and fair.verdict.real is None
    assert fair.verdict.difference.suppressed


def test_before_and_after_on_the_page_and_in_the_csv(client, carol, academy):
    program, _i, _g = academy
    client.force_login(carol)
    html = client.get(URL, {"start": "2025-01-01", "end": "2025-04-30"}).content.decode()
    assert "Change: +1.60. That is a real change: the two intervals do not overlap." in html
    assert "Not compared: fewer than 10 answers on one side." in html
    assert f'<option value="{program.pk}" selected>Citizen Police Academy</option>' in html
    assert (
        f"trust-before-after.csv?start=2025-01-01&amp;end=2025-04-30&amp;program={program.pk}"
        in html
    )

    headers, rows = TABLES["trust-before-after"](WINTER_SPRING)
    assert headers[0] == "Program" and headers[-2:] == ["Difference", "Verdict"]
    exported = [[c.export() if hasattr(c, "export") else c for c in row] for row in rows]
    intake_mean, intake_low, intake_high = by_hand([2, 3, 3, 4] * 3)
    assert exported[0][:2] == ["Citizen Police Academy", "trust-neighbourhood"]
    assert exported[0][3:11] == [
        "Intake",
        "2025-01",
        "2025-01",
        "12",
        "3.0",
        f"{intake_low:.3f}",
        f"{intake_high:.3f}",
        "25.0",  # 3 of 12 answered 4
    ]
    assert exported[0][-2:] == ["1.6", "a real change"]
    assert exported[1][1] == "fair-treatment"
    assert exported[1][14:19] == ["<10"] * 5 and exported[1][-2:] == ["<10", ""]


def test_the_scope_program_is_compared_even_if_it_cannot_be(client, carol, academy):
    lonely = ProgramFactory._meta.model.objects.get(title="Coffee with a Cop")
    client.force_login(carol)
    response = client.get(URL, {"start": "2025-01-01", "end": "2025-04-30", "program": lonely.pk})
    html = response.content.decode()
    assert "The surveys of Coffee with a Cop did not ask the same standard question twice" in html


def test_another_program_can_be_chosen_and_a_bad_choice_is_refused(client, carol, academy):
    program, _i, _g = academy
    other = ProgramFactory(title="Youth Academy")
    first = survey_for("trust-neighbourhood", program=other)
    second = survey_for("trust-neighbourhood", program=other)
    answer(first, [1] * 10, date(2025, 1, 2))
    answer(second, [2] * 10, date(2025, 1, 30))
    rebuild()
    client.force_login(carol)
    query = {"start": "2025-01-01", "end": "2025-04-30"}
    html = client.get(URL, {**query, "compare": other.pk}).content.decode()
    assert "Change: +1.00. That is a real change" in html
    for bad in ("abc", "999999", "-1", str(other.pk) + "x"):
        response = client.get(URL, {**query, "compare": bad})
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert "Change: +1.60." in response.content.decode()  # the default program


# --- Anonymity ----------------------------------------------------------------------------


def test_anonymous_answers_appear_only_once_published_in_a_group(client, carol, hoods):
    """A feature: an anonymous answer must not reach the summary in the transaction that
    stored it (its row would carry that transaction's id)."""
    today = timezone.localdate()
    survey = survey_for("trust-neighbourhood", mode="anonymous")
    question = survey.questions.get()
    for value in MARCH:
        cleaned = survey_services.CleanAnswers(
            answers=[{"question": question, "number": value}], neighbourhood=hoods[0]
        )
        survey_services.submit_response(
            survey=survey, cleaned=cleaned, language="en", source="web", today=today
        )
    scope = Scope(start=today - timedelta(days=5), end=today)
    summarise()
    assert not StandardAnswerMonth.objects.exists()
    assert trends(scope) == []
    client.force_login(carol)
    assert "No standard question was answered" in client.get(URL).content.decode()

    survey_services.release_held_responses()
    summarise()

    (trend,) = trends(scope)
    estimate = trend.months[-1].estimate
    assert (estimate.n, estimate.mean.value) == (10, 3)
    assert "No standard question was answered" not in client.get(URL).content.decode()


# --- Charts -------------------------------------------------------------------------------


def test_trend_chart_draws_bands_for_runs_and_gaps_with_a_label():
    rows = [
        TrendRow("Jan", 3.0, 2.5, 3.5, "a", tick="Jan", year="2025"),
        TrendRow("Feb", 3.2, 2.8, 3.6, "b", tick="Feb", year="2025"),
        TrendRow("Mar", None, None, None, "c", tick="Mar", year="2025", gap="<10"),
        TrendRow("Apr", 4.0, 3.0, 5.0, "d", tick="Apr", year="2025"),
    ]
    chart = trend_chart("Trust", rows, minimum=1, maximum=5)
    assert len(chart.lines) == 2 and len(chart.bands) == 1
    assert [p.gap for p in chart.points] == ["", "", "<10", ""]
    assert [p.year for p in chart.points] == ["2025", "", "", ""]
    assert [label for _y, label in chart.y_ticks] == ["1", "2", "3", "4", "5"]
    top = float(chart.points[3].y_high)
    assert top == chart.top  # 5.0 is the top of the plot
    assert chart.summary == "Trust: Jan: a; Feb: b; Mar: c; Apr: d"


def test_chart_coordinates_stay_numbers_in_spanish(client, carol, spring):
    """Spanish writes 4,5 for 4.5: no SVG coordinate may be localised."""
    client.force_login(carol)
    with translation.override("es"):
        html = client.get(
            URL, {"start": "2025-03-01", "end": "2025-06-30"}, HTTP_ACCEPT_LANGUAGE="es"
        ).content.decode()
    assert 'lang="es"' in html and "4,40" in html  # the table's numbers are Spanish
    for value in re.findall(r'\s(?:x|y|cx|cy|x1|x2|y1|y2)="([^"]*)"', html):
        float(value)
    for points in re.findall(r'points="([^"]*)"', html):
        for pair in points.split():
            x, y = pair.split(",")
            float(x), float(y)


# --- Query count --------------------------------------------------------------------------


def _summary_rows(months: int, hoods: int, programs: int) -> None:
    """Summary rows straight into the table: the page reads nothing else."""
    neighbourhoods = [NeighbourhoodFactory() for _ in range(hoods)]
    items = list(StandardItem.objects.all())
    rows = []
    for p in range(programs):
        program = ProgramFactory()
        surveys = [SurveyFactory(program=program) for _ in range(2)]
        for index, survey in enumerate(surveys):
            for month in range(months):
                for hood, it in itertools.product(neighbourhoods, items):
                    rows.append(
                        StandardAnswerMonth(
                            month=date(2024 + month // 12, month % 12 + 1, 1),
                            item=it,
                            survey=survey,
                            program=program,
                            neighbourhood=hood,
                            n=12 + index,
                            total=40 + p,
                            total_sq=150,
                            agree=6,
                        )
                    )
    StandardAnswerMonth.objects.bulk_create(rows)
    rebuild_standard_rollups()


@pytest.mark.parametrize("months, hoods, programs", [(1, 1, 1), (18, 6, 5)])
def test_page_query_count_does_not_grow_with_the_data(
    client, carol, months, hoods, programs, django_assert_max_num_queries
):
    _summary_rows(months, hoods, programs)
    client.force_login(carol)
    with django_assert_max_num_queries(15):
        response = client.get(URL, {"start": "2024-01-01", "end": "2025-06-30"})
    assert response.status_code == 200
    assert response.context["trust"].comparisons


@pytest.mark.parametrize("months, hoods, programs", [(1, 1, 1), (18, 6, 5)])
def test_question_page_query_count_does_not_grow_with_the_data(
    client, carol, months, hoods, programs, django_assert_max_num_queries
):
    _summary_rows(months, hoods, programs)
    client.force_login(carol)
    with django_assert_max_num_queries(11):
        response = client.get(
            reverse("dashboard:trust-question", args=["trust-neighbourhood"]),
            {"start": "2024-01-01", "end": "2025-06-30"},
        )
    assert response.status_code == 200
    assert len(response.context["detail"].trend.months) == months
    assert len(response.context["detail"].neighbourhoods.rows) == hoods


def test_the_page_has_as_many_table_rows_whatever_the_neighbourhoods(client, carol):
    """Every neighbourhood's figures are on the questions' pages: the trust page keeps a
    row per question, so a city with a hundred neighbourhoods stays a short page."""
    client.force_login(carol)
    query = {"start": "2024-01-01", "end": "2025-06-30"}
    _summary_rows(1, 2, 1)
    few = client.get(URL, query).content.decode().count("<tr")
    _summary_rows(1, 30, 1)
    many = client.get(URL, query).content.decode().count("<tr")
    assert few == many


def test_the_summary_names_the_lowest_and_highest_neighbourhood(client, carol, hoods):
    north, hill = hoods
    survey = survey_for("trust-neighbourhood")
    answer(survey, MARCH, date(2025, 3, 5), north)
    answer(survey, [4] * 12, date(2025, 3, 5), hill)
    answer(survey, [5] * 15, date(2025, 3, 5), NeighbourhoodFactory(name="Mill District"))
    rebuild()
    (result,) = by_neighbourhood(SPRING)
    assert (result.lowest, result.highest) == (
        ("Riverside North", "3.00"),
        ("Mill District", "5.00"),
    )
    client.force_login(carol)
    html = client.get(URL, {"start": "2025-03-01", "end": "2025-03-31"}).content.decode()
    assert 'Riverside North: <span class="fw-bold">3.00</span>' in html
    assert 'Mill District: <span class="fw-bold">5.00</span>' in html


def test_the_lowest_and_highest_are_of_the_neighbourhoods_shown(client, carol, hoods):
    north, hill = hoods
    survey = survey_for("trust-neighbourhood")
    answer(survey, MARCH, date(2025, 3, 5), north)
    answer(survey, [4] * 12, date(2025, 3, 5), hill)
    answer(survey, [5] * 15, date(2025, 3, 5), NeighbourhoodFactory(name="Mill District"))
    answer(survey, [1] * 3, date(2025, 3, 5), NeighbourhoodFactory(name="Old Town"))
    rebuild()
    # Old Town's three answers are hidden, and the smallest neighbourhood shown with them
    # (Riverside North), so that the total less the others does not give them back.
    (result,) = by_neighbourhood(SPRING)
    assert (result.lowest, result.highest) == (("Hillcrest", "4.00"), ("Mill District", "5.00"))
    client.force_login(carol)
    html = client.get(URL, {"start": "2025-03-01", "end": "2025-03-31"}).content.decode()
    assert 'Hillcrest: <span class="fw-bold">4.00</span>' in html
    assert "3.00" not in html and "Riverside North" not in html.split("neighbourhoods-heading")[1]


@pytest.mark.parametrize("key", ["no-such-question", "age-group"])
def test_a_question_page_needs_a_rating_question_of_the_bank(client, carol, spring, key):
    client.force_login(carol)
    assert client.get(reverse("dashboard:trust-question", args=[key])).status_code == 404


@pytest.mark.parametrize("months, hoods, programs", [(1, 1, 1), (18, 6, 5)])
def test_csv_tables_query_count_does_not_grow_with_the_data(
    months, hoods, programs, django_assert_max_num_queries
):
    _summary_rows(months, hoods, programs)
    scope = Scope(start=date(2024, 1, 1), end=date(2025, 6, 30))
    for name, table in TABLES.items():
        with django_assert_max_num_queries(3):
            headers, rows = table(scope)
        assert rows, name


# --- Access and bad input -----------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_program_staff_and_residents_are_refused(db, client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    question = reverse("dashboard:trust-question", args=["trust-neighbourhood"])
    assert client.get(question).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_from_a_question_page(client):
    response = client.get(reverse("dashboard:trust-question", args=["trust-neighbourhood"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["carol", "root"])
def test_command_staff_and_administrators_see_the_page(db, client, persona, request, spring):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("dashboard:trust"), {"start": "2025-03-01", "end": "2025-06-30"})
    assert response.status_code == 200
    assert response.context["trust"].trends


@pytest.mark.parametrize(
    "query",
    [
        "start=garbage&end=2025-13-45",
        "start=2025-06-30&end=2025-03-01",
        "program=abc&neighbourhood=-1&tier=9&type=x",
        "neighbourhood=999999",
        "start=0001-01-01&end=0001-03-01",
        "start=9999-11-01&end=9999-12-31",
        "start=1900-01-01&end=2025-06-30",
        "compare=&start=2025-03-01",
        "start=2025-03-01&end=2025-06-30&compare=1&compare=2",
    ],
)
def test_bad_filters_never_break_the_page(client, carol, spring, query):
    client.force_login(carol)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200


def test_a_far_future_period_draws_its_months_without_overflow(hoods):
    survey = survey_for("trust-neighbourhood")
    answer(survey, MARCH, date(9999, 12, 5))
    rebuild()
    (trend,) = trends(Scope(start=date(9999, 11, 1), end=date(9999, 12, 31)))
    assert [m.month for m in trend.months] == [date(9999, 12, 1)]


def test_one_neighbourhood_chosen_shows_it_alone_without_an_all_respondents_row(hoods):
    north, hill = hoods
    survey = survey_for("trust-neighbourhood")
    answer(survey, MARCH, date(2025, 3, 5), north)
    answer(survey, [4] * 12, date(2025, 3, 5), hill)
    rebuild()
    (result,) = by_neighbourhood(Scope(SPRING.start, SPRING.end, neighbourhood=hill))
    assert [row.label for row in result.table_rows] == ["Hillcrest"]
    _headers, rows = TABLES["trust-neighbourhoods"](
        Scope(SPRING.start, SPRING.end, neighbourhood=hill)
    )
    assert [row[2] for row in rows] == ["Hillcrest"]
    (everyone,) = by_neighbourhood(SPRING)
    assert [row.label for row in everyone.table_rows] == [
        "All respondents",
        "Hillcrest",
        "Riverside North",
    ]


def test_the_download_links_give_the_suppressed_csv(client, carol, spring, academy):
    client.force_login(carol)
    html = client.get(URL, {"start": "2025-01-01", "end": "2025-06-30"}).content.decode()
    links = re.findall(r'href="(/command/dashboard/export/trust-[a-z-]+\.csv\?[^"]*)"', html)
    assert [link.split("/")[-1].split(".")[0] for link in links] == [
        "trust-trends",
        "trust-neighbourhoods",
        "trust-before-after",
    ]
    files = {}
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        files[link.split("/")[-1].split(".")[0]] = response.content.decode("utf-8-sig")
    assert (
        "trust-neighbourhood,I trust the police who work in my neighbourhood.,2025-05,<10,<10"
        in (files["trust-trends"])
    )
    assert "2025-03,10,3.0,1.934,4.066,40.0" in files["trust-trends"]
    assert files["trust-neighbourhoods"].splitlines()[0] == (
        "Question key,Question,Neighbourhood,Respondents,Mean,95 % CI low,95 % CI high,Agree (%)"
    )
    # 40 in spring, 12 + 15 from the academy, 10 from Coffee with a Cop.
    assert ",All respondents,77," in files["trust-neighbourhoods"]
    assert "Citizen Police Academy,trust-neighbourhood" in files["trust-before-after"]
    assert "a real change" in files["trust-before-after"]
