"""Attachment benchmark: upload and download a large file through the real server and report the
server process's peak memory, which must stay bounded (not grow with the file size).

    .venv/bin/python bench/attachments.py            # 50 MB and 500 MB
    .venv/bin/python bench/attachments.py --mb 100   # one size

It starts the embedded MongoDB-compatible server and MinIO in a temporary directory, runs the Gongkai
server as a separate process (so its memory can be read from /proc), uploads through a presigned URL,
lets the server verify the object (sha256 streamed from the object store), then downloads the file
through /files (proxied by the server, with Range support). A benchmark, not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devservers.embedded import start_embedded

CHUNK = 1024 * 1024
PASSWORD = "Gongkai-demo-2026"


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def pattern(total: int) -> Iterator[bytes]:
    block = (hashlib.sha256(b"gongkai").hexdigest() * (CHUNK // 64)).encode()  # text: an allowed type
    sent = 0
    while sent < total:
        piece = block[: min(CHUNK, total - sent)]
        sent += len(piece)
        yield piece


def digest(total: int) -> str:
    h = hashlib.sha256()
    for piece in pattern(total):
        h.update(piece)
    return h.hexdigest()


def gql(client: httpx.Client, query: str, variables: dict[str, object], token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def run_size(client: httpx.Client, pid: int, token: str, org: str, megabytes: int) -> dict[str, float]:
    size = megabytes * 1024 * 1024
    entry = gql(
        client,
        "mutation($o: ID!, $t: String!) { createCatalogEntry(input: {organization: $o, title: $t}) { id } }",
        {"o": org, "t": f"附件基准测试 {megabytes} MB"},
        token,
    )["createCatalogEntry"]["id"]
    ticket = gql(
        client,
        'mutation($i: ID!, $s: Int!) { requestUpload(item: $i, filename: "bench.txt", size: $s) {'
        " uploadUrl attachment { id } } }",
        {"i": entry, "s": size},
        token,
    )["requestUpload"]
    before = rss_kib(pid, "VmRSS")
    started = time.perf_counter()
    httpx.put(ticket["uploadUrl"], content=pattern(size), timeout=600, headers={"content-length": str(size)})
    uploaded = time.perf_counter()
    attachment = gql(
        client,
        "mutation($i: ID!, $h: String!) { completeUpload(id: $i, sha256: $h) { url size } }",
        {"i": ticket["attachment"]["id"], "h": digest(size)},
        token,
    )["completeUpload"]
    verified = time.perf_counter()
    path = httpx.URL(attachment["url"]).raw_path.decode()
    received = hashlib.sha256()
    with client.stream("GET", path, headers={"authorization": f"Bearer {token}"}, timeout=600) as response:
        for piece in response.iter_bytes(CHUNK):
            received.update(piece)
    downloaded = time.perf_counter()
    assert received.hexdigest() == digest(size), "download differs from upload"
    return {
        "MB": megabytes,
        "upload s": uploaded - started,
        "verify s": verified - uploaded,
        "download s": downloaded - verified,
        "download MB/s": megabytes / max(downloaded - verified, 1e-9),
        "RSS before MiB": before / 1024,
        "peak RSS MiB": rss_kib(pid, "VmHWM") / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, action="append", help="file size in MB (repeatable)")
    args = parser.parse_args()
    sizes = args.mb or [50, 500]
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-") as tmp:
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
        server = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(tmp) / "server.log", "w"),
        )
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            for _ in range(1200):  # the demo load takes ~30 s on an idle machine
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            token = gql(
                client,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
                {"u": "demo-officer", "p": PASSWORD},
            )["login"]["token"]
            org = gql(client, '{ organization(key: "yn-gov-office") { id } }', {})["organization"]["id"]
            rows = [run_size(client, server.pid, token, org, mb) for mb in sizes]
        except Exception:
            print((Path(tmp) / "server.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(timeout=30)
            services.stop()
    columns = list(rows[0])
    print(" | ".join(f"{c:>14}" for c in columns))
    for row in rows:
        print(" | ".join(f"{row[c]:>14.1f}" for c in columns))
    if len(rows) > 1:
        growth = rows[-1]["peak RSS MiB"] - rows[0]["peak RSS MiB"]
        ratio = rows[-1]["MB"] / rows[0]["MB"]
        print(f"file size x{ratio:.0f}: server peak memory grew by {growth:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
