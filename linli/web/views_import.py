"""Excel import and export of residents (being written: see people/services/imports.py)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def resident_import(request: HttpRequest) -> HttpResponse:
    raise Http404


def resident_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def resident_export(request: HttpRequest) -> HttpResponse:
    raise Http404
