"""Form helpers every app uses: a date input, several files in one field, and a service's
refusal shown on the form."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_error(form: forms.Form, error: ValidationError, aliases=None) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one
    (`aliases` maps a service's name for a field to the form's)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        field = (aliases or {}).get(field, field)
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(None if field == NON_FIELD_ERRORS else target, message)


def call_service(form: forms.Form, write, /, *args, **kwargs):
    """`write(*args, **kwargs)` with its refusal shown on `form` (see add_service_error):
    returns what it returns, or None when it refused; the form then has errors."""
    try:
        return write(*args, **kwargs)
    except ValidationError as error:
        add_service_error(form, error)
        return None


def fields_of(form: forms.Form, *names: str) -> dict:
    """The cleaned values of `names`, as keyword arguments of a service named like the form."""
    return {name: form.cleaned_data[name] for name in names}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is judged by `core.files.check_upload`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        # Emptiness, size and type are the service's rules (`check_upload`), with its messages.
        files = [f for f in files if hasattr(f, "name") and hasattr(f, "size")]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files
