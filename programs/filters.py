import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Language, Neighbourhood
from programs.models import EngagementType, Program, Tier


def staff_users():
    return (
        get_user_model()
        .objects.filter(
            Q(groups__permissions__codename="access_staff_portal") | Q(is_superuser=True)
        )
        .distinct()
        .order_by("full_name")
    )


class StaffProgramFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    tier = django_filters.ModelChoiceFilter(
        label=_("Tier"), field_name="engagement_type__tier", queryset=Tier.objects.all()
    )
    engagement_type = django_filters.ModelChoiceFilter(
        label=_("Engagement type"), queryset=EngagementType.objects.all()
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Program.Status.choices)
    neighbourhood = django_filters.ModelChoiceFilter(
        label=_("Neighbourhood"), field_name="neighbourhoods", queryset=Neighbourhood.objects.all()
    )
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=staff_users())

    class Meta:
        model = Program
        fields = ["q", "tier", "engagement_type", "status", "neighbourhood", "owner"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value)
            | Q(intention__icontains=value)
            | Q(description__icontains=value)
        )

    @property
    def qs(self):
        return super().qs.distinct()


class CatalogueFilterForm(django_filters.FilterSet):
    """Only used for its form: the catalogue groups results itself (selectors.public_catalogue)."""

    neighbourhood = django_filters.ModelChoiceFilter(
        label=_("Neighbourhood"), queryset=Neighbourhood.objects.all(), method="noop"
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language"), queryset=Language.objects.all(), method="noop"
    )

    class Meta:
        model = Program
        fields = ["neighbourhood", "language"]

    def noop(self, queryset, name, value):
        return queryset
