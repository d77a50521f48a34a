"""Information sharing: announcements, their Atom feed, and press-conference questions."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from programs.information import services
from programs.information.models import Announcement, PressQuestion
from programs.models import EngagementType
from tests.factories import EventFactory, ProgramFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
NEWS = reverse("announcements:public-list")
FEED = reverse("announcements:feed")
CREATE = reverse("announcements:staff-create")
STAFF_LIST = reverse("announcements:staff-list")


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    # The limiter counts in the default cache, which outlives a test: start every test at zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def press_program(alice):
    return ProgramFactory(
        owner=alice, engagement_type=EngagementType.objects.get(slug="press-conferences")
    )


@pytest.fixture
def briefing(press_program):
    return EventFactory(program=press_program, title="Spring briefing")


def make_announcement(author, *, published=True, **kwargs):
    kwargs.setdefault("title", {"en": "Road closed", "es": "Calle cerrada"})
    kwargs.setdefault("body", {"en": "Main St is closed on Sunday.", "es": "Cerrada el domingo."})
    return Announcement.objects.create(
        author=author, published_at=timezone.now() if published else None, **kwargs
    )


def form_data(**overrides):
    data = {
        "title_en": "Bridge reopens",
        "body_en": "The Elm St bridge reopens on Monday.",
        "title_es": "",
        "body_es": "",
        "kind": "traffic",
        "program": "",
        "neighbourhoods": [],
    }
    data.update(overrides)
    return data


# --- Services ---------------------------------------------------------------------------


def test_create_announcement_saves_a_draft_with_texts_per_language(alice, program, eastside):
    announcement = services.create_announcement(
        author=alice,
        titles={"en": " Bridge reopens ", "es": "", "fr": "Pont"},
        bodies={"en": "Monday.", "es": "Lunes."},
        kind="traffic",
        program=program,
        neighbourhoods=[eastside],
    )
    assert announcement.published_at is None
    assert announcement.title == {"en": "Bridge reopens"}
    assert announcement.body == {"en": "Monday.", "es": "Lunes."}
    assert list(announcement.neighbourhoods.all()) == [eastside]


def test_create_announcement_refuses_a_program_the_author_does_not_run(bob, program):
    with pytest.raises(PermissionDenied):
        services.create_announcement(
            author=bob, titles={"en": "T"}, bodies={"en": "B"}, program=program
        )


def test_create_announcement_needs_the_default_language(alice):
    with pytest.raises(ValidationError):
        services.create_announcement(author=alice, titles={"es": "T"}, bodies={"es": "B"})


def test_publish_twice_keeps_the_first_date_and_unpublish_twice_one_draft(alice):
    announcement = make_announcement(alice, published=False)
    first = timezone.now() - timedelta(hours=1)
    services.publish_announcement(announcement=announcement, user=alice, now=first)
    services.publish_announcement(announcement=announcement, user=alice)
    assert announcement.published_at == first
    services.unpublish_announcement(announcement=announcement, user=alice)
    services.unpublish_announcement(announcement=announcement, user=alice)
    assert announcement.published_at is None


def test_publish_is_refused_to_staff_who_neither_wrote_it_nor_run_its_program(alice, bob, program):
    announcement = make_announcement(alice, published=False, program=program)
    with pytest.raises(PermissionDenied):
        services.publish_announcement(announcement=announcement, user=bob)
    program.team.add(bob)
    services.publish_announcement(announcement=announcement, user=bob)
    assert announcement.published_at is not None


def test_submit_press_question_once_and_twice_keeps_one(briefing, eastside):
    first = services.submit_press_question(
        event=briefing,
        question=" When will the bridge reopen? ",
        name="Rosa",
        neighbourhood=eastside,
    )
    again = services.submit_press_question(event=briefing, question="When will the bridge reopen?")
    assert first == again
    assert first.status == PressQuestion.Status.SUBMITTED
    assert briefing.press_questions.count() == 1


def test_press_question_refused_for_an_event_that_is_not_a_press_conference(program):
    event = EventFactory(program=program)
    with pytest.raises(ValidationError, match="not a press conference"):
        services.submit_press_question(event=event, question="Why?")


def test_press_question_refused_for_past_or_cancelled_press_conferences(press_program):
    past = EventFactory(program=press_program, starts_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError, match="started or is over"):
        services.submit_press_question(event=past, question="Why?")
    cancelled = EventFactory(program=press_program, status=Event.Status.CANCELLED)
    with pytest.raises(ValidationError, match="no longer taking questions"):
        services.submit_press_question(event=cancelled, question="Why?")
    assert not PressQuestion.objects.exists()


def test_moderate_sets_status_note_and_moderator_and_twice_is_one_change(alice, briefing):
    question = PressQuestion.objects.create(event=briefing, question="Budget?")
    for _ in range(2):
        services.moderate_press_question(
            question=question, action="answered", user=alice, note="Covered in the opening."
        )
    question.refresh_from_db()
    assert question.status == PressQuestion.Status.ANSWERED
    assert question.answer_note == "Covered in the opening."
    assert question.moderated_by == alice


def test_moderate_is_refused_to_staff_not_on_the_program(bob, briefing):
    question = PressQuestion.objects.create(event=briefing, question="Budget?")
    with pytest.raises(PermissionDenied):
        services.moderate_press_question(question=question, action="approve", user=bob)


# --- Public pages -----------------------------------------------------------------------


def test_news_lists_published_newest_first_and_hides_drafts(client, alice):
    old = make_announcement(alice, title={"en": "Old news"})
    Announcement.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=3))
    make_announcement(alice, title={"en": "Fresh news"})
    make_announcement(alice, title={"en": "Secret draft"}, published=False)
    page = client.get(NEWS).content.decode()
    assert page.index("Fresh news") < page.index("Old news")
    assert "Secret draft" not in page


def test_news_filters_by_kind_and_neighbourhood(client, alice, eastside, westside):
    make_announcement(alice, title={"en": "Traffic east"}, kind="traffic").neighbourhoods.add(
        eastside
    )
    make_announcement(alice, title={"en": "Story west"}, kind="story").neighbourhoods.add(westside)
    make_announcement(alice, title={"en": "Citywide news"}, kind="news")
    east = client.get(NEWS, {"neighbourhood": eastside.pk}).content.decode()
    assert "Traffic east" in east and "Citywide news" in east and "Story west" not in east
    stories = client.get(NEWS, {"kind": "story"}).content.decode()
    assert "Story west" in stories and "Traffic east" not in stories


def test_news_paginates_by_twenty(client, alice):
    for n in range(21):
        make_announcement(alice, title={"en": f"Item {n}"})
    assert len(client.get(NEWS).context["page"].object_list) == 20
    assert len(client.get(NEWS, {"page": 2}).context["page"].object_list) == 1


def test_news_shows_the_visitors_language_and_falls_back_to_english(client, alice):
    both = make_announcement(alice, title={"en": "Road closed", "es": "Calle cerrada"})
    only_en = make_announcement(alice, title={"en": "Lost dog"}, body={"en": "Brown, small."})
    client.cookies["django_language"] = "es"
    page = client.get(NEWS).content.decode()
    assert "Calle cerrada" in page and "Road closed" not in page
    assert "Lost dog" in page and 'lang="en"' in page
    detail = client.get(reverse("announcements:public-detail", args=[only_en.public_id]))
    assert "Lost dog" in detail.content.decode()
    detail = client.get(reverse("announcements:public-detail", args=[both.public_id]))
    assert "Calle cerrada" in detail.content.decode()


def test_detail_of_a_draft_is_404(client, alice):
    draft = make_announcement(alice, published=False)
    assert (
        client.get(reverse("announcements:public-detail", args=[draft.public_id])).status_code
        == 404
    )
    assert client.get(reverse("announcements:public-detail", args=["nope"])).status_code == 404


def test_feed_is_valid_atom_with_published_entries_in_the_default_language(client, alice):
    make_announcement(alice, title={"en": "Road closed", "es": "Calle cerrada"})
    make_announcement(alice, title={"en": "Secret draft"}, published=False)
    client.cookies["django_language"] = "es"
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text
    assert root.find(f"{ATOM}updated").text
    assert root.find(f"{ATOM}link").get("href").endswith(NEWS)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Road closed"]
    assert "Main St" in entries[0].find(f"{ATOM}summary").text


def test_feed_holds_the_latest_fifty(client, alice):
    for n in range(52):
        make_announcement(alice, title={"en": f"Item {n}"})
    root = ET.fromstring(client.get(FEED).content)
    assert len(root.findall(f"{ATOM}entry")) == 50


@pytest.mark.parametrize("count", [3, 30])
def test_news_page_queries_do_not_grow_with_announcements(
    client, alice, eastside, count, django_assert_max_num_queries
):
    for n in range(count):
        make_announcement(alice, title={"en": f"Item {n}"}).neighbourhoods.add(eastside)
    with django_assert_max_num_queries(6):
        assert client.get(NEWS, {"neighbourhood": eastside.pk}).status_code == 200


def test_event_page_links_to_questions_only_for_press_conferences(client, briefing, program):
    assert "Send a question in advance" in client.get(briefing.get_absolute_url()).content.decode()
    other = EventFactory(program=program)
    assert "Send a question in advance" not in client.get(other.get_absolute_url()).content.decode()


def test_resident_sends_a_question_and_only_approved_or_answered_are_shown(
    client, briefing, eastside
):
    url = reverse("announcements:ask", args=[briefing.public_id])
    response = client.post(
        url, {"question": "Will patrols grow?", "name": "Rosa", "neighbourhood": eastside.pk}
    )
    assert response.status_code == 302
    assert briefing.press_questions.get().name == "Rosa"
    for text, status in [
        ("Approved one", "approved"),
        ("Answered one", "answered"),
        ("Rejected one", "rejected"),
    ]:
        PressQuestion.objects.create(event=briefing, question=text, status=status)
    page = client.get(url).content.decode()
    assert "Approved one" in page and "Answered one" in page
    assert "Rejected one" not in page and "Will patrols grow?" not in page
    assert "Rosa" not in page


def test_bad_question_keeps_what_was_typed(client, briefing):
    url = reverse("announcements:ask", args=[briefing.public_id])
    response = client.post(url, {"question": "x" * 1001, "name": "Rosa Typed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rosa Typed" in page and "x" * 1001 in page
    assert not PressQuestion.objects.exists()


def test_question_page_404_for_events_that_are_not_press_conferences(client, program):
    event = EventFactory(program=program)
    assert client.get(reverse("announcements:ask", args=[event.public_id])).status_code == 404


def test_question_page_for_a_past_press_conference_says_why_and_takes_no_post(
    client, press_program
):
    past = EventFactory(program=press_program, starts_at=timezone.now() - timedelta(days=1))
    url = reverse("announcements:ask", args=[past.public_id])
    assert "takes no more questions" in client.get(url).content.decode()
    assert client.post(url, {"question": "Late?"}).status_code == 200
    assert not PressQuestion.objects.exists()


def test_question_posts_are_rate_limited(client, briefing):
    url = reverse("announcements:ask", args=[briefing.public_id])
    with time_machine.travel(timezone.now(), tick=False):
        codes = [client.post(url, {"question": f"Q {n}"}).status_code for n in range(10)]
        blocked = client.post(url, {"question": "One more"})
    assert codes == [302] * 10
    assert blocked.status_code == 429


# --- Staff pages ------------------------------------------------------------------------


def test_alice_creates_publishes_and_unpublishes(client, alice, program, eastside):
    client.force_login(alice)
    assert client.get(STAFF_LIST).status_code == 200
    response = client.post(
        CREATE, form_data(program=program.pk, neighbourhoods=[eastside.pk], title_es="Puente")
    )
    announcement = Announcement.objects.get()
    assert response["Location"] == reverse("announcements:staff-edit", args=[announcement.pk])
    assert announcement.title == {"en": "Bridge reopens", "es": "Puente"}
    assert announcement.program == program and announcement.published_at is None
    publish = reverse("announcements:staff-publish", args=[announcement.pk])
    client.post(publish)
    announcement.refresh_from_db()
    assert announcement.published_at is not None
    assert "Bridge reopens" in client.get(NEWS).content.decode()
    client.post(publish)
    announcement.refresh_from_db()
    assert announcement.published_at is None


def test_alice_edits_her_announcement(client, alice):
    announcement = make_announcement(alice)
    client.force_login(alice)
    url = reverse("announcements:staff-edit", args=[announcement.pk])
    assert 'value="Road closed"' in client.get(url).content.decode()
    client.post(url, form_data(title_en="Road reopened", kind="news"))
    announcement.refresh_from_db()
    assert announcement.title == {"en": "Road reopened"} and announcement.kind == "news"


def test_bad_announcement_keeps_what_was_typed(client, alice):
    client.force_login(alice)
    response = client.post(CREATE, form_data(title_en="", body_en="Typed body", title_es="Hola"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Typed body" in page and 'value="Hola"' in page
    assert not Announcement.objects.exists()


def test_create_lists_only_programs_the_user_runs(client, alice, bob, program):
    client.force_login(bob)
    assert program not in client.get(CREATE).context["form"].fields["program"].queryset
    response = client.post(CREATE, form_data(program=program.pk))
    assert response.status_code == 200
    assert not Announcement.objects.exists()


def test_bob_may_not_edit_or_publish_alices_announcement(client, alice, bob):
    announcement = make_announcement(alice, published=False)
    client.force_login(bob)
    assert (
        client.get(reverse("announcements:staff-edit", args=[announcement.pk])).status_code == 403
    )
    publish = reverse("announcements:staff-publish", args=[announcement.pk])
    assert client.get(publish).status_code == 403  # checked before the method
    assert client.post(publish).status_code == 403
    announcement.refresh_from_db()
    assert announcement.published_at is None


def test_program_team_and_administrators_may_edit(client, alice, bob, root, program):
    announcement = make_announcement(alice, program=program)
    url = reverse("announcements:staff-edit", args=[announcement.pk])
    program.team.add(bob)
    for user in (bob, root):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_carol_may_not_create_and_anonymous_goes_to_log_in(client, carol):
    assert client.get(CREATE)["Location"].startswith(reverse("login"))
    client.force_login(carol)
    assert client.get(CREATE).status_code == 403
    assert client.get(STAFF_LIST).status_code == 200


def test_moderation_queue_and_buttons(client, alice, briefing):
    question = PressQuestion.objects.create(event=briefing, question="Budget?", name="Rosa")
    client.force_login(alice)
    queue = client.get(reverse("announcements:staff-questions", args=[briefing.pk]))
    assert "Budget?" in queue.content.decode() and "Rosa" in queue.content.decode()
    approve = reverse("announcements:staff-moderate", args=[question.pk, "approve"])
    assert client.get(approve).status_code == 405
    client.post(approve)
    question.refresh_from_db()
    assert question.status == PressQuestion.Status.APPROVED
    answered = reverse("announcements:staff-moderate", args=[question.pk, "answered"])
    client.post(answered, {"note": "Yes, next year."})
    question.refresh_from_db()
    assert question.status == PressQuestion.Status.ANSWERED
    assert question.answer_note == "Yes, next year."
    public = client.get(reverse("announcements:ask", args=[briefing.public_id]))
    assert "Yes, next year." in public.content.decode()
    unknown = reverse("announcements:staff-moderate", args=[question.pk, "delete"])
    assert client.post(unknown).status_code == 404


def test_moderation_is_for_the_programs_staff_only(client, bob, briefing):
    question = PressQuestion.objects.create(event=briefing, question="Budget?")
    client.force_login(bob)
    assert (
        client.get(reverse("announcements:staff-questions", args=[briefing.pk])).status_code == 403
    )
    approve = reverse("announcements:staff-moderate", args=[question.pk, "approve"])
    assert client.post(approve).status_code == 403
    question.refresh_from_db()
    assert question.status == PressQuestion.Status.SUBMITTED


def test_moderation_queue_404_for_events_that_are_not_press_conferences(client, alice, program):
    client.force_login(alice)
    event = EventFactory(program=program)
    assert client.get(reverse("announcements:staff-questions", args=[event.pk])).status_code == 404


def test_questions_waiting_for_moderation_are_reachable_from_the_event_and_staff_home(
    client, alice, bob, briefing, program
):
    """Issue 17, item 3: the moderation page is linked from the press conference's staff
    page, and questions waiting show as work to do on the staff home of its program's staff
    (not of others)."""
    queue_url = reverse("announcements:staff-questions", args=[briefing.pk])
    PressQuestion.objects.create(event=briefing, question="Budget?")
    PressQuestion.objects.create(event=briefing, question="Staffing?")
    PressQuestion.objects.create(
        event=briefing, question="Parking?", status=PressQuestion.Status.APPROVED
    )
    client.force_login(alice)
    page = client.get(reverse("events:staff-detail", args=[briefing.pk])).content.decode()
    assert queue_url in page
    assert "2 questions are waiting for moderation." in page and "3 questions in all." in page
    home = client.get(reverse("core:staff-home")).content.decode()
    assert queue_url in home and "Spring briefing: 2 questions to moderate" in home

    other = client.get(
        reverse("events:staff-detail", args=[EventFactory(program=program).pk])
    ).content.decode()
    assert "Questions sent in advance" not in other  # not a press conference

    PressQuestion.objects.filter(status=PressQuestion.Status.SUBMITTED).update(
        status=PressQuestion.Status.REJECTED
    )
    assert queue_url not in client.get(reverse("core:staff-home")).content.decode()
    assert (
        "Every question has been moderated."
        in client.get(reverse("events:staff-detail", args=[briefing.pk])).content.decode()
    )

    PressQuestion.objects.create(event=briefing, question="Budget again?")
    client.force_login(bob)  # staff, not on the press program
    assert queue_url not in client.get(reverse("core:staff-home")).content.decode()


def test_the_feed_is_in_the_language_its_address_asks_for_and_the_news_page_links_it(client, alice):
    """Issue 17, item 9: the news page, read in Spanish, links the Spanish feed; an unknown
    language falls back to the default."""
    make_announcement(
        alice,
        title={"en": "Road closed", "es": "Calle cerrada"},
        body={"en": "Main St is closed.", "es": "La calle Mayor está cerrada."},
    )
    make_announcement(alice, title={"en": "Only in English"}, body={"en": "English only."})
    client.cookies["django_language"] = "es"
    page = client.get(NEWS).content.decode()
    assert f'href="{FEED}?lang=es"' in page

    root = ET.fromstring(client.get(FEED, {"lang": "es"}).content)
    titles = sorted(e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry"))
    assert titles == ["Calle cerrada", "Only in English"]
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert "noticias" in root.find(f"{ATOM}title").text.lower()

    root = ET.fromstring(client.get(FEED, {"lang": "xx"}).content)
    titles = sorted(e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry"))
    assert titles == ["Only in English", "Road closed"]
