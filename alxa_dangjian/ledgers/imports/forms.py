from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from .reader import check_upload


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件",
        help_text="只接受 .xlsx 文件，第一个工作表的表头须与导入模板一致。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "上传并检查"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload)
        return upload
