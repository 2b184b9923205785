"""Helper of the backup/restore drill in .ci/run (Django settings from the environment).

python .ci/drill_snapshot.py upload    store one uploaded file through the import service
python .ci/drill_snapshot.py snapshot  print every model's row count and every media file's
                                       SHA-256, as JSON, for comparison before and after
"""

import hashlib
import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alxa_dangjian.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from alxa_dangjian.accounts.models import User  # noqa: E402
from alxa_dangjian.ledgers.imports.registry import get_importer  # noqa: E402
from alxa_dangjian.ledgers.imports.services import preview_upload  # noqa: E402


def upload() -> None:
    """The member-import template with one (incomplete) row: the preview lists its problems,
    and the file is kept with the batch like any upload."""
    importer = get_importer("members")
    workbook = load_workbook(io.BytesIO(importer.template_bytes()))
    workbook.active.append(["演练党员"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    batch = preview_upload(
        importer,
        SimpleUploadedFile("演练上传.xlsx", content),
        by=User.objects.get(username="shuji"),
    )
    sys.stdout.write(f"stored {batch.file.name} ({len(content)} bytes)\n")


def snapshot() -> None:
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models()}
    media_root = Path(settings.MEDIA_ROOT)
    media = {
        str(path.relative_to(media_root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media_root.rglob("*"))
        if path.is_file()
    }
    json.dump({"counts": counts, "media": media}, sys.stdout, indent=1, sort_keys=True)


{"upload": upload, "snapshot": snapshot}[sys.argv[1]]()
