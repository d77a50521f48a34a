import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Language, Neighbourhood
from programs.models import EngagementType, Tier

from .models import Event


class PublicEventFilter(django_filters.FilterSet):
    """Filters of the public event list. A value that does not parse is ignored, never a 500:
    django-filter leaves invalid fields out of cleaned_data and the form shows the error."""

    tier = django_filters.ModelChoiceFilter(
        label=_("Tier"),
        field_name="program__engagement_type__tier",
        queryset=Tier.objects.all(),
        empty_label=_("Any tier"),
    )
    engagement_type = django_filters.ModelChoiceFilter(
        label=_("Kind of event"),
        field_name="program__engagement_type",
        queryset=EngagementType.objects.all(),
        empty_label=_("Any kind"),
    )
    neighbourhood = django_filters.ModelChoiceFilter(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        empty_label=_("Anywhere"),
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language"),
        queryset=Language.objects.all(),
        method="spoken_in",
        empty_label=_("Any language"),
    )
    date_from = django_filters.DateFilter(
        label=_("From"),
        field_name="starts_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("Until"),
        field_name="starts_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Event
        fields = ["tier", "engagement_type", "neighbourhood", "language", "date_from", "date_to"]

    def spoken_in(self, queryset, name, value):
        # A subquery rather than a join: joining languages would multiply the seat sums
        # that public_events() annotates.
        spoken = Event.languages.through.objects.filter(language=value).values("event_id")
        return queryset.filter(pk__in=spoken)
