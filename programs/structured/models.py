"""Tier 3, structured agency programs: applications and selection, cohorts and
certificates, volunteers. Each block keeps its models in its own module; importing them
here registers them with the app."""

from programs.structured.models_applications import (  # noqa: F401
    Acknowledgement,
    Application,
    ApplicationForm,
    ApplicationNote,
    ApplicationQuestion,
)
from programs.structured.models_cohorts import (  # noqa: F401
    AlumniInvitation,
    Attendance,
    Cohort,
    CohortMember,
    CohortSession,
)
from programs.structured.models_volunteers import (  # noqa: F401
    Certification,
    HoursEntry,
    Shift,
    ShiftSignup,
    Training,
    Volunteer,
    VolunteerRole,
)
