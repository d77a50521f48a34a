from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from engagement_portal.core.mixins import StaffRequiredMixin
from programs import selectors, services
from programs.filters import CatalogueFilterForm, StaffProgramFilter
from programs.forms import ProgramForm, ProgramStatusForm

# --- Public ---------------------------------------------------------------------------


@require_safe
def catalogue(request):
    filters = CatalogueFilterForm(request.GET or None)
    neighbourhood = language = None
    if filters.is_bound and filters.form.is_valid():
        neighbourhood = filters.form.cleaned_data.get("neighbourhood")
        language = filters.form.cleaned_data.get("language")
    tiers = selectors.public_catalogue(neighbourhood=neighbourhood, language=language)
    return render(
        request,
        "programs/catalogue.html",
        {
            "filter_form": filters.form,
            "tiers": tiers,
            "result_count": sum(len(programs) for _tier, programs in tiers),
            "filtered": bool(neighbourhood or language),
        },
    )


@require_safe
def public_detail(request, slug):
    program = get_object_or_404(
        selectors.public_programs().prefetch_related("languages", "neighbourhoods", "partners"),
        slug=slug,
    )
    return render(request, "programs/public_detail.html", {"program": program})


# --- Staff ----------------------------------------------------------------------------


class ProgramListView(StaffRequiredMixin, TemplateView):
    template_name = "programs/staff_list.html"

    def get_context_data(self, **kwargs):
        program_filter = StaffProgramFilter(
            self.request.GET or None, queryset=selectors.programs_for_staff()
        )
        page = Paginator(program_filter.qs.order_by("title"), 25).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=program_filter, page=page, query=query.urlencode(), **kwargs
        )


class ProgramCreateView(StaffRequiredMixin, TemplateView):
    permission_required = ("accounts.access_staff_portal", "programs.add_program")
    template_name = "programs/program_form.html"

    def get(self, request):
        form = ProgramForm(initial={"engagement_type": request.GET.get("engagement_type")})
        return self.render_to_response({"form": form, "creating": True})

    def post(self, request):
        form = ProgramForm(request.POST)
        if not form.is_valid():
            return self.render_to_response({"form": form, "creating": True})
        program = services.create_program(form=form, owner=request.user)
        messages.success(request, _("Program “%(title)s” created as a draft.") % {"title": program})
        return redirect(program.get_staff_url())


def _staff_program(pk):
    return get_object_or_404(selectors.program_for_staff_page(), pk=pk)


class ProgramDetailView(StaffRequiredMixin, TemplateView):
    template_name = "programs/staff_detail.html"

    def get_context_data(self, pk, **kwargs):
        program = _staff_program(pk)
        can_manage = selectors.user_can_manage_program(self.request.user, program)
        allowed = services.allowed_transitions(program)
        status_form = ProgramStatusForm(program=program, allowed=allowed) if allowed else None
        from events.selectors import program_events_for_staff_page
        from programs.coproduction.selectors_recommendations import program_recommendations
        from programs.selectors_blocks import building_block_summary

        return super().get_context_data(
            blocks=building_block_summary(program),
            program=program,
            can_manage=can_manage,
            status_form=status_form,
            events=program_events_for_staff_page(program),
            recommendations=program_recommendations(program),
            **kwargs,
        )


class ProgramEditView(StaffRequiredMixin, TemplateView):
    permission_required = ("accounts.access_staff_portal", "programs.change_program")
    template_name = "programs/program_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.program = _staff_program(kwargs["pk"])
        if not selectors.user_can_manage_program(request.user, self.program):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        form = ProgramForm(instance=self.program)
        return self.render_to_response({"form": form, "program": self.program})

    def post(self, request, pk):
        form = ProgramForm(request.POST, instance=self.program)
        if not form.is_valid():
            return self.render_to_response({"form": form, "program": self.program})
        program = services.update_program(form=form, user=request.user)
        messages.success(request, _("Changes saved."))
        return redirect(program.get_staff_url())


class ProgramStatusView(StaffRequiredMixin, TemplateView):
    permission_required = ("accounts.access_staff_portal", "programs.change_program")
    template_name = "programs/staff_detail.html"
    http_method_names = ["post"]

    def post(self, request, pk):
        program = _staff_program(pk)
        if not selectors.user_can_manage_program(request.user, program):
            raise PermissionDenied
        form = ProgramStatusForm(
            request.POST, program=program, allowed=services.allowed_transitions(program)
        )
        if form.is_valid():
            try:
                program = services.change_program_status(
                    program=program,
                    status=form.cleaned_data["status"],
                    outcome=form.cleaned_data["outcome"],
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("The program is now %(status)s.")
                    % {"status": program.get_status_display().lower()},
                )
                return redirect(program.get_staff_url())
        return self.render_to_response(
            {"program": program, "can_manage": True, "status_form": form}
        )


class SpectrumView(StaffRequiredMixin, TemplateView):
    permission_required = ("accounts.access_staff_portal", "programs.view_spectrum")
    template_name = "programs/spectrum.html"

    def get_context_data(self, **kwargs):
        overview = selectors.spectrum_overview()
        return super().get_context_data(
            overview=overview,
            idle_tiers=[row["tier"] for row in overview if row["idle"]],
            **kwargs,
        )
