"""Thumbnails and searchable text of uploaded files, derived in a child process that cannot take the
server down.

An uploaded file is hostile until proven otherwise: a 0.5 MB PNG may declare 13,000 × 13,000 pixels
(0.5 GB decoded), a 333-byte PDF a 28,000-point page. So the server never decodes a file itself. Each
job runs in a fresh ``python -m cms.attachments.previews`` process that first caps its own address space
(``RLIMIT_AS``) and CPU time, reads the file from a temporary path, and writes the thumbnail and text
next to it; the server waits without blocking its event loop, kills the child at the timeout, and
treats every way a child can fail (memory, time, crash, a broken file) as "no preview" plus a log line.
The upload itself always succeeds: the law needs the document published, a thumbnail is a convenience.

Inside the child, sizes are judged before anything is decoded: an image's dimensions come from its
header (Pillow opens lazily) and above ``max_pixels`` it is not decoded at all; JPEGs are decoded
at a reduced scale (``draft``), and a PDF page is rendered at a scale computed from its size, so the
bitmap is at most ``RENDER_EDGE`` pixels on its longest side whatever its MediaBox says.

One process per job rather than a pool: a pool saves the interpreter start and the imports (a normal
one-page PDF took ≈1.2–1.8 s in a fresh child, ≈0.04 s in a warm one, on a busy 2-core machine;
pypdf's import is most of it), but a worker killed at its memory limit or timeout takes the pool's
other jobs with it, and a long-lived worker keeps whatever a previous file left fragmented inside its
memory budget. Uploads are paced by people, so isolation wins; ``workers`` bounds how many children
run at once, which bounds the memory all previews can take together to ``workers × memory_bytes``.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import json
import logging
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cms.attachments.documents import MIMES as DOCUMENTS
from cms.attachments.documents import document_text
from cms.attachments.filetypes import text_encoding

if TYPE_CHECKING:
    from PIL import Image as PILImage

log = logging.getLogger("gongkai.previews")

THUMBNAIL_SIZE = (320, 320)
# A PDF page is rendered at most twice the thumbnail's edge, then scaled down with a good filter.
RENDER_EDGE = 2 * max(THUMBNAIL_SIZE)
MAX_TEXT = 200_000  # characters of extracted text kept for search
MAX_PDF_PAGES = 200  # pages whose text is extracted
MAX_OUTPUT_BYTES = 16 * 1024 * 1024  # RLIMIT_FSIZE of the child: what it may write
EXIT_MEMORY = 3  # the child ran into its memory limit (MemoryError)
EXIT_FAILED = 4  # the file could not be read (broken, unsupported, hostile)
SOURCE, THUMBNAIL, TEXT = "source", "thumbnail.png", "text.txt"
_ROOT = Path(__file__).resolve().parents[1]  # the directory holding the ``cms`` package


@dataclass(frozen=True)
class PreviewLimits:
    # 40 megapixels: an A4 page scanned at 600 dpi (35 MP) and the photos of current cameras pass;
    # decoding that many RGBA pixels takes 160 MiB, well inside the child's default 512 MiB.
    max_pixels: int = 40_000_000
    memory_bytes: int = 512 * 1024 * 1024
    timeout_seconds: float = 60.0
    workers: int = 2


@dataclass(frozen=True)
class Preview:
    """What a child derived; ``problem`` says why something is missing (for the log)."""

    text: str = ""
    thumbnail: bytes | None = None
    problem: str | None = None


class PreviewRunner:
    """Runs derivations in child processes, at most ``limits.workers`` at a time."""

    def __init__(self) -> None:
        self._slots: asyncio.Semaphore | None = None
        self._slots_for = 0

    async def derive(self, source: Path, mime: str, limits: PreviewLimits) -> Preview:
        """Thumbnail and text of the file at ``source`` (its directory receives the results)."""
        async with self._semaphore(limits.workers):
            return await self._run(source, mime, limits)

    def _semaphore(self, workers: int) -> asyncio.Semaphore:
        # Made on first use (inside the running loop); remade when the configured number changes.
        if self._slots is None or self._slots_for != workers:
            self._slots, self._slots_for = asyncio.Semaphore(workers), workers
        return self._slots

    async def _run(self, source: Path, mime: str, limits: PreviewLimits) -> Preview:
        argv = [str(source), mime, str(limits.max_pixels), str(limits.memory_bytes)]
        argv.append(str(math.ceil(limits.timeout_seconds) + 1))
        # A minimal environment: the child parses hostile bytes and needs none of the server's secrets.
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(_ROOT), "LC_ALL": "C.UTF-8"}
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cms.attachments.previews", *argv,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, cwd=source.parent,
        )  # fmt: skip
        try:
            out, err = await asyncio.wait_for(child.communicate(), limits.timeout_seconds)
        except TimeoutError:
            return Preview(problem=f"timed out after {limits.timeout_seconds:g} s")
        finally:
            if child.returncode is None:  # timed out or cancelled: never leave it running
                child.kill()
                await child.wait()
        return _outcome(source.parent, child.returncode, out, err, limits)


def _outcome(folder: Path, code: int | None, out: bytes, err: bytes, limits: PreviewLimits) -> Preview:
    if code == EXIT_MEMORY:
        return Preview(problem=f"exceeded its memory limit of {limits.memory_bytes // (1024 * 1024)} MiB")
    if code != 0:
        reason = f"killed by signal {-code}" if code is not None and code < 0 else f"failed ({code})"
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return Preview(problem=f"{reason}: {detail[0][:300]}".rstrip(": "))
    note: str | None = json.loads(out or b"{}").get("note")
    thumbnail = folder / THUMBNAIL
    text = folder / TEXT
    return Preview(
        text=text.read_text("utf-8") if text.exists() else "",
        thumbnail=thumbnail.read_bytes() if thumbnail.exists() else None,
        problem=note,
    )


def decode_text(data: bytes) -> str:
    """A text file's first ``MAX_TEXT`` characters from a prefix of its bytes, without a character the
    prefix cut in two, in the encoding it was recognized in (GBK and UTF-16 files are common among
    government staff). Plain text needs no child: only a bounded prefix is ever read."""
    decoder = codecs.getincrementaldecoder(text_encoding(data) or "utf-8")(errors="replace")
    return decoder.decode(data, final=False)[:MAX_TEXT]


# --- the child ---------------------------------------------------------------------------------


def _limit_self(memory_bytes: int, cpu_seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def derive(source: Path, mime: str, max_pixels: int) -> Preview:
    """The derivation itself, run inside the child."""
    if mime == "application/pdf":
        thumbnail, note = _pdf_thumbnail(source)
        return Preview(text=_pdf_text(source), thumbnail=thumbnail, problem=note)
    if mime in DOCUMENTS:
        return Preview(text=document_text(source, mime, MAX_TEXT))
    thumbnail, note = _image_thumbnail(source, max_pixels)
    return Preview(thumbnail=thumbnail, problem=note)


def _image_thumbnail(source: Path, max_pixels: int) -> tuple[bytes | None, str | None]:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # judged below, with the file's dimensions in the message
    with Image.open(source) as image:  # reads the header only
        width, height = image.size
        if width * height > max_pixels:
            return None, f"not decoded: {width}×{height} px is over the ceiling of {max_pixels} px"
        # Pillow's own bomb check stays on for anything decoded from here, at our ceiling.
        Image.MAX_IMAGE_PIXELS = max_pixels
        image.draft("RGB", (RENDER_EDGE, RENDER_EDGE))  # JPEG: decode at 1/2…1/8 scale
        return _png_thumbnail(image), None


def _pdf_thumbnail(source: Path) -> tuple[bytes | None, str | None]:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(source))
    try:
        if len(document) == 0:
            return None, "the PDF has no pages"
        page = document[0]
        longest = max(page.get_size())
        if not math.isfinite(longest) or longest <= 0:
            return None, f"first page has no usable size ({longest})"
        # The scale follows from the page size, so a 28,000-point MediaBox renders as small as A4.
        image = page.render(scale=RENDER_EDGE / longest).to_pil()
    finally:
        document.close()
    return _png_thumbnail(image), None


def _pdf_text(source: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(source)
    parts: list[str] = []
    length = 0
    for page in reader.pages[:MAX_PDF_PAGES]:
        parts.append(page.extract_text() or "")
        length += len(parts[-1])
        if length > MAX_TEXT:
            break
    return "\n".join(parts)[:MAX_TEXT]


def _png_thumbnail(image: PILImage.Image) -> bytes:
    if image.mode not in ("RGB", "RGBA", "L", "LA"):  # palette and bilevel images resample badly
        image = image.convert("RGB")
    image.thumbnail(THUMBNAIL_SIZE)  # uses draft/reduce while shrinking; converts only the small copy
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG")
    return out.getvalue()


def main(argv: list[str]) -> int:
    source, mime, max_pixels, memory_bytes, cpu_seconds = argv
    _limit_self(int(memory_bytes), int(cpu_seconds))
    try:
        preview = derive(Path(source), mime, int(max_pixels))
    except MemoryError:
        print("MemoryError", file=sys.stderr)
        return EXIT_MEMORY
    except Exception as exc:  # a broken file: the parent logs why
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    folder = Path(source).parent
    if preview.thumbnail is not None:
        (folder / THUMBNAIL).write_bytes(preview.thumbnail)
    if preview.text:
        (folder / TEXT).write_text(preview.text, "utf-8")
    print(json.dumps({"note": preview.problem}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))


__all__ = ["Preview", "PreviewLimits", "PreviewRunner", "decode_text"]
