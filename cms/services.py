"""The service container: one instance per process, built at start-up by the composition root.

It imports every content kind module (cms.kinds), and importing one registers its description
(cms.content.kinds), which the content, search and review code read instead of branching by type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from authz import GrantStore
from cms.admin.access import AccessControl
from cms.admin.accounts import AccountService
from cms.admin.administration import AdministrationService
from cms.admin.calendar import CalendarAdministration
from cms.admin.organizations import OrganizationService
from cms.admin.vocabularies import VocabularyService
from cms.attachments.previews import PreviewLimits
from cms.attachments.service import AttachmentLimits, AttachmentService
from cms.audit.log import AuditLog
from cms.content.cursors import CursorCodec
from cms.content.public_changes import PublicChanges, PublicCounts, PublicMemo, Reason
from cms.content.store import ContentService
from cms.content.versions import VersionService
from cms.content.visibility import ReadScope
from cms.imports.service import CatalogImportService
from cms.jobs.lease import node_id
from cms.jobs.migrations import Migration, Migrations, Phase
from cms.jobs.runner import Job, JobRunner
from cms.kinds.catalog import CatalogService
from cms.kinds.gazette import GazetteService
from cms.kinds.interpretations import InterpretationService
from cms.kinds.interviews import InterviewService
from cms.observe.metrics import MongoCommandMetrics, record_s3
from cms.requests.crypto import FieldCipher, key_from
from cms.requests.service import RequestLimits, RequestService
from cms.review.allowed import AllowedActions
from cms.review.authoring import AuthoringService
from cms.review.register import RegisterService
from cms.review.workdays import CalendarService
from cms.review.workflow import WorkflowService
from cms.review.worklist import WorklistService
from cms.search.service import KEPT_CANDIDATES, KEPT_SEARCHES, SearchService
from cms.settings import Settings
from storage.documents import CONTENT_TYPES, utcnow
from storage.mongo import connect, drop_obsolete_indexes, engine_profile
from storage.objectstore import ObjectStore, ObjectStoreConfig
from storage.reads import Reader

CLEANUP_INTERVAL = timedelta(minutes=15)
SEARCH_UPKEEP_INTERVAL = timedelta(hours=6)
# Requests for disclosure: both are one indexed query, so hourly costs nothing and a lapsed 补正 period
# or retention period takes effect within an hour of its end rather than up to a day later.
REQUEST_UPKEEP_INTERVAL = timedelta(hours=1)


def _index_migrations(db: AsyncDatabase[dict[str, Any]]) -> list[Migration]:
    return [Migration(1, "drop-replaced-indexes", Phase.INDEXES, lambda: drop_obsolete_indexes(db))]


def _data_migrations(search: SearchService) -> list[Migration]:
    return [
        Migration(2, "remove-search-fields-from-items", Phase.DATA, search.drop_obsolete_fields),
        Migration(3, "date-search-entries", Phase.DATA, search.set_sort_days),
        # Older versions published 不予公开 items and indexed withheld content.
        Migration(4, "settle-disclosure-modes", Phase.DATA, search.settle_disclosure_modes),
    ]


def _migrations(
    db: AsyncDatabase[dict[str, Any]], settings: Settings, node: str, data: list[Migration]
) -> Migrations:
    return Migrations(
        db,
        [*_index_migrations(db), *data],
        node=node,
        lease_duration=timedelta(seconds=settings.job_lease_seconds),
        poll=timedelta(seconds=settings.job_tick_seconds),
        clock=utcnow,
    )


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
    access: AccessControl
    accounts: AccountService
    calendar: CalendarService
    register: RegisterService
    versions: VersionService
    workflow: WorkflowService
    authoring: AuthoringService
    allowed: AllowedActions
    worklist: WorklistService
    admin: AdministrationService
    attachments: AttachmentService
    public_changes: PublicChanges
    search: SearchService
    requests: RequestService
    holidays: CalendarAdministration
    imports: CatalogImportService
    node: str = field(default_factory=node_id)  # this process, as the job and migration leases name it

    def migrations(self) -> Migrations:
        return _migrations(self.db, self.settings, self.node, _data_migrations(self.search))

    async def migrate(self) -> list[int]:
        """The data migrations this version needs, before serving (cms.jobs.migrations)."""
        ran = await self.migrations().run(Phase.DATA)
        self.search.migrated()
        return ran

    def job_runner(self, clock: Callable[[], datetime] = utcnow) -> JobRunner:
        """The periodic work, run by whichever node holds the jobs lease (cms.jobs.runner)."""
        return JobRunner(
            self.db,
            [
                # Abandoned uploads and unreferenced objects go without an operator's cron job.
                Job(
                    "attachment-cleanup",
                    CLEANUP_INTERVAL,
                    lambda _: self.attachments.cleanup(),
                    at_start=False,
                ),
                # Sheets and zips staged for catalog imports, a day after their upload.
                Job(
                    "import-file-cleanup", CLEANUP_INTERVAL, lambda _: self.imports.cleanup(), at_start=False
                ),
                # Entries for items that have none, none for items that are gone.
                Job("search-upkeep", SEARCH_UPKEEP_INTERVAL, lambda _: self.search.repair()),
                # 第三十条: no correction within the period set → deemed withdrawn (逾期不补正).
                Job(
                    "request-correction-expiry",
                    REQUEST_UPKEEP_INTERVAL,
                    lambda _: self.requests.expire_corrections(),
                ),
                # Applicants' identity and contact go GONGKAI_REQUEST_RETENTION_DAYS after closing.
                Job(
                    "request-personal-data-erasure",
                    REQUEST_UPKEEP_INTERVAL,
                    lambda _: self.requests.erase_personal_data(),
                ),
            ],
            node=self.node,
            lease_duration=timedelta(seconds=self.settings.job_lease_seconds),
            tick=timedelta(seconds=self.settings.job_tick_seconds),
            clock=clock,
        )

    def read_scope(self, draft_org_ids: frozenset[ObjectId] = frozenset()) -> ReadScope:
        return self.content.scope(draft_org_ids)

    async def reload_tree(self) -> None:
        """After an organization changes: the tree and every policy decision that depends on it."""
        await self.orgs.reload()
        await self.access.reload()

    def start_watching(self) -> None:
        """Follow what other processes change: role grants, and the public generation."""
        self.access.start_watching()
        self.public_changes.start_watching()

    async def close(self) -> None:
        await self.search.stop()
        await self.public_changes.stop_watching()
        await self.access.stop_watching()
        await self.client.close()


async def build_services(settings: Settings, endpoints: Endpoints) -> Services:
    node = node_id()

    async def migrate_indexes(db: AsyncDatabase[dict[str, Any]]) -> list[int]:
        return await _migrations(db, settings, node, []).run(Phase.INDEXES)

    client, db = await connect(
        endpoints.mongo_url,
        settings.mongo_database,
        before_indexes=migrate_indexes,
        connect_timeout=settings.mongo_connect_timeout_seconds,
        listeners=[MongoCommandMetrics()],
    )
    objects = ObjectStore(
        ObjectStoreConfig(
            endpoint=endpoints.s3_endpoint,
            access_key=endpoints.s3_access_key,
            secret_key=endpoints.s3_secret_key,
            bucket=settings.s3_bucket,
            secure=endpoints.s3_secure,
            region=settings.s3_region or None,
            connect_timeout=settings.s3_connect_timeout_seconds,
            read_timeout=settings.s3_timeout_seconds,
        )
    )
    objects.observers.append(record_s3)
    try:
        await objects.ensure_bucket()
    except Exception:
        await client.close()
        raise
    changes = PublicChanges(db, [cls.get_pymongo_collection() for cls in CONTENT_TYPES.values()])
    await changes.ensure_indexes()
    await changes.load()
    orgs = OrganizationService()
    orgs.changed_hooks.append(changes.organizations_changed)
    await orgs.reload()
    vocabularies = VocabularyService()
    vocabularies.changed_hooks.append(changes.vocabularies_changed)
    await vocabularies.seed()
    secret = settings.secret_key.get_secret_value()
    previous = settings.previous_secrets
    cursors = CursorCodec(secret.encode(), [old.encode() for old in previous])
    content = ContentService(
        orgs,
        cursors,
        max_page_size=settings.max_page_size,
        reader=Reader(await engine_profile(client)),
    )
    content.published_hooks.append(changes.content_changed)
    content.public_counts = PublicCounts(changes)
    grants = GrantStore(db)
    await grants.ensure_indexes()
    access = AccessControl(grants, orgs)
    await access.reload()
    calendar = CalendarService()
    await calendar.seed()
    await calendar.reload()
    calendar.changed_hooks.append(changes.calendar_changed)
    register = RegisterService()
    versions = VersionService()
    catalog = CatalogService(content, vocabularies)
    interpretations = InterpretationService(content)
    gazette = GazetteService(content)
    interviews = InterviewService(content)
    workflow = WorkflowService(client, access, content, register, versions)
    workflow.committed_hooks.append(changes.content_changed)
    search = SearchService(content, access, cursors, max_page_size=settings.max_page_size)
    # First in line: the item's attachment text must be indexed before public caches hear of the change.
    workflow.committed_hooks.insert(0, search.on_committed)
    content.published_hooks.insert(0, search.on_committed)
    search.changed_hooks.append(changes.vocabularies_changed)  # the dictionary is a vocabulary too
    search.public_results = PublicMemo(
        changes, max_entries=KEPT_SEARCHES, max_weight=KEPT_CANDIDATES, weigh=lambda r: r.weight
    )
    accounts = AccountService(secret, previous_secrets=previous)
    audit = AuditLog()
    attachments = AttachmentService(
        objects,
        access,
        workflow,
        AttachmentLimits(
            max_bytes=settings.attachment_max_mb * 1024 * 1024,
            allowed_types=frozenset(settings.attachment_types),
            previews=PreviewLimits(
                max_pixels=settings.thumbnail_max_pixels,
                memory_bytes=settings.preview_memory_mb * 1024 * 1024,
                timeout_seconds=settings.preview_timeout_seconds,
                workers=settings.preview_workers,
            ),
        ),
    )
    search.audit = audit
    services = Services(
        settings=settings,
        client=client,
        db=db,
        objects=objects,
        orgs=orgs,
        vocabularies=vocabularies,
        content=content,
        catalog=catalog,
        gazette=gazette,
        interpretations=interpretations,
        interviews=interviews,
        access=access,
        accounts=accounts,
        calendar=calendar,
        register=register,
        versions=versions,
        workflow=workflow,
        authoring=AuthoringService(access, workflow, versions, catalog, interpretations, gazette, interviews),
        allowed=AllowedActions(workflow),
        worklist=WorklistService(access, workflow, calendar),
        admin=AdministrationService(access, orgs, accounts, register, workflow, vocabularies, audit),
        attachments=attachments,
        public_changes=changes,
        search=search,
        requests=RequestService(
            access,
            calendar,
            FieldCipher(key_from(settings.request_data_key.get_secret_value(), secret)),
            secret.encode(),
            RequestLimits(
                submissions_per_hour=settings.request_submissions_per_hour,
                retention=timedelta(days=settings.request_retention_days),
            ),
        ),
        holidays=CalendarAdministration(access, calendar, audit, workflow.atomically),
        imports=CatalogImportService(access, catalog, vocabularies, workflow, attachments, audit),
        node=node,
    )
    # Another process changed the tree or the vocabularies: reload ours before following its generation.
    changes.on_remote_change(Reason.ORGANIZATIONS, services.reload_tree)
    changes.on_remote_change(Reason.VOCABULARIES, vocabularies.reload)
    changes.on_remote_change(Reason.VOCABULARIES, search.reload_dictionary)
    changes.on_remote_change(Reason.CALENDAR, calendar.refresh)
    return services
