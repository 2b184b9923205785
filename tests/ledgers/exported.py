"""Reading an exported ledger back in tests: POST the export, open the workbook."""

import io

from django.urls import reverse
from openpyxl import load_workbook

HEADER_ROW = 3  # title, subtitle, header


def export(client, code, **params):
    """The ledger `code` exported with `params`: (headers, rows as {header: value} dicts)."""
    response = client.post(reverse("ledgers:ledger-export", args=[code]), params)
    assert response.status_code == 200, response.content.decode()[:800]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = list(rows[0])
    return headers, [dict(zip(headers, row, strict=True)) for row in rows[1:]]
