#!/usr/bin/env python
"""Benchmark: the staff results page of a survey with 100,000 responses to 10 questions.

    .venv/bin/python bench/survey_results.py [--responses 100000] [--runs 3]

Creates a scratch PostgreSQL database, one survey with 10 questions of mixed kinds (single
and multiple choice, agreement, rating, 0-10 scale, yes/no, number, neighbourhood, short and
long text), and --responses responses with an answer to every question, inserted in bulk
with SQL. Then, in production settings, loads the results page through Django's test client
logged in as the survey's owner: prints seconds per page (median of --runs, after one
warm-up load) and the number of queries, without filters, with one filter, with three
filters and with a free-text search. Also times the CSV export of every response.
"""

import argparse
import json
import time

import _harness as h

SETUP = """
from django.db import connection
from engagement_portal.accounts import roles
from engagement_portal.accounts.models import Neighbourhood
from surveys.models import Choice, Question, StandardItem, Survey
from tests.factories import StaffUserFactory

owner = StaffUserFactory(email="owner@example.org", role=roles.PROGRAM_STAFF)
hoods = [Neighbourhood.objects.create(name=f"Area {i}", code=f"a{i}", population=5000)
         for i in range(12)]
survey = Survey.objects.create(owner=owner, title={"en": "Bench"}, languages=["en", "es"],
                               status=Survey.Status.OPEN)
trust = StandardItem.objects.get(key="trust-neighbourhood")
kinds = ["single", "multiple", "agreement", "rating", "scale", "yes_no", "number",
         "neighbourhood", "short_text", "long_text"]
SCALES = {"agreement": (1, 5), "rating": (1, 5), "scale": (0, 10), "yes_no": (0, 1),
          "number": (0, 120)}
with connection.cursor() as cur:
    cur.execute(
        "INSERT INTO surveys_response (id, survey_id, language, source, submitted_on, "
        "neighbourhood_id) SELECT gen_random_uuid(), %(s)s, "
        "CASE WHEN random() < 0.3 THEN 'es' ELSE 'en' END, "
        "(ARRAY['web','kiosk','paper','invitation'])[1 + floor(random() * 4)::int], "
        "DATE '2025-01-01' + floor(random() * 420)::int, "
        "(%(hoods)s::int[])[1 + floor(random() * 12)::int] FROM generate_series(1, %(n)s)",
        {"s": survey.pk, "hoods": [h.pk for h in hoods], "n": __N__},
    )
    for position, kind in enumerate(kinds, start=1):
        q = Question.objects.create(survey=survey, kind=kind, position=position,
                                    text={"en": f"Question {position}"},
                                    standard_item=trust if kind == "agreement" else None,
                                    demographic=kind == "single")
        choices = [Choice.objects.create(question=q, position=c, label={"en": f"Choice {c}"}).pk
                   for c in range(5 if kind in ("single", "multiple") else 0)]
        rows = ("(SELECT id, neighbourhood_id, random() AS x FROM surveys_response "
                "WHERE survey_id = %(s)s) r")
        if kind == "single":
            values = ("CASE WHEN r.x < 0.05 THEN NULL "
                      "ELSE (%(c)s::int[])[1 + floor(random() * 5)::int] END, NULL, '', r.x < 0.05")
        elif kind == "multiple":
            values = "c, NULL, '', false"
            rows += " CROSS JOIN unnest(%(c)s::int[]) c WHERE random() < 0.4"
        elif kind == "neighbourhood":
            values = "NULL, r.neighbourhood_id, '', false"
        elif kind.endswith("_text"):
            values = "NULL, NULL, 'Street lighting and speeding ' || md5(random()::text), false"
        else:
            low, high = SCALES[kind]
            values = f"NULL, {low} + floor(random() * {high - low + 1})::int, '', false"
        cur.execute(
            "INSERT INTO surveys_answer (id, response_id, question_id, choice_id, number, text, "
            f"declined) SELECT gen_random_uuid(), r.id, %(q)s, {values} FROM {rows}",
            {"s": survey.pk, "q": q.pk, "c": choices},
        )
    cur.execute("ANALYZE")
print(survey.pk, owner.pk, hoods[0].pk)
"""

MEASURE = """
import json, statistics, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from surveys.models import Answer, Survey

survey = Survey.objects.get(pk={survey})
client = Client(HTTP_HOST="localhost")
client.force_login(survey.owner)
url = reverse("surveys:staff-results", args=[survey.pk])
text = survey.questions.get(kind="long_text").pk
cases = {{
    "no filter": {{}},
    "one filter (language)": {{"language": "es"}},
    "three filters": {{"language": "en", "neighbourhood": {hood}, "date_from": "2025-06-01"}},
    "free-text search": {{"answers": text, "q": "speeding"}},
}}
out = {{"answers": Answer.objects.filter(question__survey=survey).count(), "pages": {{}}}}
for name, params in cases.items():
    assert client.get(url, params).status_code == 200
    times = []
    for _ in range({runs}):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        assert b"results-chart" in response.content
    out["pages"][name] = [statistics.median(times), len(queries.captured_queries)]
start = time.perf_counter()
response = client.get(reverse("surveys:staff-results-csv", args=[survey.pk]))
rows = sum(chunk.count(b"\\n") for chunk in response.streaming_content) - 1
out["csv"] = [time.perf_counter() - start, rows]
print(json.dumps(out))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    url = h.scratch_database("bench_survey_results")
    env = h.production_env(url)
    h.manage(env, "migrate", "--noinput")
    h.manage(env, "collectstatic", "--noinput")
    start = time.monotonic()
    survey, _owner, hood = h.manage(
        env, "shell", "-c", SETUP.replace("__N__", str(args.responses)), capture=True
    ).split()[:3]
    print(f"created {args.responses:,} responses in {time.monotonic() - start:.1f} s")
    out = json.loads(
        h.manage(
            env,
            "shell",
            "-c",
            MEASURE.format(survey=survey, hood=hood, runs=args.runs),
            capture=True,
        )
    )
    print(f"{args.responses:,} responses, {out['answers']:,} answers, 10 questions")
    print(f"results page, median of {args.runs} loads after one warm-up:")
    for name, (seconds, queries) in out["pages"].items():
        print(f"  {name:<24} {seconds:6.3f} s/page  {queries:3d} queries")
    seconds, rows = out["csv"]
    print(f"CSV export: {rows:,} rows in {seconds:.2f} s")


if __name__ == "__main__":
    main()
