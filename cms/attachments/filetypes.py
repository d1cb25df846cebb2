"""What a file really is, from its first bytes: uploads are judged by content, never by their name or
the type the client claims."""

from __future__ import annotations

import re
from dataclasses import dataclass

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF 文档")
OFD = FileType("application/ofd", "ofd", "OFD 版式文档")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word 文档"
)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel 表格")
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", "PPT 演示文稿"
)
OLE = FileType("application/x-ole-storage", "doc", "Office 97-2003 文档")
ZIP = FileType("application/zip", "zip", "压缩包")
PNG = FileType("image/png", "png", "PNG 图片")
JPEG = FileType("image/jpeg", "jpg", "JPEG 图片")
GIF = FileType("image/gif", "gif", "GIF 图片")
WEBP = FileType("image/webp", "webp", "WebP 图片")
MP4 = FileType("video/mp4", "mp4", "MP4 视频")
MP3 = FileType("audio/mpeg", "mp3", "MP3 音频")
WAV = FileType("audio/wav", "wav", "WAV 音频")
TEXT = FileType("text/plain", "txt", "纯文本")

ALL = {t.mime: t for t in (PDF, OFD, DOCX, XLSX, PPTX, OLE, ZIP, PNG, JPEG, GIF, WEBP, MP4, MP3, WAV, TEXT)}
IMAGES = frozenset({PNG.mime, JPEG.mime, GIF.mime, WEBP.mime})


def sniff(head: bytes) -> FileType | None:
    """The type of a file given its first bytes (at least a few KiB for archives), or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(head)
    return TEXT if _is_text(head) else None


def _zip_kind(head: bytes) -> FileType:
    # Member names sit in the local file headers near the start of the archive.
    names = set(re.findall(rb"PK\x03\x04.{26}([\x20-\x7e]{1,80})", head, flags=re.DOTALL))
    joined = b"\n".join(names)
    if b"OFD.xml" in joined:
        return OFD
    if b"word/" in joined:
        return DOCX
    if b"xl/" in joined:
        return XLSX
    if b"ppt/" in joined:
        return PPTX
    return ZIP


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    sample = head.removeprefix(b"\xef\xbb\xbf")
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sniffed prefix may cut a multi-byte character in two; only its last 3 bytes may be partial.
        if exc.start < len(sample) - 3:
            return False
    return True
