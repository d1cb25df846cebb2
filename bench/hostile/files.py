"""Hostile attachments (issue #13): small files that declare enormous pictures. Written on demand
rather than committed (together ~1.5 MB, made in well under a second without ever holding a decoded
picture):

    .venv/bin/python -m bench.hostile.files DIR      # writes the files into DIR

- ``png-13000.png``: 13,000 × 13,000 RGB of one colour, ≈0.5 MB; 0.5 GB once decoded, under
  Pillow's default bomb limit (179 MP), so it used to be decoded and converted (≈1.7 GiB server RSS).
- ``pdf-28000.pdf``: ≈330 bytes, one empty page with a 28,000 × 28,000 point MediaBox (rendered at
  the old fixed scale 0.5: a 14,000² bitmap, 0.8 GB).
- ``jpeg-13000.jpg``: a valid 13,000 × 13,000 baseline JPEG of one colour, 0.5 GB decoded.
- ``png-bomb.png``: 1-bit 60,000 × 60,000 (3.6 gigapixels, 4 bytes a pixel once converted), ≈0.4 MB.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, bit_depth: int, color_type: int, row: bytes) -> bytes:
    """A PNG whose every row is ``row`` (filter byte included). Deflated once for a block of rows and
    repeated: after a full flush a block's bytes do not depend on what came before, so the decoded
    picture never exists here and writing takes a fraction of a second."""
    block_rows = 64
    full, rest = divmod(height, block_rows)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(row * block_rows) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(row * rest) + compressor.flush()
    adler = 1
    for _ in range(height):
        adler = zlib.adler32(row, adler)
    idat = b"\x78\xda" + block * full + tail + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def png_13000() -> bytes:
    return png(13_000, 13_000, 8, 2, b"\x00" + b"\x20\x60\xc0" * 13_000)


def png_bomb() -> bytes:
    return png(60_000, 60_000, 1, 0, b"\x00" + b"\x00" * (60_000 // 8))


def pdf_28000() -> bytes:
    return page_pdf(28_000, 28_000)


def page_pdf(width: int, height: int) -> bytes:
    """One empty page of the given size in points, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] >>" % (width, height),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def jpeg_13000() -> bytes:
    """A baseline JPEG of one colour, 13,000 px square, built from a strip of 8 rows of MCUs with a
    restart marker after each row: every row then encodes to the same bytes (the restart resets the
    DC predictor and aligns to a byte), so the scan is that row repeated with RST0…RST7 between, and
    the frame header says 13,000 rows."""
    import io

    from PIL import Image

    width = height = 13_000
    out = io.BytesIO()
    Image.new("RGB", (width, 8 * 16), (32, 96, 192)).save(out, "JPEG", quality=50, restart_marker_rows=1)
    strip = out.getvalue()
    sof = strip.index(b"\xff\xc0")
    sos = strip.index(b"\xff\xda")
    scan = sos + 2 + int.from_bytes(strip[sos + 2 : sos + 4], "big")
    row = strip[scan : strip.index(b"\xff\xd0", scan)]
    header = strip[: sof + 5] + height.to_bytes(2, "big") + strip[sof + 7 : scan]
    rows = -(-height // 16)  # 4:2:0 sampling: an MCU is 16 px high
    body = b"".join(row + bytes((0xFF, 0xD0 + n % 8)) for n in range(rows - 1)) + row
    return header + body + b"\xff\xd9"


HOSTILE: dict[str, Callable[[], bytes]] = {
    "png-13000.png": png_13000,
    "pdf-28000.pdf": pdf_28000,
    "jpeg-13000.jpg": jpeg_13000,
    "png-bomb.png": png_bomb,
}


def write_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, make in HOSTILE.items():
        path = folder / name
        if not path.exists():
            path.write_bytes(make())
        written[name] = path
    return written


if __name__ == "__main__":
    for name, path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files")).items():
        print(f"{name}: {path.stat().st_size} bytes")
