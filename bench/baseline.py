"""The baseline: the same 20-entry public catalog page as ``bench.queries.CATALOG``, byte for byte the
same JSON, from plain Starlette + PyMongo + orjson, with no GraphQL and no framework of ours.

``/catalog`` reads MongoDB on every request (the same filter, sort and limit the public catalog sends,
projected to the fields it shows; ``?org=<ObjectId>`` adds the catalog's organization filter); ``/catalog/whole`` reads whole documents as the application's
document classes do (search tokens and weights, body and all); ``/catalog/memory`` answers from a dict
of encoded pages, the fastest a Python server on uvicorn can answer at all. Run as its own process: ``python -m bench.baseline`` (settings from ``GONGKAI_*``).
"""

from __future__ import annotations

import argparse
from typing import Any

import orjson
import uvicorn
from bson import ObjectId
from pymongo import DESCENDING, AsyncMongoClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cms.content.cursors import CursorCodec
from cms.content.ids import to_global_id
from cms.settings import Settings
from storage.documents import utcnow

MEDIA_TYPE = "application/graphql-response+json"
PAGE = 20
FIELDS = {
    "title": 1,
    "index_number": 1,
    "document_number": 1,
    "published_date": 1,
    "genre": 1,
    "topic": 1,
    "validity": 1,
    "summary": 1,
    "org_id": 1,
    "sort_key": 1,
}


def create_baseline(settings: Settings) -> Starlette:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    db = client[settings.mongo_database]
    cursors = CursorCodec(settings.secret_key.get_secret_value().encode())
    org_names: dict[Any, str] = {}
    memory: dict[str, bytes] = {}

    async def page(projection: dict[str, int] | None = FIELDS, org: str | None = None) -> bytes:
        if not org_names:
            async for found_org in db["organizations"].find({}, {"name": 1}):
                org_names[found_org["_id"]] = found_org["name"]
        now = utcnow()
        # The organization first, as the application orders its filters: SecantusDB picks the index
        # of a filter's first field.
        public: dict[str, Any] = {"org_id": ObjectId(org)} if org else {}
        public |= {"review_state": "published", "effective": {"$lte": now}, "public_until": {"$gt": now}}
        found = db["catalog_entries"].find(public, projection).sort("sort_key", DESCENDING).limit(PAGE + 1)
        docs = await found.to_list()
        edges = [{"cursor": cursors.encode(d["sort_key"]), "node": _node(d, org_names)} for d in docs[:PAGE]]
        end = edges[-1]["cursor"] if edges else None
        body = {
            "data": {
                "catalog": {"edges": edges, "pageInfo": {"hasNextPage": len(docs) > PAGE, "endCursor": end}}
            }
        }
        return orjson.dumps(body)

    async def from_database(request: Request) -> Response:
        return Response(await page(org=request.query_params.get("org")), media_type=MEDIA_TYPE)

    async def whole_documents(request: Request) -> Response:
        return Response(await page(None), media_type=MEDIA_TYPE)

    async def from_memory(request: Request) -> Response:
        key = request.url.query
        body = memory.get(key)
        if body is None:
            body = memory[key] = await page()
        return Response(body, media_type=MEDIA_TYPE)

    async def healthz(request: Request) -> Response:
        return Response(b"ok")  # readiness without a database read (a page is a full scan at scale)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/catalog", from_database, methods=["GET"]),
            Route("/catalog/whole", whole_documents, methods=["GET"]),
            Route("/catalog/memory", from_memory, methods=["GET"]),
        ]
    )


def _node(doc: dict[str, Any], org_names: dict[Any, str]) -> dict[str, Any]:
    published = doc.get("published_date")
    return {
        "id": to_global_id("CatalogEntry", doc["_id"]),
        "title": doc["title"],
        "indexNumber": doc.get("index_number"),
        "documentNumber": doc.get("document_number"),
        "publishedDate": published.date().isoformat() if published else None,
        "genre": doc.get("genre"),
        "topic": doc.get("topic"),
        "validity": str(doc.get("validity", "valid")).upper(),
        "summary": doc.get("summary", ""),
        "organization": {"name": org_names.get(doc["org_id"], "")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="raw Starlette + PyMongo baseline for the catalog page")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings()
    uvicorn.run(
        create_baseline(settings),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=300,
    )


if __name__ == "__main__":
    main()
