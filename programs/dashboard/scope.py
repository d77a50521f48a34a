"""What a dashboard page is looking at: a period and optional tier, type, program and
neighbourhood. Every dashboard selector takes a Scope; every figure links on with it."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Neighbourhood
from programs.models import EngagementType, Program, Tier

DEFAULT_DAYS = 90
MAX_DAYS = 366 * 10


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    tier: Tier | None = None
    engagement_type: EngagementType | None = None
    program: Program | None = None
    neighbourhood: Neighbourhood | None = None

    @classmethod
    def default(cls, today: date | None = None) -> "Scope":
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=DEFAULT_DAYS - 1), end=today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Scope":
        """The period of the same length just before this one, with the same filters."""
        end = self.start - timedelta(days=1)
        return replace(self, start=end - timedelta(days=self.days - 1), end=end)

    def q(
        self,
        *,
        day="day",
        tier="tier",
        engagement_type="engagement_type",
        program="program",
        neighbourhood="neighbourhood",
        with_neighbourhood: bool = True,
    ) -> Q:
        """Filter for a summary table; pass None for a dimension the table doesn't have."""
        q = Q(**{f"{day}__gte": self.start, f"{day}__lte": self.end}) if day else Q()
        if self.tier and tier:
            q &= Q(**{tier: self.tier.number})
        if self.engagement_type and engagement_type:
            q &= Q(**{f"{engagement_type}_id": self.engagement_type.pk})
        if self.program and program:
            q &= Q(**{f"{program}_id": self.program.pk})
        if self.neighbourhood and neighbourhood and with_neighbourhood:
            q &= Q(**{f"{neighbourhood}_id": self.neighbourhood.pk})
        return q

    @property
    def key(self) -> tuple:
        """Every value of the scope a query is built from, as plain values (a model
        instance compares by primary key alone): see compiled.py."""
        return (
            self.start,
            self.end,
            (self.tier.pk, self.tier.number) if self.tier else None,
            self.engagement_type.pk if self.engagement_type else None,
            self.program.pk if self.program else None,
            self.neighbourhood.pk if self.neighbourhood else None,
        )

    def params(self, **overrides) -> dict[str, str]:
        values = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "tier": str(self.tier.number) if self.tier else "",
            "type": str(self.engagement_type.pk) if self.engagement_type else "",
            "program": str(self.program.pk) if self.program else "",
            "neighbourhood": str(self.neighbourhood.pk) if self.neighbourhood else "",
        }
        values.update({k: str(v) for k, v in overrides.items()})
        return {k: v for k, v in values.items() if v}

    def querystring(self, **overrides) -> str:
        return urlencode(self.params(**overrides))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


class Select(forms.Select):
    """forms.Select giving the HTML of Django's select templates, written out here: the
    templates include a template per option, and the filter bar has over a hundred
    options (every neighbourhood) on every dashboard page."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            out.extend(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # every value above is escaped


class ScopeForm(forms.Form):
    """The filter bar. Bad values are ignored with a message, never a 500."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.all(),
        to_field_name="number",
        required=False,
        empty_label=_("All tiers"),
        widget=Select,
    )
    type = forms.ModelChoiceField(
        label=_("Engagement type"),
        queryset=EngagementType.objects.select_related("tier"),
        required=False,
        empty_label=_("All types"),
        widget=Select,
    )
    # A city has thousands of programs: the filter keeps the chosen one as a hidden value
    # (so `?program=<pk>` links keep working) and finds others by name on request, instead
    # of listing every program on every page.
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.exclude(status=Program.Status.DRAFT),
        required=False,
        widget=forms.HiddenInput,
    )
    program_search = forms.CharField(
        label=_("Find a program by name"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.order_by("name"),
        required=False,
        empty_label=_("Whole city"),
        widget=Select,
    )

    EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)

    def _in_range(self, field: str):
        value = self.cleaned_data.get(field)
        if value and not (self.EARLIEST <= value <= self.LATEST):
            raise forms.ValidationError(_("Choose a date between 2000 and 2099."))
        return value

    def clean_start(self):
        return self._in_range("start")

    def clean_end(self):
        return self._in_range("end")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period must be after its start."))
        if start and end and (end - start).days > MAX_DAYS:
            self.add_error("start", _("Choose a period of ten years or less."))
        return cleaned

    @property
    def filter_fields(self):
        """The fields laid out in the filter bar's grid (the program has its own finder)."""
        return [self[name] for name in ("start", "end", "tier", "type", "neighbourhood")]

    @cached_property
    def program_finder(self) -> "ProgramFinder":
        """The chosen program and, when a name was searched for, the programs that match
        (for the scope this form last worked out)."""
        scope = getattr(self, "_scope", None) or self.scope()
        term = ""
        if self.is_bound and "program_search" not in self.errors:
            term = self.cleaned_data.get("program_search") or ""
        return ProgramFinder.of(scope, term)

    def scope(self, today: date | None = None) -> Scope:
        """The scope asked for, falling back to the default for anything invalid."""
        default = Scope.default(today)
        if not self.is_bound or not self.is_valid():
            data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
            data = {k: v for k, v in data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        start = data.get("start") or (
            data["end"] - timedelta(days=DEFAULT_DAYS - 1) if data.get("end") else default.start
        )
        end = data.get("end") or (
            start + timedelta(days=DEFAULT_DAYS - 1) if data.get("start") else default.end
        )
        if end < start:
            start, end = default.start, default.end
        self._scope = Scope(
            start=start,
            end=end,
            tier=data.get("tier"),
            engagement_type=data.get("type"),
            program=data.get("program"),
            neighbourhood=data.get("neighbourhood"),
        )
        return self._scope


@dataclass(frozen=True)
class ProgramMatch:
    title: str
    type_name: str
    querystring: str  # the scope with this program chosen


@dataclass(frozen=True)
class ProgramFinder:
    """What the filter bar shows about programs: the chosen one (with a link back to all
    programs) and, after a search, at most MATCHES programs whose name contains the
    words typed, within the tier and type chosen. One query, and only when searching."""

    MATCHES = 20

    scope: Scope
    term: str = ""
    matches: tuple[ProgramMatch, ...] = ()
    more: bool = False  # more programs match than are listed

    @classmethod
    def of(cls, scope: Scope, term: str) -> "ProgramFinder":
        if not term:
            return cls(scope)
        found = Program.objects.exclude(status=Program.Status.DRAFT)
        for word in term.split():
            found = found.filter(title__icontains=word)
        if scope.tier:
            found = found.filter(engagement_type__tier=scope.tier)
        if scope.engagement_type:
            found = found.filter(engagement_type=scope.engagement_type)
        rows = list(
            found.order_by("title", "pk").values_list("pk", "title", "engagement_type__name")[
                : cls.MATCHES + 1
            ]
        )
        matches = tuple(
            ProgramMatch(title, _type_name(type_name), scope.querystring(program=pk))
            for pk, title, type_name in rows[: cls.MATCHES]
        )
        return cls(scope, term, matches, more=len(rows) > cls.MATCHES)

    @property
    def all_programs_querystring(self) -> str:
        return self.scope.querystring(program="")


def _type_name(name: str) -> str:
    # Seeded type names are in the catalogues (as EngagementType.display_name).
    return gettext(name)


def scope_from_request(request, today: date | None = None) -> tuple[Scope, ScopeForm]:
    form = ScopeForm(request.GET or None)
    scope = form.scope(today)
    if not form.is_bound:
        # Show the default period in the date fields rather than empty ones.
        form = ScopeForm(initial={"start": scope.start, "end": scope.end})
        form._scope = scope
    return scope, form
