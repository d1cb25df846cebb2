"""Hostile-attachment benchmark (issue #13): upload the files of ``bench.hostile.files`` through the
real server, one at a time and three at once, and print the server process's RSS before, its peak
during (VmHWM, reset through /proc/PID/clear_refs before each case) and its RSS after.

    .venv/bin/python -m bench.hostile.bench                  # this checkout
    .venv/bin/python -m bench.hostile.bench --root /tmp/old  # another checkout's server (e.g. main)

It starts the embedded services and the server as bench/attachments.py does (a separate process, so
its memory can be read from /proc). A normal one-page A4 PDF and PNG are uploaded too, for the cost
of a preview. A benchmark, not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.hostile.files import HOSTILE, page_pdf
from devservers.embedded import start_embedded

PASSWORD = "Gongkai-demo-2026"
TOGETHER = ["png-13000.png", "pdf-28000.pdf", "jpeg-13000.jpg"]


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def gql(client: httpx.Client, query: str, variables: dict[str, object], token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def normal_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@contextmanager
def server(root: Path) -> Iterator[tuple[httpx.Client, int]]:
    with tempfile.TemporaryDirectory(prefix="gongkai-hostile-") as tmp:
        services = start_embedded(Path(tmp) / "embedded", in_memory=True)
        port = 18000 + os.getpid() % 1000
        env = {
            **os.environ,
            "GONGKAI_MODE": "demo",
            "GONGKAI_PORT": str(port),
            "GONGKAI_DATA_DIR": tmp,
            "GONGKAI_MONGO_URL": services.mongo_url,
            "GONGKAI_S3_ENDPOINT": services.s3_endpoint,
            "GONGKAI_S3_ACCESS_KEY": services.s3_access_key,
            "GONGKAI_S3_SECRET_KEY": services.s3_secret_key,
            "GONGKAI_DEMO_PASSWORD": PASSWORD,
        }
        log = Path(tmp) / "server.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600)
            for _ in range(1200):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    break
                time.sleep(0.5)
            yield client, process.pid
        except Exception:
            print(log.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            process.terminate()
            process.wait(timeout=30)
            services.stop()
            warnings = [line for line in log.read_text().splitlines() if "preview" in line]
            print("\n".join(["server log about previews:", *warnings]))


def upload(client: httpx.Client, token: str, entry: str, name: str, data: bytes) -> bool:
    """The browser flow; True when the attachment got a thumbnail."""
    ticket = gql(
        client,
        "mutation($i: ID!, $f: String!, $s: Int!) { requestUpload(item: $i, filename: $f, size: $s) {"
        " uploadUrl attachment { id } } }",
        {"i": entry, "f": name, "s": len(data)},
        token,
    )["requestUpload"]
    httpx.put(ticket["uploadUrl"], content=data, timeout=600).raise_for_status()
    done = gql(
        client,
        "mutation($i: ID!, $h: String!) { completeUpload(id: $i, sha256: $h) { thumbnailUrl } }",
        {"i": ticket["attachment"]["id"], "h": hashlib.sha256(data).hexdigest()},
        token,
    )["completeUpload"]
    return done["thumbnailUrl"] is not None


def measure(pid: int, label: str, run: list[tuple[str, bytes]], go: object) -> dict[str, object]:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak starts again from the current RSS
    before = status_kib(pid, "VmRSS")
    started = time.perf_counter()
    with ThreadPoolExecutor(len(run)) as pool:
        thumbs = list(pool.map(lambda item: go(*item), run))  # type: ignore[operator]
    return {
        "case": label,
        "before MiB": before / 1024,
        "peak MiB": status_kib(pid, "VmHWM") / 1024,
        "after MiB": status_kib(pid, "VmRSS") / 1024,
        "seconds": time.perf_counter() - started,
        "thumbnails": "".join("y" if t else "-" for t in thumbs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose server is measured")
    parser.add_argument("--skip", action="append", default=[], help="a case not to run (repeatable)")
    args = parser.parse_args()
    files = {name: make() for name, make in HOSTILE.items()}
    files["normal-a4.pdf"] = page_pdf(595, 842)
    files["normal-1600x1200.png"] = normal_png()
    cases = [(name, [(name, data)]) for name, data in files.items()]
    cases.append(("three at once", [(name, files[name]) for name in TOGETHER]))
    rows = []
    with server(args.root.resolve()) as (client, pid):
        token = gql(
            client,
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            {"u": "demo-officer", "p": PASSWORD},
        )["login"]["token"]
        org = gql(client, '{ organization(key: "yn-gov-office") { id } }', {})["organization"]["id"]
        entry = gql(
            client,
            "mutation($o: ID!) { createCatalogEntry(input: {organization: $o, title: $t}) { id } }".replace(
                "$t", '"恶意附件基准测试"'
            ),
            {"o": org},
            token,
        )["createCatalogEntry"]["id"]
        started_rss = status_kib(pid, "VmRSS") / 1024
        for label, run in cases:
            if label in args.skip:
                continue
            rows.append(measure(pid, label, run, lambda n, d: upload(client, token, entry, n, d)))
            print(rows[-1], flush=True)
    print(f"\nserver RSS after start-up and demo load: {started_rss:.1f} MiB")
    columns = list(rows[0])
    print(" | ".join(f"{c:>20}" for c in columns))
    for row in rows:
        print(" | ".join(f"{v:>20.1f}" if isinstance(v, float) else f"{v!s:>20}" for v in row.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
