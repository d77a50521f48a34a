from django import template

from programs.dashboard.refresh import figures_as_of as _figures_as_of

register = template.Library()


@register.simple_tag
def figures_as_of():
    """When the summaries these pages read last included every recorded fact."""
    return _figures_as_of()
