"""No applicant's data on any public path (issue #18, 个人信息): hypothesis writes applicants —
natural persons and organizations, names, ID numbers, phone numbers, e-mail and postal addresses in
random CJK, descriptions of the information sought — submits them through the portal's
``submitDisclosureRequest`` or has the office register them, then reads every path the public can
reach: the applicant's own status page (with the right code), ``catalog``, ``search`` (asking for each
generated string), ``publicChanges``, ``labels``, ``/feeds/catalog.atom``, ``/sitemap.xml`` and the
organization's sitemap. None of the generated strings may appear in any answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.requests.service import RequestLimits
from cms.services import Services
from tests.helpers import Api, Person, text_of

MAX_EXAMPLES = 15
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
KINDS = ("NATURAL_PERSON", "COMMERCIAL", "RESEARCH", "PUBLIC_INTEREST", "LEGAL_SERVICE", "OTHER_ORGANIZATION")
STAFF_CHANNELS = ("POST", "IN_PERSON", "FAX", "EMAIL", "OTHER")

SUBMIT = """mutation($i: DisclosureRequestInput!) {
  submitDisclosureRequest(input: $i) { number queryCode } }"""
REGISTER = """mutation($i: DisclosureRequestInput!, $c: RequestChannel!, $d: Date!) {
  registerDisclosureRequest(input: $i, channel: $c, receivedOn: $d) { number queryCode } }"""
STATUS = """query($n: String!, $c: String!) { disclosureRequestStatus(number: $n, code: $c) {
  number state stateLabel receivedOn dueOn pausedWorkingDays extensionWorkingDays correctionNote
  correctionDueOn reply { outcomeLabel groundLabel legalBasis remedyLabels } } }"""
CATALOG = """query($f: CatalogFilter) { catalog(filter: $f, first: 50) { totalCount
  edges { node { id title indexNumber summary organization { id name } } } } }"""
SEARCH = """query($q: String!) { search(query: $q, first: 20) { totalCount
  edges { node { type title snippet item { id title } } } } }"""
CHANGES = """query($a: String) { publicChanges(after: $a, first: 100) {
  edges { cursor node { sequence event id type publicKey eventLabel organization { id name } } }
  pageInfo { hasNextPage endCursor } } }"""
LABELS = """{ labels { applicantKinds { value label } requestChannels { value label }
  requestStates { value label } requestOutcomes { value label } requestGrounds { value label }
  requestActions { value label } auditActions { value label } auditTargetTypes { value label } } }"""


def cjk(low: int, high: int) -> st.SearchStrategy[str]:
    return st.text(CJK, min_size=low, max_size=high)


# Each string is long or random enough that finding it by chance in public text is out of reach:
# a three-character name of random CJK, an 18-character ID number, an 11-digit mobile number.
APPLICANT = st.fixed_dictionaries(
    {
        "name": cjk(3, 6),
        "idNumber": st.from_regex(
            r"[1-6]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d)\d{3}[\dX]", fullmatch=True
        ),
        "phone": st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
        "email": st.from_regex(r"[a-z][a-z0-9]{4,12}@[a-z]{3,8}\.(cn|com|org)", fullmatch=True),
        "address": st.builds(
            lambda city, road, no: f"{city}市{road}路{no}号", cjk(3, 5), cjk(3, 5), st.integers(1, 999)
        ),
        "postcode": st.from_regex(r"[1-8]\d{5}", fullmatch=True),
    }
)
CONTACT_PERSON = cjk(3, 5)
DESCRIPTION = st.builds(lambda what: f"请求公开{what}的相关文件", cjk(6, 40))
# A six-digit postcode alone is not distinctive (dates and index numbers hold such runs): it is
# submitted, but not looked for.
NOT_LOOKED_FOR = ("postcode",)


@dataclass(frozen=True)
class Example:
    input: dict[str, Any]
    by_staff: bool
    channel: str

    def personal_strings(self) -> list[str]:
        applicant: dict[str, str] = self.input["applicant"]
        found = [v for k, v in applicant.items() if k not in NOT_LOOKED_FOR and v]
        return [*found, self.input["description"]]


@dataclass(frozen=True)
class World:
    org: str
    org_key: str
    office: Person
    changes_from: str | None


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def world(api: Api) -> World:
    org = await api.new_org()
    key = (await api.ok("query($id: ID) { organization(id: $id) { key } }", {"id": org}))["organization"][
        "key"
    ]
    office = await api.new_user(org, "OFFICE")
    return World(org, key, office, await _end_of_changes(api))


async def _end_of_changes(api: Api) -> str | None:
    """The change feed's cursor now, so that each example reads only what came after."""
    cursor: str | None = None
    while True:
        page = (await api.ok(CHANGES, {"a": cursor}))["publicChanges"]
        cursor = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return cursor


@pytest.fixture
def no_flood_limit(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    # The portal's limit per source would refuse the examples after the tenth; an unusual window
    # also keeps their count apart from the hourly counts other tests' submissions are judged by.
    limits = RequestLimits(submissions_per_hour=10_000, window=timedelta(seconds=7))
    monkeypatch.setattr(services.requests, "limits", limits)


def examples(org: str) -> st.SearchStrategy[Example]:
    def build(
        kind: str, applicant: dict[str, str], contact: str, description: str, staff: bool, channel: str
    ) -> Example:
        if kind != "NATURAL_PERSON":
            applicant = {**applicant, "contactPerson": contact}
        given = {
            "organization": org,
            "applicantKind": kind,
            "applicant": applicant,
            "description": description,
        }
        return Example(given, staff, channel)

    return st.builds(
        build,
        st.sampled_from(KINDS),
        APPLICANT,
        CONTACT_PERSON,
        DESCRIPTION,
        st.booleans(),
        st.sampled_from(STAFF_CHANNELS),
    )


async def intake(api: Api, services: Services, world: World, example: Example) -> dict[str, str]:
    if not example.by_staff:
        return (await api.ok(SUBMIT, {"i": example.input}))["submitDisclosureRequest"]
    received = (services.requests.today() - timedelta(days=1)).isoformat()
    variables = {"i": example.input, "c": example.channel, "d": received}
    return (await api.ok(REGISTER, variables, world.office.token))["registerDisclosureRequest"]


async def public_answers(
    api: Api, client: httpx.AsyncClient, world: World, sent: dict[str, str], queries: list[str]
) -> dict[str, str]:
    """Every public answer, anonymously, as text."""
    found = {
        "status": await api.post(STATUS, {"n": sent["number"], "c": sent["queryCode"]}),
        "catalog": await api.post(CATALOG, {"f": None}),
        "catalog of the organization": await api.post(CATALOG, {"f": {"organization": world.org}}),
        "publicChanges": await api.post(CHANGES, {"a": world.changes_from}),
        "labels": await api.post(LABELS),
    }
    answers = {name: text_of(body) for name, body in found.items()}
    for query in queries:
        answers[f"search {query}"] = text_of(await api.post(SEARCH, {"q": query}))
    for path in ("/feeds/catalog.atom", "/sitemap.xml", f"/sitemaps/{world.org_key}.xml"):
        response = await client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        answers[path] = response.text
    return answers


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_applicant_string_appears_on_any_public_path(
    api: Api,
    client: httpx.AsyncClient,
    services: Services,
    world: World,
    no_flood_limit: None,
    data: st.DataObject,
) -> None:
    # given an applicant's request, submitted through the portal or registered by the office
    example = data.draw(examples(world.org), label="request")
    sent = await intake(api, services, world, example)
    personal = example.personal_strings()

    # when the public reads every path it can reach, searching for each of the applicant's strings
    answers = await public_answers(api, client, world, sent, personal)

    # then the status page answers the applicant, and no answer holds any of the strings
    assert answers["status"].count(sent["number"]) == 1
    assert '"errors"' not in answers["status"]
    leaks = [(path, value) for path, text in answers.items() for value in personal if value in text]
    assert leaks == []
