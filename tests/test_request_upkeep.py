"""The scheduled steps of requests for disclosure, run by the job runner on a stepped clock: a 补正
period that lapses makes the request deemed withdrawn (第三十条), and applicants' identity and
contact are erased GONGKAI_REQUEST_RETENTION_DAYS after closing. Also: anonymous submission counts
expire with a TTL index."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from cms.jobs.runner import JobRunner
from cms.requests.service import SHANGHAI
from storage.requests import DisclosureRequest
from tests.conftest import SteppedClock
from tests.helpers import Api, error_of, unique

REQUEST_JOBS = ["request-correction-expiry", "request-personal-data-erasure"]
APPLICANT = {"name": "王补正", "idNumber": "530102198502023456", "phone": "13900002222"}
SUBMIT = """mutation($i: DisclosureRequestInput!) {
  submitDisclosureRequest(input: $i) { number queryCode } }"""
STAFF = """query($id: ID!) { disclosureRequest(id: $id) { state personalDataErased
  reply { outcome ground legalBasis } history { action by } } }"""
APPLICANT_OF = "query($id: ID!) { disclosureRequest(id: $id) { applicant { name phone idNumber } } }"
STATUS = """query($n: String!, $c: String!) { disclosureRequestStatus(number: $n, code: $c) {
  stateLabel reply { outcomeLabel groundLabel } } }"""


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture
def stepped(services, monkeypatch) -> SteppedClock:
    """The request service's clock, which the runner below follows too. It starts 800 days ahead:
    these tests submit in an hourly window of their own, leaving the per-source limit of the
    current one to other modules (test_requests_api uses 400 days ahead)."""
    clock = SteppedClock()
    clock.advance(86400 * 800)
    monkeypatch.setattr(services.requests, "clock", clock)
    monkeypatch.setattr(services.requests.limits, "submissions_per_hour", 10_000)
    return clock


def today(clock: SteppedClock) -> date:
    return clock().astimezone(SHANGHAI).date()


@pytest.fixture
async def runner(services, stepped):
    """The app's request jobs on a lease and run records of their own (the app's runner holds its
    lease on the shared database); they act on the shared requests."""
    name = f"gongkai_request_jobs_{uuid.uuid4().hex[:10]}"
    own = dataclasses.replace(services, db=services.client[name], node="request-upkeep-test")
    jobs: JobRunner = own.job_runner(clock=stepped)
    jobs.jobs = [job for job in jobs.jobs if job.name in REQUEST_JOBS]
    yield jobs
    await services.client.drop_database(name)


async def action_labels(api: Api) -> dict[str, str]:
    labels = await api.ok("{ labels { requestActions { value label } } }")
    return {x["value"]: x["label"] for x in labels["labels"]["requestActions"]}


def set_clock(clock: SteppedClock, at: datetime) -> None:
    clock.advance((at - clock()).total_seconds())


async def an_hour_after_their_last_run(runner: JobRunner) -> datetime:
    finished = [run["finished"] for run in await runner.runs.find().to_list()]
    return max(finished) + timedelta(hours=1)


def shanghai(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), SHANGHAI)


async def submitted(api: Api, org: str, office: str) -> tuple[str, dict]:
    variables = {
        "i": {
            "organization": org,
            "applicantKind": "NATURAL_PERSON",
            "applicant": APPLICANT,
            "description": unique("申请公开某项目的环评批复"),
        }
    }
    sent = (await api.ok(SUBMIT, variables))["submitDisclosureRequest"]
    listed = await api.ok(
        "query($o: ID) { disclosureRequests(organization: $o) { id number } }", {"o": org}, office
    )
    return next(r["id"] for r in listed["disclosureRequests"] if r["number"] == sent["number"]), sent


@pytest.mark.parametrize(
    "period", [pytest.param(10, id="第三十条-ten-days"), pytest.param(1, id="第三十条-until-tomorrow")]
)
async def test_no_correction_by_the_day_set_is_deemed_withdrawn_the_next_day_and_not_before(
    api, services, runner, stepped, period
):
    """第三十条: 申请人无正当理由逾期不补正的，视为放弃申请 — counted as 其他处理 / 逾期不补正."""
    # given a request whose applicant was told to correct it within the period
    org = await api.new_org()
    team = await api.team(org, office=("OFFICE",))
    office = team["office"].token
    rid, sent = await submitted(api, org, office)
    due = today(stepped) + timedelta(days=period)
    await api.ok(
        "mutation($id: ID!, $d: Date!) { requestDisclosureCorrection(id: $id, dueOn: $d, "
        'note: "请写明所需信息的文号或名称") { state } }',
        {"id": rid, "d": due.isoformat()},
        office,
    )

    # when the jobs run on the last day of the period, and once more at its last second
    set_clock(stepped, shanghai(due, 23))
    first = await runner.tick()
    during = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]["state"]
    set_clock(stepped, shanghai(due, 23, 59, 59))
    await services.requests.expire_corrections()
    last_second = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]["state"]
    # and an hour after their first run, at the start of the next day
    set_clock(stepped, await an_hour_after_their_last_run(runner))
    second = await runner.tick()

    # then it was waiting for the correction until the period was over, and is withdrawn after
    assert first == second == REQUEST_JOBS
    assert during == last_second == "CORRECTION_PENDING"
    after = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]
    assert after["state"] == "WITHDRAWN"
    assert after["reply"] == {
        "outcome": "OTHER",
        "ground": "NO_CORRECTION",
        "legalBasis": "《中华人民共和国政府信息公开条例》第三十条",
    }
    assert after["history"][-1] == {"action": "deemed_withdrawn", "by": None}
    assert [e["action"] for e in after["history"]] == ["receive", "request_correction", "deemed_withdrawn"]
    assert (await action_labels(api))["deemed_withdrawn"] == "逾期不补正，视为撤回"
    status = (await api.ok(STATUS, {"n": sent["number"], "c": sent["queryCode"]}))["disclosureRequestStatus"]
    assert status == {
        "stateLabel": "视为撤回",
        "reply": {
            "outcomeLabel": "其他处理",
            "groundLabel": "申请人逾期不补正、行政机关不再处理其政府信息公开申请",
        },
    }


@pytest.mark.parametrize(
    "early",
    [
        pytest.param(0, id="第三十条-corrected-on-the-last-day"),
        pytest.param(2, id="第三十条-corrected-early"),
    ],
)
async def test_a_correction_received_in_time_is_not_withdrawn(api, services, runner, stepped, early):
    # given a request whose correction arrived within the period
    org = await api.new_org()
    office = (await api.team(org, office=("OFFICE",)))["office"].token
    rid, _ = await submitted(api, org, office)
    due = today(stepped) + timedelta(days=3)
    await api.ok(
        "mutation($id: ID!, $d: Date!) { requestDisclosureCorrection(id: $id, dueOn: $d, "
        'note: "请补充身份证明") { state } }',
        {"id": rid, "d": due.isoformat()},
        office,
    )
    corrected = due - timedelta(days=early)
    set_clock(stepped, shanghai(corrected, 16))
    await api.ok(
        "mutation($id: ID!, $d: Date!) { receiveDisclosureCorrection(id: $id, receivedOn: $d) { state } }",
        {"id": rid, "d": corrected.isoformat()},
        office,
    )

    # when the jobs run the day after
    set_clock(stepped, shanghai(due + timedelta(days=1), 9))
    ran = await runner.tick()

    # then it is being handled, with no reply
    after = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]
    assert ran == REQUEST_JOBS
    assert (after["state"], after["reply"]) == ("RECEIVED", None)


async def reply_sent(api: Api, org: str, team: dict, rid: str) -> None:
    office, officer = team["office"].token, team["officer"].token
    await api.ok(
        "mutation($id: ID!, $o: ID!) { assignDisclosureRequest(id: $id, officer: $o) { state } }",
        {"id": rid, "o": team["officer"].id},
        office,
    )
    reply = {
        "outcome": "DISCLOSED",
        "legalBasis": "《条例》第二十七条",
        "remedies": ["REVIEW"],
        "text": "予以公开。",
    }
    await api.ok(
        "mutation($id: ID!, $r: DisclosureReplyInput!) { draftDisclosureReply(id: $id, input: $r) { state } }",
        {"id": rid, "r": reply},
        officer,
    )
    for reviewer in ("officer", "dept", "unit"):  # 初审 → 审核 → 审发
        await api.ok(
            "mutation($id: ID!) { reviewDisclosureReply(id: $id, approve: true) { state } }",
            {"id": rid},
            team[reviewer].token,
        )
    await api.ok("mutation($id: ID!) { sendDisclosureReply(id: $id) { state } }", {"id": rid}, office)


async def test_personal_data_is_erased_when_the_retention_period_after_closing_is_over(
    api, services, settings, runner, stepped
):
    # given a request answered (closed) now, and the configured retention period
    org = await api.new_org()
    team = await api.team(
        org, office=("OFFICE",), officer=("OFFICER",), dept=("DEPT_HEAD",), unit=("UNIT_HEAD",)
    )
    office = team["office"].token
    rid, sent = await submitted(api, org, office)
    await reply_sent(api, org, team, rid)
    closed = (await DisclosureRequest.find_one({"number": sent["number"]})).closed_at
    retention = timedelta(days=settings.request_retention_days)
    assert closed is not None

    # when the jobs run an hour before the period is over, and the erasure once more a second before
    set_clock(stepped, closed.astimezone(UTC) + retention - timedelta(hours=1))
    first = await runner.tick()
    set_clock(stepped, closed.astimezone(UTC) + retention - timedelta(seconds=1))
    await services.requests.erase_personal_data()
    kept = await api.ok(APPLICANT_OF, {"id": rid}, office)
    # and an hour after their first run, when it is over
    set_clock(stepped, await an_hour_after_their_last_run(runner))
    second = await runner.tick()

    # then the holder of request.personal_data read it until then, and reads it as erased after
    assert first == second == REQUEST_JOBS
    assert kept["disclosureRequest"]["applicant"] == {
        "name": "王补正",
        "phone": "13900002222",
        "idNumber": "530102198502023456",
    }
    erased = await api.ok(APPLICANT_OF, {"id": rid}, office)
    assert erased["disclosureRequest"]["applicant"] is None
    after = (await api.ok(STAFF, {"id": rid}, office))["disclosureRequest"]
    assert after["personalDataErased"] is True
    assert after["history"][-1] == {"action": "erase_personal_data", "by": None}
    labels = await action_labels(api)
    assert [labels[e["action"]] for e in after["history"]] == [
        "收到申请",
        "分办",
        "拟写答复",
        "答复审查",
        "答复审查",
        "答复审查",
        "发出答复",
        "删除申请人个人信息",
    ]
    stored = await services.db["disclosure_requests"].find_one({"number": sent["number"]})
    assert stored["personal"] == {}  # no ciphertext is left for a leaked key to open
    # and staff without the permission are still refused, not told anything
    refused = await api.post(APPLICANT_OF, {"id": rid}, team["officer"].token)
    assert error_of(refused)[0] == "FORBIDDEN"


async def test_an_open_request_keeps_its_personal_data_however_old(api, services, settings, runner, stepped):
    # given a request still being handled
    org = await api.new_org()
    office = (await api.team(org, office=("OFFICE",)))["office"].token
    rid, _ = await submitted(api, org, office)

    # when the jobs run long after the retention period
    set_clock(stepped, stepped() + timedelta(days=settings.request_retention_days + 30))
    await runner.tick()

    # then its applicant is still there for the office
    found = await api.ok(APPLICANT_OF, {"id": rid}, office)
    assert found["disclosureRequest"]["applicant"]["name"] == "王补正"


async def test_submission_counts_expire_through_a_ttl_index(api, services, stepped):
    # given the anonymous submission counts after a submission
    org = await api.new_org()
    await api.ok(
        SUBMIT,
        {
            "i": {
                "organization": org,
                "applicantKind": "COMMERCIAL",
                "applicant": APPLICANT,
                "description": "x",
            }
        },
    )
    collection = services.db["request_submissions"]

    indexes = await collection.index_information()
    counts = await collection.find({}, {"expires": 1}).to_list()

    # then the server deletes each count once its expiry has passed, and every count has one (a TTL
    # index passes over documents whose field is not a date)
    assert [
        (i["key"], i.get("expireAfterSeconds")) for i in indexes.values() if "expires" in dict(i["key"])
    ] == [([("expires", 1)], 0)]
    assert counts
    assert all(isinstance(c["expires"], datetime) for c in counts)
