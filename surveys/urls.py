from django.urls import path

from . import views_builder as builder
from . import views_distribution as distribution
from . import views_public as public
from . import views_results as results

app_name = "surveys"

urlpatterns = [
    # Public: no account. Surveys by random public_id; invitation tokens only in the one
    # URL that redirects at once to a token-free address.
    path("surveys/i/<str:token>/", public.invitation, name="invitation"),
    path("surveys/<str:public_id>/", public.answer, name="answer"),
    path("surveys/<str:public_id>/thanks/", public.thanks, name="thanks"),
    path("surveys/<str:public_id>/kiosk/", public.kiosk, name="kiosk"),
    path("surveys/<str:public_id>/qr.<str:fmt>", public.qr, name="qr"),
    path("surveys/<str:public_id>/print/<str:lang>/", public.printable, name="print"),
    path("surveys/<str:public_id>/results/", results.public_results, name="public-results"),
    # Staff: building.
    path("staff/surveys/", builder.survey_list, name="staff-list"),
    path("staff/surveys/new/", builder.survey_create, name="staff-create"),
    path("staff/surveys/trends/", results.trends, name="staff-trends"),
    path("staff/surveys/<int:pk>/", builder.survey_detail, name="staff-detail"),
    path("staff/surveys/<int:pk>/edit/", builder.survey_edit, name="staff-edit"),
    path("staff/surveys/<int:pk>/questions/new/", builder.question_add, name="staff-question-add"),
    path("staff/surveys/<int:pk>/bank/", builder.bank_add, name="staff-bank-add"),
    path("staff/surveys/<int:pk>/translations/", builder.translations, name="staff-translations"),
    path("staff/surveys/<int:pk>/status/", builder.status, name="staff-status"),
    path("staff/surveys/<int:pk>/new-version/", builder.version, name="staff-version"),
    path(
        "staff/surveys/questions/<int:question_pk>/",
        builder.question_edit,
        name="staff-question-edit",
    ),
    path(
        "staff/surveys/questions/<int:question_pk>/move/",
        builder.question_move,
        name="staff-question-move",
    ),
    path(
        "staff/surveys/questions/<int:question_pk>/delete/",
        builder.question_delete,
        name="staff-question-delete",
    ),
    # Staff: paper entry.
    path("staff/surveys/<int:pk>/paper/", public.paper_entry, name="staff-paper"),
    path("staff/surveys/<int:pk>/paper/undo/", public.paper_entry_undo, name="staff-paper-undo"),
    # Staff: distribution.
    path(
        "staff/surveys/<int:pk>/distributions/",
        distribution.distribution_list,
        name="staff-distributions",
    ),
    path(
        "staff/surveys/distributions/<int:distribution_pk>/",
        distribution.distribution_detail,
        name="staff-distribution",
    ),
    path(
        "staff/surveys/distributions/<int:distribution_pk>/<str:action>/",
        distribution.distribution_action,
        name="staff-distribution-action",
    ),
    # Staff: results.
    path("staff/surveys/<int:pk>/results/", results.results, name="staff-results"),
    path("staff/surveys/<int:pk>/results.csv", results.results_csv, name="staff-results-csv"),
    path("staff/surveys/<int:pk>/publish/", results.publish, name="staff-publish"),
]
