"""Screenshots of the reading-room terminal for the docs: ``.venv/bin/python -m bench.reading_room_screens``.

Starts a real server with the demo province (``bench.reading_room_live``), publishes one document with a
three-page PDF through the review chain (as the demo accounts, over GraphQL), then writes PNGs of the
terminal's screens at the portrait kiosk size 1080×1920 into ``docs/screenshots/reading-room/``: home,
elder mode, browse, item, PDF view, keyboard and the offline banner. ``--out DIR`` writes elsewhere.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

import httpx

from bench.reading_room_live import PASSWORD, ROOT, TERMINAL, live_server, require_tools, run_node
from cms.admin.vocabulary_data import topic_path

HERE = Path(__file__).resolve().parent
OUT = ROOT / "docs" / "screenshots" / "reading-room"
FINDINGS = {
    "stateSecrets": False,
    "commercialSecrets": False,
    "personalPrivacy": False,
    "proposedMode": "PROACTIVE",
    "proposedScope": "面向社会",
    "proposedTime": "审发后即时公开",
}
PAGES = [
    "Implementation plan for open government affairs",
    "Section 2: service hall reading points",
    "Section 3: schedule and responsibilities",
]


def text_pdf(pages: list[str]) -> bytes:
    """A PDF with one line of Helvetica text a page (a standard font: pdf.js brings its data)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, text in enumerate(pages):
        stream = f"BT /F1 22 Tf 60 760 Td ({text}) Tj ET".encode()
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
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


class Api:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def ok(self, query: str, variables: dict[str, Any], user: str | None = None) -> Any:
        headers = {"authorization": f"Bearer {self.token(user)}"} if user else {}
        body = self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        ).json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]

    def token(self, user: str) -> str:
        if user not in self.tokens:
            login = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }"
            self.tokens[user] = self.ok(login, {"u": user, "p": PASSWORD})["login"]["token"]
        return self.tokens[user]

    def act(self, user: str, item: str, action: str, opinion: str = "") -> None:
        request: dict[str, Any] = {"id": item, "action": action, "opinion": opinion}
        if action == "APPROVE":
            request["confidentiality"] = FINDINGS
        self.ok("mutation($i: TransitionInput!) { transition(input: $i) { id } }", {"i": request}, user)


def publish_pdf_entry(base: str) -> str:
    """A published document of the province with a three-page PDF; its id."""
    with httpx.Client(base_url=base, timeout=60, trust_env=False) as client:
        api = Api(client)
        root = api.ok('{ organization(key: "yn-gov") { id } }', {})["organization"]["id"]
        entry = api.ok(
            "mutation($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }",
            {
                "i": {
                    "organization": root,
                    "title": "关于进一步做好政府信息查阅点服务工作的实施方案",
                    "topic": topic_path("综合政务", "政务公开"),
                }
            },
            "demo-officer",
        )["createCatalogEntry"]["id"]
        data = text_pdf(PAGES)
        ticket = api.ok(
            "mutation($i: ID!, $f: String!, $s: Int!) { requestUpload(item: $i, filename: $f, size: $s)"
            " { uploadUrl attachment { id } } }",
            {"i": entry, "f": "附件：实施方案.pdf", "s": len(data)},
            "demo-officer",
        )["requestUpload"]
        put = httpx.put(
            ticket["uploadUrl"], content=data, headers={"content-type": "application/pdf"}, timeout=60
        )
        put.raise_for_status()
        api.ok(
            "mutation($i: ID!, $h: String!) { completeUpload(id: $i, sha256: $h) { id } }",
            {"i": ticket["attachment"]["id"], "h": hashlib.sha256(data).hexdigest()},
            "demo-officer",
        )
        api.act("demo-officer", entry, "SUBMIT")
        api.act("demo-officer", entry, "APPROVE", "初审同意。")
        api.act("demo-dept-head", entry, "APPROVE", "审核同意。")
        api.act("demo-unit-head", entry, "APPROVE", "同意发布。")
        item: str = entry
        return item


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the PNGs go (default {OUT})")
    args = parser.parse_args()
    node = require_tools()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with live_server() as base:
        item = publish_pdf_entry(base)
        result = run_node(
            node,
            HERE / "reading_room_screens.mjs",
            base,
            {"out": str(out), "terminal": TERMINAL, "item": item},
        )
    for name in result["written"]:
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
