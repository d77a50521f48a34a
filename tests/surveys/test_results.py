"""Survey results: counts per kind, filters, small-number suppression, free text, response
rates, CSV export, publishing, trends of the standard questions, access and query counts."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from engagement_portal.core.models import AuditLog
from surveys import results, services
from surveys.models import (
    Answer,
    Choice,
    Distribution,
    Invitation,
    Question,
    Response,
    StandardItem,
    Survey,
)
from tests.factories import NeighbourhoodFactory, ProgramFactory, ResidentFactory

TODAY = date(2026, 3, 10)


def make_survey(owner, *, kinds=None, languages=("en", "es"), **fields):
    survey = Survey.objects.create(
        owner=owner,
        title={"en": "Safety in Eastside", "es": "Seguridad en Eastside"},
        languages=list(languages),
        status=Survey.Status.OPEN,
        **fields,
    )
    for position, kind in enumerate(kinds or [], start=1):
        add_question(survey, kind, position)
    return survey


def add_question(survey, kind, position, **fields):
    question = Question.objects.create(
        survey=survey,
        kind=kind,
        position=position,
        text={"en": f"Question {kind} {position}", "es": f"Pregunta {kind} {position}"},
        **fields,
    )
    if kind in Question.CHOICE_KINDS:
        for n, word in enumerate(["Bus", "Car", "Walk"]):
            Choice.objects.create(
                question=question, position=n, label={"en": word, "es": f"{word}-es"}
            )
    return question


def questions(survey):
    return {q.kind: q for q in survey.questions.order_by("position")}


def submit(survey, raw, *, language="en", source="web", today=TODAY):
    """One response through the real cleaning and storing services."""
    cleaned = services.clean_answers(survey, {f"q{pk}": values for pk, values in raw.items()})
    assert cleaned.ok, cleaned.errors
    stored = services.submit_response(
        survey=survey, cleaned=cleaned, language=language, source=source, today=today
    )
    # What the commit of a real submission triggers (on_commit does not run in these tests):
    # anonymous answers are published once 10 of their kind are held.
    services.release_held_responses(survey_id=survey.pk)
    return stored


def bulk(survey, n, answers, **response_fields):
    """n responses straight into the tables (fast); answers(i) gives Answer kwargs."""
    fields = {"language": "en", "source": "web", "submitted_on": TODAY, **response_fields}
    rows = Response.objects.bulk_create(
        [Response(survey=survey, **fields) for _i in range(n)], batch_size=500
    )
    Answer.objects.bulk_create(
        [Answer(response=r, **kw) for i, r in enumerate(rows) for kw in answers(i)],
        batch_size=2000,
    )
    return rows


@pytest.fixture
def survey(alice):
    return make_survey(
        alice,
        kinds=["single", "multiple", "agreement", "yes_no", "number", "long_text"],
        program=ProgramFactory(owner=alice),
    )


def answer_all(survey, n_bus=10, n_car=10):
    q = questions(survey)
    bus, car, walk = q["single"].choices.all()
    a, b, _c = q["multiple"].choices.all()
    for i in range(n_bus + n_car):
        raw = {
            q["single"].pk: [str((bus if i < n_bus else car).pk)],
            q["multiple"].pk: [str(a.pk)] + ([str(b.pk)] if i % 2 else []),
            q["agreement"].pk: ["5" if i < 10 else "2"],
            q["yes_no"].pk: ["1" if i < 10 else "0"],
            q["number"].pk: [str(i + 1)],
            q["long_text"].pk: [f"Answer number {i} about lighting" if i % 3 else "More patrols"],
        }
        submit(survey, raw)


# --- Counts and percentages -----------------------------------------------------------------


def test_counts_percentages_and_summaries_for_each_kind(survey):
    answer_all(survey)
    data = results.survey_results(survey)
    by_kind = {r.kind: r for r in data.questions}
    assert data.total == 20 and not data.suppressed

    single = by_kind["single"]
    assert single.answered == 20
    assert [(c.label, c.count, c.percent) for c in single.cells] == [
        ("Bus", 10, 50.0),
        ("Car", 10, 50.0),
        ("Walk", 0, 0.0),  # nobody: shown, it describes no one
    ]
    multiple = by_kind["multiple"]
    assert multiple.answered == 20 and multiple.multiple
    assert [(c.count, c.percent) for c in multiple.cells] == [(20, 100.0), (10, 50.0), (0, 0.0)]

    agreement = by_kind["agreement"]
    assert [c.count for c in agreement.cells] == [0, 10, 0, 0, 10]
    assert [c.label for c in agreement.cells][0] == "Strongly disagree"
    assert agreement.mean == pytest.approx(3.5)
    assert agreement.agree_percent == pytest.approx(50.0)

    yes_no = by_kind["yes_no"]
    assert [(c.label, c.count, c.percent) for c in yes_no.cells] == [
        ("Yes", 10, 50.0),
        ("No", 10, 50.0),
    ]
    number = by_kind["number"]
    assert (number.mean, number.median, number.minimum, number.maximum) == (10.5, 10.5, 1, 20)
    assert by_kind["long_text"].answered == 20


def test_a_hidden_cell_that_the_total_would_reveal_hides_the_next_smallest_too(survey):
    answer_all(survey, n_bus=15, n_car=5)
    single = {r.kind: r for r in results.survey_results(survey).questions}["single"]
    assert [c.count for c in single.cells] == [None, None, 0]
    assert results.suppress([15, 5, 0]) == [None, None, 0]
    # 5 and 3 hidden together would rest on 8 people: 15 is withheld too.
    assert results.suppress([15, 5, 3]) == [None, None, None]
    assert results.suppress([40, 5, 12, 3]) == [40, None, None, None]
    # Two hidden cells that must be 1 and 1 count as recovered: the 12 goes with them.
    assert results.suppress([1, 1, 12, 30]) == [None, None, None, 30]
    assert results.suppress([15, 5], total_known=False) == [15, None]


def test_declined_answers_are_counted_as_prefer_not_to_say(alice):
    survey = make_survey(alice)
    question = add_question(survey, "single", 1, demographic=True)
    bus = question.choices.first()
    for i in range(20):
        submit(survey, {question.pk: [services.DECLINED if i < 10 else str(bus.pk)]})
    cells = results.survey_results(survey).questions[0].cells
    assert [(c.label, c.count, c.declined) for c in cells] == [
        ("Bus", 10, False),
        ("Car", 0, False),
        ("Walk", 0, False),
        ("Prefer not to say", 10, True),
    ]


def test_results_page_shows_chart_and_the_same_numbers_in_a_table(client, alice, survey):
    answer_all(survey)
    client.force_login(alice)
    page = client.get(reverse("surveys:staff-results", args=[survey.pk])).content.decode()
    assert page.count("<h1") == 1
    assert (
        'role="img"' in page and 'aria-label="Bar chart, Question single 1. Bus: 10 (50%)' in page
    )
    assert "<caption>Answers to question 1" in page
    assert '<th scope="row">Bus</th>' in page
    assert "fewer than 10" in page
    assert "style=" not in page.split("<main", 1)[1]
    assert "Mean score: 3.50" in page and "Agree or strongly agree: 50%" in page


# --- Fewer than 10 --------------------------------------------------------------------------


def test_held_responses_are_not_counted_and_staff_are_told_why(client, alice, survey):
    answer_all(survey, n_bus=5, n_car=4)  # 9 anonymous answers: held, not published
    assert results.survey_results(survey).total_shown == survey.responses.count() == 0
    client.force_login(alice)
    page = client.get(reverse("surveys:staff-results", args=[survey.pk])).content.decode()
    assert "published in groups of 10 to protect anonymity" in page
    answer_all(survey, n_bus=1, n_car=0)  # the tenth completes the group
    page = client.get(reverse("surveys:staff-results", args=[survey.pk])).content.decode()
    assert "published in groups of 10" not in page
    assert results.survey_results(survey).total_shown == 10


def test_fewer_than_10_responses_show_no_counts(client, alice, survey):
    single = questions(survey)["single"]
    bus = single.choices.first()
    bulk(survey, 9, lambda i: [{"question": single, "choice": bus}])
    data = results.survey_results(survey)
    assert data.suppressed and data.total_shown is None
    assert all(c.count is None for c in data.by_source + data.by_language)
    client.force_login(alice)
    page = client.get(reverse("surveys:staff-results", args=[survey.pk])).content.decode()
    assert "fewer than 10 responses so far" in page
    assert "results-chart" not in page and "Answer number" not in page


def test_filters_by_language_neighbourhood_source_and_date(client, alice, survey):
    q = questions(survey)
    bus, car, _walk = q["single"].choices.all()
    east, west = NeighbourhoodFactory(name="East"), NeighbourhoodFactory(name="West")

    def single(choice):
        return lambda i: [{"question": q["single"], "choice": choice}]

    bulk(survey, 15, single(bus), language="en", neighbourhood=east)
    bulk(survey, 12, single(car), language="es", neighbourhood=east, source="paper")
    bulk(survey, 4, single(car), language="es", neighbourhood=west, submitted_on=date(2026, 1, 5))

    def counts(**filters):
        data = results.survey_results(survey, filters=results.Filters(**filters))
        return data.matching, [c.count for c in data.questions[0].cells]

    assert counts() == (31, [15, 16, 0])
    assert counts(language="es") == (16, [0, 16, 0])
    assert counts(neighbourhood_id=east.pk) == (27, [15, 12, 0])
    assert counts(source="paper") == (12, [0, 12, 0])
    assert counts(date_to=date(2026, 2, 1))[0] == 4
    assert counts(date_from=date(2026, 2, 1), language="en") == (15, [15, 0, 0])

    narrow = results.survey_results(survey, filters=results.Filters(neighbourhood_id=west.pk))
    assert narrow.suppressed and narrow.questions[0].cells == []

    client.force_login(alice)
    url = reverse("surveys:staff-results", args=[survey.pk])
    page = client.get(url, {"neighbourhood": west.pk}).content.decode()
    assert "Fewer than 10 responses match these filters" in page
    assert "results-chart" not in page
    page = client.get(url, {"language": "es", "source": "paper"}).content.decode()
    assert '<th scope="row">Car</th>' in page and "results-chart" in page
    bad = client.get(url, {"date_from": "2026-03-01", "date_to": "2026-01-01"})
    assert bad.status_code == 200 and "must not be after" in bad.content.decode()


def test_free_text_is_searchable_and_hidden_below_10(client, alice, survey):
    q = questions(survey)["long_text"]
    bulk(survey, 30, lambda i: [{"question": q, "text": f"Lighting on street {i}"}])
    bulk(survey, 8, lambda i: [{"question": q, "text": "Speeding cars"}], language="es")
    client.force_login(alice)
    url = reverse("surveys:staff-results", args=[survey.pk])

    page = client.get(url).content.decode()
    assert page.count("Lighting on street") + page.count("Speeding cars") == results.TEXT_PREVIEW

    page = client.get(url, {"answers": q.pk, "q": "speeding"}).content.decode()
    assert "8 answers contain “speeding”" in page
    page = client.get(url, {"answers": q.pk, "q": "street 1"}).content.decode()
    assert "11 answers contain" in page  # 1, 10..19
    page = client.get(url, {"answers": q.pk, "page": 2}).content.decode()
    assert "38 answers" in page and "Page 2 of 2" in page

    hidden = client.get(url, {"language": "es", "answers": q.pk}).content.decode()
    assert "Speeding cars" not in hidden and "Fewer than 10 responses match" in hidden


def test_response_rate_per_distribution(client, alice, survey):
    big = Distribution.objects.create(survey=survey, audience="csv", created_by=alice)
    small = Distribution.objects.create(survey=survey, audience="csv", created_by=alice)
    statuses = ["sent"] * 36 + ["queued"] * 4 + ["failed"] * 3
    for n, status in enumerate(statuses):
        Invitation.objects.create(
            survey=survey,
            distribution=big,
            contact=f"a{n}@example.net",
            channel="email",
            language="en",
            token_hash=f"a{n:063d}",
            status=status,
            used=n < 12,
        )
    for n in range(20):
        Invitation.objects.create(
            survey=survey,
            distribution=small,
            contact=f"b{n}@example.net",
            channel="email",
            language="en",
            token_hash=f"b{n:063d}",
            status="sent",
            used=n < 3,
        )
    rates = results.distribution_rates(survey)
    assert [(r.sent, r.responded, r.rate) for r in rates] == [(40, 12, 30.0), (20, None, None)]
    client.force_login(alice)
    page = client.get(reverse("surveys:staff-results", args=[survey.pk])).content.decode()
    assert "30%" in page and "Response rate by distribution" in page


# --- CSV export -----------------------------------------------------------------------------


def read_csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_export_has_one_row_per_response_and_no_identity(client, alice):
    survey = make_survey(alice, mode=Survey.Mode.IDENTIFIED)
    single = add_question(survey, "single", 1)
    multiple = add_question(survey, "multiple", 2)
    agree = add_question(survey, "agreement", 3)
    text = add_question(survey, "short_text", 4)
    demo = add_question(survey, "yes_no", 5, demographic=True)
    bus, car, walk = single.choices.all()
    m_bus, m_car, _m_walk = multiple.choices.all()
    resident = ResidentFactory(name="Rosa Secret", email="rosa.secret@example.net")
    for i in range(12):
        response = submit(
            survey,
            {
                single.pk: [str(bus.pk)],
                multiple.pk: [str(m_bus.pk), str(m_car.pk)],
                agree.pk: ["4"],
                text.pk: ['=HYPERLINK("http://evil")' if i == 0 else "fine"],
                demo.pk: [services.DECLINED],
            },
        )
        Response.objects.filter(pk=response.pk).update(resident=resident)
    client.force_login(alice)
    response = client.get(reverse("surveys:staff-results-csv", args=[survey.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0][:4] == ["Submitted on", "Language", "Source", "Neighbourhood"]
    assert rows[0][4] == "1. Question single 1"
    assert len(rows) == 13
    body = rows[1:]
    assert {tuple(r[:3]) for r in body} == {("2026-03-10", "en", "Web link")}
    assert {r[4] for r in body} == {"Bus"}
    assert {r[5] for r in body} == {"Bus; Car"}
    assert {r[6] for r in body} == {"Agree"}
    assert {r[8] for r in body} == {"Prefer not to say"}
    assert '\'=HYPERLINK("http://evil")' in {r[7] for r in body}
    flat = str(rows)
    assert "Rosa" not in flat and "rosa.secret" not in flat and str(response) not in flat
    log = AuditLog.objects.get(action="export_survey_results")
    assert log.actor == alice and log.details == {"rows": 12}
    assert log.target == f"surveys.survey {survey.pk}"


def test_export_is_refused_below_10_responses(client, alice, survey):
    single = questions(survey)["single"]
    bulk(survey, 9, lambda i: [{"question": single, "choice": single.choices.first()}])
    client.force_login(alice)
    response = client.get(reverse("surveys:staff-results-csv", args=[survey.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("surveys:staff-results", args=[survey.pk])
    assert "fewer than 10 responses" in response.content.decode()
    assert not AuditLog.objects.filter(action="export_survey_results").exists()


# --- Publishing -----------------------------------------------------------------------------


def test_publish_and_unpublish_the_public_results_page(client, alice, survey):
    answer_all(survey)
    public_url = reverse("surveys:public-results", args=[survey.public_id])
    assert client.get(public_url).status_code == 404

    client.force_login(alice)
    publish_url = reverse("surveys:staff-publish", args=[survey.pk])
    assert client.get(publish_url).status_code == 405
    missing = client.post(publish_url, {"action": "publish", "summary_en": "We heard you."})
    assert missing.status_code == 400
    survey.refresh_from_db()
    assert not survey.results_published

    response = client.post(
        publish_url,
        {"action": "publish", "summary_en": "We heard you.", "summary_es": "Le escuchamos."},
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.results_published
    assert survey.results_summary == {"en": "We heard you.", "es": "Le escuchamos."}
    assert AuditLog.objects.filter(action="publish_survey_results").count() == 1

    client.logout()
    page = client.get(public_url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Le escuchamos." in page and "Seguridad en Eastside" in page
    assert "Bus-es" in page and 'role="img"' in page
    assert "lighting" not in page  # no written answers in public
    assert "Mean" not in page or "Smallest" not in page
    page = client.get(public_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "We heard you." in page and "fewer than 10" in page

    client.force_login(alice)
    client.post(publish_url, {"action": "unpublish"})
    survey.refresh_from_db()
    assert not survey.results_published and survey.results_summary["en"] == "We heard you."
    client.logout()
    assert client.get(public_url).status_code == 404


def test_public_page_of_a_survey_with_few_responses_shows_no_counts(client, alice, survey):
    answer_all(survey, n_bus=3, n_car=2)
    services.publish_results(survey=survey, summaries={"en": "Thanks", "es": "Gracias"}, user=alice)
    page = client.get(reverse("surveys:public-results", args=[survey.public_id])).content.decode()
    assert "Fewer than 10 people answered this survey" in page
    assert "results-chart" not in page


# --- Trends ---------------------------------------------------------------------------------


def test_trends_of_standard_questions_by_month_with_sample_sizes(client, alice, carol):
    item = StandardItem.objects.get(key="trust-neighbourhood")
    first, second = make_survey(alice), make_survey(alice)
    q1 = add_question(first, "agreement", 1, standard_item=item)
    q2 = add_question(second, "agreement", 1, standard_item=item)

    def agree(question, values):
        return lambda i: [{"question": question, "number": values[i]}]

    bulk(first, 8, agree(q1, [5] * 8), submitted_on=date(2026, 1, 12))
    bulk(second, 4, agree(q2, [1] * 4), submitted_on=date(2026, 1, 20))
    bulk(second, 6, agree(q2, [4] * 6), submitted_on=date(2026, 2, 3))
    bulk(first, 1, lambda i: [{"question": q1, "declined": True}], submitted_on=date(2026, 2, 4))

    trend = next(t for t in results.standard_item_trends() if t.item == item)
    assert trend.surveys == 2
    january, february = trend.months
    assert (january.month, january.n, january.n_shown) == (date(2026, 1, 1), 12, 12)
    assert january.mean == pytest.approx(44 / 12)
    assert january.agree_percent == pytest.approx(100 * 8 / 12)
    assert (february.n, february.n_shown, february.mean, february.agree_percent) == (
        6,
        None,
        None,
        None,
    )

    client.force_login(carol)
    response = client.get(reverse("surveys:staff-trends"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "January 2026" in page and "3.67" in page and "67%" in page
    assert "fewer than 10" in page and 'role="img"' in page
    assert "used in 2 surveys" in page


# --- Access ---------------------------------------------------------------------------------


def test_only_the_survey_managers_see_its_results(client, alice, bob, carol, dave, root, survey):
    answer_all(survey)
    urls = [
        reverse("surveys:staff-results", args=[survey.pk]),
        reverse("surveys:staff-results-csv", args=[survey.pk]),
    ]
    publish = reverse("surveys:staff-publish", args=[survey.pk])
    for url in [*urls, publish]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (bob, carol, dave):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(publish, {"action": "unpublish"}).status_code == 403
    for user in (alice, root):
        client.force_login(user)
        assert client.get(urls[0]).status_code == 200
    trends = reverse("surveys:staff-trends")
    for user, status in ((carol, 200), (bob, 200), (dave, 403)):
        client.force_login(user)
        assert client.get(trends).status_code == status


# --- Query counts ---------------------------------------------------------------------------

KINDS = ["single", "multiple", "agreement", "rating", "scale", "yes_no", "number", "long_text"]
QUERY_BUDGET = 18  # one of them: are responses waiting to be published?


def fill(survey, n_responses, n_questions, neighbourhood):
    made = []
    for position in range(n_questions):
        made.append(add_question(survey, KINDS[position % len(KINDS)], position + 1))
    choices = {q.pk: list(q.choices.all()) for q in made}

    def answers(i):
        for q in made:
            if q.kind in Question.CHOICE_KINDS:
                yield {"question": q, "choice": choices[q.pk][i % 3]}
            elif q.kind == "long_text":
                yield {"question": q, "text": f"text {i}"}
            else:
                low, high = services.SCALES.get(q.kind, (0, 100))
                yield {"question": q, "number": low + i % (high - low + 1)}

    bulk(survey, n_responses, lambda i: list(answers(i)), neighbourhood=neighbourhood)


@pytest.mark.parametrize("n_responses", [20, 500])
@pytest.mark.parametrize("n_questions", [3, 12])
def test_results_page_queries_do_not_grow_with_responses_or_questions(
    client, alice, django_assert_max_num_queries, n_responses, n_questions
):
    survey = make_survey(alice)
    east = NeighbourhoodFactory(name="East")
    fill(survey, n_responses, n_questions, east)
    Distribution.objects.create(survey=survey, audience="csv", created_by=alice)
    text = survey.questions.filter(kind="long_text").first()
    client.force_login(alice)
    url = reverse("surveys:staff-results", args=[survey.pk])
    for params in (
        {},
        {"language": "en", "neighbourhood": east.pk, "source": "web", "date_from": "2026-01-01"},
        {"answers": text.pk if text else "", "q": "1"},
    ):
        with django_assert_max_num_queries(QUERY_BUDGET):
            response = client.get(url, params)
        assert response.status_code == 200
        assert "results-chart" in response.content.decode()
