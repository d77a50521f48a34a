"""The error summary at the top of a form (templates/partials/_form_errors.html) and
crispy's own list of the form's non-field errors must not both show them."""

from django import template

register = template.Library()


@register.simple_tag
def summarise_errors(form) -> str:
    """Note on `form` that its errors are in a summary, so that crispy's errors template
    (templates/bootstrap5/errors.html) leaves out the non-field ones. Renders nothing."""
    form.errors_summarised = True
    return ""
