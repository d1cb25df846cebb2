"""What a file really is, from its first bytes: uploads are judged by content, never by their name or
the type the client claims.

Signatures come from puremagic (a maintained, pure-Python database of file signatures; no libmagic to
install). It does not tell containers apart — every zip looks like a .docx to it, every OLE file like a
.doc — and it does not judge plain text, so those checks stay here: the member names of a zip (OFD,
Word / Excel / PowerPoint, or a plain archive), the OLE header, the brand of an MPEG-4 file (M4A audio
is "an MP4" to it), and text in UTF-8, UTF-16 (with a byte order mark, as Windows Notepad saves it, or
without one, told by where its NUL bytes fall) or GBK/GB 18030.
"""

from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass

import puremagic

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str
    label: str
    # Said with a refusal: what the sender can do instead.
    advice: str = ""


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
# Phones' photos and videos: most browsers show neither, so they are not in the default allow-list.
HEIC = FileType("image/heic", "heic", "HEIC 图片", "请转换为 JPEG 或 PNG 图片后再上传。")
MP4 = FileType("video/mp4", "mp4", "MP4 视频")
MOV = FileType("video/quicktime", "mov", "MOV 视频", "请转换为 MP4 视频后再上传。")
MP3 = FileType("audio/mpeg", "mp3", "MP3 音频")
M4A = FileType("audio/mp4", "m4a", "M4A 音频")
WAV = FileType("audio/wav", "wav", "WAV 音频")
TEXT = FileType("text/plain", "txt", "纯文本")
EXE = FileType("application/vnd.microsoft.portable-executable", "exe", "Windows 可执行程序")

ALL = {
    t.mime: t
    for t in (
        PDF,
        OFD,
        DOCX,
        XLSX,
        PPTX,
        OLE,
        ZIP,
        PNG,
        JPEG,
        GIF,
        WEBP,
        HEIC,
        MP4,
        MOV,
        MP3,
        M4A,
        WAV,
        TEXT,
        EXE,
    )
}
IMAGES = frozenset({PNG.mime, JPEG.mime, GIF.mime, WEBP.mime})

# puremagic's answer (by extension) for the types we know; anything else is "not recognized".
_BY_EXTENSION = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".jpe": JPEG,
    ".jfif": JPEG,
    ".gif": GIF,
    ".webp": WEBP,
    ".heic": HEIC,
    ".heif": HEIC,
    ".mp4": MP4,
    ".m4v": MP4,
    ".mov": MOV,
    ".qt": MOV,
    ".mp3": MP3,
    ".mpga": MP3,
    ".wav": WAV,
    ".exe": EXE,
    ".dll": EXE,
}
# puremagic scores a match by its length: 0.2 is a two-byte signature, too short to outweigh text.
_SURE = 0.3
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"heim", b"heis", b"hevc", b"hevx"})
# Apple's audio-only MPEG-4 brands (AAC, audiobook, protected AAC): audio, not the video puremagic says.
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P "})
# UTF-16 without a byte order mark: ASCII characters put a NUL in every other byte (odd places in
# little-endian, even ones in big-endian), CJK text only now and then (一 is U+4E00). Decoding decides.
_UTF16_MIN_NUL_SHARE = 0.05
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# OOXML: the package's content types plus the main part's folder tell Word, Excel and PowerPoint apart.
_OOXML_PARTS = ((b"word/", DOCX), (b"xl/", XLSX), (b"ppt/", PPTX))
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # tab, newlines, \v and \f are text


def sniff(head: bytes) -> FileType | None:
    """The type of a file given its first bytes (at least a few KiB for archives), or None."""
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(head)
    if head.startswith(_OLE_MAGIC):
        return OLE
    if head[4:8] == b"ftyp" and head[8:12] in _AUDIO_BRANDS:
        return M4A
    known, confidence = _by_signature(head)
    # A two-byte signature ("MZ") also starts some plain text: there, text wins.
    if known is not None and (confidence >= _SURE or text_encoding(head) is None):
        return known
    if text_encoding(head):
        return TEXT
    return _heif_brand(head) or _mpeg_audio_frame(head)


def refusal_message(kind: FileType | None) -> str:
    """The plain Chinese refusal of a type not in the allow-list (or not recognized at all)."""
    if kind is None:
        return "不支持该文件类型（无法识别）。"
    return f"不支持该文件类型（{kind.label}）。{kind.advice}"


def _by_signature(head: bytes) -> tuple[FileType | None, float]:
    """puremagic's best match among the types we know, and its confidence."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):  # nothing matched / empty input
        return None, 0.0
    # Best matches first; a weaker one of a type we know wins over stronger ones we do not (an .exe is
    # also "an Audition filter" to the database).
    for match in matches:
        found = _BY_EXTENSION.get(str(match.extension).lower())
        if found is not None:
            return found, float(match.confidence)
    return None, 0.0


def _heif_brand(head: bytes) -> FileType | None:
    # HEIF photos whose major brand is the generic "mif1"/"msf1" (some Android phones) are unknown to
    # puremagic; their compatible brands say HEVC-coded HEIF.
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC
    return None


def _mpeg_audio_frame(head: bytes) -> FileType | None:
    # MP3 without an ID3 tag starts with a bare frame header: 11 sync bits, a valid MPEG version
    # (not the reserved 01) and layer (not 00); puremagic knows only some of them.
    if len(head) >= 4 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        version, layer = (head[1] >> 3) & 0x3, (head[1] >> 1) & 0x3
        if version != 1 and layer != 0:
            return MP3
    return None


def _zip_kind(head: bytes) -> FileType:
    names = _zip_member_names(head)
    if b"OFD.xml" in names:
        return OFD
    if b"[Content_Types].xml" in names:
        for prefix, kind in _OOXML_PARTS:
            if any(name.startswith(prefix) for name in names):
                return kind
    return ZIP


def _zip_member_names(head: bytes) -> set[bytes]:
    """The member names in the local file headers within ``head`` (they sit near the start of the
    archive; the central directory at its end is beyond a sniffed prefix)."""
    names: set[bytes] = set()
    for found in re.finditer(re.escape(_ZIP_MAGIC), head):
        start = found.start() + 30  # the fixed part of a local header; the name follows it
        if start > len(head):
            break
        (length,) = struct.unpack_from("<H", head, found.start() + 26)
        if 0 < length <= 1024 and start + length <= len(head):
            names.add(head[start : start + length])
    return names


def text_encoding(head: bytes) -> str | None:
    """The encoding a prefix of plain text is in (UTF-8, UTF-16 with or without a byte order mark, GB 18030
    — a superset of GBK and GB 2312), or None when it is not text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates: tuple[str, ...] = ("utf-16",)
    elif head.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030", *_utf16_by_nuls(head))
    for encoding in candidates:
        decoded = _decode_prefix(head, encoding)
        if decoded is not None and not _CONTROL.search(decoded):
            return encoding
    return None


def _utf16_by_nuls(head: bytes) -> tuple[str, ...]:
    """UTF-16 in the byte order the NUL bytes point to, when they fall mostly on one side of each pair
    (then text in UTF-8 or GBK it is not: there a NUL is a control character)."""
    pairs = len(head) // 2
    if pairs == 0:
        return ()
    even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if max(even, odd) < max(1, pairs * _UTF16_MIN_NUL_SHARE) or min(even, odd) * 4 > max(even, odd):
        return ()
    return ("utf-16-le",) if odd > even else ("utf-16-be",)


def _decode_prefix(head: bytes, encoding: str) -> str | None:
    # A sniffed prefix may cut a character in two at its end: the incremental decoder keeps that part.
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return None
