"""Serving stored files: private ones only after the owning object's policy, public ones
(reward photos) to anyone — always with an explicit type and headers that stop a browser
from running anything in them.

- The content type comes from the name ``linli.core.uploads`` chose, never from the bytes or
  the uploader; ``X-Content-Type-Options: nosniff`` stops browsers guessing;
  ``Content-Security-Policy: default-src 'none'; sandbox`` means that even a file opened as
  a page (a PDF, or an old upload) runs no script and reaches nothing; anything that is not
  an image is an attachment (downloaded, not shown in the site's origin).
- In production nginx sends the bytes: with ``LINLI_X_ACCEL_REDIRECT`` set (e.g.
  ``/_protected/``), the view checks permission and answers with an empty body and an
  ``X-Accel-Redirect`` header naming the file under that internal location
  (deploy/nginx/linli-locations.conf, docs/deployment.md). Otherwise the view streams the
  file through the storage API, which works for any storage (file system, S3).
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from linli.core.uploads import stored_content_type

FILE_CSP = "default-src 'none'; sandbox"
PUBLIC_PREFIX = "public/"


def _headers(response: HttpResponseBase, name: str, *, download_name: str, public: bool) -> None:
    content_type = stored_content_type(name)
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    inline = content_type.startswith("image/")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=not inline, filename=download_name) or ""
    )
    # Names are random and never reused, so a file never changes under its URL.
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if public else "private, max-age=3600"
    )


def serve_stored(name: str, *, download_name: str = "", public: bool = False) -> HttpResponseBase:
    """Answer with the stored file ``name`` (the caller has already checked permission);
    ``download_name`` is the file's name without extension (the stored one is added)."""
    if not name:
        raise Http404
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    download_name = f"{download_name or 'file'}.{ext}"
    accel = getattr(settings, "LINLI_X_ACCEL_REDIRECT", "")
    response: HttpResponseBase
    if accel:
        if not default_storage.exists(name):
            raise Http404
        response = HttpResponse(b"")
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name)
    else:
        try:
            handle = default_storage.open(name, "rb")
        except (OSError, ValueError):
            raise Http404 from None
        response = FileResponse(handle)
    _headers(response, name, download_name=download_name, public=public)
    return response


@require_safe
def public_file(request: HttpRequest, name: str) -> HttpResponseBase:
    """``/media/public/<name>``: files anyone may see (reward photos). Only names under the
    public prefix — a path that leaves it (``../matters/…``) is a 404, so private files can
    never be reached through this door."""
    full = posixpath.normpath(PUBLIC_PREFIX + name)
    if not full.startswith(PUBLIC_PREFIX) or ".." in name.split("/") or "\\" in name:
        raise Http404
    return serve_stored(full, public=True)
