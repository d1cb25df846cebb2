"""Loads the demo province through the same services the API uses, when the repository is empty."""

from __future__ import annotations

import logging
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bson import ObjectId

from authz import Grant, Principal, Role
from cms.admin.accounts import ensure_user
from cms.admin.organizations import NewOrganization
from cms.kinds.catalog import NewCatalogEntry
from cms.kinds.gazette import NewArticle, NewGazetteIssue
from cms.kinds.interpretations import NewInterpretation
from cms.kinds.interviews import NewInterview
from cms.review.workflow import Action, TransitionRequest
from cms.services import Services
from demo import data
from storage.documents import (
    CatalogEntry,
    ContentDocument,
    DisclosureMode,
    Guest,
    InterpretationKind,
    InterviewKind,
    Organization,
    OrgKind,
    OrgLevel,
    PublicQuestion,
    TranscriptTurn,
    Validity,
)
from storage.register import ConfidentialityFindings

log = logging.getLogger("gongkai.demo")

VALIDITY = {
    "有效": Validity.VALID,
    "已修改": Validity.AMENDED,
    "废止": Validity.REPEALED,
    "失效": Validity.EXPIRED,
}
DISCLOSURE = {
    "主动公开": DisclosureMode.PROACTIVE,
    "依申请公开": DisclosureMode.ON_REQUEST,
    "不予公开": DisclosureMode.NOT_DISCLOSED,
}


async def is_empty() -> bool:
    return await Organization.find_one({}) is None


DEMO_ACCOUNTS = (
    ("demo-officer", "演示承办人", Role.OFFICER),
    ("demo-dept-head", "演示承办部门负责人", Role.DEPT_HEAD),
    ("demo-unit-head", "演示单位负责人", Role.UNIT_HEAD),
    ("demo-office", "演示公开办", Role.OFFICE),
    ("demo-admin", "演示管理员", Role.ADMIN),
)
DEMO_HOME = "yn-gov-office"  # 云南省人民政府办公厅
DEMO_GRANT_AT = "yn-gov"  # roles cover the whole demo province, so every sample can be worked on
DEMO_FINDINGS = ConfidentialityFindings(
    state_secrets=False,
    commercial_secrets=False,
    personal_privacy=False,
    proposed_mode=DisclosureMode.PROACTIVE.value,
    proposed_scope="面向社会",
    proposed_time="审发后即时公开",
)


async def load_demo(
    services: Services, *, password: str, entries: int = 300, seed: int = 20131224
) -> dict[str, int]:
    """Returns counts of what was loaded. Deterministic for a given seed."""
    orgs = await _load_orgs(services)
    await services.access.reload()
    people = await _load_accounts(services, orgs, password)
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    by_number: dict[str, CatalogEntry] = {}
    published = 0
    seed_doc = data.seed_document()
    fixed = [seed_doc, *data.GAZETTE_SOURCE_ENTRIES]
    for raw in [*fixed, *data.catalog_entries(rng, entries)]:
        entry = await services.catalog.create_draft(_entry(raw, orgs))
        if raw is seed_doc:  # the source document's full text, as the attachment a reader downloads
            assert entry.id is not None
            text = (raw["body"] + "\n").encode("utf-8")
            await services.attachments.store(
                people[Role.OFFICER], "CatalogEntry", entry.id, f"{raw['title']}.txt", text
            )
        await _import(services, entry, raw.get("published_date"))
        if entry.document_number:
            by_number[entry.document_number] = entry
        published += 1
    for raw_issue in data.gazette_issues():
        issue = await services.gazette.create_draft(_issue(raw_issue, orgs, by_number))
        await _import(services, issue, raw_issue.get("publication_date"))
    interpretations = data.interpretations()
    for raw in interpretations:
        item = await services.interpretations.create_draft(_interpretation(raw, orgs, by_number))
        await _import(services, item, raw.get("published_date"))
    interviews = data.interviews()
    for raw in interviews:
        interview = await services.interviews.create_draft(_interview(raw, orgs))
        await _import(services, interview, raw.get("published_date"))
    samples = 0
    for raw in data.workflow_samples():
        await _walk(services, people, _entry(raw, orgs), raw["state_hint"])
        samples += 1
    non_proactive = data.non_proactive_entries()
    for raw in non_proactive:  # 依申请公开 and 不予公开, reviewed with findings proposing their mode
        await _walk(services, people, _entry(raw, orgs), "published")
    counts = {
        "organizations": len(orgs),
        "catalog_entries": published,
        "gazette_issues": len(data.gazette_issues()),
        "interpretations": len(interpretations),
        "interviews": len(interviews),
        "unpublished_samples": samples,
        "non_proactive_entries": len(non_proactive),
    }
    log.info("demo data loaded: %s", counts)
    return counts


async def _import(services: Services, item: ContentDocument, published: date | None) -> None:
    """Historical records were published before this system existed: imported, and registered as such."""
    await services.content.publish(item, effective=_instant(published))
    await services.workflow.record_import(item, source="演示数据：历史公开信息")


async def _load_accounts(
    services: Services, orgs: dict[str, ObjectId], password: str
) -> dict[Role, Principal]:
    people: dict[Role, Principal] = {}
    for username, name, role in DEMO_ACCOUNTS:
        user, _created = await ensure_user(services.accounts, username, password, orgs[DEMO_HOME], name)
        assert user.id is not None
        await services.access.grants.add(
            Grant(user_id=str(user.id), role=role, org_id=str(orgs[DEMO_GRANT_AT]))
        )
        people[role] = services.access.principal_for(user)
    await services.access.reload()
    return people


async def _walk(services: Services, people: dict[Role, Principal], new: NewCatalogEntry, target: str) -> None:
    """Drive a sample through the real review chain, as the demo accounts, up to its target state."""
    officer, head, unit, office = (
        people[r] for r in (Role.OFFICER, Role.DEPT_HEAD, Role.UNIT_HEAD, Role.OFFICE)
    )
    if target == "scheduled":
        new.effective = services.content.clock() + timedelta(days=30)
    entry = await services.authoring.create_catalog_entry(officer, new)
    assert entry.id is not None
    # Unpublished items carry attachments too, so leak tests can check files as well as fields.
    draft_text = f"{new.title}\n\n{new.body}\n".encode()
    await services.attachments.store(officer, "CatalogEntry", entry.id, "送审稿.txt", draft_text)
    steps: dict[str, list[tuple[Principal, Action, str]]] = {
        "draft": [],
        "pending_first_review": [(officer, Action.SUBMIT, "")],
        "pending_department_review": [(officer, Action.SUBMIT, ""), (officer, Action.APPROVE, "初审同意。")],
        "pending_unit_approval": [
            (officer, Action.SUBMIT, ""),
            (officer, Action.APPROVE, "初审同意。"),
            (head, Action.APPROVE, "审核同意，报单位负责人审发。"),
        ],
        "rejected": [
            (officer, Action.SUBMIT, ""),
            (officer, Action.APPROVE, "初审同意。"),
            (head, Action.REJECT, "请补充排污口分类整治的责任分工后重新报送。"),
        ],
    }
    full = [
        (officer, Action.SUBMIT, ""),
        (officer, Action.APPROVE, "初审同意。"),
        (head, Action.APPROVE, "审核同意。"),
        (unit, Action.APPROVE, "同意发布。"),
    ]
    steps["scheduled"] = steps["published"] = full
    steps["withdrawn"] = [*full, (office, Action.WITHDRAW, "项目计划调整，撤回后重新发布。")]
    for actor, action, opinion in steps[target]:
        findings = _findings(entry) if action is Action.APPROVE else None
        request = TransitionRequest("CatalogEntry", entry.id, action, opinion=opinion, findings=findings)
        await services.workflow.transition(actor, request)


def _findings(entry: CatalogEntry) -> ConfidentialityFindings:
    """Clean findings that propose the entry's own mode, with its grounds when not proactive."""
    if entry.disclosure_mode is DisclosureMode.PROACTIVE:
        return DEMO_FINDINGS
    return DEMO_FINDINGS.model_copy(
        update={
            "proposed_mode": entry.disclosure_mode.value,
            "proposed_scope": entry.scope,
            "proposed_time": "",
            "grounds": f"{entry.non_disclosure_reason}依据：{entry.legal_basis}。",
        }
    )


async def _load_orgs(services: Services) -> dict[str, ObjectId]:
    ids: dict[str, ObjectId] = {}
    for order, raw in enumerate(data.organizations()):
        org = await services.orgs.create(
            NewOrganization(
                key=raw["key"],
                name=raw["name"],
                short_name=raw.get("short_name", ""),
                code=raw["code"],
                parent_id=ids[raw["parent"]] if raw.get("parent") else None,
                level=OrgLevel(raw.get("level", "province")),
                kind=OrgKind(raw.get("kind", "government")),
                index_template=raw["index_template"],
                doc_prefix=raw.get("doc_prefix", ""),
                sort_order=order,
            )
        )
        assert org.id is not None
        ids[raw["key"]] = org.id
    return ids


def _entry(raw: dict[str, Any], orgs: dict[str, ObjectId]) -> NewCatalogEntry:
    return NewCatalogEntry(
        org_id=orgs[raw["org"]],
        title=raw["title"],
        summary=raw.get("summary", ""),
        document_number=raw.get("document_number"),
        co_issuer_ids=[orgs[k] for k in raw.get("co_issuers", [])],
        topic=raw.get("topic"),
        genre=raw.get("genre"),
        keywords=list(raw.get("keywords", [])),
        created_date=raw.get("created_date"),
        published_date=raw.get("published_date"),
        disclosure_mode=DISCLOSURE[raw.get("disclosure_mode", "主动公开")],
        non_disclosure_reason=raw.get("non_disclosure_reason", ""),
        legal_basis=raw.get("legal_basis", ""),
        scope=raw.get("scope", "面向社会"),
        validity=VALIDITY[raw.get("validity", "有效")],
        repeal_date=raw.get("repeal_date"),
        body=raw.get("body", ""),
    )


def _issue(
    raw: dict[str, Any], orgs: dict[str, ObjectId], by_number: dict[str, CatalogEntry]
) -> NewGazetteIssue:
    articles = []
    for article in raw["articles"]:
        ref = by_number.get(article["catalog_ref"]) if article.get("catalog_ref") else None
        articles.append(
            NewArticle(
                title=article["title"],
                section=article.get("section", ""),
                document_number=article.get("document_number"),
                body=article.get("body", ""),
                catalog_entry_id=ref.id if ref else None,
            )
        )
    return NewGazetteIssue(
        org_id=orgs[raw["org"]],
        year=raw["year"],
        number=raw["number"],
        title=raw.get("title", ""),
        publication_date=raw.get("publication_date"),
        articles=articles,
    )


def _interpretation(
    raw: dict[str, Any], orgs: dict[str, ObjectId], by_number: dict[str, CatalogEntry]
) -> NewInterpretation:
    return NewInterpretation(
        org_id=orgs[raw["org"]],
        title=raw["title"],
        kind=InterpretationKind(raw.get("kind", "text")),
        body=raw.get("body", ""),
        published_date=raw.get("published_date"),
        interprets_ids=[by_number[n].id for n in raw.get("interprets", []) if n in by_number],  # type: ignore[misc]
    )


def _interview(raw: dict[str, Any], orgs: dict[str, ObjectId]) -> NewInterview:
    return NewInterview(
        org_id=orgs[raw["org"]],
        title=raw["title"],
        kind=InterviewKind(raw.get("kind", "interview")),
        description=raw.get("description", ""),
        place=raw.get("place", ""),
        scheduled_start=raw.get("scheduled_start"),
        scheduled_end=raw.get("scheduled_end"),
        published_date=raw.get("published_date"),
        guests=[
            Guest(
                name=g["name"], title=g.get("title", ""), org_id=orgs.get(g["org"]) if g.get("org") else None
            )
            for g in raw.get("guests", [])
        ],
        questions=[
            PublicQuestion(asker=q.get("asker", ""), text=q["text"], answer=q.get("answer"))
            for q in raw.get("questions", [])
        ],
        transcript=[
            TranscriptTurn(
                seq=i, speaker=t["speaker"], role=t.get("role", "guest"), text=t["text"], time=t.get("time")
            )
            for i, t in enumerate(raw.get("transcript", []))
        ],
    )


def _instant(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC) if day else None
