"""Information sharing: public news with an Atom feed, residents' replies to announcements,
questions sent ahead of press conferences, and the staff pages that write announcements,
read replies and moderate questions."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from engagement_portal.core.http import limit_public_posts, too_many_requests
from engagement_portal.core.mixins import staff_only
from engagement_portal.core.services import audit_view
from events.hooks import Panel
from events.models import Event
from events.selectors import event_for_public_page
from programs.information import selectors as reply_selectors
from programs.information import services
from programs.information.forms import (
    AnnouncementForm,
    AnnouncementReplyForm,
    MarkHandledForm,
    ModerationNoteForm,
    NewsFilterForm,
    PressQuestionForm,
    ReplyFilterForm,
)
from programs.information.models import Announcement, AnnouncementReply, PressQuestion
from programs.selectors import user_can_manage_program
from surveys.models import pick

FEED_SIZE = 50
REPLIES_PER_PAGE = 50


def published_announcements():
    return Announcement.objects.filter(published_at__isnull=False).order_by("-published_at", "-pk")


def _localize(announcement: Announcement, language: str | None = None) -> Announcement:
    """Attach the title and text in `language` (default: the visitor's), falling back to
    English, with the language actually shown so the page can mark it with `lang`."""
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    announcement.display_title = pick(announcement.title, language)
    announcement.display_body = pick(announcement.body, language)
    has_own = bool(announcement.title.get(language))
    announcement.text_language = language if has_own else settings.LANGUAGE_CODE
    announcement.is_fallback = not has_own
    return announcement


# --- Public ----------------------------------------------------------------------------


@require_safe
def public_list(request):
    filters = NewsFilterForm(request.GET or None)
    announcements = published_announcements().prefetch_related("neighbourhoods")
    filtered = False
    if filters.is_bound and filters.is_valid():
        kind = filters.cleaned_data.get("kind")
        neighbourhood = filters.cleaned_data.get("neighbourhood")
        if kind:
            announcements = announcements.filter(kind=kind)
        if neighbourhood is not None:
            # An announcement that names no neighbourhood concerns the whole area.
            announcements = announcements.filter(
                Q(neighbourhoods=neighbourhood) | Q(neighbourhoods__isnull=True)
            ).distinct()
        filtered = bool(kind or neighbourhood)
    page = Paginator(announcements, 20).get_page(request.GET.get("page"))
    for announcement in page:
        _localize(announcement)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "information/announcements/public_list.html",
        {"filter_form": filters, "page": page, "query": query.urlencode(), "filtered": filtered},
    )


@require_safe
def public_detail(request, public_id):
    announcement = get_object_or_404(
        published_announcements().select_related("program").prefetch_related("neighbourhoods"),
        public_id=public_id,
    )
    return render(
        request,
        "information/announcements/public_detail.html",
        {"announcement": _localize(announcement)},
    )


def feed_language(request) -> str:
    """The feed's language: `?lang=` when it names one of the portal's languages (the news
    page links the feed in the reader's language), else the portal's default. Feed readers
    send no cookie and rarely an Accept-Language, so the address carries it."""
    asked = request.GET.get("lang", "")
    return asked if asked in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class AnnouncementFeed(Feed):
    """The latest published announcements as Atom, for feed readers and social-media tools,
    in the language the address asks for (see feed_language)."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        with translation.override(feed_language(request)):
            return super().__call__(request, *args, **kwargs)

    def title(self):
        return _("%(agency)s: news") % {"agency": settings.PORTAL_AGENCY_NAME}

    def subtitle(self):
        return _("News, traffic updates, requests for help and good stories.")

    def link(self):
        return reverse("announcements:public-list")

    def items(self):
        return published_announcements()[:FEED_SIZE]

    def item_title(self, item):
        return pick(item.title, get_language())

    def item_description(self, item):
        return Truncator(pick(item.body, get_language())).words(60)

    def item_link(self, item):
        return reverse("announcements:public-detail", args=[item.public_id])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_categories(self, item):
        return [item.get_kind_display()]


limit_questions = limit_public_posts("press-questions")


@limit_questions
@require_http_methods(["GET", "POST"])
def ask_question(request, public_id):
    if request.limited:
        return too_many_requests(request)
    event = event_for_public_page(public_id) if len(public_id) <= 16 else None
    if event is None or not services.is_press_conference(event):
        raise Http404
    problem = services.press_question_problem(event)
    form = None
    if not problem:
        form = PressQuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.submit_press_question(event=event, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Thank you. Staff will read your question before the press conference."),
            )
            return redirect("announcements:ask", public_id=event.public_id)
    questions = event.press_questions.filter(
        status__in=services.PUBLIC_QUESTION_STATUSES
    ).select_related("neighbourhood")
    return render(
        request,
        "information/announcements/ask.html",
        {"event": event, "form": form, "problem": problem, "questions": questions},
    )


limit_replies = limit_public_posts("announcement-replies")


@limit_replies
@require_http_methods(["GET", "POST"])
def reply(request, public_id):
    if request.limited:
        return too_many_requests(request)
    if len(public_id) > 16:
        raise Http404
    announcement = get_object_or_404(
        published_announcements().select_related("program"), public_id=public_id
    )
    form = AnnouncementReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_reply(announcement=announcement, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Thank you: staff will read what you sent. If you left a way to reach you, "
                    "they may contact you for more details."
                ),
            )
            return redirect("announcements:public-detail", public_id=announcement.public_id)
    return render(
        request,
        "information/announcements/reply.html",
        {"announcement": _localize(announcement), "form": form},
    )


# --- Staff -----------------------------------------------------------------------------


@staff_only
@require_safe
def staff_list(request):
    announcements = reply_selectors.with_reply_counts(
        Announcement.objects.select_related("program", "author")
    ).order_by("-created_at", "-pk")
    page = Paginator(announcements, 25).get_page(request.GET.get("page"))
    editable = reply_selectors.announcements_user_can_edit(request.user, page.object_list)
    for announcement in page:
        _localize(announcement)
        announcement.can_edit = announcement.pk in editable
    return render(request, "information/announcements/staff_list.html", {"page": page, "query": ""})


def _save_announcement(request, form, announcement=None):
    """Run the service for a valid form; on a refusal put the reason on the form."""
    titles, bodies = form.texts()
    data = form.cleaned_data
    fields = {
        "titles": titles,
        "bodies": bodies,
        "kind": data["kind"],
        "program": data.get("program"),
        "neighbourhoods": data.get("neighbourhoods") or [],
    }
    try:
        if announcement is None:
            return services.create_announcement(author=request.user, **fields)
        return services.update_announcement(announcement=announcement, user=request.user, **fields)
    except ValidationError as error:
        form.add_error(None, error)
    except PermissionDenied:
        form.add_error("program", _("You can only choose a program you run."))
    return None


@login_required
@permission_required(("accounts.access_staff_portal", "programs.add_program"), raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_create(request):
    form = AnnouncementForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        announcement = _save_announcement(request, form)
        if announcement is not None:
            messages.success(request, _("Announcement saved as a draft."))
            return redirect("announcements:staff-edit", pk=announcement.pk)
    return render(
        request, "information/announcements/staff_form.html", {"form": form, "creating": True}
    )


def _editable_announcement(request, pk) -> Announcement:
    announcement = get_object_or_404(Announcement.objects.select_related("program"), pk=pk)
    if not services.user_can_edit_announcement(request.user, announcement):
        raise PermissionDenied
    return announcement


@staff_only
def staff_edit(request, pk):
    announcement = _editable_announcement(request, pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = AnnouncementForm(request.POST or None, user=request.user, announcement=announcement)
    saved = request.method == "POST" and form.is_valid()
    if saved and _save_announcement(request, form, announcement) is not None:
        messages.success(request, _("Changes saved."))
        return redirect("announcements:staff-edit", pk=announcement.pk)
    return render(
        request,
        "information/announcements/staff_form.html",
        {
            "form": form,
            "announcement": announcement,
            "replies": reply_selectors.reply_counts(announcement),
        },
    )


@staff_only
def staff_publish(request, pk):
    announcement = _editable_announcement(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if announcement.published_at is None:
        services.publish_announcement(announcement=announcement, user=request.user)
        messages.success(request, _("Published on the news page and in the feed."))
    else:
        services.unpublish_announcement(announcement=announcement, user=request.user)
        messages.success(request, _("Taken back to draft: it is no longer shown to the public."))
    return redirect("announcements:staff-edit", pk=announcement.pk)


@staff_only
@require_safe
def staff_questions(request, pk):
    event = get_object_or_404(
        Event.objects.select_related("program__engagement_type", "program__owner"), pk=pk
    )
    if not user_can_manage_program(request.user, event.program):
        raise PermissionDenied
    if not services.is_press_conference(event):
        raise Http404
    questions = list(event.press_questions.select_related("neighbourhood", "moderated_by"))
    groups = [
        (value, label, [q for q in questions if q.status == value])
        for value, label in PressQuestion.Status.choices
    ]
    audit_view(
        actor=request.user,
        page="announcements:staff-questions",
        target=event,
        program=event.program_id,
        questions=[question.pk for question in questions],
    )
    return render(
        request,
        "information/announcements/staff_questions.html",
        {"event": event, "groups": groups, "total": len(questions)},
    )


@staff_only
def staff_moderate(request, question_pk, action):
    question = get_object_or_404(
        PressQuestion.objects.select_related("event__program"), pk=question_pk
    )
    if not user_can_manage_program(request.user, question.event.program):
        raise PermissionDenied
    if action not in services.MODERATION_ACTIONS:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ModerationNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long: keep it under 2000 characters."))
        return redirect("announcements:staff-questions", pk=question.event_id)
    question = services.moderate_press_question(
        question=question, action=action, user=request.user, note=form.cleaned_data["note"]
    )
    messages.success(
        request,
        _("Question marked “%(status)s”.") % {"status": question.get_status_display()},
    )
    return redirect("announcements:staff-questions", pk=question.event_id)


@staff_only
def staff_replies(request, pk):
    """Residents' replies to one announcement. Tips can name people, so every view of this
    page is audit-logged; marking one followed up is a POST back to it."""
    announcement = _editable_announcement(request, pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        action = MarkHandledForm(request.POST)
        reply = None
        if action.is_valid():
            reply = AnnouncementReply.objects.filter(
                announcement=announcement, pk=action.cleaned_data["reply"]
            ).first()
        if reply is None:
            messages.error(request, _("That reply is not one of this announcement's replies."))
        else:
            services.mark_reply_handled(reply=reply, user=request.user)
            messages.success(request, _("Reply marked as followed up."))
        return redirect(_replies_url(announcement, action.data.get("show", "")))
    filters = ReplyFilterForm(request.GET or None)
    show = filters.show_value()
    page = Paginator(
        reply_selectors.replies_for_staff(announcement, show=show), REPLIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    for reply in page:
        reply.contact_display, reply.contact_href = reply_selectors.contact_link(reply.contact)
    services.log_replies_view(
        user=request.user, announcement=announcement, shown=len(page), page=page.number
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "information/announcements/staff_replies.html",
        {
            "announcement": _localize(announcement),
            "filter_form": filters,
            "show": show,
            "page": page,
            "query": query.urlencode(),
            "counts": reply_selectors.reply_counts(announcement),
        },
    )


def _replies_url(announcement: Announcement, show: str) -> str:
    url = reverse("announcements:staff-replies", args=[announcement.pk])
    return f"{url}?show={show}" if show in ("open", "handled") else url


def event_panel(request, event) -> Panel | None:
    """On a press conference's staff page: the questions sent in advance, and the way to
    moderate them (events.hooks)."""
    if not services.is_press_conference(event):
        return None
    return Panel(
        "information/announcements/_event_questions_panel.html",
        reply_selectors.question_counts(event),
    )
