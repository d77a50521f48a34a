"""Dates and times as the pages write them (issue 17, item 12)."""

from datetime import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

MOMENT = datetime(2026, 12, 8, 10, 0)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_sentence_that_ends_with_a_time_ends_with_one_full_stop(language, settings):
    settings.USE_TZ = True
    moment = timezone.make_aware(MOMENT)
    template = Template(
        '{% load i18n %}{% blocktranslate with start=start|date:"DATETIME_FORMAT" %}'
        "Staff propose {{ start }}.{% endblocktranslate %} "
        '{{ start|time:"TIME_FORMAT" }}.'
    )
    with translation.override(language):
        text = template.render(Context({"start": moment}))
    assert ".." not in text, text
    assert "10" in text


def test_english_times_read_as_hours_and_minutes_with_am_or_pm():
    template = Template('{{ start|time:"TIME_FORMAT" }} · {{ start|date:"DATETIME_FORMAT" }}')
    with translation.override("en"):
        text = template.render(Context({"start": MOMENT.replace(hour=18, minute=30)}))
    assert text == "6:30 PM · Dec. 8, 2026, 6:30 PM"


def test_a_non_field_error_shows_once_with_the_summary_and_still_shows_without_it():
    from django import forms

    class Form(forms.Form):
        name = forms.CharField()

        def clean(self):
            raise forms.ValidationError("These dates overlap.")

    with_summary = Template(
        '{% load crispy_forms_tags %}{% include "partials/_form_errors.html" %}{{ form|crispy }}'
    ).render(Context({"form": Form({"name": "Rosa"})}))
    assert with_summary.count("These dates overlap.") == 1
    without = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(
        Context({"form": Form({"name": "Rosa"})})
    )
    assert without.count("These dates overlap.") == 1


@pytest.mark.parametrize("language, expected", [("en", "Tue 8 Dec 2026"), ("es", "mar 8 dic 2026")])
def test_short_dates_in_drop_downs_are_written_out(language, expected):
    from django.utils.formats import date_format

    with translation.override(language):
        assert date_format(MOMENT, "SHORT_DATE_FORMAT") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Tue 8 Dec 2026 · 8 Dec 2026, 10:00"), ("es", "mar 8 dic 2026 · 8 dic 2026, 10:00")],
)
def test_month_abbreviations_are_written_as_each_language_writes_them(language, expected):
    """Spanish writes "dic", not "Dic" (Django's format M capitalises it)."""
    template = Template('{{ day|abbr_date:"D j M Y" }} · {{ day|abbr_date:"j M Y, H:i" }}')
    with translation.override(language):
        assert template.render(Context({"day": MOMENT})) == expected


def test_no_template_writes_a_month_abbreviation_with_django_s_own_date_filter():
    """Every `date:"... M ..."` in a template would capitalise Spanish months again."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    pattern = re.compile(r'\|date:"(?![A-Z_]+FORMAT")[^"]*M[^"]*"')
    offenders = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        for match in pattern.finditer(path.read_text())
    ]
    assert offenders == []
