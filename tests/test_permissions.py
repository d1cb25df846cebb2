"""Anonymous / denied / allowed for every mutation and every staff query of the GraphQL API.

One table, one row per field. For each row: an anonymous caller gets ``UNAUTHENTICATED``; a signed-in
user who holds no role anywhere relevant gets ``FORBIDDEN``, or ``NOT_FOUND`` when the target is an
unpublished item of an organization they cannot see (and then exactly what a random id gets, so
existence does not leak); a caller holding the right role succeeds. The table must cover every
Mutation field in schema/schema.graphql and every Query field that is not public, so a new field
without permission tests fails here. Anonymous and denied callers never see a draft's title.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema

from cms.content.ids import from_global_id
from cms.services import Services
from tests.helpers import (
    ADMIN,
    DEPT_HEAD,
    OFFICE,
    OFFICER,
    PASSWORD,
    UNIT_HEAD,
    Api,
    Person,
    error_of,
    random_id,
    text_of,
    unique,
)

SDL = Path(__file__).resolve().parents[1] / "schema" / "schema.graphql"

# Query fields everybody may call without signing in (the public read API).
PUBLIC_QUERIES = {
    "node",
    "catalog",
    "catalogEntry",
    "catalogEntriesByDocumentNumber",
    "organizations",
    "organization",
    "gazetteIssues",
    "interpretations",
    "interviews",
    "topics",
    "genres",
    "search",
    "searchWords",
    "labels",
    "disclosureRequestStatus",  # the applicant's number and query code are the credential
    "publicChanges",  # the change feed names only what is or was public
}

FILE = "政府信息公开附件（测试）\n".encode()
OK = "ok"  # the call succeeds
NULL = "null"  # the call succeeds with null (me, anonymously)
EMPTY = "empty"  # the call succeeds with an empty list (a worklist with nothing to do)
SKIP = "skip"  # no such caller for this row


@dataclass
class World:
    """Organization P with drafts and published entries; N signed in from organization Q, no roles."""

    api: Api
    org: str
    nobody: Person
    spare_user: str
    marker: str
    numbers: itertools.count[int]
    handler: str  # an officer of P, to whom requests for disclosure are assigned
    today: Callable[[], date]  # the request service's today (Asia/Shanghai)
    stage: Callable[[bytes], Awaitable[str]]  # an import file staged as POST /imports/files does
    services: Services | None = None  # for rows whose target only the job runner makes (deliveries)

    def issue(self) -> dict[str, Any]:
        """A gazette issue's fields with a number of its own in P."""
        return {
            "organization": self.org,
            "year": 2030,
            "number": next(self.numbers),
            "articles": [{"title": "文章"}],
        }

    async def interpretation(self) -> str:
        data = await self.api.ok(
            "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
            {"i": {"organization": self.org, "title": f"{self.marker}{uuid.uuid4().hex[:6]}"}},
            await self.api.token(OFFICER),
        )
        return str(data["createInterpretation"]["id"])

    async def gazette(self) -> str:
        data = await self.api.ok(
            "mutation($i: GazetteIssueInput!) { createGazetteIssue(input: $i) { id } }",
            {"i": {**self.issue(), "title": f"{self.marker}{uuid.uuid4().hex[:6]}"}},
            await self.api.token(OFFICER),
        )
        return str(data["createGazetteIssue"]["id"])

    async def interview(self) -> str:
        data = await self.api.ok(
            "mutation($i: InterviewInput!) { createInterview(input: $i) { id } }",
            {"i": {"organization": self.org, "title": f"{self.marker}{uuid.uuid4().hex[:6]}"}},
            await self.api.token(OFFICER),
        )
        return str(data["createInterview"]["id"])

    async def genre(self) -> str:
        """A fresh genre nobody uses."""
        label = unique("测试体裁")
        await self.api.ok(
            "mutation($l: String!) { addVocabularyTerm(input: {vocabulary: GENRE, label: $l}) { value } }",
            {"l": label},
            await self.api.token(ADMIN),
        )
        return label

    async def topic_with_subtopics(self) -> tuple[str, list[str]]:
        top = unique("测试主题")
        subs = []
        for label in (top, "子一", "子二"):
            data = await self.api.ok(
                "mutation($l: String!, $p: String) {"
                " addVocabularyTerm(input: {vocabulary: TOPIC, label: $l, parent: $p}) { value } }",
                {"l": label, "p": None if label == top else top},
                await self.api.token(ADMIN),
            )
            subs.append(data["addVocabularyTerm"]["value"])
        return top, subs[1:]

    async def draft(self) -> str:
        entry = await self.api.create_entry(
            await self.api.token(OFFICER), self.org, f"{self.marker}{uuid.uuid4().hex[:6]}"
        )
        return str(entry["id"])

    async def published(self) -> str:
        return str((await self.api.demo_publish(self.org, unique("已发布")))["id"])

    async def working_copy(self) -> str:
        live = await self.published()
        data = await self.api.ok(
            "mutation($id: ID!) { checkout(id: $id) { id } }", {"id": live}, await self.api.token(OFFICER)
        )
        return str(data["checkout"]["id"])

    async def attachment(self, *, upload: bool = False) -> str:
        """A pending attachment of a fresh draft; with ``upload`` its file has arrived in storage."""
        data = await self.api.ok(
            "mutation($i: ID!, $n: String!, $s: Int!) {"
            " requestUpload(item: $i, filename: $n, size: $s) { uploadUrl attachment { id } } }",
            {"i": await self.draft(), "n": "附件.txt", "s": len(FILE)},
            await self.api.token(OFFICER),
        )
        ticket = data["requestUpload"]
        if upload:
            async with httpx.AsyncClient() as http:
                response = await http.put(ticket["uploadUrl"], content=FILE)
            assert response.status_code == 200, response.text
        return str(ticket["attachment"]["id"])

    def request_input(self) -> dict[str, Any]:
        """A request for disclosure to P; its description carries the marker."""
        return {
            "organization": self.org,
            "applicantKind": "NATURAL_PERSON",
            "applicant": {"name": "张申请", "phone": "13800001111"},
            "description": f"{self.marker}申请公开{uuid.uuid4().hex[:6]}",
        }

    async def disclosure_request(self, state: str) -> str:
        """A request registered by the office (no portal rate limit), taken to ``state``:
        "received", "correction", "handling", "consulting", "drafted" or "replied"."""
        office, officer = await self.api.token(OFFICE), await self.api.token(OFFICER)
        reviews = [(REVIEW, {}, await self.api.token(who)) for who in (OFFICER, DEPT_HEAD, UNIT_HEAD)]
        sent = await self.api.ok(REGISTER, {"i": self.request_input(), "d": self.today().isoformat()}, office)
        number = sent["registerDisclosureRequest"]["number"]
        listed = await self.api.ok(
            "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": self.org}, office
        )
        rid = next(r["id"] for r in listed["disclosureRequests"] if r["number"] == number)
        steps: list[tuple[str, dict[str, Any], str]] = {
            "received": [],
            "correction": [(CORRECTION, {"d": self.later().isoformat()}, officer)],
            "handling": [(ASSIGN, {"o": self.handler}, office)],
            "consulting": [(ASSIGN, {"o": self.handler}, office), (CONSULT, {}, officer)],
            "drafted": [(ASSIGN, {"o": self.handler}, office), (DRAFT, {"r": REPLY}, officer)],
            "approved": [
                (ASSIGN, {"o": self.handler}, office),
                (DRAFT, {"r": REPLY}, officer),
                *reviews,
            ],
            "replied": [
                (ASSIGN, {"o": self.handler}, office),
                (DRAFT, {"r": REPLY}, officer),
                *reviews,
                (SEND, {}, office),
            ],
            "fee_pending": [(ASSIGN, {"o": self.handler}, office), (FEE_NOTICE, {}, office)],
            "disclosed": [
                (ASSIGN, {"o": self.handler}, office),
                (DRAFT, {"r": {**REPLY, "outcome": "DISCLOSED", "ground": None}}, officer),
                *reviews,
                (SEND, {}, office),
            ],
        }[state]
        for document, variables, token in steps:
            await self.api.ok(document, {"id": rid, **variables}, token)
        return str(rid)

    def later(self) -> date:
        """A 补正 deadline well after today."""
        return self.today() + timedelta(days=30)


REGISTER = """mutation($i: DisclosureRequestInput!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: POST, receivedOn: $d) { number } }"""
ASSIGN = "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }"
CORRECTION = """mutation($id: ID!, $d: Date!) {
  requestDisclosureCorrection(id: $id, dueOn: $d, note: "请补充所需信息的文号") { state } }"""
CONSULT = 'mutation($id: ID!) { startDisclosureConsultation(id: $id, party: "第三方公司") { state } }'
DRAFT = "mutation($id: ID!, $r: DisclosureReplyInput!) { draftDisclosureReply(id: $id, input: $r) { state } }"
SEND = "mutation($id: ID!) { sendDisclosureReply(id: $id) { state } }"
REVIEW = "mutation($id: ID!) { reviewDisclosureReply(id: $id, approve: true) { state } }"
FEE_NOTICE = "mutation($id: ID!) { issueDisclosureFeeNotice(id: $id, method: PER_PAGE, pages: 31) { state } }"
REMEDY = """mutation($id: ID!, $c: RemedyCaseInput!) { recordRemedyCase(id: $id, input: $c) {
  remedyCases { id } } }"""
REPLY = {
    "outcome": "NOT_DISCLOSED",
    "ground": "THIRD_PARTY_RIGHTS",
    "legalBasis": "《条例》第十五条",
    "remedies": ["REVIEW", "LITIGATION"],
    "text": "经审查，不予公开。",
}


Prepare = Callable[[World], Awaitable[tuple[dict[str, Any], str | None]]]


@dataclass(frozen=True)
class Case:
    field: str
    document: str
    prepare: Prepare
    # The demo account that succeeds; "self": N with a token of its own; "fresh": a new account of P;
    # None: anonymous is the allowed caller.
    allowed: str | None
    anonymous: str = "UNAUTHENTICATED"
    denied: str = "FORBIDDEN"

    @property
    def kind(self) -> str:
        return "mutation" if self.document.lstrip().startswith("mutation") else "query"


WEBHOOK_INPUT = {"url": "http://127.0.0.1:9/hook"}  # loopback: allowed outside production


async def _webhook(world: World) -> str:
    data = await world.api.ok(
        "mutation($i: WebhookInput!) { createWebhook(input: $i) { webhook { id } } }",
        {"i": {**WEBHOOK_INPUT, "organization": world.org}},
        await world.api.token(ADMIN),
    )
    return str(data["createWebhook"]["webhook"]["id"])


def on_webhook(variables: Callable[[str], dict[str, Any]]) -> Prepare:
    async def prepare(world: World) -> tuple[dict[str, Any], str | None]:
        return variables(await _webhook(world)), None

    return prepare


def on_delivery(variables: Callable[[str], dict[str, Any]]) -> Prepare:
    """A delivery of a fresh webhook: a publication in P, queued from the change feed."""

    async def prepare(world: World) -> tuple[dict[str, Any], str | None]:
        hook = await _webhook(world)
        await world.published()
        assert world.services is not None
        await world.services.deliveries.enqueue()
        data = await world.api.ok(
            "query($o: ID) { webhooks(organization: $o) { id deliveries(first: 1) { id } } }",
            {"o": world.org},
            await world.api.token(ADMIN),
        )
        found = next(w for w in data["webhooks"] if w["id"] == hook)
        return variables(found["deliveries"][0]["id"]), None

    return prepare


def fixed(variables: Callable[[World], dict[str, Any]]) -> Prepare:
    async def prepare(world: World) -> tuple[dict[str, Any], str | None]:
        return variables(world), None

    return prepare


def on(target: str, variables: Callable[[str], dict[str, Any]]) -> Prepare:
    """Variables about a fresh target: "draft" (a catalog entry), "interpretation", "gazette",
    "interview", "published", "copy", "attachment" or "uploaded"."""

    async def prepare(world: World) -> tuple[dict[str, Any], str | None]:
        make = {
            "draft": world.draft,
            "interpretation": world.interpretation,
            "gazette": world.gazette,
            "interview": world.interview,
            "published": world.published,
            "copy": world.working_copy,
            "attachment": world.attachment,
            "uploaded": lambda: world.attachment(upload=True),
        }[target]
        item = await make()
        return variables(item), item

    return prepare


def on_request(state: str, variables: Callable[[World, str], dict[str, Any]]) -> Prepare:
    """Variables about a fresh request for disclosure to P in ``state`` (see World.disclosure_request)."""

    async def prepare(world: World) -> tuple[dict[str, Any], str | None]:
        request = await world.disclosure_request(state)
        return variables(world, request), request

    return prepare


def remedy_case(world: World) -> dict[str, Any]:
    return {"kind": "REVIEW", "filedOn": world.today().isoformat(), "authority": "某市人民政府"}


async def a_remedy_case(world: World) -> tuple[dict[str, Any], str | None]:
    """A request with a pending 行政复议 case, recorded by the office."""
    request = await world.disclosure_request("received")
    data = await world.api.ok(REMEDY, {"id": request, "c": remedy_case(world)}, await world.api.token(OFFICE))
    case = data["recordRemedyCase"]["remedyCases"][0]["id"]
    return {"id": request, "case": case, "d": world.today().isoformat()}, request


EMPTY_SHEET = "名称\n".encode()  # headings only: a check and an import of nothing


async def staged_by_admin(services: Services, data: bytes) -> str:
    from cms.model import User

    admin = await User.find_one({"username": ADMIN})
    return await services.imports.stage(services.access.principal_for(admin), data)


async def an_import_file(world: World) -> tuple[dict[str, Any], str | None]:
    return {"o": world.org, "f": await world.stage(EMPTY_SHEET)}, None


async def an_import(world: World) -> tuple[dict[str, Any], str | None]:
    """An import of an empty sheet into P, started by the administrator."""
    data = await world.api.ok(
        'mutation($o: ID!, $f: String!) { startCatalogImport(organization: $o, filename: "空.csv", file: $f) { id } }',
        {"o": world.org, "f": await world.stage(EMPTY_SHEET)},
        await world.api.token(ADMIN),
    )
    found = str(data["startCatalogImport"]["id"])
    return {"id": found}, found


async def no_variables(world: World) -> tuple[dict[str, Any], str | None]:
    return {}, None


async def a_user(world: World) -> tuple[dict[str, Any], str | None]:
    """A fresh account in P (the user mutations change it)."""
    person = await world.api.new_user(world.org)
    return {"id": person.id}, None


async def a_genre(world: World) -> tuple[dict[str, Any], str | None]:
    return {"value": await world.genre()}, None


async def subtopics(world: World) -> tuple[dict[str, Any], str | None]:
    top, subs = await world.topic_with_subtopics()
    return {"p": top, "values": list(reversed(subs))}, None


CASES = [
    # -- mutations --------------------------------------------------------------------------------
    Case(
        "login",
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
        fixed(lambda w: {"u": w.nobody.username, "p": PASSWORD}),
        allowed=None,
        anonymous=OK,
        denied=SKIP,
    ),
    Case("logout", "mutation { logout }", no_variables, allowed="self", denied=SKIP),
    Case(
        "createCatalogEntry",
        "mutation($i: CatalogEntryInput!) { createCatalogEntry(input: $i) { id } }",
        fixed(lambda w: {"i": {"organization": w.org, "title": unique(w.marker)}}),
        allowed=OFFICER,
    ),
    Case(
        "updateCatalogEntry",
        "mutation($id: ID!, $i: CatalogEntryInput!) {"
        " updateCatalogEntry(id: $id, expectedVersion: 1, input: $i) { id version } }",
        on("draft", lambda i: {"id": i, "i": {"summary": "修改"}}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "createInterpretation",
        "mutation($i: InterpretationInput!) { createInterpretation(input: $i) { id } }",
        fixed(lambda w: {"i": {"organization": w.org, "title": unique("解读")}}),
        allowed=OFFICER,
    ),
    Case(
        "updateInterpretation",
        "mutation($id: ID!, $i: InterpretationUpdateInput!) {"
        " updateInterpretation(id: $id, expectedVersion: 1, input: $i) { id version } }",
        on("interpretation", lambda i: {"id": i, "i": {"body": "修改"}}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "createGazetteIssue",
        "mutation($i: GazetteIssueInput!) { createGazetteIssue(input: $i) { id } }",
        fixed(lambda w: {"i": w.issue()}),
        allowed=OFFICER,
    ),
    Case(
        "updateGazetteIssue",
        "mutation($id: ID!, $i: GazetteIssueInput!) {"
        " updateGazetteIssue(id: $id, expectedVersion: 1, input: $i) { id version } }",
        on("gazette", lambda i: {"id": i, "i": {"description": "修改"}}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "createInterview",
        "mutation($i: InterviewInput!) { createInterview(input: $i) { id } }",
        fixed(lambda w: {"i": {"organization": w.org, "title": unique(w.marker)}}),
        allowed=OFFICER,
    ),
    Case(
        "updateInterview",
        "mutation($id: ID!, $i: InterviewInput!) {"
        " updateInterview(id: $id, expectedVersion: 1, input: $i) { id version } }",
        on("interview", lambda i: {"id": i, "i": {"description": "修改"}}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "transition",
        "mutation($id: ID!) { transition(input: {id: $id, action: SUBMIT}) { id reviewState } }",
        on("draft", lambda i: {"id": i}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "checkout",
        "mutation($id: ID!) { checkout(id: $id) { id workingCopyOf } }",
        on("published", lambda i: {"id": i}),
        allowed=OFFICER,
    ),
    Case(
        "checkin",
        "mutation($id: ID!) { checkin(id: $id) { id reviewState } }",
        on("copy", lambda i: {"id": i}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "cancelCheckout",
        "mutation($id: ID!) { cancelCheckout(id: $id) { id } }",
        on("copy", lambda i: {"id": i}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "revert",
        "mutation($id: ID!) { revert(id: $id, toVersion: 1, expectedVersion: 1) { id version } }",
        on("draft", lambda i: {"id": i}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "changeValidity",
        "mutation($id: ID!) { changeValidity(id: $id, validity: EXPIRED) { id workingCopyOf } }",
        on("published", lambda i: {"id": i}),
        allowed=OFFICER,
    ),
    Case(
        "grantRole",
        "mutation($i: RoleGrantInput!) { grantRole(input: $i) { role } }",
        fixed(lambda w: {"i": {"user": w.spare_user, "role": "OFFICER", "organization": w.org}}),
        allowed=ADMIN,
    ),
    Case(
        "revokeRole",
        "mutation($i: RoleGrantInput!) { revokeRole(input: $i) }",
        fixed(lambda w: {"i": {"user": w.spare_user, "role": "OFFICE", "organization": w.org}}),
        allowed=ADMIN,
    ),
    Case(
        "createUser",
        "mutation($u: String!, $p: String!, $o: ID!) {"
        " createUser(username: $u, password: $p, organization: $o) { id } }",
        fixed(lambda w: {"u": f"u-{uuid.uuid4().hex[:12]}", "p": PASSWORD, "o": w.org}),
        allowed=ADMIN,
    ),
    Case(
        "createOrganization",
        "mutation($i: OrganizationInput!) { createOrganization(input: $i) { id } }",
        fixed(
            lambda w: {
                "i": {
                    "key": f"t-{uuid.uuid4().hex[:10]}",
                    "name": unique("下级机构"),
                    "code": uuid.uuid4().hex[:10].upper(),
                    "parent": w.org,
                }
            }
        ),
        allowed=ADMIN,
    ),
    Case(
        "updateOrganization",
        'mutation($o: ID!) { updateOrganization(id: $o, input: {shortName: "测试简称"}) { id shortName } }',
        fixed(lambda w: {"o": w.org}),
        allowed=ADMIN,
    ),
    Case(
        "addVocabularyTerm",
        "mutation($l: String!) { addVocabularyTerm(input: {vocabulary: GENRE, label: $l}) { value } }",
        fixed(lambda w: {"l": unique("测试体裁")}),
        allowed=ADMIN,
    ),
    Case(
        "relabelVocabularyTerm",
        "mutation($value: String!) {"
        ' relabelVocabularyTerm(vocabulary: GENRE, value: $value, label: "新名称") { value label } }',
        a_genre,
        allowed=ADMIN,
    ),
    Case(
        "reorderVocabularyTerms",
        "mutation($p: String!, $values: [String!]!) {"
        " reorderVocabularyTerms(vocabulary: TOPIC, parent: $p, values: $values) { value } }",
        subtopics,
        allowed=ADMIN,
    ),
    Case(
        "removeVocabularyTerm",
        "mutation($value: String!) { removeVocabularyTerm(vocabulary: GENRE, value: $value) }",
        a_genre,
        allowed=ADMIN,
    ),
    Case(
        "setIndexTemplate",
        'mutation($o: ID!) { setIndexTemplate(organization: $o, template: "{code}/{year}-{seq:05d}") { id } }',
        fixed(lambda w: {"o": w.org}),
        allowed=ADMIN,
    ),
    Case(
        "addSearchWords",
        'mutation { addSearchWords(words: ["政务公开测试词"]) }',
        fixed(lambda w: {}),
        allowed=ADMIN,
    ),
    Case(
        "removeSearchWord",
        'mutation { removeSearchWord(word: "政务公开测试词") }',
        fixed(lambda w: {}),
        allowed=ADMIN,
    ),
    Case(
        "reindexSearch",
        "mutation { reindexSearch }",
        fixed(lambda w: {}),
        allowed=ADMIN,
    ),
    Case(
        "setReviewChain",
        "mutation($o: ID!) { setReviewChain(organization: $o, tiers: null) { id } }",
        fixed(lambda w: {"o": w.org}),
        allowed=ADMIN,
    ),
    Case(
        "requestUpload",
        'mutation($i: ID!) { requestUpload(item: $i, filename: "a.txt", size: 10) { uploadUrl } }',
        on("draft", lambda i: {"i": i}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "completeUpload",
        "mutation($id: ID!, $h: String!) { completeUpload(id: $id, sha256: $h) { id sha256 } }",
        on("uploaded", lambda i: {"id": i, "h": hashlib.sha256(FILE).hexdigest()}),
        allowed=OFFICER,
        denied="UPLOAD_NOT_FOUND",  # the same answer as for an upload that never existed
    ),
    Case(
        "removeAttachment",
        "mutation($id: ID!) { removeAttachment(id: $id) }",
        on("attachment", lambda i: {"id": i}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case("disableUser", "mutation($id: ID!) { disableUser(id: $id) { active } }", a_user, allowed=ADMIN),
    Case("enableUser", "mutation($id: ID!) { enableUser(id: $id) { active } }", a_user, allowed=ADMIN),
    Case(
        "resetPassword",
        'mutation($id: ID!) { resetPassword(id: $id, password: "Reset-pass-2027") { mustChangePassword } }',
        a_user,
        allowed=ADMIN,
    ),
    Case("unlockUser", "mutation($id: ID!) { unlockUser(id: $id) { username } }", a_user, allowed=ADMIN),
    Case(
        "changePassword",
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }",
        fixed(lambda w: {"c": PASSWORD, "n": "Changed-pass-2027"}),
        allowed="fresh",  # a user of its own: everyone signed in may change their own password
        denied=SKIP,
    ),
    # Requests for disclosure: the portal's form is anonymous by design; every step after it needs a
    # request.* permission at the handling organization, and to anyone else the request does not exist.
    Case(
        "submitDisclosureRequest",
        "mutation($i: DisclosureRequestInput!) { submitDisclosureRequest(input: $i) { number queryCode } }",
        fixed(lambda w: {"i": {**w.request_input(), "description": unique("申请公开")}}),
        allowed=None,
        anonymous=OK,
        denied=OK,  # signed in or not, anyone may apply
    ),
    Case(
        "registerDisclosureRequest",
        REGISTER,
        fixed(lambda w: {"i": w.request_input(), "d": w.today().isoformat()}),
        allowed=OFFICE,
    ),
    Case(
        "assignDisclosureRequest",
        ASSIGN,
        on_request("received", lambda w, r: {"id": r, "o": w.handler}),
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    Case(
        "requestDisclosureCorrection",
        CORRECTION,
        on_request("received", lambda w, r: {"id": r, "d": w.later().isoformat()}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "receiveDisclosureCorrection",
        "mutation($id: ID!, $d: Date!) { receiveDisclosureCorrection(id: $id, receivedOn: $d) { state } }",
        on_request("correction", lambda w, r: {"id": r, "d": w.today().isoformat()}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "startDisclosureConsultation",
        CONSULT,
        on_request("handling", lambda w, r: {"id": r}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "endDisclosureConsultation",
        "mutation($id: ID!) { endDisclosureConsultation(id: $id) { state } }",
        on_request("consulting", lambda w, r: {"id": r}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "extendDisclosureRequest",
        'mutation($id: ID!) { extendDisclosureRequest(id: $id, days: 15, reason: "需调取档案") {'
        " extensionWorkingDays } }",
        on_request("handling", lambda w, r: {"id": r}),
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    Case(
        "draftDisclosureReply",
        DRAFT,
        on_request("handling", lambda w, r: {"id": r, "r": REPLY}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "reviewDisclosureReply",
        REVIEW,
        on_request("drafted", lambda w, r: {"id": r}),
        allowed=OFFICER,  # 承办人初审, the first tier
        denied="NOT_FOUND",
    ),
    Case(
        "attachDisclosureReplyFile",
        "mutation($id: ID!, $b: String!) {"
        ' attachDisclosureReplyFile(id: $id, filename: "答复书.txt", base64: $b) { filename } }',
        on_request(
            "drafted", lambda w, r: {"id": r, "b": base64.b64encode("答复书正文。\n".encode()).decode()}
        ),
        allowed=OFFICE,  # request.reply: the disclosure office
        denied="NOT_FOUND",
    ),
    Case(
        "sendDisclosureReply",
        SEND,
        on_request("approved", lambda w, r: {"id": r}),
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    Case(
        "archiveDisclosureRequest",
        "mutation($id: ID!) { archiveDisclosureRequest(id: $id) { state } }",
        on_request("replied", lambda w, r: {"id": r}),
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    Case(
        "draftCatalogEntryFromDisclosureReply",
        'mutation($id: ID!) { draftCatalogEntryFromDisclosureReply(id: $id, title: "转主动公开") { id } }',
        on_request("disclosed", lambda w, r: {"id": r}),
        allowed=OFFICER,  # content.create, besides request.view
        denied="NOT_FOUND",
    ),
    Case(
        "recordRemedyCase",
        REMEDY,
        on_request("received", lambda w, r: {"id": r, "c": remedy_case(w)}),
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    Case(
        "concludeRemedyCase",
        "mutation($id: ID!, $case: ID!, $d: Date!) {"
        " concludeRemedyCase(id: $id, case: $case, result: UPHELD, concludedOn: $d) { state } }",
        a_remedy_case,
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    Case(
        "issueDisclosureFeeNotice",
        FEE_NOTICE,
        on_request("handling", lambda w, r: {"id": r}),
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    Case(
        "recordDisclosureFeePayment",
        "mutation($id: ID!, $d: Date!) {"
        " recordDisclosureFeePayment(id: $id, amountFen: 1000, paidOn: $d) { state } }",
        on_request("fee_pending", lambda w, r: {"id": r, "d": w.today().isoformat()}),
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    # -- staff queries ----------------------------------------------------------------------------
    Case(
        "me",
        "{ me { user { username } grants { role } } }",
        fixed(lambda w: {}),
        allowed=OFFICER,
        anonymous=NULL,  # documented: null when anonymous
        denied=OK,  # everyone signed in may ask who they are
    ),
    Case(
        "worklist", "{ worklist { item { id title } } }", fixed(lambda w: {}), allowed=UNIT_HEAD, denied=EMPTY
    ),
    Case(
        "history",
        "query($id: ID!) { history(id: $id) { item { id title } versions { data } transitions { itemTitle } } }",
        on("draft", lambda i: {"id": i}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "diff",
        "query($id: ID!) { diff(id: $id, fromVersion: 1, toVersion: 1) { field } }",
        on("draft", lambda i: {"id": i}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case(
        "reviewRegister",
        "query($o: ID!) { reviewRegister(organization: $o) { seq itemTitle } }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICE,
    ),
    Case(
        "reviewRegisterExport",
        "query($o: ID!) { reviewRegisterExport(organization: $o) }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICE,
    ),
    Case(
        "verifyReviewRegister",
        "query($o: ID!) { verifyReviewRegister(organization: $o) { ok } }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICE,
    ),
    Case(
        "registerHeads",
        "{ registerHeads { organization { id } entries ok headHash } }",
        fixed(lambda w: {}),
        allowed=OFFICE,
        denied=EMPTY,  # no register to read: an empty list
    ),
    Case("registerHeadsExport", "{ registerHeadsExport }", fixed(lambda w: {}), allowed=OFFICE),
    Case(
        "roleGrants",
        "query($o: ID!) { roleGrants(organization: $o) { role userId } }",
        fixed(lambda w: {"o": w.org}),
        allowed=ADMIN,
    ),
    Case(
        "users",
        "query($o: ID!) { users(organization: $o) { id username } }",
        fixed(lambda w: {"o": w.org}),
        allowed=ADMIN,
    ),
    Case(
        "reviewChain",
        "query($o: ID!) { reviewChain(organization: $o) { key permission } }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICER,
    ),
    Case(
        "searchUsers",
        'query { searchUsers(query: "u-") { id username } }',
        fixed(lambda w: {}),
        allowed=ADMIN,
    ),
    Case(
        "auditLog",
        "{ auditLog(first: 5) { totalCount edges { node { seq action } } } }",
        fixed(lambda w: {}),
        allowed=ADMIN,
    ),
    Case(
        "disclosureRequests",
        "query($o: ID) { disclosureRequests(organization: $o) { id description } }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICER,
        denied=EMPTY,  # P's open requests (the rows above leave some) are not theirs to see
    ),
    Case(
        "requestHandlers",
        "query($o: ID!) { requestHandlers(organization: $o) { id displayName } }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICE,  # request.assign: the disclosure office
    ),
    Case(
        "disclosureRequest",
        "query($id: ID!) { disclosureRequest(id: $id) { id description history { action } } }",
        on_request("received", lambda w, r: {"id": r}),
        allowed=OFFICER,
        denied="NOT_FOUND",
    ),
    Case("auditLogExport", "{ auditLogExport }", fixed(lambda w: {}), allowed=ADMIN),
    # The compliance dashboard: the disclosure office (and administrators) of the organization.
    Case(
        "complianceDashboard",
        'query($o: ID!) { complianceDashboard(organization: $o, from: "2025-01-01", to: "2025-12-31") {'
        " figures { key count } } }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICE,
    ),
    Case(
        "complianceDashboardExport",
        'query($o: ID!) { complianceDashboardExport(organization: $o, from: "2025-01-01", to: "2025-12-31") {'
        " filename } }",
        fixed(lambda w: {"o": w.org}),
        allowed=ADMIN,
    ),
    # The working-day calendar: every staff role reads it; only administrators set a year.
    Case(
        "holidayCalendar",
        "{ holidayCalendar(year: 2025) { present days { date kind name } } }",
        fixed(lambda w: {}),
        allowed=OFFICER,
    ),
    Case("calendarWarnings", "{ calendarWarnings { year message } }", fixed(lambda w: {}), allowed=OFFICER),
    Case(
        "setHolidayCalendar",
        'mutation { setHolidayCalendar(year: 2097, days: [{date: "2097-05-01", kind: HOLIDAY, name: "劳动节"}])'
        " { present } }",
        fixed(lambda w: {}),
        allowed=ADMIN,
    ),
    Case("verifyAuditLog", "{ verifyAuditLog { ok } }", fixed(lambda w: {}), allowed=ADMIN),
    # The annual report: every staff role of the organization reads it; the disclosure office writes
    # the staff's parts and issues it.
    Case(
        "annualReport",
        "query($o: ID!) { annualReport(organization: $o, year: 2025) { state checks { holds } } }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICER,
    ),
    Case(
        "saveAnnualReportDraft",
        "mutation($o: ID!) { saveAnnualReportDraft(organization: $o, year: 2025,"
        ' input: {overview: "总体情况", licensing: 3}) { version } }',
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICE,
    ),
    Case(
        "issueAnnualReport",
        "mutation($o: ID!) { issueAnnualReport(organization: $o, year: 2025) { catalogEntryId } }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICE,
    ),
    # Reading-room terminals report their visits anonymously (counts only); the disclosure office
    # (and administrators) read the statistics of the terminals of their organizations.
    Case(
        "recordReadingRoomVisits",
        "mutation($e: [ReadingRoomEventInput!]!) { recordReadingRoomVisits(events: $e) }",
        fixed(lambda w: {"e": [{"event": "SEARCHED", "query": unique("检索")}]}),
        allowed=None,
        anonymous=OK,
        denied=OK,  # a kiosk is nobody in particular
    ),
    Case(
        "readingRoomStatistics",
        '{ readingRoomStatistics(since: "2026-01-01", until: "2026-01-31") { terminals days { views } } }',
        fixed(lambda w: {}),
        allowed=OFFICE,
    ),
    Case(
        "readingRoomStatisticsExport",
        '{ readingRoomStatisticsExport(since: "2026-01-01", until: "2026-01-31") }',
        fixed(lambda w: {}),
        allowed=OFFICE,
    ),
    # Webhooks: administrators (webhook.manage) of the organization.
    Case(
        "createWebhook",
        "mutation($i: WebhookInput!) { createWebhook(input: $i) { secret webhook { id } } }",
        fixed(lambda w: {"i": {**WEBHOOK_INPUT, "organization": w.org}}),
        allowed=ADMIN,
    ),
    Case(
        "webhooks",
        "query($o: ID) { webhooks(organization: $o) { id url } }",
        fixed(lambda w: {"o": w.org}),
        allowed=ADMIN,
    ),
    Case(
        "pauseWebhook",
        "mutation($id: ID!) { pauseWebhook(id: $id) { paused } }",
        on_webhook(lambda h: {"id": h}),
        allowed=ADMIN,
    ),
    Case(
        "resumeWebhook",
        "mutation($id: ID!) { resumeWebhook(id: $id) { paused } }",
        on_webhook(lambda h: {"id": h}),
        allowed=ADMIN,
    ),
    Case(
        "deleteWebhook",
        "mutation($id: ID!) { deleteWebhook(id: $id) }",
        on_webhook(lambda h: {"id": h}),
        allowed=ADMIN,
    ),
    Case(
        "resendWebhookDelivery",
        "mutation($id: ID!) { resendWebhookDelivery(id: $id) { status } }",
        on_delivery(lambda d: {"id": d}),
        allowed=ADMIN,
    ),
    # Importing a catalog: administrators and the disclosure office of the organization.
    Case(
        "catalogImportTemplate",
        "query($o: ID!) { catalogImportTemplate(organization: $o) }",
        fixed(lambda w: {"o": w.org}),
        allowed=OFFICE,
    ),
    Case(
        "checkCatalogImport",
        'mutation($o: ID!, $f: String!) { checkCatalogImport(organization: $o, filename: "空.csv", file: $f)'
        " { total } }",
        an_import_file,
        allowed=ADMIN,
    ),
    Case(
        "startCatalogImport",
        'mutation($o: ID!, $f: String!) { startCatalogImport(organization: $o, filename: "空.csv", file: $f)'
        " { id } }",
        an_import_file,
        allowed=OFFICE,
    ),
    Case(
        "catalogImport",
        "query($id: ID!) { catalogImport(id: $id) { state } }",
        an_import,
        allowed=ADMIN,
        denied="NOT_FOUND",
    ),
    Case(
        "cancelCatalogImport",
        "mutation($id: ID!) { cancelCatalogImport(id: $id) { state } }",
        an_import,
        allowed=OFFICE,
        denied="NOT_FOUND",
    ),
    # Label vocabularies of the Role and Permission enums (already public through introspection).
    Case("roles", "{ roles { role label } }", fixed(lambda w: {}), allowed=None, anonymous=OK, denied=OK),
    Case(
        "permissions",
        "{ permissions { permission label } }",
        fixed(lambda w: {}),
        allowed=None,
        anonymous=OK,
        denied=OK,
    ),
]


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def world(api, services: Services) -> World:
    org, elsewhere = await api.new_org(), await api.new_org()
    nobody = await api.new_user(elsewhere)  # signed in, no role anywhere
    spare = await api.new_user(org, "OFFICE")
    handler = await api.new_user(org, "OFFICER")
    return World(
        api=api,
        org=org,
        nobody=nobody,
        spare_user=spare.id,
        marker=f"绝密草稿{uuid.uuid4().hex[:8]}",
        numbers=itertools.count(1),
        handler=handler.id,
        today=services.requests.today,
        services=services,
        stage=lambda data: staged_by_admin(services, data),
    )


def expect(body: dict[str, Any], case: Case, outcome: str) -> None:
    if outcome in (OK, NULL, EMPTY):
        assert "errors" not in body, body
        value = body["data"][case.field]
        if outcome == NULL:
            assert value is None
        elif outcome == EMPTY:
            assert value == []
        else:
            assert value is not None
    else:
        assert error_of(body)[0] == outcome, body
        assert body.get("data") is None or body["data"].get(case.field) is None


def swap(variables: Any, old: str, new: str) -> Any:
    if isinstance(variables, dict):
        return {k: swap(v, old, new) for k, v in variables.items()}
    return new if variables == old else variables


@pytest.mark.parametrize("case", CASES, ids=[c.field for c in CASES])
async def test_anonymous_denied_and_allowed(world: World, case: Case, services: Services):
    api = world.api
    variables, target = await case.prepare(world)

    anonymous = await api.post(case.document, variables)
    expect(anonymous, case, case.anonymous)
    assert world.marker not in text_of(anonymous)

    if case.denied != SKIP:
        denied = await api.post(case.document, variables, world.nobody.token)
        expect(denied, case, case.denied)
        assert world.marker not in text_of(denied)
        if case.denied == "NOT_FOUND":
            assert target is not None
            other = random_id(from_global_id(target)[0])
            unknown = await api.post(case.document, swap(variables, target, other), world.nobody.token)
            assert error_of(unknown) == error_of(denied)

    if case.allowed is not None:
        if case.allowed == "self":  # a token of one's own, not the shared one
            token = await api.login(world.nobody.username, PASSWORD)
        elif case.allowed == "fresh":  # a new account, for calls that change the caller's own account
            token = (await api.new_user(world.org)).token
        else:
            token = await api.token(case.allowed)
        expect(await api.post(case.document, variables, token), case, OK)
        await services.search.settled()  # a rebuild it started does not run on into other tests


def _sdl_fields() -> tuple[set[str], set[str]]:
    schema = build_schema(SDL.read_text(encoding="utf-8"))
    assert schema.mutation_type is not None
    assert schema.query_type is not None
    return set(schema.mutation_type.fields), set(schema.query_type.fields)


def test_every_mutation_and_staff_query_has_a_row():
    mutations, queries = _sdl_fields()
    assert {c.field for c in CASES if c.kind == "mutation"} == mutations
    assert {c.field for c in CASES if c.kind == "query"} == queries - PUBLIC_QUERIES
    assert queries >= PUBLIC_QUERIES
    assert len({c.field for c in CASES}) == len(CASES)


async def test_anonymous_and_denied_callers_never_see_a_draft_title(world: World):
    api = world.api
    draft = await world.draft()
    title = (await api.node(draft, await api.token(OFFICER)))["title"]
    assert world.marker in title  # the staff who may see it do
    number = unique("滇测〔2026〕")
    assert "errors" not in await api.update_entry(await api.token(OFFICER), draft, 1, documentNumber=number)
    reads = [
        ("query($id: ID!) { node(id: $id) { id ... on Content { title } } }", {"id": draft}),
        (
            "query($o: ID!) { catalog(filter: {organization: $o}, first: 100) { totalCount edges { node { title } } } }",
            {"o": world.org},
        ),
        (
            "query($o: ID!) { catalog(filter: {organization: $o, includeSubtree: true}, first: 100) {"
            " edges { node { title } } } }",
            {"o": await api.root()},
        ),
        (
            "query($o: ID!) { catalog(filter: {organization: $o, reviewState: DRAFT}) { edges { node { title } } } }",
            {"o": world.org},
        ),
        (
            "query($n: String!) { catalogEntriesByDocumentNumber(documentNumber: $n) { title } }",
            {"n": number},
        ),
        ("{ worklist { item { title } } }", {}),
        ("query($id: ID!) { history(id: $id) { transitions { itemTitle } } }", {"id": draft}),
        ("query($o: ID!) { reviewRegister(organization: $o) { itemTitle } }", {"o": world.org}),
        ("query($o: ID!) { reviewRegisterExport(organization: $o) }", {"o": world.org}),
    ]
    for token in (None, world.nobody.token):
        for query, variables in reads:
            body = await api.post(query, variables, token)
            assert world.marker not in text_of(body), (query, body)
    # The same draft is found by the document number for staff of its organization.
    found = await api.ok(
        "query($n: String!) { catalogEntriesByDocumentNumber(documentNumber: $n) { title } }",
        {"n": number},
        await api.token(OFFICER),
    )
    assert found["catalogEntriesByDocumentNumber"] == [{"title": title}]


WITHHELD_FINDINGS = {
    "stateSecrets": False,
    "commercialSecrets": False,
    "personalPrivacy": True,
    "proposedScope": "申请人",
    "grounds": "涉及个人隐私",
}


@pytest.mark.parametrize("mode", ["ON_REQUEST", "NOT_DISCLOSED"], ids=["on-request", "not-disclosed"])
async def test_anonymous_and_denied_callers_never_see_withheld_content(world: World, mode: str):
    """公开方式: the body (and reason) of a published 依申请公开 entry, and anything of a 不予公开 one beyond
    its existence to staff, reach no anonymous or denied caller by any public read."""
    api = world.api
    officer, content = await api.token(OFFICER), f"{world.marker}正文{uuid.uuid4().hex[:6]}"
    number = unique("滇测〔2027〕")
    entry = await api.create_entry(
        officer,
        world.org,
        f"{mode}条目{uuid.uuid4().hex[:6]}",
        body=content,
        documentNumber=number,
        disclosureMode=mode,
        nonDisclosureReason=f"{world.marker}理由",
        legalBasis=f"《中华人民共和国政府信息公开条例》第十五条{world.marker}",
    )
    findings = {**WITHHELD_FINDINGS, "proposedMode": mode}
    await api.act(officer, entry["id"], "SUBMIT")
    for demo in (OFFICER, "demo-dept-head", UNIT_HEAD):
        await api.act(await api.token(demo), entry["id"], "APPROVE", findings=findings)
    reads = [
        (
            "query($id: ID!) { node(id: $id) { ... on CatalogEntry { title body nonDisclosureReason } } }",
            {"id": entry["id"]},
        ),
        (
            "query($o: ID!) { catalog(filter: {organization: $o}, first: 100) { edges { node { title body } } } }",
            {"o": world.org},
        ),
        ("query($n: String!) { catalogEntriesByDocumentNumber(documentNumber: $n) { body } }", {"n": number}),
        (
            "query($q: String!) { search(query: $q) { totalCount edges { node { snippet } } } }",
            {"q": content},
        ),
        ("query($q: String!) { search(query: $q) { edges { node { snippet } } } }", {"q": entry["title"]}),
    ]
    for token in (None, world.nobody.token):
        for query, variables in reads:
            body = await api.post(query, variables, token)
            assert "errors" not in body, body
            assert world.marker not in text_of(body), (query, body)
            if mode == "NOT_DISCLOSED":
                assert entry["title"] not in text_of(body), (query, body)
    # Staff who may read the organization's drafts read it all.
    staff = await api.ok(reads[0][0], reads[0][1], officer)
    assert staff["node"]["body"] == content
