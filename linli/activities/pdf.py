"""The certificate of service hours (志愿服务记录证明) as an A4 PDF: WeasyPrint, Noto Sans CJK,
a QR code to the public check page with the certificate's code. The HTML is written here in
Python (like the points notice, ``linli.points.pdf_publication``); every text from the
database is escaped."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from html import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.points.pdf_publication import FONTS, qr_data_uri

from .choices import HoursKind
from .hours import format_hours
from .models import Certificate, ServiceHours
from .selectors import format_code

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CSS = """
@page { size: A4; margin: 20mm 18mm 20mm 18mm;
  @bottom-center { content: "%(page)s"; font-family: %(fonts)s; font-size: 8pt; color: #444; } }
html { font-family: %(fonts)s; font-size: 11pt; color: #111; line-height: 1.7; }
h1 { font-size: 22pt; text-align: center; letter-spacing: 6pt; margin: 4mm 0 8mm 0; }
.body { font-size: 12.5pt; text-indent: 2em; margin: 0 0 6mm 0; }
.figure { font-weight: bold; }
table { width: 100%%; border-collapse: collapse; font-size: 9.5pt; margin-top: 3mm; }
th, td { border: 0.6pt solid #555; padding: 1.2mm 2mm; text-align: left; }
th { background: #eee; }
td.n { text-align: right; white-space: nowrap; }
thead { display: table-header-group; }
.foot { margin-top: 10mm; overflow: hidden; }
.qr { float: right; width: 32mm; text-align: center; font-size: 8pt; color: #333; }
.qr img { width: 30mm; height: 30mm; }
.issuer { line-height: 1.9; }
.code { font-family: "DejaVu Sans Mono", monospace; font-size: 12pt; letter-spacing: 1pt; }
.note { margin-top: 6mm; font-size: 8.5pt; color: #444; }
"""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _day(day: dt.date | None) -> str:
    if day is None:
        return ""
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def source_label(line: ServiceHours) -> str:
    if line.kind == HoursKind.ADDED:
        return _("补录")
    if line.kind == HoursKind.CORRECTION:
        return _("更正")
    return _("代签") if line.manual else _("签到签退")


def certificate_html(
    certificate: Certificate, lines: Sequence[ServiceHours], check_url: str
) -> str:
    resident = certificate.resident
    community = certificate.community
    page = (
        _css_string(_("第 "))
        + '" counter(page) "'
        + _css_string(_(" 页 / 共 "))
        + '" counter(pages) "'
        + _css_string(_(" 页"))
    )
    css = CSS % {"fonts": FONTS, "page": page}
    title = _("志愿服务记录证明")
    out: list[str] = []
    w = out.append
    w('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">')
    w(f"<title>{escape(title)}</title><style>{css}</style></head><body>")
    w(f"<h1>{escape(title)}</h1>")
    body = _(
        "兹证明 %(name)s 自 %(first)s 至 %(last)s 在 %(community)s 参加志愿服务，"
        "参加志愿活动 %(activities)d 次，累计志愿服务时长 %(hours)s 小时。"
    ) % {
        "name": resident.name,
        "first": _day(certificate.first_on),
        "last": _day(certificate.last_on),
        "community": community.name,
        "activities": certificate.activities,
        "hours": format_hours(certificate.half_hours),
    }
    w(f'<p class="body">{escape(body)}</p>')
    w(f"<p>{escape(_('特此证明。'))}</p>")
    heads = [_("日期"), _("服务内容"), _("时长（小时）"), _("记录方式")]
    w("<table><thead><tr>")
    w("".join(f"<th>{escape(h)}</th>" for h in heads))
    w("</tr></thead><tbody>")
    for line in lines:
        cells = [
            f"<td>{line.served_on:%Y-%m-%d}</td>",
            f"<td>{escape(line.title)}</td>",
            f'<td class="n">{escape(format_hours(line.half_hours))}</td>',
            f"<td>{escape(source_label(line))}</td>",
        ]
        w("<tr>" + "".join(cells) + "</tr>")
    w("</tbody></table>")
    w('<div class="foot">')
    qr = qr_data_uri(check_url)
    scan = _("扫码核验")
    w(f'<div class="qr"><img src="{qr}" alt="QR"><div>{escape(scan)}</div></div>')
    w('<div class="issuer">')
    issued = timezone.localtime(certificate.issued_at).date()
    for row in (
        _("出具单位：%(community)s居民委员会") % {"community": community.name},
        _("出具日期：%(day)s") % {"day": _day(issued)},
    ):
        w(f"<div>{escape(row)}</div>")
    label = _("核验码：")
    w(
        f'<div>{escape(label)}<span class="code">{escape(format_code(certificate.code))}'
        "</span></div>"
    )
    w("</div></div>")
    note = _(
        "本证明免费出具，依据《志愿服务记录与证明出具办法》（民政部令第67号）。"
        "时长以半小时为单位，按签到、签退时间计算；“补录”为社区工作人员依据凭证补录，"
        "“代签”为活动组织者代为签到或签退，“更正”为志愿者申请后经社区核实的更正。"
        "扫描二维码或在邻里核验页输入核验码，可核验本证明。"
    )
    w(f'<p class="note">{escape(note)}</p>')
    w("</body></html>")
    return "".join(out)


def certificate_pdf(
    certificate: Certificate, lines: Sequence[ServiceHours], check_url: str
) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=certificate_html(certificate, lines, check_url)).write_pdf())
