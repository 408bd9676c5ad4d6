"""Personal values shown in part: a name on a public list, a phone number in a log, an ID
number on a page. The only way any of them is masked."""

from __future__ import annotations


def mask(text: str | None, head: int = 1, tail: int = 1) -> str:
    """`text` with only its first `head` and last `tail` characters kept, the rest starred;
    a text too short to keep both ends keeps its head only (张伟 → 张*), or nothing."""
    text = text or ""
    if len(text) <= head:
        return "*" * max(len(text), 1)
    if len(text) <= head + tail:
        return text[:head] + "*" * (len(text) - head)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]
