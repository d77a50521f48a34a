from django import template

from events import services

register = template.Library()


@register.filter
def seats_left(event) -> int | None:
    """Seats still free (None: no limit), from the counts selectors annotate when present."""
    if event.capacity is None:
        return None
    taken = getattr(event, "seats_taken_n", None)
    if taken is None:
        return services.seats_left(event)
    return max(event.capacity - taken, 0)
