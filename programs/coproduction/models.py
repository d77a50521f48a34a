"""Tier 5, co-produced solutions: standing groups with items under review and public
comment, and recommendations with "You said, we did". Importing the blocks' models here
registers them with the app."""

from programs.coproduction.models_groups import (  # noqa: F401
    GroupMember,
    MeetingRecord,
    PublicComment,
    ReviewDocument,
    ReviewItem,
)
from programs.coproduction.models_recommendations import (  # noqa: F401
    Recommendation,
    RecommendationFollower,
    RecommendationUpdate,
)
