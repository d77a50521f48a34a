"""The staff survey builder: surveys, questions in every kind and language, conditions, order,
the standard bank, translations, opening, locking after the first answer and new versions."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from surveys import builder, services
from surveys.models import Question, StandardItem, Survey
from tests.factories import ProgramFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

Kind = Question.Kind


def url(name, *args):
    return reverse(f"surveys:{name}", args=args)


@pytest.fixture
def program(alice):
    return ProgramFactory(owner=alice)


@pytest.fixture
def survey(alice, program):
    return builder.create_survey(
        owner=alice,
        program=program,
        title={"en": "How did we do?", "es": "¿Cómo lo hicimos?"},
        languages=["en", "es"],
    )


def add(survey, kind=Kind.RATING, en="Rate it", es="Califique", **kwargs):
    return builder.add_question(survey=survey, kind=kind, text={"en": en, "es": es}, **kwargs)


def add_choice_question(survey, en="Did you attend?", labels=(("Yes", "Sí"), ("No", "No"))):
    return add(
        survey,
        kind=Kind.SINGLE,
        en=en,
        es=en,
        choices=[{"en": a, "es": b} for a, b in labels],
    )


def question_post(kind="rating", **overrides):
    data = {
        "kind": kind,
        "text_en": "How safe do you feel?",
        "text_es": "¿Qué tan seguro se siente?",
        "help_en": "",
        "help_es": "",
        "choices_en": "",
        "choices_es": "",
        "page": "1",
        "min_value": "",
        "max_value": "",
        "condition": "",
    }
    data.update(overrides)
    return data


def answer(survey):
    """One real response through the public rules: the survey is open, answers are clean."""
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
    survey.refresh_from_db()
    question = survey.questions.filter(kind=Kind.RATING).first()
    cleaned = services.clean_answers(survey, {f"q{question.pk}": ["4"]})
    assert cleaned.ok, cleaned.errors
    return services.submit_response(survey=survey, cleaned=cleaned, language="en", source="web")


# --- Creating and editing surveys ----------------------------------------------------------


def test_create_survey_with_two_languages(client, alice, program):
    client.force_login(alice)
    response = client.post(
        url("staff-create"),
        {
            "title_en": "Trust survey",
            "title_es": "Encuesta de confianza",
            "introduction_en": "Five minutes.",
            "introduction_es": "",
            "languages": ["en", "es"],
            "mode": "anonymous",
            "program": program.pk,
            "event": "",
            "opens_at": "2026-05-01T09:00",
            "closes_at": "2026-05-31T18:00",
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("staff-detail", survey.pk)
    assert survey.title == {"en": "Trust survey", "es": "Encuesta de confianza"}
    assert survey.introduction == {"en": "Five minutes."}
    assert survey.languages == ["en", "es"]
    assert survey.owner == alice and survey.program == program
    assert survey.status == Survey.Status.DRAFT
    assert survey.opens_at.hour == 14  # 09:00 in Chicago (CDT) is 14:00 UTC
    # An introduction given in one language must be given in every offered language.
    assert services.translation_gaps(survey) == ["The introduction has no Spanish text."]


def test_create_survey_offers_only_programs_the_user_runs(client, alice, bob, program):
    bobs = ProgramFactory(owner=bob, title="Bob's program")
    client.force_login(alice)
    page = client.get(url("staff-create")).text
    assert program.title in page and bobs.title not in page
    response = client.post(
        url("staff-create"),
        {"title_en": "x", "languages": ["en"], "mode": "anonymous", "program": bobs.pk},
    )
    assert response.status_code == 200
    assert not Survey.objects.exists()


def test_bad_input_keeps_typed_values(client, alice):
    client.force_login(alice)
    response = client.post(
        url("staff-create"),
        {
            "title_en": "Typed title",
            "introduction_es": "Introducción escrita",
            "mode": "identified",
            "opens_at": "2026-06-01T10:00",
            "closes_at": "2026-05-01T10:00",
        },
    )
    assert response.status_code == 200
    assert not Survey.objects.exists()
    text = response.text
    assert 'id="error-summary"' in text
    assert "Choose at least one language." in text
    assert "The survey must close after it opens." in text
    assert 'value="Typed title"' in text
    assert "Introducción escrita" in text
    assert re.search(r'<input[^>]*value="identified"[^>]*checked', text)


def test_title_is_required_in_at_least_one_language(client, alice):
    client.force_login(alice)
    response = client.post(url("staff-create"), {"languages": ["en"], "mode": "anonymous"})
    assert "Write the title in at least one language." in response.text
    assert not Survey.objects.exists()


def test_mode_change_is_refused_after_a_response(client, alice, survey):
    add(survey)
    answer(survey)
    client.force_login(alice)
    response = client.post(
        url("staff-edit", survey.pk),
        {
            "title_en": "How did we do?",
            "title_es": "¿Cómo lo hicimos?",
            "languages": ["en", "es"],
            "mode": "identified",
        },
    )
    assert response.status_code == 200
    assert "The mode of a survey cannot change once it has a response." in response.text
    survey.refresh_from_db()
    assert survey.mode == Survey.Mode.ANONYMOUS


def test_mode_change_is_allowed_before_any_response(client, alice, survey):
    client.force_login(alice)
    response = client.post(
        url("staff-edit", survey.pk),
        {"title_en": "Renamed", "languages": ["en"], "mode": "identified"},
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.mode == Survey.Mode.IDENTIFIED
    assert survey.title == {"en": "Renamed"}
    assert survey.languages == ["en"]


# --- Questions -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_adding_a_question_of_each_kind(client, alice, survey, kind):
    client.force_login(alice)
    extra = {}
    if kind in Question.CHOICE_KINDS:
        extra = {"choices_en": "Bus\nCar\nOn foot", "choices_es": "Autobús\nCoche\nA pie"}
    if kind == Kind.NUMBER:
        extra = {"min_value": "0", "max_value": "120"}
    response = client.post(url("staff-question-add", survey.pk), question_post(kind, **extra))
    question = survey.questions.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{question.pk}")
    assert question.kind == kind
    assert question.text == {"en": "How safe do you feel?", "es": "¿Qué tan seguro se siente?"}
    if kind in Question.CHOICE_KINDS:
        labels = [c.label for c in question.choices.all()]
        assert labels[1] == {"en": "Car", "es": "Coche"} and len(labels) == 3
    else:
        assert not question.choices.exists()
    if kind == Kind.NUMBER:
        assert (question.min_value, question.max_value) == (0, 120)
    else:
        assert question.min_value is None


def test_choices_must_match_across_languages(client, alice, survey):
    client.force_login(alice)
    response = client.post(
        url("staff-question-add", survey.pk),
        question_post("single", choices_en="Yes\nNo\nNot sure", choices_es="Sí\nNo"),
    )
    assert response.status_code == 200
    assert not survey.questions.exists()
    assert "Every language needs the same number of choices" in response.text
    assert "Not sure" in response.text  # typed values are kept


def test_choice_question_needs_two_choices(client, alice, survey):
    client.force_login(alice)
    response = client.post(
        url("staff-question-add", survey.pk), question_post("multiple", choices_en="Only one")
    )
    assert "Give at least two choices, one per line." in response.text
    assert not survey.questions.exists()


def test_demographic_question_is_always_optional(client, alice, survey):
    client.force_login(alice)
    client.post(
        url("staff-question-add", survey.pk),
        question_post("short_text", required="on", demographic="on"),
    )
    question = survey.questions.get()
    assert question.demographic and not question.required


def test_editing_a_question_keeps_choice_ids_so_conditions_survive(client, alice, survey):
    first = add_choice_question(survey)
    yes = first.choices.get(position=0)
    second = add(survey, condition_choice=yes)
    client.force_login(alice)
    response = client.post(
        url("staff-question-edit", first.pk),
        question_post(
            "single",
            text_en="Did you come?",
            choices_en="Yes, I did\nNo",
            choices_es="Sí, vine\nNo",
        ),
    )
    assert response.status_code == 302
    yes.refresh_from_db()
    assert yes.label == {"en": "Yes, I did", "es": "Sí, vine"}
    second.refresh_from_db()
    assert second.condition_choice == yes


def test_removing_a_choice_another_question_depends_on_is_refused(survey):
    first = add_choice_question(survey)
    no = first.choices.get(position=1)
    add(survey, condition_choice=no)
    with pytest.raises(ValidationError):
        builder.set_choices(question=first, labels=[{"en": "Yes", "es": "Sí"}])
    assert first.choices.count() == 2


def test_set_choices_twice_gives_the_same_choices(survey):
    question = add_choice_question(survey)
    labels = [{"en": "A", "es": "A"}, {"en": "B", "es": "B"}, {"en": "C", "es": "C"}]
    once = [c.pk for c in builder.set_choices(question=question, labels=labels)]
    twice = [c.pk for c in builder.set_choices(question=question, labels=labels)]
    assert once == twice and question.choices.count() == 3


def test_display_condition_must_point_to_an_earlier_choice_question(client, alice, survey):
    first = add(survey)
    later = add_choice_question(survey)
    # The form offers only choices of earlier single/multiple questions.
    client.force_login(alice)
    page = client.get(url("staff-question-edit", first.pk)).text
    assert f'<option value="{later.choices.first().pk}"' not in page
    assert "Q2: Yes" not in page
    page = client.get(url("staff-question-add", survey.pk)).text
    assert "Q2: Yes" in page
    response = client.post(
        url("staff-question-edit", first.pk),
        question_post(condition=str(later.choices.first().pk)),
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.condition_choice is None
    # The service refuses it too, whoever calls it.
    with pytest.raises(ValidationError):
        builder.update_question(
            question=first,
            kind=Kind.RATING,
            text={"en": "Rate it"},
            condition_choice=later.choices.first(),
        )
    first.refresh_from_db()
    assert first.condition_choice is None


def test_display_condition_on_an_earlier_question_is_saved_and_shown(client, alice, survey):
    first = add_choice_question(survey)
    yes = first.choices.get(position=0)
    client.force_login(alice)
    response = client.post(url("staff-question-add", survey.pk), question_post(condition=yes.pk))
    assert response.status_code == 302
    question = survey.questions.get(kind=Kind.RATING)
    assert question.condition_choice == yes
    assert "Shown only if Q1 = Yes" in client.get(url("staff-detail", survey.pk)).text


def test_moving_a_question_above_its_condition_is_refused(survey):
    first = add_choice_question(survey)
    second = add(survey, condition_choice=first.choices.first())
    with pytest.raises(ValidationError):
        builder.move_question(question=second, direction="up")
    assert [q.pk for q in survey.questions.order_by("page", "position")] == [first.pk, second.pk]


def test_reorder_up_and_down(client, alice, survey):
    one, _two, three = add(survey, en="one"), add(survey, en="two"), add(survey, en="three")
    client.force_login(alice)

    def order():
        return [q.text["en"] for q in survey.questions.order_by("page", "position", "pk")]

    response = client.post(url("staff-question-move", three.pk), {"direction": "up"})
    assert order() == ["one", "three", "two"]
    # Focus returns to the same button, so pressing it again keeps moving the question.
    assert response["Location"].endswith(f"#move-up-{three.pk}")
    assert f'id="move-up-{three.pk}"' in client.get(response["Location"]).text
    response = client.post(url("staff-question-move", three.pk), {"direction": "up"})
    assert order() == ["three", "one", "two"]
    assert response["Location"].endswith(f"#question-{three.pk}")  # at the top now
    client.post(url("staff-question-move", one.pk), {"direction": "down"})
    assert order() == ["three", "two", "one"]
    client.post(url("staff-question-move", one.pk), {"direction": "down"})  # already last
    assert order() == ["three", "two", "one"]


def test_moving_across_a_page_boundary_joins_the_other_page_first(survey):
    one = add(survey, en="one", page=1)
    two = add(survey, en="two", page=2)
    builder.move_question(question=two, direction="up")
    two.refresh_from_db()
    assert two.page == 1
    builder.move_question(question=two, direction="up")
    assert list(survey.questions.order_by("page", "position").values_list("pk", flat=True)) == [
        two.pk,
        one.pk,
    ]


def test_move_is_post_only(client, alice, survey):
    question = add(survey)
    client.force_login(alice)
    assert client.get(url("staff-question-move", question.pk)).status_code == 405


def test_delete_question(client, alice, survey):
    question = add(survey)
    client.force_login(alice)
    assert "Delete question 1?" in client.get(url("staff-question-delete", question.pk)).text
    response = client.post(url("staff-question-delete", question.pk))
    assert response.status_code == 302
    assert not survey.questions.exists()
    builder.delete_question(question=question)  # again: nothing happens, nothing raised


def test_deleting_a_question_others_depend_on_is_refused(client, alice, survey):
    first = add_choice_question(survey)
    add(survey, condition_choice=first.choices.first())
    client.force_login(alice)
    response = client.post(url("staff-question-delete", first.pk))
    assert response.status_code == 200
    assert "Another question is shown only after an answer to this one." in response.text
    assert survey.questions.count() == 2


# --- Locking and versions ------------------------------------------------------------------


def test_questions_are_locked_after_the_first_answer(client, alice, survey):
    rating = add(survey)
    other = add(survey, en="Another")
    answer(survey)
    client.force_login(alice)
    before = list(survey.questions.values_list("pk", "position", "text"))

    response = client.post(url("staff-question-edit", rating.pk), question_post(text_en="New"))
    assert response.status_code == 200
    assert "Make a new version to edit them." in response.text
    response = client.post(url("staff-question-add", survey.pk), question_post())
    assert "Make a new version to edit them." in response.text
    response = client.post(url("staff-question-delete", other.pk))
    assert "Make a new version to edit them." in response.text
    response = client.post(url("staff-question-move", other.pk), {"direction": "up"})
    assert response.status_code == 302
    item = StandardItem.objects.first()
    response = client.post(url("staff-bank-add", survey.pk), {"item": item.pk})
    assert "Make a new version to edit them." in response.text
    response = client.post(
        url("staff-translations", survey.pk),
        {"title__en": "How did we do?", "title__es": "¿Cómo?", f"q{rating.pk}__en": "Changed"},
    )
    assert "Make a new version to edit them." in response.text

    assert list(survey.questions.values_list("pk", "position", "text")) == before
    # Pages that only edit questions send staff back to the survey, which explains why.
    response = client.get(url("staff-question-add", survey.pk), follow=True)
    assert "its questions cannot change" in response.text
    page = client.get(url("staff-detail", survey.pk)).text
    assert "questions are frozen" in page
    assert url("staff-version", survey.pk) in page
    assert url("staff-question-edit", rating.pk) not in page


def test_new_version_copies_questions_choices_and_conditions_and_closes_the_old_one(
    client, alice, survey
):
    first = add_choice_question(survey)
    add(survey, condition_choice=first.choices.get(position=1))
    answer(survey)
    client.force_login(alice)
    response = client.post(url("staff-version", survey.pk))
    survey.refresh_from_db()
    copy = survey.replaced_by
    assert response["Location"] == url("staff-detail", copy.pk)
    assert copy.version == 2 and copy.status == Survey.Status.DRAFT
    assert survey.status == Survey.Status.CLOSED
    copied = list(copy.questions.order_by("page", "position"))
    assert [q.kind for q in copied] == [Kind.SINGLE, Kind.RATING]
    assert [c.label["en"] for c in copied[0].choices.all()] == ["Yes", "No"]
    assert copied[1].condition_choice == copied[0].choices.get(position=1)
    # The copy is editable again.
    response = client.post(url("staff-question-edit", copied[1].pk), question_post(text_en="New"))
    assert response.status_code == 302
    # Asking again returns the same newer version, not a third one.
    client.post(url("staff-version", survey.pk))
    assert Survey.objects.count() == 2


def test_new_version_is_refused_without_answers(client, alice, survey):
    client.force_login(alice)
    response = client.post(url("staff-version", survey.pk), follow=True)
    assert "edit its questions directly" in response.text
    assert Survey.objects.count() == 1


# --- Translations and opening --------------------------------------------------------------


def test_translation_gaps_block_opening_and_are_listed(client, alice, survey):
    question = add_choice_question(survey, labels=(("Yes", "Sí"), ("No", "")))
    Question.objects.filter(pk=question.pk).update(text={"en": "Did you attend?"})
    client.force_login(alice)

    page = client.get(url("staff-detail", survey.pk)).text
    assert "Translations (2 missing)" in page
    response = client.post(url("staff-status", survey.pk), {"action": "open"})
    assert response.status_code == 200
    assert 'id="error-summary"' in response.text
    assert "Question 1 has no Spanish text." in response.text
    assert "Choice 2 of question 1 has no Spanish text." in response.text
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT

    page = client.get(url("staff-translations", survey.pk)).text
    assert "Question 1 has no Spanish text." in page
    no = question.choices.get(position=1)
    response = client.post(
        url("staff-translations", survey.pk),
        {
            "title__en": "How did we do?",
            "title__es": "¿Cómo lo hicimos?",
            f"q{question.pk}__en": "Did you attend?",
            f"q{question.pk}__es": "¿Asistió?",
            f"c{question.choices.get(position=0).pk}__en": "Yes",
            f"c{question.choices.get(position=0).pk}__es": "Sí",
            f"c{no.pk}__en": "No",
            f"c{no.pk}__es": "No",
        },
    )
    assert response["Location"] == url("staff-detail", survey.pk)
    assert services.translation_gaps(survey) == []
    response = client.post(url("staff-status", survey.pk), {"action": "open"})
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN
    client.post(url("staff-status", survey.pk), {"action": "close"})
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED


def test_an_empty_survey_cannot_open(client, alice, survey):
    client.force_login(alice)
    response = client.post(url("staff-status", survey.pk), {"action": "open"})
    assert "Add at least one question before opening the survey." in response.text


def test_save_translations_twice_gives_one_result(survey):
    question = add(survey, es="")
    texts = {"title": {"en": "T", "es": "T"}, f"q{question.pk}": {"es": "Califique"}}
    builder.save_translations(survey=survey, texts=texts)
    builder.save_translations(survey=survey, texts=texts)
    question.refresh_from_db()
    assert question.text == {"en": "Rate it", "es": "Califique"}


# --- Standard bank -------------------------------------------------------------------------


def test_bank_item_added_keeps_its_key(client, alice, survey):
    item = StandardItem.objects.get(key="trust-neighbourhood")
    client.force_login(alice)
    page = client.get(url("staff-bank-add", survey.pk)).text
    assert "I trust the police who work in my neighbourhood." in page
    response = client.post(url("staff-bank-add", survey.pk), {"item": item.pk})
    question = survey.questions.get()
    assert response["Location"].endswith(f"#question-{question.pk}")
    assert question.standard_item.key == "trust-neighbourhood"
    assert question.kind == item.kind
    assert question.text == item.text  # English and Spanish, the survey's languages
    # Adding it twice keeps one question.
    client.post(url("staff-bank-add", survey.pk), {"item": item.pk})
    assert survey.questions.count() == 1
    assert "Already in this survey" in client.get(url("staff-bank-add", survey.pk)).text


def test_bank_item_copies_only_the_survey_languages(alice):
    survey = builder.create_survey(owner=alice, title={"en": "English only"}, languages=["en"])
    item = StandardItem.objects.get(key="last-contact-satisfaction")
    question = builder.add_standard_item(survey=survey, item=item)
    assert set(question.text) == {"en"} and set(question.help) == {"en"}


# --- Access --------------------------------------------------------------------------------


def survey_pages(survey, question):
    return [
        ("get", url("staff-detail", survey.pk)),
        ("get", url("staff-edit", survey.pk)),
        ("get", url("staff-question-add", survey.pk)),
        ("get", url("staff-bank-add", survey.pk)),
        ("get", url("staff-translations", survey.pk)),
        ("post", url("staff-status", survey.pk)),
        ("post", url("staff-version", survey.pk)),
        ("get", url("staff-question-edit", question.pk)),
        ("post", url("staff-question-move", question.pk)),
        ("get", url("staff-question-delete", question.pk)),
        ("post", url("staff-question-delete", question.pk)),
    ]


@pytest.mark.parametrize("persona", ["bob", "carol", "dave"])
def test_non_managers_get_403(client, request, survey, persona):
    question = add(survey)
    client.force_login(request.getfixturevalue(persona))
    for method, page in survey_pages(survey, question):
        response = getattr(client, method)(page, {"action": "open", "direction": "up"})
        assert response.status_code == 403, page
    assert survey.questions.count() == 1
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT


def test_anonymous_visitors_are_sent_to_log_in(client, survey):
    question = add(survey)
    for method, page in survey_pages(survey, question) + [("get", url("staff-list"))]:
        response = getattr(client, method)(page)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_program_team_and_administrators_manage_the_survey(client, survey, program, root):
    colleague = StaffUserFactory()
    program.team.add(colleague)
    for user in (colleague, root):
        client.force_login(user)
        assert client.get(url("staff-detail", survey.pk)).status_code == 200


def test_survey_list_shows_only_the_surveys_the_user_manages(client, alice, bob, root, survey):
    theirs = builder.create_survey(owner=bob, title={"en": "Bob's survey"}, languages=["en"])
    client.force_login(alice)
    page = client.get(url("staff-list")).text
    assert "How did we do?" in page and "Bob&#x27;s survey" not in page
    client.force_login(root)
    page = client.get(url("staff-list")).text
    assert "How did we do?" in page and "Bob&#x27;s survey" in page
    assert theirs.pk


def test_command_staff_see_the_list_but_cannot_create(client, carol):
    client.force_login(carol)
    assert client.get(url("staff-list")).status_code == 200
    assert client.get(url("staff-create")).status_code == 403


# --- Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 30])
def test_survey_page_runs_a_bounded_number_of_queries(
    client, alice, survey, n, django_assert_max_num_queries
):
    items = list(StandardItem.objects.all())
    previous = None
    for i in range(n):
        if i % 3 == 0:
            previous = add_choice_question(survey, en=f"Choice {i}")
        elif i % 3 == 1:
            add(survey, en=f"Q {i}", condition_choice=previous.choices.first(), page=1 + i // 10)
        else:
            builder.add_standard_item(survey=survey, item=items[i % len(items)], page=1 + i // 10)
    client.force_login(alice)
    with django_assert_max_num_queries(11):  # one counts responses waiting to be published
        response = client.get(url("staff-detail", survey.pk))
    assert response.status_code == 200
    assert response.text.count('class="card mb-2"') == survey.questions.count()


# --- Conditions on yes/no, scales and numbers (issue 17, item 9) ---------------------------


def test_a_condition_on_a_yes_no_answer_is_offered_saved_shown_and_edited(client, alice, survey):
    contact = add(survey, kind=Kind.YES_NO, en="Did you call us this year?")
    client.force_login(alice)
    page = client.get(url("staff-question-add", survey.pk)).text
    assert f'<option value="yes:{contact.pk}">Q1: Yes</option>' in page
    assert f'<option value="no:{contact.pk}">Q1: No</option>' in page

    response = client.post(
        url("staff-question-add", survey.pk), question_post(condition=f"yes:{contact.pk}")
    )

    assert response.status_code == 302
    question = survey.questions.get(kind=Kind.RATING)
    assert (question.condition_question, question.condition_operator) == (contact, "eq")
    assert question.condition_value == 1 and question.condition_choice is None
    assert "Shown only if Q1 = Yes" in client.get(url("staff-detail", survey.pk)).text
    edit = client.get(url("staff-question-edit", question.pk)).text
    assert f'<option value="yes:{contact.pk}" selected>' in edit


def test_a_condition_on_a_scale_compares_with_a_number_in_its_range(client, alice, survey):
    scale = add(survey, kind=Kind.SCALE, en="How likely are you to recommend us?")
    client.force_login(alice)
    post = question_post(condition=f"value:{scale.pk}", condition_operator="lte")

    missing = client.post(url("staff-question-add", survey.pk), post)
    too_big = client.post(url("staff-question-add", survey.pk), {**post, "condition_value": "11"})
    saved = client.post(url("staff-question-add", survey.pk), {**post, "condition_value": "6"})

    assert missing.status_code == 200 and "Give the number the answer is compared with." in (
        missing.text
    )
    assert too_big.status_code == 200 and "answers go from 0 to 10" in too_big.text
    assert 'value="11"' in too_big.text  # what was typed stays
    assert saved.status_code == 302
    question = survey.questions.get(kind=Kind.RATING)
    assert (question.condition_operator, question.condition_value) == ("lte", 6)
    detail = client.get(url("staff-detail", survey.pk)).text
    assert "Shown only if the answer to Q1 is at most 6" in detail
    edit = client.get(url("staff-question-edit", question.pk)).text
    assert 'value="6"' in edit and '<option value="lte" selected>' in edit


def test_a_question_a_value_condition_depends_on_cannot_be_deleted_or_become_text(survey):
    number = add(survey, kind=Kind.NUMBER, en="How many years here?", min_value=0, max_value=120)
    add(survey, condition_question=number, condition_operator="gte", condition_value=10)

    with pytest.raises(ValidationError):
        builder.delete_question(question=number)
    with pytest.raises(ValidationError):
        builder.update_question(question=number, kind=Kind.SHORT_TEXT, text={"en": "Years?"})
    number.refresh_from_db()
    assert number.kind == Kind.NUMBER


def test_a_new_version_keeps_value_conditions_on_its_own_questions(survey, alice):
    scale = add(survey, kind=Kind.SCALE)
    add(survey, condition_question=scale, condition_operator="gte", condition_value=7)

    copy = services.new_version(survey=survey, user=alice)

    copied = list(copy.questions.order_by("page", "position"))
    assert copied[1].condition_question == copied[0]
    assert (copied[1].condition_operator, copied[1].condition_value) == ("gte", 7)
