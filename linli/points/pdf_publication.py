"""The printable A4 notice of a quarter's points list (公示栏): WeasyPrint, Noto Sans CJK.

Title, community, quarter, public period, the table (its header repeated on every page),
"第 N 页 / 共 M 页" from CSS page counters, the digest of a final list (a public one says
"公示稿，未定稿") and a QR code to the public check page with the digest in its URL.

Speed (a 10,000-line list must print in well under 20 s on one core): WeasyPrint spends its
time per box, and an HTML table is ~10 boxes per line (≈ 5 ms a line here). So the table is
set as text in the monospaced member of the Noto CJK family, where a CJK character is
exactly two Latin columns wide: each line is one padded row, each page one <pre> of a
fixed number of lines (explicit page breaks, zebra stripes from a background gradient), and
the header row is repeated on every page. That is ~15x faster and prints the same columns.
The HTML is written here in Python; every text from the database is escaped.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import unicodedata
from collections.abc import Sequence
from html import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import PublicationStatus, RuleCategory
from .models import Publication
from .selectors_publication import LineData

# WeasyPrint logs every page it lays out at INFO: 200 lines for a 10,000-line list.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

FONTS = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
)
# The table is set in the monospaced member of the family: a CJK character is exactly two
# Latin columns wide, so every row is one line of text padded to the columns.
MONO = '"Noto Sans Mono CJK SC", "Sarasa Mono SC", "WenQuanYi Zen Hei Mono", monospace'

USABLE_MM = 186  # A4 width 210 mm minus 12 mm margins on each side
LINE_MM = 5.0
FIRST_PAGE_ROWS = 36  # below the title, the details and the QR code
PAGE_ROWS = 48

CSS = """
@page {
  size: A4;
  margin: 13mm 12mm 17mm 12mm;
  @bottom-center {
    content: "%(page)s";
    font-family: %(fonts)s; font-size: 8pt; color: #333; white-space: nowrap;
  }
  @top-center {
    content: "%(foot)s";
    font-family: %(fonts)s; font-size: 6.5pt; color: #555; white-space: nowrap;
  }
}
html { font-family: %(fonts)s; font-size: 9.5pt; color: #111; }
h1 { font-size: 17pt; margin: 0 0 3mm 0; text-align: center; letter-spacing: 1pt; }
.head { overflow: hidden; height: 30mm; }
.meta { line-height: 1.55; }
.qr { float: right; width: 28mm; text-align: center; font-size: 7pt; color: #444; }
.qr img { width: 26mm; height: 26mm; }
.digest { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
.draft { color: #b22a2a; font-weight: bold; }
.page { page-break-after: always; }
.page:last-of-type { page-break-after: auto; }
pre { font-family: %(mono)s; font-size: %(size)spt; line-height: %(line)smm; margin: 0;
      white-space: pre; overflow: hidden; }
pre.h { font-weight: bold; border-top: 0.8pt solid #333; border-bottom: 0.8pt solid #333; }
pre.b { border-bottom: 0.8pt solid #333;
        background: repeating-linear-gradient(#fff 0, #fff %(line)smm, #eee %(line)smm,
                    #eee %(double)smm); }
.note { margin-top: 3mm; font-size: 8pt; color: #444; }
"""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def categories_in(lines: Sequence[LineData]) -> list[tuple[str, str]]:
    """The rule categories that appear on the list, in the catalogue's order."""
    present = {cat for line in lines for cat in line.by_category}
    return [(value, str(label)) for value, label in RuleCategory.choices if value in present]


def quarter_label(publication: Publication) -> str:
    return _("%(year)d 年第 %(quarter)d 季度") % {
        "year": publication.year,
        "quarter": publication.quarter,
    }


def _when(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def qr_data_uri(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").png_data_uri(scale=4, border=2))


def text_width(text: str) -> int:
    """Columns a text takes in the monospaced CJK font: wide and ambiguous characters two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def fit(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded (or cut, ending in …) to exactly ``width`` columns."""
    if text_width(text) > width:
        out, used = "", 0
        for ch in text:
            w = text_width(ch)
            if used + w > width - 2:
                break
            out, used = out + ch, used + w
        text = out + "…"
    pad = " " * (width - text_width(text))
    return pad + text if right else text + pad


class Columns:
    """Column widths (in half-width columns) for the lines of one list."""

    def __init__(self, lines: Sequence[LineData], cats: list[tuple[str, str]]) -> None:
        self.cats = cats
        self.position = max(4, len(str(len(lines))))
        self.name = max([8, *(text_width(x.display_name) for x in lines[:20000])])
        self.name = min(self.name, 16)
        self.building = max([8, *(text_width(x.building) for x in lines[:20000])])
        self.building = min(self.building, 26)
        self.number = 10

    @property
    def total(self) -> int:
        gaps = 3 + len(self.cats) + 2
        return (
            self.position + self.name + self.building + 8 * len(self.cats) + 2 * self.number + gaps
        )

    def header(self) -> str:
        cells = [
            fit(_("序号"), self.position, right=True),
            fit(_("姓名"), self.name),
            fit(_("楼栋"), self.building),
            *(fit(label, 8, right=True) for _v, label in self.cats),
            fit(_("本季度获得"), self.number, right=True),
            fit(_("季度末余额"), self.number, right=True),
        ]
        return " " + " ".join(cells)

    def row(self, line: LineData) -> str:
        cells = [
            fit(str(line.position), self.position, right=True),
            fit(line.display_name, self.name),
            fit(line.building, self.building),
            *(fit(str(line.by_category.get(v, "")), 8, right=True) for v, _l in self.cats),
            fit(str(line.earned), self.number, right=True),
            fit(str(line.balance), self.number, right=True),
        ]
        return " " + " ".join(cells)


def font_size_pt(columns: int) -> float:
    """The largest size (≤ 9.5 pt, in 0.25 pt steps) at which ``columns`` half-width columns
    fit the page's width (a half-width column is half an em)."""
    usable_pt = USABLE_MM / 25.4 * 72
    size = min(9.5, 2 * usable_pt / max(columns, 1))
    return int(size * 4) / 4


def pages_of(lines: Sequence[LineData]) -> list[Sequence[LineData]]:
    pages = [lines[:FIRST_PAGE_ROWS]]
    pages += [lines[i : i + PAGE_ROWS] for i in range(FIRST_PAGE_ROWS, len(lines), PAGE_ROWS)]
    return pages


def notice_html(publication: Publication, lines: Sequence[LineData], check_url: str) -> str:
    community = publication.community
    cats = categories_in(lines)
    columns = Columns(lines, cats)
    final = publication.status == PublicationStatus.FINAL
    title = _("%(community)s %(quarter)s积分公示") % {
        "community": community.name,
        "quarter": quarter_label(publication),
    }
    last_day = publication.period_end - dt.timedelta(days=1)
    if final:
        foot = _("摘要 SHA-256：%(digest)s") % {"digest": publication.digest}
    else:
        foot = _("公示稿，未定稿")
    page = (
        _css_string(_("第 "))
        + '" counter(page) "'
        + _css_string(_(" 页 / 共 "))
        + '" counter(pages) "'
        + _css_string(_(" 页"))
    )
    css = CSS % {
        "fonts": FONTS,
        "mono": MONO,
        "size": font_size_pt(columns.total),
        "line": LINE_MM,
        "double": 2 * LINE_MM,
        "page": page,
        "foot": _css_string(foot),
    }
    out = io.StringIO()
    w = out.write
    w('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">')
    w(f"<title>{escape(title)}</title><style>{css}</style></head><body>")
    w(f"<h1>{escape(title)}</h1>")
    w('<div class="head">')
    scan = _("扫码核对")
    qr = qr_data_uri(check_url)
    w(f'<div class="qr"><img src="{qr}" alt="QR"><div>{escape(scan)}</div></div>')
    w('<div class="meta">')
    period = f"{publication.period_start:%Y-%m-%d} – {last_day:%Y-%m-%d}"
    rows = [
        _("社区：%(name)s") % {"name": community.name},
        _("季度：%(quarter)s（%(period)s）")
        % {"quarter": quarter_label(publication), "period": period},
        _("公示期：%(start)s – %(end)s　版次：%(edition)s")
        % {
            "start": _when(publication.public_from),
            "end": _when(publication.public_until),
            "edition": publication.edition,
        },
    ]
    w("".join(f"<div>{escape(row)}</div>" for row in rows))
    if final:
        finalized = _("定稿时间：%(when)s") % {"when": _when(publication.finalized_at)}
        digest_label = _("摘要 SHA-256：")
        w(f"<div>{escape(finalized)}</div>")
        w(
            f"<div>{escape(digest_label)}"
            f'<span class="digest">{escape(publication.digest)}</span></div>'
        )
    else:
        draft = _("公示稿，未定稿")
        w(f'<div class="draft">{escape(draft)}</div>')
    w("</div></div>")
    header = escape(columns.header())
    for chunk in pages_of(lines):
        w(f'<div class="page"><pre class="h">{header}</pre><pre class="b">')
        w(escape("\n".join(columns.row(line) for line in chunk)))
        w("</pre></div>")
    w(
        '<p class="note">'
        + escape(
            _(
                "姓名已按个人信息保护要求脱敏；不同意公示姓名的居民以“居民+序号”显示。"
                "如有异议请在公示期内通过邻里或向社区提出。扫码或在核对页输入摘要，"
                "可核对本公示是否与社区定稿名单一致。"
            )
        )
        + "</p>"
    )
    w("</body></html>")
    return out.getvalue()


def publication_pdf(publication: Publication, lines: Sequence[LineData], check_url: str) -> bytes:
    """The A4 PDF of a published or final list. ``check_url`` is the absolute URL of the
    public check page (with ``?digest=`` for a final list)."""
    from weasyprint import HTML

    html = notice_html(publication, lines, check_url)
    return bytes(HTML(string=html).write_pdf())
