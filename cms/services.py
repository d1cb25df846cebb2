"""The service container: one instance per process, built at start-up by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from cms.catalog import CatalogService
from cms.content import ContentService
from cms.cursors import CursorCodec
from cms.gazette import GazetteService
from cms.interpretations import InterpretationService
from cms.interviews import InterviewService
from cms.organizations import OrganizationService
from cms.settings import Settings
from cms.visibility import ReadScope
from cms.vocabularies import VocabularyService
from storage.mongo import connect
from storage.objectstore import ObjectStore, ObjectStoreConfig


@dataclass(frozen=True)
class Endpoints:
    """Where the backing services are: from settings, or from the embedded servers."""

    mongo_url: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    s3_secure: bool = False


@dataclass
class Services:
    settings: Settings
    client: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    objects: ObjectStore
    orgs: OrganizationService
    vocabularies: VocabularyService
    content: ContentService
    catalog: CatalogService
    gazette: GazetteService
    interpretations: InterpretationService
    interviews: InterviewService

    def read_scope(self, draft_org_ids: frozenset[ObjectId] = frozenset()) -> ReadScope:
        return self.content.scope(draft_org_ids)

    async def close(self) -> None:
        await self.client.close()


async def build_services(settings: Settings, endpoints: Endpoints) -> Services:
    client, db = await connect(endpoints.mongo_url, settings.mongo_database)
    objects = ObjectStore(
        ObjectStoreConfig(
            endpoint=endpoints.s3_endpoint,
            access_key=endpoints.s3_access_key,
            secret_key=endpoints.s3_secret_key,
            bucket=settings.s3_bucket,
            secure=endpoints.s3_secure,
            region=settings.s3_region or None,
        )
    )
    try:
        await objects.ensure_bucket()
    except Exception:
        await client.close()
        raise
    orgs = OrganizationService()
    await orgs.reload()
    vocabularies = VocabularyService()
    await vocabularies.seed()
    cursors = CursorCodec(settings.secret_key.get_secret_value().encode())
    content = ContentService(orgs, cursors, max_page_size=settings.max_page_size)
    return Services(
        settings=settings,
        client=client,
        db=db,
        objects=objects,
        orgs=orgs,
        vocabularies=vocabularies,
        content=content,
        catalog=CatalogService(content, vocabularies),
        gazette=GazetteService(content),
        interpretations=InterpretationService(content),
        interviews=InterviewService(content),
    )
