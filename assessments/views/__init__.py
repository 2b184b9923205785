"""Each view module of the app declares its own `urlpatterns`; assessments/urls.py joins them."""

from django.core.exceptions import ValidationError


def error_text(error: ValidationError) -> str:
    """A service's refusal as one line, for a message or a form's top error."""
    return " ".join(error.messages)
