"""Printable QR posters of service posts: an A4 PNG, an A4 PDF, and a PDF sheet of all posts
of a unit. Pure helpers: a post in, bytes out."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from app.models import Post
from app.services import pdf, qr
from app.services.posts import scan_url

A4_PX = (1240, 1754)  # 150 dpi


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(pdf.FONT_PATH), size, index=0)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, font, fill="#222222") -> int:
    width = draw.textlength(text, font=font)
    draw.text(((A4_PX[0] - width) / 2, y), text, font=font, fill=fill)
    return y + int(font.size * 1.4)


def _instructions() -> list[str]:
    return [
        _("用手机相机扫描二维码，点击按钮即可签到"),
        _("离开时再扫一次，即可签退并累计服务时长"),
        _("首次使用请先注册志愿者账号"),
    ]


def poster_png(post: Post) -> bytes:
    """An A4 poster at 150 dpi: post name, unit, the QR of its scan URL, instructions."""
    url = scan_url(post)
    image = Image.new("RGB", A4_PX, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, A4_PX[0], 150], fill="#b3261e")
    _centered(draw, 40, _("志愿服务岗 · 扫码签到签退"), _font(56), fill="white")
    y = _centered(draw, 200, post.name, _font(76))
    y = _centered(draw, y + 10, post.unit.name, _font(44), fill="#555555")
    code = qr.pil_image(url, box_size=12, border=4).convert("RGB")
    side = 880
    code = code.resize((side, side), Image.Resampling.NEAREST)
    image.paste(code, ((A4_PX[0] - side) // 2, y + 30))
    y += 30 + side + 40
    for line in _instructions():
        y = _centered(draw, y, line, _font(40))
    if post.address:
        _centered(draw, y + 20, post.address, _font(32), fill="#555555")
    _centered(
        draw,
        A4_PX[1] - 70,
        _("志愿星 · 二维码编号 %(id)d-%(v)d", id=post.id, v=post.code_version),
        _font(26),
        fill="#777777",
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(150, 150))
    return buffer.getvalue()


def _poster_flowables(post: Post) -> list:
    return [
        pdf.paragraph(_("志愿服务岗 · 扫码签到签退"), "center"),
        Spacer(1, 6 * mm),
        pdf.paragraph(post.name, "title"),
        pdf.paragraph(post.unit.name, "center"),
        Spacer(1, 8 * mm),
        pdf.qr_image(scan_url(post), size=120 * mm),
        Spacer(1, 8 * mm),
        *[pdf.paragraph(line, "center") for line in _instructions()],
        Spacer(1, 4 * mm),
        pdf.paragraph(post.address or "", "center"),
    ]


def poster_pdf(post: Post) -> bytes:
    return pdf.build(_poster_flowables(post), title=_("服务岗二维码 %(name)s", name=post.name))


def sheet_pdf(posts: list[Post], unit_name: str) -> bytes:
    """One poster page per post of a unit, ready to print in one go."""
    flowables: list = []
    for index, post in enumerate(posts):
        if index:
            flowables.append(PageBreak())
        flowables += _poster_flowables(post)
    if not flowables:
        flowables = [pdf.paragraph(_("该单位还没有启用的服务岗"), "center")]
    return pdf.build(flowables, title=_("%(unit)s 服务岗二维码", unit=unit_name))
