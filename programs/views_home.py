"""The portal's front pages: the public home, and each role's home. They show programs and
events, so they live with the spectrum's pages, above the building blocks."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from engagement_portal.accounts import roles
from engagement_portal.accounts.models import Neighbourhood, Resident, User
from engagement_portal.accounts.services import role_of
from engagement_portal.core.mixins import (
    AdministratorRequiredMixin,
    CommandRequiredMixin,
    StaffRequiredMixin,
)
from events.selectors import open_accommodations_for, registrations_for_user
from programs.in_person.selectors_requests import open_requests_for, unrouted_requests
from programs.information.selectors import events_with_questions_waiting
from programs.models import EngagementType, Program
from programs.selectors import programs_managed_by, public_programs, spectrum_overview


@require_safe
def home(request):
    tiers = spectrum_overview()
    return render(
        request,
        "core/home.html",
        {"tiers": [row["tier"] for row in tiers], "program_count": public_programs().count()},
    )


ROLE_HOMES = {
    roles.ADMINISTRATOR: "core:admin-home",
    roles.COMMAND_STAFF: "core:command-home",
    roles.PROGRAM_STAFF: "core:staff-home",
    roles.RESIDENT: "core:resident-home",
}


@login_required
def role_home(request):
    """Where LOGIN_REDIRECT_URL points: each role lands on its own page."""
    return redirect(ROLE_HOMES[role_of(request.user)])


@login_required
def resident_home(request):
    resident = Resident.objects.filter(user=request.user).select_related("neighbourhood").first()
    return render(
        request,
        "core/resident_home.html",
        {"resident": resident, "registrations": registrations_for_user(request.user)},
    )


class StaffHomeView(StaffRequiredMixin, TemplateView):
    template_name = "core/staff_home.html"

    def get_context_data(self, **kwargs):
        managed = programs_managed_by(self.request.user)
        programs = list(managed.order_by("status", "title"))
        questions = list(events_with_questions_waiting(managed.values("pk")))
        can_handle = self.request.user.has_perm("programs.change_program")
        accommodations = (
            open_accommodations_for(self.request.user, timezone.now()).count() if can_handle else 0
        )
        requests = open_requests_for(self.request.user).count() if can_handle else 0
        return super().get_context_data(
            programs=programs,
            questions=questions,
            accommodations=accommodations,
            resident_requests=requests,
            **kwargs,
        )


class CommandHomeView(CommandRequiredMixin, TemplateView):
    template_name = "core/command_home.html"

    def get_context_data(self, **kwargs):
        overview = spectrum_overview()
        counts = Program.objects.aggregate(
            active=Count("pk", filter=Q(status=Program.Status.ACTIVE)),
            draft=Count("pk", filter=Q(status=Program.Status.DRAFT)),
            completed=Count("pk", filter=Q(status=Program.Status.COMPLETED)),
        )
        idle_tiers = [row["tier"] for row in overview if not row["active_count"]]
        personnel = User.objects.filter(
            Q(groups__permissions__codename="access_staff_portal")
        ).distinct()
        team_members = personnel.filter(
            Q(owned_programs__status=Program.Status.ACTIVE)
            | Q(team_programs__status=Program.Status.ACTIVE)
        ).distinct()
        return super().get_context_data(
            overview=overview,
            counts=counts,
            idle_tiers=idle_tiers,
            personnel_count=personnel.count(),
            engaged_personnel=team_members.count(),
            engaged_outside_outreach=team_members.exclude(unit__is_community_outreach=True).count(),
            **kwargs,
        )


class AdminHomeView(AdministratorRequiredMixin, TemplateView):
    template_name = "core/admin_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            user_count=User.objects.count(),
            resident_count=Resident.objects.count(),
            neighbourhood_count=Neighbourhood.objects.count(),
            type_count=EngagementType.objects.count(),
            import_url=reverse("admin:accounts_neighbourhood_import"),
            unrouted_requests=unrouted_requests().count(),
            **kwargs,
        )
