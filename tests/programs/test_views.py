import re

import pytest
from django.urls import reverse

from programs.models import EngagementType, Program
from tests.factories import ProgramFactory, StaffUserFactory

from .conftest import INTENTION

pytestmark = pytest.mark.django_db

Status = Program.Status
CATALOGUE = reverse("programs:catalogue")
STAFF_LIST = reverse("programs:staff-list")
CREATE = reverse("programs:staff-create")
SPECTRUM = reverse("programs:spectrum")


def edit_url(program):
    return reverse("programs:staff-edit", args=[program.pk])


def status_url(program):
    return reverse("programs:staff-status", args=[program.pk])


def listed_titles(response):
    return [p.title for p in response.context["page"]]


def checked_values(html, name):
    values = set()
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and re.search(r"\schecked\b", tag):
            values.add(re.search(r'value="([^"]*)"', tag).group(1))
    return values


def selected_values(html, name):
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return set(re.findall(r'<option value="([^"]*)"[^>]*\sselected\b', select))


# --- Public pages ---------------------------------------------------------------------


def test_catalogue_works_without_an_account(client, program):
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    assert "Coffee on Main Street" in response.text
    for number in range(1, 6):
        assert f'id="tier-{number}"' in response.text


def test_catalogue_filters_by_neighbourhood_and_keeps_city_wide(client, eastside, westside):
    ProgramFactory(title="East walk").neighbourhoods.add(eastside)
    ProgramFactory(title="West walk").neighbourhoods.add(westside)
    ProgramFactory(title="City coffee")
    response = client.get(CATALOGUE, {"neighbourhood": eastside.pk})
    assert response.status_code == 200
    assert response.context["filtered"]
    assert response.context["result_count"] == 2
    assert "East walk" in response.text
    assert "City coffee" in response.text
    assert "West walk" not in response.text


def test_catalogue_filters_by_language(client, spanish):
    ProgramFactory(title="Café con policía").languages.add(spanish)
    ProgramFactory(title="English coffee")
    response = client.get(CATALOGUE, {"language": spanish.pk})
    assert "Café con policía" in response.text
    assert "English coffee" not in response.text


def test_catalogue_ignores_a_bad_filter_value(client, program):
    response = client.get(CATALOGUE, {"neighbourhood": "nowhere", "language": "999999"})
    assert response.status_code == 200
    assert "Coffee on Main Street" in response.text


def test_public_program_page_works_without_an_account(client, program, spanish, eastside):
    program.languages.add(spanish)
    program.neighbourhoods.add(eastside)
    response = client.get(program.get_absolute_url())
    assert response.status_code == 200
    assert program.intention in response.text
    assert "Eastside" in response.text


@pytest.mark.parametrize(
    ("status", "visibility"),
    [
        (Status.DRAFT, Program.Visibility.PUBLIC),
        (Status.COMPLETED, Program.Visibility.PUBLIC),
        (Status.ARCHIVED, Program.Visibility.PUBLIC),
        (Status.ACTIVE, Program.Visibility.INTERNAL),
    ],
)
def test_public_page_of_a_program_not_open_to_the_public_is_404(client, status, visibility):
    program = ProgramFactory(status=status, visibility=visibility)
    assert client.get(program.get_absolute_url()).status_code == 404


def test_staff_pages_send_visitors_to_log_in(client, program):
    for url in (STAFF_LIST, CREATE, SPECTRUM, program.get_staff_url(), edit_url(program)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response.url


def test_residents_cannot_open_staff_pages(login, dave, program):
    client = login(dave)
    for url in (STAFF_LIST, CREATE, SPECTRUM, program.get_staff_url(), edit_url(program)):
        assert client.get(url).status_code == 403, url


# --- Staff list -----------------------------------------------------------------------


@pytest.fixture
def mixed_programs(alice, bob, eastside):
    coffee = EngagementType.objects.get(slug="unstructured-engagement")
    board = EngagementType.objects.get(slug="citizen-review-boards")
    east = ProgramFactory(title="East coffee", engagement_type=coffee, owner=alice)
    east.neighbourhoods.add(eastside)
    ProgramFactory(title="Review board", engagement_type=board, owner=bob)
    ProgramFactory(
        title="Planned coffee",
        engagement_type=coffee,
        owner=bob,
        status=Status.DRAFT,
        description="Tuesday mornings at the bakery.",
    )


def test_staff_list_shows_every_program(login, alice, mixed_programs):
    response = login(alice).get(STAFF_LIST)
    assert response.status_code == 200
    assert listed_titles(response) == ["East coffee", "Planned coffee", "Review board"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tier": "5"}, ["Review board"]),
        ({"status": "draft"}, ["Planned coffee"]),
        ({"q": "bakery"}, ["Planned coffee"]),
        ({"q": "REVIEW"}, ["Review board"]),
    ],
)
def test_staff_list_filters(login, alice, mixed_programs, params, expected):
    if "tier" in params:
        from programs.models import Tier

        params = {"tier": Tier.objects.get(number=int(params["tier"])).pk}
    assert listed_titles(login(alice).get(STAFF_LIST, params)) == expected


def test_staff_list_filters_by_type(login, alice, mixed_programs):
    coffee = EngagementType.objects.get(slug="unstructured-engagement")
    response = login(alice).get(STAFF_LIST, {"engagement_type": coffee.pk})
    assert listed_titles(response) == ["East coffee", "Planned coffee"]


def test_staff_list_filters_by_neighbourhood(login, alice, mixed_programs, eastside):
    response = login(alice).get(STAFF_LIST, {"neighbourhood": eastside.pk})
    assert listed_titles(response) == ["East coffee"]


def test_staff_list_filters_by_owner(login, alice, bob, mixed_programs):
    response = login(alice).get(STAFF_LIST, {"owner": bob.pk})
    assert listed_titles(response) == ["Planned coffee", "Review board"]


def test_staff_list_combines_filters(login, alice, bob, mixed_programs):
    response = login(alice).get(STAFF_LIST, {"owner": bob.pk, "status": "active"})
    assert listed_titles(response) == ["Review board"]


def test_staff_list_paginates_by_25_and_keeps_filters(login, alice):
    for n in range(30):
        ProgramFactory(title=f"Coffee {n:02d}", owner=alice)
    ProgramFactory(title="Draft", owner=alice, status=Status.DRAFT)
    client = login(alice)
    first = client.get(STAFF_LIST, {"status": "active"})
    assert len(first.context["page"]) == 25
    assert first.context["page"].paginator.count == 30
    assert "status=active&amp;page=2" in first.text
    second = client.get(STAFF_LIST, {"status": "active", "page": 2})
    assert listed_titles(second) == [f"Coffee {n:02d}" for n in range(25, 30)]


def test_staff_list_survives_a_bad_page_number(login, alice, program):
    assert login(alice).get(STAFF_LIST, {"page": "banana"}).status_code == 200


# --- Create ---------------------------------------------------------------------------


def test_create_program_redirects_to_its_staff_page(login, alice, program_data):
    response = login(alice).post(CREATE, program_data())
    program = Program.objects.get()
    assert response.status_code == 302
    assert response.url == program.get_staff_url()
    assert program.owner == alice
    assert program.status == Status.DRAFT


@pytest.mark.parametrize("intention", ["", "   ", "Be nice."])
def test_create_without_a_real_intention_rerenders_with_everything_typed(
    login, alice, bob, eastside, westside, spanish, vietnamese, program_data, intention
):
    ride_outs = EngagementType.objects.get(slug="ride-outs")
    data = program_data(
        title="Ride along with K-9",
        engagement_type=str(ride_outs.pk),
        intention=intention,
        description="Saturday afternoons with the K-9 unit.",
        visibility=Program.Visibility.INTERNAL,
        owner=str(bob.pk),
        team=[str(alice.pk)],
        neighbourhoods=[str(eastside.pk), str(westside.pk)],
        languages=[str(spanish.pk), str(vietnamese.pk)],
    )
    response = login(alice).post(CREATE, data)
    assert response.status_code == 200
    assert not Program.objects.exists()
    form = response.context["form"]
    assert "intention" in form.errors
    html = response.text
    assert 'id="error-summary"' in html
    assert 'value="Ride along with K-9"' in html
    assert "Saturday afternoons with the K-9 unit." in html
    if intention.strip():
        assert intention in html
    assert checked_values(html, "neighbourhoods") == {str(eastside.pk), str(westside.pk)}
    assert checked_values(html, "languages") == {str(spanish.pk), str(vietnamese.pk)}
    assert checked_values(html, "visibility") == {"internal"} or selected_values(
        html, "visibility"
    ) == {"internal"}
    assert selected_values(html, "engagement_type") == {str(ride_outs.pk)}
    assert selected_values(html, "owner") == {str(bob.pk)}
    assert selected_values(html, "team") == {str(alice.pk)}


def test_create_without_a_title_or_type_shows_each_error(login, alice, program_data):
    response = login(alice).post(CREATE, program_data(title="", engagement_type=""))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "engagement_type"}
    assert INTENTION in response.text


def test_start_one_link_preselects_the_engagement_type(login, alice):
    board = EngagementType.objects.get(slug="citizen-review-boards")
    response = login(alice).get(CREATE, {"engagement_type": board.pk})
    assert response.status_code == 200
    assert selected_values(response.text, "engagement_type") == {str(board.pk)}


def test_create_page_survives_a_bad_engagement_type(login, alice):
    response = login(alice).get(CREATE, {"engagement_type": "nonsense"})
    assert response.status_code == 200
    assert selected_values(response.text, "engagement_type") == set()


def test_create_form_groups_types_under_their_tiers(login, alice):
    html = login(alice).get(CREATE).text
    assert '<optgroup label="1. Information sharing">' in html
    assert '<optgroup label="5. Co-produced solution development">' in html


# --- Detail, edit and status ----------------------------------------------------------


def test_staff_program_page_shows_manage_controls_to_the_owner(login, alice, program):
    response = login(alice).get(program.get_staff_url())
    assert response.status_code == 200
    assert response.context["can_manage"]
    assert edit_url(program) in response.text
    assert status_url(program) in response.text


def test_staff_program_page_is_read_only_outside_the_team(login, bob, program):
    response = login(bob).get(program.get_staff_url())
    assert response.status_code == 200
    assert not response.context["can_manage"]
    assert edit_url(program) not in response.text


def test_staff_program_page_shows_internal_and_draft_programs(login, alice, bob):
    program = ProgramFactory(owner=bob, status=Status.DRAFT, visibility=Program.Visibility.INTERNAL)
    assert login(alice).get(program.get_staff_url()).status_code == 200


def test_staff_program_page_of_a_missing_program_is_404(login, alice):
    assert login(alice).get(reverse("programs:staff-detail", args=[999999])).status_code == 404


def test_owner_can_edit(login, alice, program, program_data):
    client = login(alice)
    assert client.get(edit_url(program)).status_code == 200
    data = program_data(owner=str(alice.pk), title="Coffee at the library")
    response = client.post(edit_url(program), data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.title == "Coffee at the library"


def test_team_member_can_edit(login, bob, program, program_data):
    program.team.add(bob)
    data = program_data(owner=str(program.owner_id), team=[str(bob.pk)], title="Renamed")
    assert login(bob).post(edit_url(program), data).status_code == 302


def test_edit_with_bad_input_rerenders_with_errors(login, alice, program, program_data):
    data = program_data(owner=str(alice.pk), title="Still typed", intention="Too short")
    response = login(alice).post(edit_url(program), data)
    assert response.status_code == 200
    assert "intention" in response.context["form"].errors
    assert 'value="Still typed"' in response.text
    program.refresh_from_db()
    assert program.title == "Coffee on Main Street"


def test_staff_outside_the_team_get_403_on_edit(login, bob, program, program_data):
    client = login(bob)
    assert client.get(edit_url(program)).status_code == 403
    data = program_data(owner=str(bob.pk), title="Hijacked")
    assert client.post(edit_url(program), data).status_code == 403
    program.refresh_from_db()
    assert program.title == "Coffee on Main Street"
    assert program.owner_id != bob.pk


def test_staff_outside_the_team_get_403_on_status(login, bob, program):
    response = login(bob).post(status_url(program), {"status": "completed", "outcome": "Done."})
    assert response.status_code == 403
    program.refresh_from_db()
    assert program.status == Status.ACTIVE


def test_administrator_can_edit_any_program(login, root, program, program_data):
    data = program_data(owner=str(program.owner_id), title="Renamed by admin")
    assert login(root).post(edit_url(program), data).status_code == 302


def test_activating_a_draft_from_its_page(login, alice, draft):
    response = login(alice).post(status_url(draft), {"status": "active"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.ACTIVE
    assert draft.started_at is not None


def test_completing_with_an_outcome(login, alice, program):
    response = login(alice).post(
        status_url(program), {"status": "completed", "outcome": "Sixty neighbours came."}
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.status == Status.COMPLETED
    assert program.outcome == "Sixty neighbours came."


def test_completing_without_an_outcome_rerenders_with_an_error(login, alice, program):
    response = login(alice).post(status_url(program), {"status": "completed", "outcome": " "})
    assert response.status_code == 200
    assert "outcome" in response.context["status_form"].errors
    assert "Describe the outcome before completing the program." in response.text
    assert program.title in response.text
    program.refresh_from_db()
    assert program.status == Status.ACTIVE


def test_a_transition_not_offered_rerenders_with_an_error(login, alice, program):
    response = login(alice).post(status_url(program), {"status": "draft"})
    assert response.status_code == 200
    assert "status" in response.context["status_form"].errors
    program.refresh_from_db()
    assert program.status == Status.ACTIVE


def test_status_page_only_accepts_posts(login, alice, program):
    assert login(alice).get(status_url(program)).status_code == 405


# --- Command staff --------------------------------------------------------------------


def test_command_staff_can_read_list_detail_and_spectrum(login, carol, program):
    client = login(carol)
    assert client.get(STAFF_LIST).status_code == 200
    response = client.get(program.get_staff_url())
    assert response.status_code == 200
    assert not response.context["can_manage"]
    assert client.get(SPECTRUM).status_code == 200


def test_command_staff_cannot_create_edit_or_change_status(login, carol, program, program_data):
    client = login(carol)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, program_data()).status_code == 403
    assert client.get(edit_url(program)).status_code == 403
    assert client.post(edit_url(program), program_data(title="X")).status_code == 403
    assert (
        client.post(status_url(program), {"status": "completed", "outcome": "x"}).status_code == 403
    )
    assert Program.objects.count() == 1


def test_command_staff_see_no_new_program_button(login, carol, program):
    assert CREATE not in login(carol).get(STAFF_LIST).text


# --- Spectrum -------------------------------------------------------------------------


def test_spectrum_shows_a_program_under_its_tier(login, alice, program):
    response = login(alice).get(SPECTRUM)
    assert response.status_code == 200
    html = response.text
    tier2 = html[html.index('id="tier-2"') : html.index('id="tier-3"')]
    assert "Coffee on Main Street" in tier2
    assert program.get_staff_url() in tier2


def test_spectrum_highlights_tiers_with_no_active_program(login, alice, program):
    ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="citizen-review-boards"),
        status=Status.DRAFT,
    )
    response = login(alice).get(SPECTRUM)
    assert [t.number for t in response.context["idle_tiers"]] == [1, 3, 4, 5]
    html = response.text
    assert re.search(r'id="tier-5" class="[^"]*\btier-idle\b', html)
    assert not re.search(r'id="tier-2" class="[^"]*\btier-idle\b', html)
    assert 'href="#tier-5"' in html


def test_spectrum_offers_start_one_links_to_program_staff(login, alice):
    board = EngagementType.objects.get(slug="citizen-review-boards")
    html = login(alice).get(SPECTRUM).text
    assert f"{CREATE}?engagement_type={board.pk}" in html


def test_spectrum_offers_no_start_one_links_to_command_staff(login, carol):
    assert f"{CREATE}?engagement_type=" not in login(carol).get(SPECTRUM).text


def test_new_staff_member_sees_the_spectrum(login):
    assert login(StaffUserFactory()).get(SPECTRUM).status_code == 200
