from django.conf import settings


def portal(request):
    return {
        "AGENCY_NAME": settings.PORTAL_AGENCY_NAME,
        "EMERGENCY_NUMBER": settings.PORTAL_EMERGENCY_NUMBER,
    }
