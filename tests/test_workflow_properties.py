"""先审查、后公开: a property-based walk over the review chain.

Hypothesis drives random sequences of authoring and review steps (create, edit, submit, approve, reject,
withdraw, checkout / checkin / cancel of working copies) by random staff, straight through the services.
Any step may be refused with a ``DomainError``; anything else escaping is a bug. After every step the
publication rules are checked:

1. whatever is (or was, then withdrawn) published has, for its latest publication, a ``submit`` followed
   by exactly one ``approve`` per tier of the organization's chain, in order, by people who hold that
   tier's permission, pairwise distinct, never the author or submitter except at a tier that allows it,
   each with confidentiality findings that allow release, all on the very version that was submitted;
   and the live content is that reviewed version;
2. nothing unpublished (or not yet effective) is visible anonymously, by id or in the catalog;
3. the review register of every organization involved verifies;
4. live published content (and the published state) changes only in the step that completed a review;
5. 公开方式: a 不予公开 item is never public; no body, attachment or search text of an item that is
   not 主动公开 reaches an anonymous reader (by id through GraphQL, or by searching its body's words).
"""

from __future__ import annotations

import collections
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authz import Grant, Permission, Principal, Role
from cms.admin.organizations import NewOrganization
from cms.content.ids import to_global_id
from cms.content.store import PageRequest
from cms.content.versions import snapshot
from cms.content.visibility import ReadScope
from cms.errors import DomainError
from cms.kinds.catalog import CatalogQuery, NewCatalogEntry
from cms.review.workflow import DEFAULT_CHAIN, Action, TransitionRequest, state_for
from cms.services import Services
from storage.documents import CatalogEntry, DisclosureMode, Organization, ReviewState, TierSpec
from storage.register import ConfidentialityFindings, PrivacyGrounds

MIN_STEPS = 12
MAX_STEPS = 25
MAX_EXAMPLES = 25
PASSWORD = "Property-test-2026"

# Who is on the staff of the test organization, and which roles each holds there (subtree grants).
STAFF: dict[str, tuple[Role, ...]] = {
    "officer1": (Role.OFFICER,),
    "officer2": (Role.OFFICER,),
    "dept": (Role.DEPT_HEAD,),
    "unit": (Role.UNIT_HEAD,),
    "office": (Role.OFFICE,),
    "both": (Role.DEPT_HEAD, Role.UNIT_HEAD),  # may review at two tiers, never of the same item
    "officer_dept": (Role.OFFICER, Role.DEPT_HEAD),  # an author who could also review their own work
    "secrecy": (Role.SECRECY,),
    "outsider": (),
}

SECRECY_TIER = TierSpec(key="secrecy_review", label="保密审查", permission=Permission.REVIEW_SECRECY.value)
SECRECY_CHAIN = [DEFAULT_CHAIN[0], SECRECY_TIER, *DEFAULT_CHAIN[1:]]

# Fields that publication itself fills in (publish-at instant, publication date): not part of what was
# reviewed, so not compared with the reviewed version.
SET_AT_PUBLICATION = ("effective", "published_date")

ACTIONS = (
    "create",
    "edit",
    "submit",
    "approve",
    "reject",
    "withdraw",
    "checkout",
    "edit_copy",
    "checkin",
    "cancel_checkout",
)

GOOD_FINDINGS = ConfidentialityFindings(
    state_secrets=False,
    commercial_secrets=False,
    personal_privacy=False,
    proposed_mode=DisclosureMode.PROACTIVE.value,
    proposed_scope="面向社会",
    proposed_time="即时",
)
PRIVACY_ON_REQUEST = ConfidentialityFindings(
    state_secrets=False,
    commercial_secrets=False,
    personal_privacy=True,
    proposed_mode=DisclosureMode.ON_REQUEST.value,
    proposed_scope="申请人",
    grounds="涉及个人隐私，依申请公开",
)
FINDINGS: dict[str, ConfidentialityFindings | None] = {
    "good": GOOD_FINDINGS,
    "good_on_request": PRIVACY_ON_REQUEST.model_copy(update={"personal_privacy": False}),
    "missing": None,
    "state_secret": GOOD_FINDINGS.model_copy(update={"state_secrets": True}),
    "privacy_proactive": GOOD_FINDINGS.model_copy(update={"personal_privacy": True}),
    "commercial_proactive": GOOD_FINDINGS.model_copy(update={"commercial_secrets": True}),
    "privacy_on_request": PRIVACY_ON_REQUEST,
    "privacy_proactive_consent": GOOD_FINDINGS.model_copy(
        update={
            "personal_privacy": True,
            "privacy_grounds": PrivacyGrounds.THIRD_PARTY_CONSENT,
            "grounds": "当事人书面同意公开",
        }
    ),
    "privacy_proactive_no_explanation": GOOD_FINDINGS.model_copy(
        update={"personal_privacy": True, "privacy_grounds": PrivacyGrounds.PUBLIC_INTEREST}
    ),
    "not_proactive_no_grounds": PRIVACY_ON_REQUEST.model_copy(
        update={"personal_privacy": False, "grounds": ""}
    ),
    "not_disclosed": PRIVACY_ON_REQUEST.model_copy(
        update={"proposed_mode": DisclosureMode.NOT_DISCLOSED.value, "grounds": "涉及个人隐私，不予公开"}
    ),
}
# The findings a directed approval of an item in each mode carries.
# Directed steps propose the item's own mode (anything else is refused as a mismatch), now and then
# with findings that are refused for other reasons or another mode.
FINDINGS_FOR: dict[DisclosureMode, tuple[str, ...]] = {
    DisclosureMode.PROACTIVE: ("good", "good", "privacy_proactive_consent", "good_on_request"),
    DisclosureMode.ON_REQUEST: ("good_on_request", "good_on_request", "privacy_on_request", "good"),
    DisclosureMode.NOT_DISCLOSED: ("not_disclosed", "not_disclosed", "not_disclosed", "good"),
}
MODE_DRAWS = (
    DisclosureMode.PROACTIVE,
    DisclosureMode.PROACTIVE,
    DisclosureMode.ON_REQUEST,
    DisclosureMode.NOT_DISCLOSED,
)
_POOL = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土日月星云雨风雷电山川河海松柏竹梅兰菊"

# Cites 条例 第十五条: what a 不予公开 item needs, and enough for 依申请公开 too.
NON_PROACTIVE_BASIS = "《中华人民共和国政府信息公开条例》第十五条"

# Which staff are likely to succeed at what: hypothesis picks from these more often than from everyone.
LIKELY: dict[str, tuple[str, ...]] = {
    "create": ("officer1", "officer2", "officer_dept"),
    "edit": ("officer1", "officer2", "officer_dept", "dept"),
    "submit": ("officer1", "officer2", "officer_dept"),
    "first_review": ("officer1", "officer2", "officer_dept"),
    "department_review": ("dept", "both", "officer_dept"),
    "unit_approval": ("unit", "both"),
    "secrecy_review": ("secrecy",),
    "withdraw": ("unit", "office", "both"),
}


@dataclass
class World:
    root: Organization
    users: dict[str, Principal]
    by_id: dict[str, Principal]
    gql: Any  # anonymous GraphQL over HTTP (invariant 5)


@dataclass
class Stats:
    examples: int = 0
    steps: int = 0
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    published: int = 0  # final approvals: publications and working-copy merges
    merges: int = 0
    secrecy_chains: int = 0
    timers: collections.defaultdict[str, float] = field(
        default_factory=lambda: collections.defaultdict(float)
    )
    started: float = field(default_factory=time.monotonic)
    last: float = field(default_factory=time.monotonic)

    def report(self) -> None:
        """What the walk exercised (shown with ``pytest -s``)."""
        elapsed = time.monotonic() - self.started
        print(
            f"\nworkflow walk: {self.examples} examples, {self.steps} steps, {self.published} final approvals "
            f"({self.merges} working-copy merges), {self.secrecy_chains} examples with a secrecy tier, "
            f"{elapsed:.1f} s"
        )
        print("  seconds spent:", {k: round(v, 1) for k, v in sorted(self.timers.items())})
        for outcome, count in sorted(self.outcomes.items()):
            print(f"  {outcome}: {count}")

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.timers[name] += now - self.last
        self.last = now


STATS = Stats()


@dataclass
class Step:
    action: str
    actor: str
    target: ObjectId | None
    ok: bool = False
    result: CatalogEntry | None = None
    error: str = ""


@dataclass
class Example:
    orgs: list[Organization]
    # In the body of every item of the example: its words must reach nobody anonymous unless the item is
    # 主动公开 (invariant 5).
    body_words: str = field(default_factory=lambda: "".join(random.choices(_POOL, k=8)))
    items: list[ObjectId] = field(default_factory=list)  # live items and working copies, in creation order
    stored: dict[ObjectId, CatalogEntry] = field(default_factory=dict)  # as read after the last step
    published: dict[ObjectId, tuple[int, dict[str, Any]]] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def world(services: Services, gql: Any) -> AsyncIterator[World]:
    suffix = uuid.uuid4().hex[:8]
    root = await services.orgs.create(
        NewOrganization(key=f"prop-{suffix}", name=f"属性测试机构{suffix}", code=f"P{suffix.upper()}")
    )
    assert root.id is not None
    await services.access.reload()
    users: dict[str, Principal] = {}
    for name, roles in STAFF.items():
        user = await services.accounts.create_user(f"prop-{suffix}-{name}", PASSWORD, root.id, name)
        users[name] = services.access.principal_for(user)
        for role in roles:
            await services.access.grants.add(Grant(str(user.id), role, str(root.id), True))
    await services.access.reload()
    yield World(root=root, users=users, by_id={p.user_id or "": p for p in users.values()}, gql=gql)
    STATS.report()


async def new_example(services: Services, world: World, secrecy: bool) -> Example:
    """A department and one of its sub-units for this example, so every example starts with clean chains."""
    orgs = []
    parent = world.root
    for depth in range(2):
        suffix = uuid.uuid4().hex[:8]
        org = await services.orgs.create(
            NewOrganization(
                key=f"prop-{suffix}",
                name=f"属性测试{depth}{suffix}",
                code=f"Q{suffix.upper()}",
                parent_id=parent.id,
            )
        )
        orgs.append(org)
        parent = org
    if secrecy:  # configured on the department, inherited by the sub-unit
        assert orgs[0].id is not None
        await services.orgs.set_review_chain(orgs[0].id, SECRECY_CHAIN)
    await services.access.reload()
    return Example(orgs=orgs)


# -- steps ----------------------------------------------------------------------------------------
#
# Each step has a mode. "directed": one of the items furthest along, the action that would move it on,
# someone likely to be allowed to, valid findings and the current version. "probe": the same item and
# action, but anyone with any parameters (missing or secret-bearing findings, stale versions, blank
# opinions). "wild": any action on any item. Directed steps get items through whole chains (random
# choices alone almost never publish anything); probes and wild steps try every refusal on the way.

PENDING = {
    ReviewState.PENDING_FIRST_REVIEW,
    ReviewState.PENDING_DEPARTMENT_REVIEW,
    ReviewState.PENDING_UNIT_APPROVAL,
    ReviewState.PENDING_REVIEW,
}
EDITABLE = {ReviewState.DRAFT, ReviewState.REJECTED, ReviewState.WITHDRAWN}

NEXT_ACTIONS: dict[str, tuple[str, ...]] = {
    "editable": ("submit", "submit", "submit", "edit"),
    "editable_copy": ("checkin", "checkin", "edit_copy", "cancel_checkout"),
    "pending": ("approve",) * 7 + ("reject",),
    "published": ("checkout", "checkout", "withdraw"),
}

MODES = ("directed",) * 4 + ("probe",) * 2 + ("wild",)


def state_of(item: CatalogEntry | None) -> str:
    if item is None:
        return "gone"  # a working copy merged or cancelled
    if item.review_state in PENDING:
        return "pending"
    if item.review_state in EDITABLE:
        return "editable_copy" if item.working_copy_of is not None else "editable"
    return "published"


def by_progress(ex: Example) -> list[ObjectId]:
    """The example's items, those furthest along the review chain first (hypothesis favours the front)."""
    rank = {"pending": 4, "editable_copy": 3, "published": 2, "editable": 1, "gone": 0}

    def progress(item_id: ObjectId) -> tuple[int, int]:
        item = ex.stored.get(item_id)
        return (rank[state_of(item)], len(item.cycle) if item is not None else 0)

    return sorted(reversed(ex.items), key=progress, reverse=True)


def draw(
    data: st.DataObject, label: str, directed: bool, usual: tuple[Any, ...], unusual: tuple[Any, ...]
) -> Any:
    return data.draw(st.sampled_from(usual if directed else usual + unusual), label=label)


@dataclass(frozen=True)
class Params:
    """Everything a step needs besides who does what to which item (drawn, or written by a scenario)."""

    org: int = 0  # create: index into the example's organizations
    mode: DisclosureMode = DisclosureMode.PROACTIVE  # create / edit of the mode
    field: str = "title"  # edit: title | summary | mode
    text: int = 0
    version: int | None = None  # expected version; edits without one use the current version
    opinion: str = "同意"
    findings: str = "good"  # a key of FINDINGS
    effective_days: int | None = None  # approve: publish-at, in days from now


def draw_params(data: st.DataObject, action: str, item: CatalogEntry | None, directed: bool) -> Params:
    if action == "create":
        org = data.draw(st.integers(0, 1), label="org")
        return Params(org=org, mode=data.draw(st.sampled_from(MODE_DRAWS), label="mode"))
    current = item.version if item is not None else 1
    version = draw(data, "expected_version", directed, (current, None), (current - 1, current + 1))
    if action in ("edit", "edit_copy"):
        return Params(
            field=data.draw(st.sampled_from(("title", "summary", "mode")), label="field"),
            mode=data.draw(st.sampled_from(MODE_DRAWS), label="mode"),
            text=data.draw(st.integers(0, 999), label="text"),
            version=version,
        )
    if action not in ("approve", "reject", "withdraw"):
        return Params(version=version)
    opinion = draw(data, "opinion", directed, ("同意", "请补充依据"), ("", "  "))
    if action != "approve":
        return Params(version=version, opinion=opinion)
    usual = FINDINGS_FOR[getattr(item, "disclosure_mode", DisclosureMode.PROACTIVE)]
    return Params(
        version=version,
        opinion=opinion,
        findings=draw(data, "findings", directed, usual, tuple(FINDINGS)),
        effective_days=draw(data, "effective_days", directed, (None, None, None, 7), (-1,)),
    )


async def run_step(services: Services, world: World, ex: Example, data: st.DataObject) -> Step:
    mode = data.draw(st.sampled_from(MODES), label="mode")
    directed = mode == "directed"
    candidates = by_progress(ex)
    if not candidates or data.draw(st.sampled_from((False,) * 6 + (True,)), label="create"):
        action, target = "create", None
    else:
        target = data.draw(st.sampled_from(candidates if mode == "wild" else candidates[:2]), label="item")
        state = state_of(ex.stored.get(target))
        action = draw(data, "action", mode != "wild", NEXT_ACTIONS.get(state, ACTIONS), ACTIONS)
    item = ex.stored.get(target) if target is not None else None
    hint = {"edit_copy": "edit", "cancel_checkout": "edit", "checkout": "edit", "checkin": "submit"}.get(
        action, action
    )
    if action in ("approve", "reject"):
        hint = (item.pending_tier or "") if item is not None else ""
    actor = draw(data, "actor", directed, LIKELY.get(hint, ()) or tuple(STAFF), tuple(STAFF))
    return await attempt(
        services, world, ex, Step(action, actor, target), draw_params(data, action, item, directed)
    )


async def attempt(services: Services, world: World, ex: Example, step: Step, params: Params) -> Step:
    """Run one step; a refusal (``DomainError``) is an outcome, anything else fails the test."""
    started = time.monotonic()
    try:
        step.result = await execute(services, ex, step, world.users[step.actor], params)
        step.ok = True
    except DomainError as exc:
        step.error = type(exc).__name__
    STATS.timers["steps"] += time.monotonic() - started
    STATS.steps += 1
    STATS.outcomes[f"{step.action}:{'ok' if step.ok else step.error}"] += 1
    return step


async def execute(
    services: Services, ex: Example, step: Step, principal: Principal, params: Params
) -> CatalogEntry | None:
    action, target = step.action, step.target
    if action == "create":
        new = NewCatalogEntry(
            org_id=ex.orgs[params.org].id,  # type: ignore[arg-type]
            title=f"关于政务公开工作的通知（{len(ex.items) + 1}）",
            summary="属性测试生成的草稿",
            body=f"正文{ex.body_words}",
            disclosure_mode=params.mode,
            non_disclosure_reason="" if params.mode is DisclosureMode.PROACTIVE else "涉及个人隐私",
            legal_basis="" if params.mode is DisclosureMode.PROACTIVE else NON_PROACTIVE_BASIS,
        )
        created = await services.authoring.create_catalog_entry(principal, new)
        assert created.id is not None
        ex.items.append(created.id)
        return created
    assert target is not None
    if action in ("edit", "edit_copy"):
        changes: dict[str, Any] = {params.field: f"修改{params.text}"}
        if params.field == "mode":
            proactive = params.mode is DisclosureMode.PROACTIVE
            changes = {
                "disclosure_mode": params.mode.value,
                "non_disclosure_reason": "" if proactive else "涉及个人隐私",
                "legal_basis": "" if proactive else NON_PROACTIVE_BASIS,
            }
        version = params.version
        if version is None:
            stored = ex.stored.get(target)
            version = stored.version if stored is not None else 1
        return await services.authoring.update(principal, "CatalogEntry", target, version, changes)
    if action == "checkout":
        copy = await services.authoring.checkout(principal, "CatalogEntry", target)
        assert copy.id is not None
        if copy.id not in ex.items:
            ex.items.append(copy.id)
        return copy
    if action == "checkin":
        return await services.authoring.checkin(
            principal, "CatalogEntry", target, params.version, "请审核修改稿"
        )
    if action == "cancel_checkout":
        return await services.authoring.cancel_checkout(principal, "CatalogEntry", target)
    findings = FINDINGS[params.findings] if action == "approve" else None
    days = params.effective_days
    effective = services.content.clock() + timedelta(days=days) if days is not None else None
    request = TransitionRequest(
        "CatalogEntry", target, Action(action), params.version, params.opinion, findings, effective
    )
    return await services.workflow.transition(principal, request)


# -- invariants -----------------------------------------------------------------------------------


async def refresh(ex: Example) -> None:
    found = await CatalogEntry.find({"_id": {"$in": ex.items}}).to_list()
    ex.stored = {item.id: item for item in found if item.id is not None}


def live_published(ex: Example) -> dict[ObjectId, tuple[int, dict[str, Any]]]:
    return {
        item_id: (item.version, snapshot(item))
        for item_id, item in ex.stored.items()
        if item.review_state is ReviewState.PUBLISHED and item.working_copy_of is None
    }


def allows_release(findings: ConfidentialityFindings | None, mode: str) -> str:
    """Why these findings do not allow release of content with disclosure ``mode``; "" when they do."""
    if findings is None:
        return "no confidentiality findings"
    if findings.state_secrets:
        return "approved although it contains state secrets"
    if findings.proposed_mode != mode:
        return f"proposed mode {findings.proposed_mode!r} is not the item's mode {mode!r}"
    secret = findings.commercial_secrets or findings.personal_privacy
    proactive = DisclosureMode.PROACTIVE.value
    if secret and mode == proactive and (findings.privacy_grounds is None or not findings.grounds.strip()):
        return "approved for proactive disclosure of secrets or private data without 第十五条 grounds"
    if mode != proactive and not findings.grounds.strip():
        return "not proactive, but no grounds given"
    return ""


async def check_publication(services: Services, world: World, item: CatalogEntry) -> None:
    """Invariant 1 for one published (or published-then-withdrawn) live item."""
    assert item.id is not None
    history = await services.register.history(item.id)
    publications = [r for r in history if r.action == "approve" and r.to_state == ReviewState.PUBLISHED.value]
    if item.review_state is ReviewState.WITHDRAWN and not publications:
        return  # withdrawn only ever by a step that requires publication; nothing to check without one
    assert publications, f"{item.id} is {item.review_state} without any approval to publication on file"
    last = publications[-1]
    stream = last.details.get("workingCopy")  # None: the item's own reviews; else a working copy's
    records = [r for r in history if r.details.get("workingCopy") == stream and r.seq <= last.seq]
    submits = [k for k, r in enumerate(records) if r.action == "submit"]
    assert submits, f"{item.id}: publication without a submission on file"
    submit = records[submits[-1]]
    cycle = records[submits[-1] + 1 :]
    chain = services.workflow.chain(item.org_id)
    where = f"item {item.id} (stream {stream}), chain {[t.key for t in chain]}"
    assert [(r.action, r.tier) for r in cycle] == [("approve", t.key) for t in chain], (
        f"{where}: register between submit and publication is "
        f"{[(r.action, r.tier, r.actor_name) for r in cycle]}"
    )
    if stream is None:
        author = item.created_by
    else:
        checkouts = [r for r in records if r.action == "checkout"]
        author = checkouts[-1].actor_id if checkouts else None
    actors = [r.actor_id for r in cycle]
    assert len(set(actors)) == len(actors), (
        f"{where}: one person acted at two tiers: {[(r.tier, r.actor_name) for r in cycle]}"
    )
    reviewed_version = submit.item_version
    subject = ObjectId(stream) if stream is not None else item.id
    reviewed = await services.versions.get(subject, reviewed_version)  # type: ignore[arg-type]
    mode = str(reviewed.data.get("disclosure_mode"))
    if mode != DisclosureMode.PROACTIVE.value:
        grounds = (reviewed.data.get("non_disclosure_reason"), reviewed.data.get("legal_basis"))
        assert all(g and str(g).strip() for g in grounds), f"{where}: {mode} submitted without grounds"
    for tier, record, following in zip(chain, cycle, [*chain[1:], None], strict=True):
        who = world.by_id.get(record.actor_id)
        assert who is not None, f"{where}: {tier.key} by unknown actor {record.actor_id}"
        assert services.access.can(who, Permission(tier.permission), item.org_id), (
            f"{where}: {record.actor_name} approved at {tier.key} without {tier.permission}"
        )
        if not tier.author_may_act:
            assert record.actor_id not in {author, submit.actor_id}, (
                f"{where}: {record.actor_name} approved their own work at {tier.key}"
            )
        expected_to = state_for(following).value if following else ReviewState.PUBLISHED.value
        assert record.to_state == expected_to, f"{where}: {tier.key} went to {record.to_state}"
        problem = allows_release(record.findings, mode)
        assert not problem, f"{where}: {tier.key} by {record.actor_name}: {problem}"
        assert record.item_version == reviewed_version, (
            f"{where}: version {reviewed_version} was submitted but {tier.key} approved version "
            f"{record.item_version} (一事一审: every tier must review what was submitted)"
        )
    if item.review_state is ReviewState.PUBLISHED:
        live = {k: v for k, v in snapshot(item).items() if k not in SET_AT_PUBLICATION}
        approved = {k: v for k, v in reviewed.data.items() if k not in SET_AT_PUBLICATION}
        assert live == approved, f"{where}: the live content is not the version that passed review"


TRANSITIONS = {a.value for a in Action} - {Action.CONFIRM.value}


async def check_register_matches_state(services: Services, item: CatalogEntry) -> None:
    """The register's newest record of a state change of this item names the state the item is in.

    A working copy's reviews are filed under the live item with ``details.workingCopy``; the final
    approval of a copy (``details.mergedInto``) is a state change of the live item as well."""
    assert item.id is not None
    subject = item.working_copy_of or item.id
    history = await services.register.history(subject)
    if item.working_copy_of is None:
        mine = [
            r
            for r in history
            if r.action in TRANSITIONS and ("workingCopy" not in r.details or "mergedInto" in r.details)
        ]
    else:
        mine = [
            r for r in history if r.action in TRANSITIONS and r.details.get("workingCopy") == str(item.id)
        ]
    if not mine:
        assert item.review_state is ReviewState.DRAFT, (
            f"{item.id} is {item.review_state} with no record on file"
        )
        return
    last = mine[-1]
    assert last.to_state == item.review_state.value, (
        f"{item.id} ({'working copy' if item.working_copy_of else 'live'}) is {item.review_state.value} but "
        f"the register's last record is {last.action} {last.from_state} -> {last.to_state} "
        f"by {last.actor_name} {dict(last.details)}"
    )


def fingerprint(item: CatalogEntry) -> tuple[Any, ...]:
    return (item.review_state, item.version, item.modified, item.pending_tier, len(item.cycle))


async def check_invariants(services: Services, world: World, ex: Example, step: Step | None) -> None:
    """After a step (``step``) or at the end of an example (``None``: everything is checked again)."""
    STATS.last = time.monotonic()
    before, seen = ex.published, {i: fingerprint(item) for i, item in ex.stored.items()}
    if step is None:
        # Everything stored in the example's subtree, whether or not a step said it made it.
        found = await CatalogEntry.find({"org_path": ex.orgs[0].id}).to_list()
        assert {i.id for i in found} <= set(ex.items), "items appeared that no step created"
        ex.stored = {item.id: item for item in found if item.id is not None}
    else:
        await refresh(ex)
    changed = {i for i, item in ex.stored.items() if step is None or seen.get(i) != fingerprint(item)}
    STATS.lap("refresh")
    after = live_published(ex)
    now = services.content.clock()
    public = services.read_scope()

    # 1. a complete, valid review for whatever is or was published; the register agrees with the state
    for item_id in changed:
        item = ex.stored[item_id]
        await check_register_matches_state(services, item)
        if item.working_copy_of is None and item.review_state in (
            ReviewState.PUBLISHED,
            ReviewState.WITHDRAWN,
        ):
            await check_publication(services, world, item)
    STATS.lap("inv1")

    # 2. nothing unpublished or not yet effective is visible anonymously, by id or in the catalog
    for item_id in changed | {i for i, item in ex.stored.items() if item.effective and item.effective > now}:
        item = ex.stored[item_id]
        visible = await services.content.get(CatalogEntry, item_id, public)
        should = (
            item.review_state is ReviewState.PUBLISHED
            and item.effective is not None
            and item.effective <= now
            and item.working_copy_of is None
            and item.disclosure_mode is not DisclosureMode.NOT_DISCLOSED
        )
        if not should:
            assert visible is None, f"{item_id} ({item.review_state}, effective {item.effective}) is public"
        else:
            assert visible is not None, f"{item_id} is published and effective but not public"
    if changed:  # the catalog can only change when an item did
        await check_catalog(services, ex, public, now)
    STATS.lap("inv2")

    # 5. nothing but the catalog metadata of a non-proactive item reaches an anonymous reader
    if changed:
        await check_withheld(world, ex, changed)
    STATS.lap("inv5")

    # 3. the register chains verify
    for org in ex.orgs:
        if step is None or any(ex.stored[i].org_id == org.id for i in changed) or step.ok:
            result = await services.register.verify(org.id)  # type: ignore[arg-type]
            assert result.ok, f"register of {org.name}: {result.reason}"
    STATS.lap("inv3")

    # 4. live published content changes only by completing a review
    if step is not None:
        check_live_changes(ex, step, before, after)
    STATS.lap("inv4")
    ex.published = after


async def check_catalog(services: Services, ex: Example, public: ReadScope, now: datetime) -> None:
    """The anonymous catalog of the example's subtree lists only published, effective live items."""
    page = await services.catalog.page(
        CatalogQuery(organization=ex.orgs[0].id, include_subtree=True), public, PageRequest(first=100)
    )
    listed = await CatalogEntry.find({"_id": {"$in": [e.id for e in page.items]}}).to_list()
    assert len(listed) == len(page.items)
    for entry in listed:
        assert entry.review_state is ReviewState.PUBLISHED, f"{entry.id} listed as {entry.review_state}"
        assert entry.effective is not None, f"{entry.id} listed without an effective time"
        assert entry.effective <= now, f"{entry.id} listed before its effective time"
        assert entry.working_copy_of is None, f"working copy {entry.id} listed publicly"


NODE_VIEW = """
query($id: ID!) { node(id: $id) { ... on CatalogEntry {
  disclosureMode body nonDisclosureReason contentWithheld attachments { id }
} } }
"""
SEARCH_VIEW = """
query($q: String!, $o: ID!) { search(query: $q, filter: {organization: $o, includeSubtree: true}, first: 100) {
  totalCount edges { node { snippet item { id } } }
} }
"""
WITHHELD_VIEW = {
    "disclosureMode": "ON_REQUEST",
    "body": "",
    "nonDisclosureReason": "",
    "contentWithheld": True,
    "attachments": [],
}


async def check_withheld(world: World, ex: Example, changed: set[ObjectId]) -> None:
    """Invariant 5, through the public GraphQL API: each changed item by id, and the example's body
    words by search (every item holds them; only 主动公开 ones may be found by them)."""
    for item_id in changed:
        item = ex.stored[item_id]
        body = await world.gql(NODE_VIEW, {"id": to_global_id("CatalogEntry", item_id)})
        assert "errors" not in body, body
        node = body["data"]["node"]
        if node is None or item.disclosure_mode is DisclosureMode.PROACTIVE:
            continue
        assert item.disclosure_mode is DisclosureMode.ON_REQUEST, (
            f"{item_id} ({item.disclosure_mode}) is public"
        )
        assert node == WITHHELD_VIEW, (
            f"{item_id}: the content of a 依申请公开 item reached an anonymous reader"
        )
    proactive = {
        to_global_id("CatalogEntry", i)
        for i, item in ex.stored.items()
        if item.disclosure_mode is DisclosureMode.PROACTIVE
    }
    variables = {"q": ex.body_words, "o": to_global_id("Organization", ex.orgs[0].id)}
    body = await world.gql(SEARCH_VIEW, variables)
    assert "errors" not in body, body
    found = body["data"]["search"]
    hits = {edge["node"]["item"]["id"] for edge in found["edges"]}
    assert hits <= proactive, f"non-proactive items {hits - proactive} found by their body's words"
    assert found["totalCount"] == len(hits)


def check_live_changes(
    ex: Example,
    step: Step,
    before: dict[ObjectId, tuple[int, dict[str, Any]]],
    after: dict[ObjectId, tuple[int, dict[str, Any]]],
) -> None:
    result = step.result if step.ok else None
    approved = result is not None and step.action == "approve"
    merged_into = result.id if approved and result is not None and result.id != step.target else None
    what = f"step {step.action} by {step.actor} on {step.target} ({step.error or 'ok'})"
    for item_id in before.keys() | after.keys():
        old, new = before.get(item_id), after.get(item_id)
        if old == new:
            continue
        if old is None:
            assert approved, f"{item_id} became published in {what}"
            assert result is not None, f"{item_id} became published in {what}"
            assert result.id == item_id, f"{item_id} became published in {what}"
        elif new is None:
            assert step.ok, f"{item_id} stopped being published in {what}"
            assert (step.action, step.target) == ("withdraw", item_id), f"{item_id} unpublished in {what}"
        else:
            assert merged_into == item_id, f"live content of {item_id} changed in {what}: {old} -> {new}"
    if approved and result is not None and result.review_state is ReviewState.PUBLISHED:
        STATS.published += 1
        STATS.merges += merged_into is not None
        STATS.outcomes[f"published as {result.disclosure_mode.value}"] += 1


# -- the test -------------------------------------------------------------------------------------


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_review_chain_properties(services: Services, world: World, data: st.DataObject) -> None:
    secrecy = data.draw(st.booleans(), label="secrecy_chain")
    STATS.last = time.monotonic()
    ex = await new_example(services, world, secrecy)
    STATS.lap("new_example")
    STATS.examples += 1
    STATS.secrecy_chains += secrecy
    for _ in range(data.draw(st.integers(MIN_STEPS, MAX_STEPS), label="steps")):
        step = await run_step(services, world, ex, data)
        await check_invariants(services, world, ex, step)
    await check_invariants(services, world, ex, None)


# -- scenarios the walk reaches only rarely, written out ----------------------------------------


class Scenario:
    """Steps written by hand, each followed by the same invariant checks as the random walk."""

    def __init__(self, services: Services, world: World, ex: Example) -> None:
        self.services, self.world, self.ex = services, world, ex

    async def __call__(self, action: str, actor: str, target: ObjectId | None = None, **params: Any) -> Step:
        step = await attempt(
            self.services, self.world, self.ex, Step(action, actor, target), Params(**params)
        )
        await check_invariants(self.services, self.world, self.ex, step)
        return step

    async def ok(
        self, action: str, actor: str, target: ObjectId | None = None, **params: Any
    ) -> CatalogEntry:
        """A step the scenario needs to succeed (otherwise it would not test what it says)."""
        step = await self(action, actor, target, **params)
        assert step.ok, f"setup step {action} by {actor} was refused: {step.error}"
        assert step.result is not None
        return step.result

    async def published_item(self) -> ObjectId:
        live = await self.ok("create", "officer1")
        assert live.id is not None
        await self.ok("submit", "officer1", live.id)
        for actor in ("officer2", "dept", "unit"):
            await self.ok("approve", actor, live.id)
        return live.id

    async def copy_in_review(self, live: ObjectId) -> ObjectId:
        copy = await self.ok("checkout", "officer2", live)
        assert copy.id is not None
        await self.ok("edit_copy", "officer2", copy.id, field="summary", text=1)
        await self.ok("checkin", "officer2", copy.id)
        return copy.id


async def test_copy_issued_after_the_live_item_was_withdrawn(services: Services, world: World) -> None:
    """撤回 while a revision is in review: issuing the revision afterwards must either be refused or
    really publish; the register must not file a publication of an item that stays withdrawn."""
    do = Scenario(services, world, await new_example(services, world, secrecy=False))
    live = await do.published_item()
    copy = await do.copy_in_review(live)
    await do.ok("withdraw", "office", live, opinion="内容有误，撤回")
    await do.ok("approve", "officer1", copy)
    await do.ok("approve", "dept", copy)
    await do("approve", "unit", copy)  # refused or not: the invariants say whether what happened is sound
    await check_invariants(services, world, do.ex, None)


async def test_copy_issued_while_the_live_item_is_under_review_again(
    services: Services, world: World
) -> None:
    """A withdrawn item corrected and resubmitted while an older revision of it is still in review: the
    revision's issue must not replace the content the current cycle's reviewers are looking at."""
    do = Scenario(services, world, await new_example(services, world, secrecy=False))
    live = await do.published_item()
    copy = await do.copy_in_review(live)
    await do.ok("withdraw", "office", live, opinion="内容有误，撤回")
    await do.ok("edit", "officer1", live, field="title", text=2)
    await do.ok("submit", "officer1", live)
    await do.ok("approve", "officer2", live)  # first review of the corrected version
    await do.ok("approve", "officer1", copy)
    await do.ok("approve", "dept", copy)
    under_review = await CatalogEntry.get(live)
    assert under_review is not None
    issue = await attempt(services, world, do.ex, Step("approve", "unit", copy), Params())
    after = await CatalogEntry.get(live)
    assert after is not None
    assert (after.title, after.version) == (under_review.title, under_review.version), (
        f"issuing the older revision ({issue.error or 'accepted'}) replaced the corrected version that is "
        f"in review: title {under_review.title!r} v{under_review.version} -> {after.title!r} v{after.version}"
    )
    await check_invariants(services, world, do.ex, issue)
    await do("approve", "dept", live)
    await do("approve", "unit", live)
    await check_invariants(services, world, do.ex, None)
