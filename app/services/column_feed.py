"""The public column as an Atom feed (RFC 4287), written with the standard library's XML
writer, so every text is escaped by it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime

from app.models import ColumnItem

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(value: datetime | None) -> str:
    return (value or datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(
    items: list[ColumnItem],
    *,
    title: str,
    feed_url: str,
    site_url: str,
    item_url: Callable[[ColumnItem], str],
    byline: Callable[[ColumnItem], str],
) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_url
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=site_url)
    stamps = [i.published_at for i in items if i.published_at is not None]
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(max(stamps) if stamps else None)
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = item_url(item)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(item.published_at)
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = byline(item)
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = item.body[:200]
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
