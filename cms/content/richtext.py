"""Rich bodies (``body_html``): government documents have headings, numbered paragraphs, tables and
links. What is stored is sanitized on every save by nh3 (the Ammonia sanitizer) to this allow-list:

- blocks: p, br, hr, h1–h6, blockquote, ul, ol (start), li, pre;
- tables: table, caption, colgroup, col (span), thead, tbody, tfoot, tr, th and td (colspan, rowspan);
- emphasis: strong, b, em, i, u, s, sub, sup;
- links: a (href, title) to http/https addresses or to this server's attachment files
  (``/files/<id>/<name>``), always ``rel="noopener noreferrer"``;
- images: img (src, alt, title, width, height) of attachment files only (``/files/<id>/<name>``).

Everything else goes: scripts and styles with their content, event handlers, ``style`` and ``class``
attributes (pasting from Word/WPS keeps tables and drops styles), ``javascript:`` and other schemes,
SVG and MathML, comments. ``body`` is the plain text derived from it (search, feeds and snippets use
it); a body stored as plain text is shown as paragraphs, and never rewritten."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

TAGS = frozenset(
    {
        *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "pre"),
        *("table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"),
        *("strong", "b", "em", "i", "u", "s", "sub", "sup", "a", "img"),
    }
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "col": {"span"},
}
# Removed with everything inside (the default list, plus what a paste from an office suite carries).
CONTENT_TAGS = frozenset({"script", "style", "template", "svg", "math", "title", "xml", "object", "iframe"})
_ATTACHMENT = re.compile(r"^/files/[0-9a-f]{24}/[^/?#]+$")
_WEB = re.compile(r"^https?://[^\s/]", re.IGNORECASE)
_NUMBER = re.compile(r"^[0-9]{1,4}$")
_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "pre", "caption", "table"}
)


def _attribute(tag: str, name: str, value: str) -> str | None:
    """Links to the web or to attachments; images of attachments only; numbers where numbers go."""
    if name == "href":
        return value if _WEB.match(value) or _ATTACHMENT.match(value) else None
    if name == "src":
        return value if _ATTACHMENT.match(value) else None
    if name in ("colspan", "rowspan", "start", "span", "width", "height"):
        return value if _NUMBER.match(value.strip()) else None
    return value


def sanitize(raw: str) -> str:
    """The allow-listed HTML of ``raw`` (idempotent: sanitizing the result changes nothing)."""
    if not raw.strip():
        return ""
    cleaned: str = nh3.clean(
        raw,
        tags=set(TAGS),
        clean_content_tags=set(CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_attribute,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
    )
    return cleaned.strip()


def paragraphs(text: str) -> str:
    """A plain-text body as HTML: each non-empty line a paragraph."""
    return "".join(
        f"<p>{html.escape(line.strip(), quote=False)}</p>" for line in text.splitlines() if line.strip()
    )


def plain_text(sanitized: str) -> str:
    """The text of sanitized HTML: a line per block, table cells separated by spaces."""
    reader = _Text()
    reader.feed(sanitized)
    reader.close()
    lines = (" ".join(line.split()) for line in "".join(reader.parts).split("\n"))
    return "\n".join(line for line in lines if line)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def body_fields(body_html: str) -> dict[str, str]:
    """What a rich body sent by an editor stores: itself sanitized, and its text as ``body``."""
    clean = sanitize(body_html)
    return {"body_html": clean, "body": plain_text(clean)}


def rich_changes(changes: dict[str, object]) -> dict[str, object]:
    """An edit's changes with the body rule applied: ``body_html`` sent sets both fields; ``body``
    sent alone (plain text) empties ``body_html``, so the body is shown as paragraphs of it."""
    rich = changes.get("body_html")
    if isinstance(rich, str) and rich:
        return {**changes, **body_fields(rich)}
    if "body" in changes or "body_html" in changes:
        return {**changes, "body_html": ""}
    return changes


def html_of(body_html: str, body: str) -> str:
    """The body as HTML: the stored rich body, else the plain one as paragraphs."""
    return body_html or paragraphs(body)
