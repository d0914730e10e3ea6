"""Demo content of AI-OCR: two city-wide form definitions (a 住民票 application and a business notification, made
from the sample set in samples/, see bench/ocr_corpus/make_corpus.py) and one batch of four scanned pages filed
by the demo 課 user; the worker that `make run` starts reads it."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.files import File

from civicdx.core.models import Municipality, User
from civicdx.core.permissions import command_line_actor
from civicdx.ocr import services
from civicdx.ocr.models import Batch, FormDefinition, FormVersion

SAMPLES = Path(__file__).parent / "samples"
DEMO_FORMS = {"shinsei": ("住民票の写し等交付申請書", "utf-8-sig"), "todoke": ("事業所等設置・変更・廃止届出書", "cp932")}
DEMO_SCANS = ["shinsei_clean.jpg", "shinsei_rotated.jpg", "shinsei_upside_down.jpg", "mixed.pdf"]


def _file(path: Path, name: str | None = None) -> File:
    upload = File(open(path, "rb"), name=name or path.name)
    upload.size = path.stat().st_size
    return upload


def demo_load_ocr(*, municipality: Municipality) -> dict:
    for batch in Batch.objects.filter(municipality=municipality):
        services.scans_delete(batch)
    Batch.objects.filter(municipality=municipality).delete()
    for version in FormVersion.objects.filter(definition__municipality=municipality):
        version.template.delete(save=False)
    FormDefinition.objects.filter(municipality=municipality).delete()
    actor = command_line_actor()
    for key, (name, encoding) in DEMO_FORMS.items():
        folder = SAMPLES / "forms" / key
        fields = json.loads((folder / "fields.json").read_text(encoding="utf-8"))
        with _file(folder / "template.png") as template:
            services.definition_create(actor=actor, municipality=municipality, template=template, fields=fields,
                                       data={"name": name, "csv_encoding": encoding,
                                             "description": "デモ用の様式（合成）"})
    clerk = User.objects.filter(username="ka", municipality=municipality).select_related("org_unit").first()
    batches = 0
    if clerk is not None and clerk.org_unit is not None:
        uploads = [_file(SAMPLES / name) for name in DEMO_SCANS]
        try:
            services.batch_create(actor=clerk, uploads=uploads, data={"title": "窓口の申請書・届出書 11月分（デモ・合成）"})
        finally:
            for upload in uploads:
                upload.close()
        batches = 1
    return {"forms": len(DEMO_FORMS), "batches": batches}
