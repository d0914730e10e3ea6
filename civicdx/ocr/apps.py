from django.apps import AppConfig


class OcrConfig(AppConfig):
    name = "civicdx.ocr"
    label = "ocr"
    verbose_name = "AI-OCR"
