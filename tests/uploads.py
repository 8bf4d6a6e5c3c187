"""Hostile and awkward files for the upload tests (issue 10): every one built here, in memory.

Each function returns a ``SimpleUploadedFile`` as a browser would post it (a name of the
attacker's choosing and a claimed content type), so tests can post them through pages or hand
them to services.
"""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

HTML = b"<html><body><script>fetch('/residents/').then(r=>r.text()).then(alert)</script>"


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30), mode: str = "RGB", **kw):
    img = Image.new(mode, size, **({"color": kw.pop("color")} if "color" in kw else {}))
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return upload(name, image_bytes("PNG", color=(10, 120, 200)), "image/png")


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    return upload(name, image_bytes("JPEG", size=size, color=(200, 120, 10)))


def polyglot_png(name: str = "x.html") -> SimpleUploadedFile:
    """A valid PNG with an HTML page after its end: Pillow's verify() accepts it."""
    return upload(name, image_bytes("PNG", color=(1, 2, 3)) + HTML, "text/html")


def polyglot_gif(name: str = "x.jpg") -> SimpleUploadedFile:
    """GIF89a whose bytes also parse as HTML (the script follows the trailer)."""
    return upload(name, image_bytes("GIF", mode="P") + HTML, "image/gif")


def svg_with_script(name: str = "x.svg") -> SimpleUploadedFile:
    return upload(
        name,
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
        "image/svg+xml",
    )


def html_as_jpg(name: str = "cat.jpg") -> SimpleUploadedFile:
    return upload(name, HTML, "image/jpeg")


def empty(name: str = "empty.jpg") -> SimpleUploadedFile:
    return upload(name, b"")


def truncated_jpeg(name: str = "cut.jpg") -> SimpleUploadedFile:
    data = image_bytes("JPEG", size=(400, 300), color=(90, 90, 90), quality=95)
    return upload(name, data[: len(data) // 2])


def cmyk_jpeg(name: str = "print.jpg") -> SimpleUploadedFile:
    return upload(name, image_bytes("JPEG", mode="CMYK", color=(0, 100, 200, 0)))


def png16(name: str = "scan.png") -> SimpleUploadedFile:
    img = Image.new("I;16", (32, 32))
    img.putpixel((0, 0), 65535)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return upload(name, buf.getvalue(), "image/png")


def animated_gif(name: str = "wave.gif") -> SimpleUploadedFile:
    frames = [Image.new("P", (30, 20), color=i * 40) for i in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return upload(name, buf.getvalue(), "image/gif")


def huge(name: str = "big.jpg", mb: int = 30) -> SimpleUploadedFile:
    """30 MB: a JPEG's first bytes, then padding."""
    return upload(name, image_bytes("JPEG") + b"\0" * (mb * 1024 * 1024))


def bomb_png(name: str = "bomb.png", side: int = 20_000) -> SimpleUploadedFile:
    """A real, valid 20,000 × 20,000 1-bit PNG of a few hundred KB (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\0" + b"\0" * ((side + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    return upload(name, data, "image/png")


def jpeg_with_gps(name: str = "home.jpg", orientation: int = 1) -> SimpleUploadedFile:
    """A phone photo: EXIF with a GPS position (和平社区, to the metre) and a camera model."""
    img = Image.new("RGB", (60, 40), color=(30, 160, 90))
    exif = Image.Exif()
    exif[0x0110] = "iPhone 15"  # Model
    exif[0x0112] = orientation  # Orientation
    gps = {
        1: "N",
        2: (30.0, 18.0, 34.2),
        3: "E",
        4: (112.0, 15.0, 25.2),
    }
    exif[0x8825] = gps  # GPSInfo
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    return upload(name, buf.getvalue())


def heic(name: str = "IMG_0001.HEIC") -> SimpleUploadedFile:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return upload(name, image_bytes("HEIF", size=(64, 48), color=(200, 10, 10)), "image/heic")


def tiff(name: str = "scan.tif") -> SimpleUploadedFile:
    return upload(name, image_bytes("TIFF"), "image/tiff")


def pdf_with_js(name: str = "proof.pdf") -> SimpleUploadedFile:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"3 0 obj<</S/JavaScript/JS(app.alert('x'))>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return upload(name, body, "application/pdf")
