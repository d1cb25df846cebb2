"""Searchable text of Word, Excel and PowerPoint (OOXML) files and OFD documents, read inside the preview
child (cms/attachments/previews.py), whose memory and CPU limits bound what a hostile archive can cost.

All of them are zip archives of XML: the text sits in known elements of known members (Word's ``w:t``,
Excel's shared strings, inline strings and the values of number and formula cells, PowerPoint's ``a:t``,
OFD's ``TextCode``). The XML is parsed
as a stream (lxml's ``iterparse``, entities never expanded) and reading stops after ``limit``
characters.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

# Members holding text, and the local names of the elements whose text is kept; a paragraph-like
# element or a line break ends a line.
_KINDS: dict[str, tuple[re.Pattern[str], frozenset[str], frozenset[str]]] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml"),
        frozenset({"t"}),
        frozenset({"p", "br"}),
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        re.compile(r"xl/(sharedStrings|worksheets/sheet\d+)\.xml"),
        frozenset({"t"}),
        frozenset({"si", "is", "row"}),  # a row read is dropped: memory bounded by one row
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        re.compile(r"ppt/slides/slide\d+\.xml"),
        frozenset({"t"}),
        frozenset({"p", "br"}),
    ),
    "application/ofd": (
        re.compile(r"(.+/)?Pages/[^/]+/Content\.xml"),
        frozenset({"TextCode"}),
        frozenset({"TextObject"}),
    ),
}
MIMES = frozenset(_KINDS)


def document_text(source: Path, mime: str, limit: int) -> str:
    """The text of an OOXML or OFD file, at most ``limit`` characters."""
    members, keep, breaks = _KINDS[mime]
    parts: list[str] = []
    size = 0
    with zipfile.ZipFile(source) as archive:
        names = sorted((n for n in archive.namelist() if members.fullmatch(n)), key=_natural)
        for name in names:
            with archive.open(name) as stream:
                for piece in _texts(stream, keep, breaks):
                    parts.append(piece)
                    size += len(piece)
                    if size >= limit:
                        return "".join(parts)[:limit].strip()
            parts.append("\n")
    return re.sub(r"\n{2,}", "\n", "".join(parts)).strip()


def _texts(stream: IO[bytes], keep: frozenset[str], breaks: frozenset[str]) -> Iterator[str]:
    # No entities are expanded and no DTD or network resource is loaded: an archive cannot make the
    # parser fetch or multiply anything.
    events = etree.iterparse(
        stream, events=("end",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    for _event, element in events:
        local = str(element.tag).rpartition("}")[2]
        if local in keep and element.text:
            yield element.text
        elif local == "v" and element.text and _literal_cell_value(element):
            yield element.text + "\n"
        elif local in breaks:
            yield "\n"
            element.clear()  # what was read is dropped: memory stays bounded by one paragraph


def _literal_cell_value(value: etree._Element) -> bool:
    """An Excel cell's ``v`` that is its value as written: a number (no type, or ``n``) or a formula's
    text result (``str``). A shared string's ``v`` is an index into sharedStrings.xml (read there), and
    booleans and errors (``b``, ``e``) are codes, not words anyone searches for."""
    cell = value.getparent()
    return (
        cell is not None and str(cell.tag).rpartition("}")[2] == "c" and cell.get("t") in (None, "n", "str")
    )


def _natural(name: str) -> list[int | str]:
    # slide2 before slide10, Page_2 before Page_10
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
