"""Hostile attachments (issue #13) through the real upload path (requestUpload → PUT → completeUpload):
small files that declare enormous pictures complete as uploads, get no thumbnail where decoding them
would cost too much, and leave the server's memory alone. The app runs in this process, so the
server's memory is this process's: its peak RSS (VmHWM, reset through /proc/self/clear_refs) is
measured around each upload. Derivation runs in child processes, which are not counted, and a child
that runs out of memory or time is logged, never fatal.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from bench.hostile.files import write_all
from storage.attachments import Attachment
from tests.helpers import OFFICER, Api
from tests.test_attachments import bearer, new_entry, oid, path_of, png_bytes, text_pdf, upload

MIB = 1024
RSS_BOUND_KIB = 64 * MIB  # what one upload may add to the server's peak RSS (the old code: >1 GiB)
CEILING = 40_000_000
LOGGER = "gongkai.attachments"


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: path.read_bytes() for name, path in write_all(folder).items()}


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def officer(api: Api) -> str:
    return await api.token(OFFICER)


@pytest.fixture(scope="module")
async def office_org(api: Api) -> str:
    data = await api.ok('{ organization(key: "yn-gov-office") { id } }')
    org: str = data["organization"]["id"]
    return org


@pytest.fixture(scope="module")
async def s3() -> Any:
    async with httpx.AsyncClient(timeout=60, trust_env=False) as http:
        yield http


@pytest.fixture
def preview_limits(services) -> Iterator[Any]:
    """Lets a test change the preview limits of the running app; restores them afterwards."""
    original = services.attachments.limits

    def change(**fields: Any) -> None:
        previews = dataclasses.replace(original.previews, **fields)
        services.attachments.limits = dataclasses.replace(original, previews=previews)

    yield change
    services.attachments.limits = original


# --- helpers -----------------------------------------------------------------------------------


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


class PeakRss:
    """How much the peak RSS of this process (the server) rose above its RSS at the start."""

    def __enter__(self) -> PeakRss:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self.start = status_kib("VmRSS")
        self.growth = 0
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth = status_kib("VmHWM") - self.start


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


def preview_children() -> list[int]:
    """Preview processes still running under this process."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"cms.attachments.previews" in cmdline:
            found.append(int(entry.name))
    return found


async def thumbnail_size(client: httpx.AsyncClient, token: str, url: str) -> tuple[int, int]:
    response = await client.get(path_of(url), headers=bearer(token))
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.content)) as image:
        return image.size


# --- hostile files, one at a time --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "width", "height"),
    [
        pytest.param("png-13000.png", "image/png", 13_000, 13_000, id="png-13000x13000"),
        pytest.param("jpeg-13000.jpg", "image/jpeg", 13_000, 13_000, id="jpeg-13000x13000"),
        pytest.param("png-bomb.png", "image/png", 60_000, 60_000, id="png-bomb-60000x60000-1bit"),
    ],
)
async def test_image_over_the_pixel_ceiling_is_kept_without_decoding(
    api, s3, officer, office_org, hostile, caplog, name, content_type, width, height
):
    # Given an image whose header declares far more pixels than the ceiling
    entry = await new_entry(api, officer, office_org)
    data = hostile[name]
    # When it is uploaded
    with caplog.at_level(logging.WARNING, logger=LOGGER), PeakRss() as rss:
        done = await upload(api, s3, officer, entry, name, data)
    # Then the upload completes without a thumbnail, the reason is logged, and memory stayed flat
    assert (done["contentType"], done["size"], done["thumbnailUrl"]) == (content_type, len(data), None)
    record = await Attachment.get(oid(done["id"]))
    assert record is not None
    assert warnings_of(caplog) == [
        f"no preview for attachment {record.id} ({content_type}): "
        f"not decoded: {width}×{height} px is over the ceiling of {CEILING} px"
    ]
    assert rss.growth < RSS_BOUND_KIB, f"server peak RSS grew by {rss.growth // MIB} MiB"


async def test_pdf_with_a_huge_mediabox_is_rendered_at_a_scale_from_its_page_size(
    api, client, s3, officer, office_org, hostile, caplog
):
    # Given a 333-byte PDF whose only page is 28,000 points square
    entry = await new_entry(api, officer, office_org)
    data = hostile["pdf-28000.pdf"]
    assert len(data) == 333
    # When it is uploaded
    with caplog.at_level(logging.WARNING, logger=LOGGER), PeakRss() as rss:
        done = await upload(api, s3, officer, entry, "巨幅.pdf", data)
    # Then the page is rendered small enough for a thumbnail, and memory stayed flat
    assert done["contentType"] == "application/pdf"
    assert await thumbnail_size(client, officer, done["thumbnailUrl"]) == (320, 320)
    assert warnings_of(caplog) == []
    assert rss.growth < RSS_BOUND_KIB, f"server peak RSS grew by {rss.growth // MIB} MiB"


async def test_three_hostile_files_at_once(api, s3, officer, office_org, hostile):
    # Given three hostile files on one item
    entry = await new_entry(api, officer, office_org)
    names = ["png-13000.png", "pdf-28000.pdf", "jpeg-13000.jpg"]
    # When they are uploaded at the same time
    with PeakRss() as rss:
        done = await asyncio.gather(*(upload(api, s3, officer, entry, n, hostile[n]) for n in names))
    # Then all complete, only the PDF gets a thumbnail, and memory stayed flat
    assert [d["contentType"] for d in done] == ["image/png", "application/pdf", "image/jpeg"]
    assert [d["thumbnailUrl"] is not None for d in done] == [False, True, False]
    assert rss.growth < RSS_BOUND_KIB, f"server peak RSS grew by {rss.growth // MIB} MiB"


# --- limits of the child -----------------------------------------------------------------------


async def test_child_over_its_memory_limit_is_reported_not_fatal(
    api, s3, officer, office_org, hostile, caplog, preview_limits
):
    # Given no pixel ceiling to speak of, so the 13,000² PNG (0.5 GB decoded) reaches the decoder
    preview_limits(max_pixels=10**10, memory_bytes=256 * 1024 * 1024)
    entry = await new_entry(api, officer, office_org)
    # When it is uploaded
    with caplog.at_level(logging.WARNING, logger=LOGGER), PeakRss() as rss:
        done = await upload(api, s3, officer, entry, "大图.png", hostile["png-13000.png"])
    # Then the child's memory limit stops it: logged, no thumbnail, the upload stands
    assert (done["contentType"], done["thumbnailUrl"]) == ("image/png", None)
    record = await Attachment.get(oid(done["id"]))
    assert record is not None
    assert warnings_of(caplog) == [
        f"no preview for attachment {record.id} (image/png): exceeded its memory limit of 256 MiB"
    ]
    assert rss.growth < RSS_BOUND_KIB, f"server peak RSS grew by {rss.growth // MIB} MiB"


async def test_jpeg_is_decoded_at_a_reduced_scale(
    api, client, s3, officer, office_org, hostile, caplog, preview_limits
):
    # Given the same memory limit but a 13,000² JPEG, which draft() decodes at 1/8 (26 MB, not 0.5 GB)
    preview_limits(max_pixels=10**10, memory_bytes=256 * 1024 * 1024)
    entry = await new_entry(api, officer, office_org)
    # When it is uploaded
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        done = await upload(api, s3, officer, entry, "照片.jpg", hostile["jpeg-13000.jpg"])
    # Then it gets its thumbnail within the limit
    assert await thumbnail_size(client, officer, done["thumbnailUrl"]) == (320, 320)
    assert warnings_of(caplog) == []


async def test_child_over_its_time_limit_is_killed_and_reported(
    api, s3, officer, office_org, caplog, preview_limits
):
    # Given a time limit shorter than any child needs to start
    preview_limits(timeout_seconds=0.01)
    entry = await new_entry(api, officer, office_org)
    # When a normal PDF is uploaded
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        done = await upload(api, s3, officer, entry, "正文.pdf", text_pdf("slow"))
    # Then the child is killed, the reason logged, and the upload stands without preview or text
    assert (done["contentType"], done["thumbnailUrl"]) == ("application/pdf", None)
    record = await Attachment.get(oid(done["id"]))
    assert record is not None
    assert record.text == ""
    assert warnings_of(caplog) == [
        f"no preview for attachment {record.id} (application/pdf): timed out after 0.01 s"
    ]
    assert preview_children() == []


async def test_pixel_ceiling_is_a_setting(api, s3, officer, office_org, caplog, preview_limits):
    # Given a ceiling of exactly 640 × 480 pixels
    preview_limits(max_pixels=640 * 480)
    entry = await new_entry(api, officer, office_org)
    # When an image of that size and one a pixel wider are uploaded
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        at = await upload(api, s3, officer, entry, "正好.png", png_bytes((640, 480)))
        over = await upload(api, s3, officer, entry, "超出.png", png_bytes((641, 480)))
    # Then only the one over the ceiling goes without a thumbnail
    assert at["thumbnailUrl"] is not None
    assert over["thumbnailUrl"] is None
    assert warnings_of(caplog) == [
        f"no preview for attachment {oid(over['id'])} (image/png): "
        f"not decoded: 641×480 px is over the ceiling of {640 * 480} px"
    ]
