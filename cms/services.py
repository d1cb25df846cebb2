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
from cms.attachments.links import StaffLinks
from cms.attachments.previews import PreviewLimits
from cms.attachments.service import AttachmentLimits, AttachmentService
from cms.audit.log import AuditLog
from cms.changes.delivery import Deliveries, tls_context
from cms.changes.feed import ChangeFeed
from cms.changes.webhooks import WebhookService
from cms.compliance.service import ComplianceService
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
from cms.kinds.interviews import InterviewService, settle_event_fields
from cms.observe.metrics import MongoCommandMetrics, record_s3
from cms.reading_room.visits import VisitLimits, VisitService
from cms.reports.service import ReportService
from cms.requests.crypto import PREVIOUS_DATA_KEYS_SETTING, CodeKeys, FieldCipher, key_from, parse_key
from cms.requests.reply_files import ReplyFiles
from cms.requests.reply_review import ReplyChain
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
# The change feed's sweep and the webhook deliveries run at every tick of the job runner: each is one
# indexed query when there is nothing to do.
EVERY_TICK = timedelta(0)


def _index_migrations(db: AsyncDatabase[dict[str, Any]]) -> list[Migration]:
    return [Migration(1, "drop-replaced-indexes", Phase.INDEXES, lambda: drop_obsolete_indexes(db))]


def _data_migrations(search: SearchService, content: ContentService) -> list[Migration]:
    return [
        Migration(2, "remove-search-fields-from-items", Phase.DATA, search.drop_obsolete_fields),
        Migration(3, "date-search-entries", Phase.DATA, search.set_sort_days),
        # Older versions published 不予公开 items and indexed withheld content.
        Migration(4, "settle-disclosure-modes", Phase.DATA, search.settle_disclosure_modes),
        # Interviews and press conferences gained an event kind, date and leaders (issue #19).
        Migration(5, "interview-event-fields", Phase.DATA, settle_event_fields),
        # Public keys (issue #16): interpretations and interviews published before numbers existed.
        Migration(6, "number-published-items", Phase.DATA, content.number_published),
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
    reply_files: ReplyFiles
    holidays: CalendarAdministration
    compliance: ComplianceService
    visits: VisitService
    changes: ChangeFeed
    webhooks: WebhookService
    deliveries: Deliveries
    imports: CatalogImportService
    node: str = field(default_factory=node_id)  # this process, as the job and migration leases name it
    reports: ReportService = field(init=False)  # built on the attachments service (below)

    def migrations(self) -> Migrations:
        return _migrations(self.db, self.settings, self.node, _data_migrations(self.search, self.content))

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
                # 国办函〔2020〕109号: a fee not paid in time → the request is no longer handled.
                Job(
                    "request-fee-expiry",
                    REQUEST_UPKEEP_INTERVAL,
                    lambda _: self.requests.expire_fees(),
                ),
                # Applicants' identity and contact go GONGKAI_REQUEST_RETENTION_DAYS after closing.
                Job(
                    "request-personal-data-erasure",
                    REQUEST_UPKEEP_INTERVAL,
                    lambda _: self.requests.erase_personal_data(),
                ),
                # Scheduled items that became public and items that expired, into the change feed.
                Job("change-feed-sweep", EVERY_TICK, lambda _: self.changes.sweep()),
                Job("webhook-deliveries", EVERY_TICK, self.deliveries.run),
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
        await self.deliveries.stop()
        await self.search.stop()
        await self.public_changes.stop_watching()
        await self.access.stop_watching()
        await self.client.close()


def request_data_keys(settings: Settings) -> list[bytes]:
    """The keys sealing applicants' personal data: the current one, then the previous ones."""
    current = key_from(settings.request_data_key.get_secret_value(), settings.secret_key.get_secret_value())
    previous = [
        parse_key(key.get_secret_value(), PREVIOUS_DATA_KEYS_SETTING)
        for key in settings.request_data_previous_keys
    ]
    return [current, *previous]


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
            public_endpoint=settings.s3_public_endpoint or None,
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
    content.public_value_counts = PublicMemo(changes, max_entries=256)
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
    feed = ChangeFeed(client, db, orgs)
    await feed.ensure_indexes()
    workflow.transaction_hooks.append(feed.record)
    content.published_hooks.append(feed.on_published)
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
        StaffLinks(
            [key.encode() for key in (secret, *previous)],
            ttl=timedelta(seconds=settings.staff_link_ttl_seconds),
        ),
    )
    search.audit = audit
    data_keys = request_data_keys(settings)
    cipher = FieldCipher(data_keys[0], data_keys[1:])
    webhooks = WebhookService(db, access, audit, feed, cipher, settings.webhook_networks)
    await webhooks.ensure_indexes()
    requests = RequestService(
        access,
        calendar,
        cipher,
        CodeKeys.derive(data_keys, [secret, *previous]),
        RequestLimits(
            submissions_per_hour=settings.request_submissions_per_hour,
            retention=timedelta(days=settings.request_retention_days),
        ),
        review=ReplyChain(workflow.chain, workflow.separation_enforced),
        filing=workflow.filing,
    )
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
        requests=requests,
        reply_files=ReplyFiles(requests, attachments, secret.encode()),
        compliance=ComplianceService(access, calendar, requests, lambda: orgs.tree),
        holidays=CalendarAdministration(access, calendar, audit, workflow.atomically),
        visits=VisitService(
            access,
            content,
            settings.reading_room_terminals,
            VisitLimits(batches_per_minute=settings.reading_room_batches_per_minute),
        ),
        changes=feed,
        webhooks=webhooks,
        deliveries=Deliveries(webhooks, feed, tls=tls_context(settings.webhook_ca_file)),
        imports=CatalogImportService(access, catalog, vocabularies, workflow, attachments, audit),
        node=node,
    )
    services.reports = ReportService(access, catalog, versions, workflow, services.attachments)
    # Deliveries start right after a commit (on the node that delivers), not at the next job tick.
    workflow.committed_hooks.append(services.deliveries.on_committed)
    content.published_hooks.append(services.deliveries.on_committed)
    feed.swept_hooks.append(services.deliveries.on_committed)
    # Another process changed the tree or the vocabularies: reload ours before following its generation.
    changes.on_remote_change(Reason.ORGANIZATIONS, services.reload_tree)
    changes.on_remote_change(Reason.VOCABULARIES, vocabularies.reload)
    changes.on_remote_change(Reason.VOCABULARIES, search.reload_dictionary)
    changes.on_remote_change(Reason.CALENDAR, calendar.refresh)
    return services
