"""GraphQL object types. Resolvers return the domain's documents directly; each type reads the
document's attributes by name, and relations go through the request's dataloaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import strawberry

from cms import model
from cms.content.ids import to_global_id
from cms.content.richtext import html_of
from cms.content.visibility import content_withheld, readable
from cms.delivery.portal import canonical_url, public_key
from cms.review.allowed import ItemAction
from schema.context import Info
from schema.execution import context_only
from schema.selection import reads

strawberry.enum(model.ReviewState, name="ReviewState", description="审核状态")
strawberry.enum(model.Validity, name="Validity", description="有效性")
strawberry.enum(model.DisclosureMode, name="DisclosureMode", description="公开方式")
strawberry.enum(
    model.PrivacyGrounds,
    name="PrivacyGrounds",
    description="涉及商业秘密、个人隐私仍主动公开的理由（条例第十五条）：THIRD_PARTY_CONSENT 第三方同意公开；"
    "PUBLIC_INTEREST 不公开会对公共利益造成重大影响",
)
strawberry.enum(model.OrgLevel, name="OrgLevel", description="行政层级")
strawberry.enum(model.OrgKind, name="OrgKind", description="机构类别")
strawberry.enum(model.InterpretationKind, name="InterpretationKind", description="解读形式")
strawberry.enum(model.InterviewKind, name="InterviewKind", description="访谈或发布会")
strawberry.enum(
    model.EventKind,
    name="EventKind",
    description="发布活动类型：新闻发布会、新闻通气会、在线访谈、答记者问、其他",
)
strawberry.enum(
    model.LeaderLevel,
    name="LeaderLevel",
    description="出席领导的层级：PRINCIPAL 主要负责人、DEPUTY 分管负责人、SPOKESPERSON 新闻发言人、OTHER 其他",
)
strawberry.enum(
    ItemAction,
    name="ReviewAction",
    description="对内容可执行的操作：SUBMIT、APPROVE、REJECT、WITHDRAW、CONFIRM 经 transition 执行，"
    "CHECKOUT、CHECKIN、CANCEL_CHECKOUT 经同名 mutation 执行",
)

N = TypeVar("N")
RICH_BODY = "正文（HTML，已按白名单净化）；纯文本正文按行分段输出；内容不向本调用者提供时为空字符串"
# What cms.content.visibility.content_withheld decides on: every field that reads through it declares these.
_RULE = ("disclosure_mode", "org_id")
# What the public keys of all kinds are made of (cms.content.kinds.Kind.public_key): a projection that
# names a field its type lacks reads whole documents, which is correct, only slower.
_KEY_FIELDS = ("index_number", "year", "number", "public_number")


def _rule(*attributes: str) -> dict[str, Any]:
    """``metadata`` of a resolver that reads ``attributes`` through the withholding rule (compiled:
    it takes ``info`` only for ``info.context.scope``)."""
    return {**reads(*attributes, *_RULE), **context_only()}


@strawberry.interface(description="可按全局 ID 获取的对象（Relay Node）")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = False
    start_cursor: str | None = None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="符合条件的总条数")
    async def total_count(self) -> int:
        return await self.counter()


@strawberry.type(description="机构（省、州市、县区政府及其部门）")
class Organization(Node):
    key: str
    name: str
    short_name: str
    code: str
    level: model.OrgLevel
    kind: model.OrgKind
    index_template: str = strawberry.field(description="索引号模板")
    doc_prefix: str = strawberry.field(description="发文字号前缀")
    sort_order: int = strawberry.field(description="同级机构中的排序，小的在前")

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.Organization)

    @strawberry.field  # type: ignore[misc, override]
    def id(self, root: strawberry.Parent[model.Organization]) -> strawberry.ID:
        return strawberry.ID(to_global_id("Organization", root.id))  # type: ignore[arg-type]

    @strawberry.field
    def parent(self, root: strawberry.Parent[model.Organization], info: Info) -> Organization | None:
        if root.parent_id is None:
            return None
        return info.context.services.orgs.tree.get(root.parent_id)  # type: ignore[return-value]

    @strawberry.field
    def children(self, root: strawberry.Parent[model.Organization], info: Info) -> list[Organization]:
        return list(info.context.services.orgs.tree.children.get(root.id, []))  # type: ignore[arg-type]

    @strawberry.field(description="从根机构到本机构的路径（上级机构，根在前）；includeSelf 时以本机构结尾")
    def ancestors(
        self, root: strawberry.Parent[model.Organization], info: Info, include_self: bool = False
    ) -> list[Organization]:
        tree = info.context.services.orgs.tree
        path = [tree.require(a) for a in root.ancestors]
        return [*path, root] if include_self else path  # type: ignore[return-value]

    @strawberry.field(
        description="本机构自身配置的审核链；继承上级或默认审核链时为 null（生效的审核链见 reviewChain）。"
        "与 reviewChain 同样须能查看本机构未发布内容"
    )
    def own_review_chain(
        self, root: strawberry.Parent[model.Organization], info: Info
    ) -> list[ReviewTier] | None:
        assert root.id is not None
        chain = info.context.services.admin.own_chain_of(info.context.principal, root.id)
        return chain  # type: ignore[return-value]


@strawberry.type(description="审核环节")
class ReviewTier:
    key: str
    label: str
    permission: str
    author_may_act: bool


@strawberry.type(description="附件")
class Attachment:
    filename: str
    size: int | None
    content_type: str | None
    sha256: str | None
    order: int

    @strawberry.field
    def id(self, root: strawberry.Parent[model.Attachment]) -> strawberry.ID:
        return strawberry.ID(to_global_id("Attachment", root.id))  # type: ignore[arg-type]

    @strawberry.field(
        description="下载地址；已发布主动公开内容的附件地址稳定，无需登录，支持 Range。"
        "公众不可读取的文件（草稿、工作副本、依申请公开内容的附件，申请的答复文件）对已登录的工作人员"
        "给出仅限本人、短时有效的签名地址（可直接用于链接、图片与 PDF 阅读器，不含登录令牌）"
    )
    async def url(self, root: strawberry.Parent[model.Attachment], info: Info) -> str:
        return await _signed(f"/files/{root.id}/{quote(root.filename)}", root, info)

    @strawberry.field(description="缩略图地址（图片与 PDF 首页）；签名规则同 url")
    async def thumbnail_url(self, root: strawberry.Parent[model.Attachment], info: Info) -> str | None:
        if not root.thumbnail_key:
            return None
        return await _signed(f"/thumbnails/{root.id}.png", root, info)


async def _signed(path: str, attachment: model.Attachment, info: Info) -> str:
    """The stable address, with a link signed for the signed-in reader when the public may not read
    the file (anonymous readers only ever see public files)."""
    address = f"{info.context.base_url}{path}"
    user = info.context.user
    if user is None or await info.context.loaders.public_files.load(
        (attachment.item_type, attachment.item_id)
    ):
        return address
    query = info.context.services.attachments.link_query(
        attachment, info.context.principal, user.session_generation
    )
    return f"{address}?{query}" if query else address


@strawberry.type(description="已发布内容签出的工作副本")
class WorkingCopyInfo:
    @strawberry.field(description="工作副本的 ID（与原内容同类型）")
    def id(self, root: strawberry.Parent[model.ContentDocument]) -> strawberry.ID:
        return strawberry.ID(to_global_id(type(root).__name__, root.id))  # type: ignore[arg-type]

    @strawberry.field(description="签出人（显示名，未设置时为用户名）")
    async def checked_out_by(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> str | None:
        if root.created_by is None:
            return None
        user = await info.context.loaders.user.load(root.created_by)
        if user is None:
            return None
        return user.display_name or user.username

    @strawberry.field(description="签出时间")
    def checked_out_at(self, root: strawberry.Parent[model.ContentDocument]) -> datetime | None:
        return root.created

    @strawberry.field(description="工作副本的审核状态")
    def review_state(self, root: strawberry.Parent[model.ContentDocument]) -> model.ReviewState:
        return root.review_state


@strawberry.interface(description="内容项的通用元数据（Dublin Core 与工作流）")
class Content(Node):
    path: str
    title: str
    description: str
    language: str
    subjects: list[str]
    creators: list[str]
    created: datetime
    modified: datetime
    effective: datetime | None
    expires: datetime | None
    review_state: model.ReviewState
    version: int

    pending_tier: str | None = strawberry.field(description="当前所处的审核环节")
    submitted_at: datetime | None = strawberry.field(description="提交审查时间")

    disclosure_mode: model.DisclosureMode = strawberry.field(description="公开方式")

    @strawberry.field(metadata=reads("review_state"))
    def review_state_label(self, root: strawberry.Parent[model.ContentDocument]) -> str:
        return model.REVIEW_STATE_LABELS[root.review_state]

    @strawberry.field(
        description="调用者现在可对本内容执行的操作（按状态、所处审核环节、权限和审核分离规则）；"
        "未登录时为空列表。内容本身的条件（如保密审查结论、会签确认）执行时才检查",
        metadata=reads(
            "id",
            "org_id",
            "review_state",
            "pending_tier",
            "working_copy_of",
            "cycle",
            "created_by",
            "submitted_by",
            "involves_org_ids",
            "confirmations",
        ),
    )
    async def allowed_actions(
        self, root: strawberry.Parent[model.ContentDocument], info: Info
    ) -> list[ItemAction]:
        return await info.context.loaders.allowed_actions.load(root)

    @strawberry.field(
        description="调用者现在能否修改并保存本内容（已发布的内容须先签出工作副本）",
        metadata=reads("org_id", "review_state"),
    )
    def editable(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> bool:
        return info.context.services.allowed.editable(info.context.principal, root)

    @strawberry.field(
        description="稳定的公开标识，编辑后不变：公开目录为索引号，公报为“年份-期号”，政策解读与访谈为首次发布时分配的编号；"
        "尚未分配时为 null",
        metadata=reads(*_KEY_FIELDS),
    )
    def public_key(self, root: strawberry.Parent[model.ContentDocument]) -> str | None:
        return public_key(root)

    @strawberry.field(
        description="门户网站上的规范地址，按设置 GONGKAI_PORTAL_URL_TEMPLATES 中本类型的模板生成；"
        "未发布、工作副本或本类型未设模板时为 null",
        metadata=reads(*_KEY_FIELDS, "review_state", "working_copy_of", "org_id"),
    )
    def url(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> str | None:
        services = info.context.services
        return canonical_url(root, services.settings.portal_url_templates, services.orgs.tree)

    @strawberry.field(
        description="公开方式的名称（主动公开、依申请公开、不予公开）", metadata=reads("disclosure_mode")
    )
    def disclosure_mode_label(self, root: strawberry.Parent[model.ContentDocument]) -> str:
        return model.DISCLOSURE_LABELS[root.disclosure_mode]

    @strawberry.field(
        description="不予主动公开的理由（内部审查记录）；内容不向本调用者提供时为空字符串",
        metadata=_rule("non_disclosure_reason"),
    )
    def non_disclosure_reason(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> str:
        return readable(root, info.context.scope).non_disclosure_reason

    @strawberry.field(
        description="不予主动公开的法律依据（内部审查记录）；内容不向本调用者提供时为空字符串",
        metadata=_rule("legal_basis"),
    )
    def legal_basis(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> str:
        return readable(root, info.context.scope).legal_basis

    @strawberry.field(
        description="本内容的正文、附件等是否不向本调用者提供（依申请公开的内容只公开目录信息，"
        "可查看本机构未发布内容的工作人员除外）",
        metadata=_rule(),
    )
    def content_withheld(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> bool:
        return content_withheld(root, info.context.scope)

    @strawberry.field(
        description="内容不向本调用者提供时给读者的说明（如依申请公开的获取方式）；否则为 null",
        metadata=_rule(),
    )
    def disclosure_notice(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> str | None:
        if not content_withheld(root, info.context.scope):
            return None
        return model.DISCLOSURE_NOTICES.get(root.disclosure_mode)

    @strawberry.field(description="附件；内容不向本调用者提供时为空列表", metadata=reads("id", *_RULE))
    async def attachments(
        self, root: strawberry.Parent[model.ContentDocument], info: Info
    ) -> list[Attachment]:
        if content_withheld(root, info.context.scope):
            return []
        return await info.context.loaders.attachments_of.load(root.id)  # type: ignore[arg-type, return-value]

    @strawberry.field(
        description="已审发但生效时间未到（定时发布）", metadata=reads("review_state", "effective")
    )
    def scheduled(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> bool:
        # The current instant, not the request's start: an approval made during this request is not
        # "scheduled" just because its effective time is later than when the request began.
        now = info.context.services.content.clock()
        return root.review_state is model.ReviewState.PUBLISHED and bool(
            root.effective and root.effective > now
        )

    @strawberry.field(description="工作副本所对应的已发布内容 ID", metadata=reads("working_copy_of"))
    def working_copy_of(self, root: strawberry.Parent[model.ContentDocument]) -> strawberry.ID | None:
        if root.working_copy_of is None:
            return None
        return strawberry.ID(to_global_id(type(root).__name__, root.working_copy_of))

    @strawberry.field(
        description="本内容尚未审发或取消的工作副本；无工作副本时为 null。"
        "仅对可查看本机构未发布内容的工作人员显示，其他调用者始终为 null",
        metadata=reads("working_copy_of", "id", "org_id"),
    )
    async def working_copy(
        self, root: strawberry.Parent[model.ContentDocument], info: Info
    ) -> WorkingCopyInfo | None:
        if root.working_copy_of is not None or root.id is None:
            return None  # a working copy has no copy of its own
        if root.org_id not in info.context.scope.draft_org_ids:
            return None  # the copy is an unpublished item: not even its existence is told
        copy = await info.context.loaders.working_copy.load((type(root), root.id))
        return copy  # type: ignore[return-value]

    @strawberry.field(description="需会签确认的其他机构", metadata=reads("involves_org_ids"))
    def involves_organizations(
        self, root: strawberry.Parent[model.ContentDocument], info: Info
    ) -> list[Organization]:
        tree = info.context.services.orgs.tree
        return [o for o in (tree.get(i) for i in root.involves_org_ids) if o is not None]  # type: ignore[misc]

    @strawberry.field(description="已确认的机构", metadata=reads("confirmations"))
    def confirmed_organizations(
        self, root: strawberry.Parent[model.ContentDocument], info: Info
    ) -> list[Organization]:
        tree = info.context.services.orgs.tree
        return [o for o in (tree.get(c.org_id) for c in root.confirmations) if o is not None]  # type: ignore[misc]

    @strawberry.field(description="发布机构", metadata={**reads("org_id"), **context_only()})
    def organization(self, root: strawberry.Parent[model.ContentDocument], info: Info) -> Organization:
        return info.context.services.orgs.tree.require(root.org_id)  # type: ignore[return-value]


def _gid(type_name: str) -> Any:
    def resolve(root: strawberry.Parent[model.ContentDocument]) -> strawberry.ID:
        return strawberry.ID(to_global_id(type_name, root.id))  # type: ignore[arg-type]

    return strawberry.field(resolver=resolve, metadata=reads("id"))


@strawberry.type(description="公开目录条目")
class CatalogEntry(Content):
    id: strawberry.ID = _gid("CatalogEntry")
    index_number: str | None = strawberry.field(description="索引号")
    summary: str = strawberry.field(description="内容概述")
    document_number: str | None = strawberry.field(description="发文字号")
    topic: str | None = strawberry.field(description="主题分类，如 综合政务\\政务公开")
    genre: str | None = strawberry.field(description="体裁")
    keywords: list[str] = strawberry.field(description="主题词")
    created_date: date | None = strawberry.field(description="成文日期")
    published_date: date | None = strawberry.field(description="发布日期")
    year: int | None
    validity: model.Validity
    validity_effective_date: date | None = strawberry.field(description="施行日期")
    repeal_date: date | None = strawberry.field(description="废止或失效日期")
    scope: str = strawberry.field(description="公开范围")

    @strawberry.field(description="正文；内容不向本调用者提供时为空字符串", metadata=_rule("body"))
    def body(self, root: strawberry.Parent[model.CatalogEntry], info: Info) -> str:
        return readable(root, info.context.scope).body

    @strawberry.field(description=RICH_BODY, metadata=_rule("body", "body_html"))
    def body_html(self, root: strawberry.Parent[model.CatalogEntry], info: Info) -> str:
        shown = readable(root, info.context.scope)
        return html_of(shown.body_html, shown.body)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.CatalogEntry)

    @strawberry.field(metadata=reads("validity"))
    def validity_label(self, root: strawberry.Parent[model.CatalogEntry]) -> str:
        return model.VALIDITY_LABELS[root.validity]

    @strawberry.field(description="发布机构（发文机关）", metadata=reads("issuing_org_id", "org_id"))
    def issuing_organization(
        self, root: strawberry.Parent[model.CatalogEntry], info: Info
    ) -> Organization | None:
        org_id = root.issuing_org_id or root.org_id
        return info.context.services.orgs.tree.get(org_id)  # type: ignore[return-value]

    @strawberry.field(description="联合发文机关", metadata=reads("co_issuer_ids"))
    def co_issuers(self, root: strawberry.Parent[model.CatalogEntry], info: Info) -> list[Organization]:
        tree = info.context.services.orgs.tree
        return [o for o in (tree.get(i) for i in root.co_issuer_ids) if o is not None]  # type: ignore[misc]

    @strawberry.field(description="修改本文件的文件", metadata=reads("amended_by_ids"))
    async def amended_by(self, root: strawberry.Parent[model.CatalogEntry], info: Info) -> list[CatalogEntry]:
        return await _entries(info, root.amended_by_ids)

    @strawberry.field(description="废止本文件的文件", metadata=reads("repealed_by_ids"))
    async def repealed_by(
        self, root: strawberry.Parent[model.CatalogEntry], info: Info
    ) -> list[CatalogEntry]:
        return await _entries(info, root.repealed_by_ids)

    @strawberry.field(description="本文件修改的文件", metadata=reads("id"))
    async def amends(self, root: strawberry.Parent[model.CatalogEntry], info: Info) -> list[CatalogEntry]:
        return await info.context.loaders.amended_by_key.load(root.id)  # type: ignore[arg-type, return-value]

    @strawberry.field(description="本文件废止的文件", metadata=reads("id"))
    async def repeals(self, root: strawberry.Parent[model.CatalogEntry], info: Info) -> list[CatalogEntry]:
        return await info.context.loaders.repealed_by_key.load(root.id)  # type: ignore[arg-type, return-value]

    @strawberry.field(description="本文件的政策解读", metadata=reads("id"))
    async def interpretations(
        self, root: strawberry.Parent[model.CatalogEntry], info: Info
    ) -> list[Interpretation]:
        return await info.context.loaders.interpretations_of.load(root.id)  # type: ignore[arg-type, return-value]

    @strawberry.field(description="刊登本文件的公报文章", metadata=reads("id"))
    async def gazette_articles(
        self, root: strawberry.Parent[model.CatalogEntry], info: Info
    ) -> list[GazetteArticle]:
        pairs = await info.context.loaders.gazette_articles_of.load(root.id)  # type: ignore[arg-type]
        return [ArticleRef(issue, article) for issue, article in pairs]  # type: ignore[misc]


async def _entries(info: Info, ids: list[Any]) -> list[CatalogEntry]:
    if not ids:
        return []
    found = await info.context.loaders.catalog_entry.load_many(ids)
    return [e for e in found if e is not None]  # type: ignore[misc]


@dataclass(frozen=True)
class ArticleRef:
    issue: model.GazetteIssue
    article: model.GazetteArticle


@strawberry.type(description="公报文章")
class GazetteArticle(Node):
    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, ArticleRef)

    @strawberry.field  # type: ignore[misc, override]
    def id(self, root: strawberry.Parent[ArticleRef]) -> strawberry.ID:
        return strawberry.ID(to_global_id("GazetteArticle", root.article.id))

    @strawberry.field
    def order(self, root: strawberry.Parent[ArticleRef]) -> int:
        return root.article.order

    @strawberry.field(description="栏目")
    def section(self, root: strawberry.Parent[ArticleRef]) -> str:
        return root.article.section

    @strawberry.field
    def title(self, root: strawberry.Parent[ArticleRef]) -> str:
        return root.article.title

    @strawberry.field
    def document_number(self, root: strawberry.Parent[ArticleRef]) -> str | None:
        return root.article.document_number

    @strawberry.field(description="正文；公报内容不向本调用者提供时为空字符串", metadata=context_only())
    def body(self, root: strawberry.Parent[ArticleRef], info: Info) -> str:
        issue = readable(root.issue, info.context.scope)
        if issue is root.issue:
            return root.article.body
        return next((a.body for a in issue.articles if a.id == root.article.id), "")

    @strawberry.field(description=RICH_BODY, metadata=context_only())
    def body_html(self, root: strawberry.Parent[ArticleRef], info: Info) -> str:
        issue = readable(root.issue, info.context.scope)
        shown = next((a for a in issue.articles if a.id == root.article.id), None)
        return html_of(shown.body_html, shown.body) if shown is not None else ""

    @strawberry.field
    def issue(self, root: strawberry.Parent[ArticleRef]) -> GazetteIssue:
        return root.issue  # type: ignore[return-value]

    @strawberry.field(description="本文章刊登的公开目录条目")
    async def catalog_entry(self, root: strawberry.Parent[ArticleRef], info: Info) -> CatalogEntry | None:
        if root.article.catalog_entry_id is None:
            return None
        return await info.context.loaders.catalog_entry.load(root.article.catalog_entry_id)  # type: ignore[return-value]


@strawberry.type(description="政府公报（一期）")
class GazetteIssue(Content):
    id: strawberry.ID = _gid("GazetteIssue")
    year: int
    number: int
    total_number: int | None
    publication_date: date | None

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.GazetteIssue)

    @strawberry.field
    def articles(self, root: strawberry.Parent[model.GazetteIssue]) -> list[GazetteArticle]:
        return [ArticleRef(root, a) for a in sorted(root.articles, key=lambda a: a.order)]  # type: ignore[misc]


@strawberry.type(description="政策解读")
class Interpretation(Content):
    id: strawberry.ID = _gid("Interpretation")
    kind: model.InterpretationKind
    published_date: date | None

    @strawberry.field(description="正文；内容不向本调用者提供时为空字符串", metadata=_rule("body"))
    def body(self, root: strawberry.Parent[model.Interpretation], info: Info) -> str:
        return readable(root, info.context.scope).body

    @strawberry.field(description=RICH_BODY, metadata=_rule("body", "body_html"))
    def body_html(self, root: strawberry.Parent[model.Interpretation], info: Info) -> str:
        shown = readable(root, info.context.scope)
        return html_of(shown.body_html, shown.body)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.Interpretation)

    @strawberry.field(description="所解读的文件")
    async def interprets(
        self, root: strawberry.Parent[model.Interpretation], info: Info
    ) -> list[CatalogEntry]:
        return await _entries(info, root.interprets_ids)


@strawberry.type(description="访谈嘉宾")
class Guest:
    name: str
    title: str

    @strawberry.field
    def organization(self, root: strawberry.Parent[model.Guest], info: Info) -> Organization | None:
        return info.context.services.orgs.tree.get(root.org_id) if root.org_id else None  # type: ignore[return-value]


@strawberry.type(description="出席的领导")
class Leader:
    name: str
    post: str = strawberry.field(description="职务")
    level: model.LeaderLevel

    @strawberry.field(description="所在机构；为空时即举办机构")
    def organization(self, root: strawberry.Parent[model.Leader], info: Info) -> Organization | None:
        return info.context.services.orgs.tree.get(root.org_id) if root.org_id else None  # type: ignore[return-value]


@strawberry.type(description="网友提问")
class PublicQuestion:
    @strawberry.field(description="修改访谈时带回则保持不变")
    def id(self, root: strawberry.Parent[model.PublicQuestion]) -> strawberry.ID:
        return strawberry.ID(to_global_id("PublicQuestion", root.id))

    asker: str
    text: str
    answer: str | None
    answered_live: bool


@strawberry.type(description="实录发言")
class TranscriptTurn:
    seq: int
    speaker: str
    role: str
    text: str
    time: datetime | None


@strawberry.type(description="在线访谈或新闻发布会")
class Interview(Content):
    id: strawberry.ID = _gid("Interview")
    kind: model.InterviewKind
    place: str = strawberry.field(description="地点")
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    published_date: date | None
    guests: list[Guest]
    event_kind: model.EventKind = strawberry.field(description="发布活动类型")
    event_date: date | None = strawberry.field(description="举办日期（北京时间）")
    leaders: list[Leader] = strawberry.field(description="出席的领导")

    @strawberry.field(
        description="网友提问及答复；内容不向本调用者提供时为空列表", metadata=_rule("questions")
    )
    def questions(self, root: strawberry.Parent[model.Interview], info: Info) -> list[PublicQuestion]:
        return readable(root, info.context.scope).questions  # type: ignore[return-value]

    @strawberry.field(description="实录；内容不向本调用者提供时为空列表", metadata=_rule("transcript"))
    def transcript(self, root: strawberry.Parent[model.Interview], info: Info) -> list[TranscriptTurn]:
        return readable(root, info.context.scope).transcript  # type: ignore[return-value]

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, model.Interview)


@strawberry.type(description="受控词表中的一个词")
class VocabularyTerm:
    value: str
    label: str
    parent: str | None
    sort_order: int = strawberry.field(description="排序，小的在前")

    @strawberry.field(
        description="公众可见的公开目录条目中使用该词的条数（一级分类含其二级分类；按 topics/genres 的 filter 统计，"
        "与匿名读者的公开目录 totalCount 一致：未发布与不予公开的条目不计）；不在 topics/genres 中时为 null"
    )
    async def count(self, root: strawberry.Parent[Any]) -> int | None:
        return await root.count(root.value) if isinstance(root, CountedTerm) else None


class CountedTerm:
    """A vocabulary term as ``topics``/``genres`` answer it: the stored term and its public count."""

    def __init__(self, term: model.VocabularyTerm, count: Callable[[str], Awaitable[int]]) -> None:
        self.value, self.label, self.parent, self.sort_order = (
            term.value,
            term.label,
            term.parent,
            term.sort_order,
        )
        self.count = count


CONTENT_GRAPHQL_TYPES: list[type] = [
    CatalogEntry,
    GazetteIssue,
    GazetteArticle,
    Interpretation,
    Interview,
    Organization,
]
