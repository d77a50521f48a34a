"""The filter bar's program: chosen by `?program=<pk>`, found by name, never listed whole.

A city has thousands of programs; the filter bar used to render every one of them as an
<option> on every dashboard page. Now it keeps the chosen program as a hidden value, shows
its name, and lists programs only after a search, at most ProgramFinder.MATCHES of them.
"""

import re

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.dashboard.scope import ProgramFinder, Scope, ScopeForm
from programs.models import EngagementType, Program

from ..factories import ProgramFactory

URL = reverse("dashboard:overview")


def _type(slug: str) -> EngagementType:
    return EngagementType.objects.get(slug=slug)


@pytest.fixture
def programs(db):
    coffee = _type("unstructured-engagement")
    town_hall = _type("town-hall-meetings")
    return {
        "coffee": ProgramFactory(title="Coffee on Main", engagement_type=coffee),
        "coffee_north": ProgramFactory(title="Coffee in the North", engagement_type=coffee),
        "town_hall": ProgramFactory(
            title="Town hall: coffee and questions", engagement_type=town_hall
        ),
        "draft": ProgramFactory(
            title="Coffee draft", engagement_type=coffee, status=Program.Status.DRAFT
        ),
    }


def page(client, carol, **params) -> str:
    client.force_login(carol)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_filter_bar_lists_no_programs(client, carol, programs):
    html = page(client, carol)
    assert "Coffee on Main" not in html
    assert 'name="program"' not in html  # nothing chosen, nothing carried
    assert "All programs" in html
    assert re.search(r'<input type="search" name="program_search"[^>]*id="id_program_search"', html)
    assert '<label class="form-label small mb-1" for="id_program_search">' in html


def test_a_chosen_program_is_named_and_kept_as_a_hidden_value(client, carol, programs):
    coffee = programs["coffee"]
    html = page(client, carol, program=coffee.pk, start="2025-01-01", end="2025-03-31")
    assert "<strong>Coffee on Main</strong>" in html
    assert f'<input type="hidden" name="program" value="{coffee.pk}">' in html
    # "Show all programs" keeps the period and drops the program.
    assert 'href="?start=2025-01-01&amp;end=2025-03-31">Show all programs</a>' in html
    # The other programs are still not listed.
    assert "Coffee in the North" not in html


def test_searching_lists_matching_programs_as_links_that_choose_them(client, carol, programs):
    html = page(client, carol, program_search="coffee", start="2025-01-01", end="2025-03-31")
    assert "Programs matching “coffee”" in html
    for key in ("coffee", "coffee_north", "town_hall"):
        program = programs[key]
        link = f"?start=2025-01-01&amp;end=2025-03-31&amp;program={program.pk}"
        assert f'<a href="{link}">{program.title}</a>' in html
    assert "Coffee draft" not in html  # drafts are not in the dashboards
    assert "Only the first" not in html


def test_every_word_must_match_and_case_does_not_matter(programs):
    finder = ProgramFinder.of(Scope.default(), "NORTH coffee")
    assert [m.title for m in finder.matches] == ["Coffee in the North"]


def test_the_search_stays_within_the_chosen_type(client, carol, programs):
    town_halls = _type("town-hall-meetings")
    html = page(client, carol, program_search="coffee", type=town_halls.pk)
    assert "Town hall: coffee and questions" in html
    assert "Coffee on Main" not in html


def test_a_search_without_matches_says_so(client, carol, programs):
    html = page(client, carol, program_search="zebra")
    assert "No program with that name in the chosen tier and type." in html


def test_many_matches_are_capped(db):
    coffee = _type("unstructured-engagement")
    for i in range(ProgramFinder.MATCHES + 5):
        ProgramFactory(title=f"Coffee {i:02d}", engagement_type=coffee)
    finder = ProgramFinder.of(Scope.default(), "coffee")
    assert len(finder.matches) == ProgramFinder.MATCHES and finder.more
    assert finder.matches[0].title == "Coffee 00"


def test_the_page_costs_the_same_queries_with_many_programs(client, carol, alice):
    client.force_login(carol)
    client.get(URL)  # warm up: sessions, content types
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    ProgramFactory.create_batch(
        300, owner=alice, title=factory.Sequence(lambda n: f"Many programs {n}")
    )
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(many) == len(few)
    assert "Many programs" not in response.content.decode()


def test_a_bad_program_is_ignored_with_a_message(client, carol, programs):
    html = page(client, carol, program="99999999")
    assert "Some filters could not be used" in html
    assert "All programs" in html
    assert 'name="program"' not in html


def test_the_form_still_turns_a_program_into_the_scope(programs):
    form = ScopeForm({"program": programs["coffee"].pk})
    assert form.scope().program == programs["coffee"]
    assert form.program_finder.term == ""
