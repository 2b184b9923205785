"""The crispy layout every branches form uses: a submit button, fields two to a row."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit


def submit_helper(label: str = "保存") -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


def two_columns(fields) -> Layout:
    names = list(fields)
    return Layout(
        *(
            Row(*(Column(name, css_class="col-md-6") for name in names[i : i + 2]))
            for i in range(0, len(names), 2)
        )
    )
