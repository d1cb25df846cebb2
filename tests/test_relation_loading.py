"""Relations are read in batches: one database read per relation per request, however many entries a
page holds and however many aliases ask for it again (issue #13: 30 aliases of ``amends`` /
``repeals`` once cost one query per entry and alias).

Database reads are counted with PyMongo's command monitoring. The listener is registered when this
module is imported, which pytest does while collecting, before the session's application (and its
client) is made; it counts only while a test asks it to.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import monitoring

from tests.helpers import DEPT_HEAD, OFFICER, UNIT_HEAD, Api, unique

RELATION_KEYS = ("amended_by_ids", "repealed_by_ids")
CHECKIN = 'mutation($id: ID!) { checkin(id: $id, opinion: "标记修改废止") { id } }'
CHANGE = (
    "mutation($id: ID!, $v: Validity!, $s: ID!) {"
    " changeValidity(id: $id, validity: $v, successor: $s) { id } }"
)


class RelationReads(monitoring.CommandListener):
    """Counts ``find`` commands on catalog entries whose filter names a relation key."""

    def __init__(self) -> None:
        self.counting = False
        self.reads: dict[str, int] = dict.fromkeys(RELATION_KEYS, 0)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not self.counting or event.command_name != "find":
            return
        if event.command.get("find") != "catalog_entries":
            return
        text = str(event.command.get("filter"))
        for key in RELATION_KEYS:
            if key in text:
                self.reads[key] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    @contextlib.contextmanager
    def count(self) -> Iterator[dict[str, int]]:
        self.reads = dict.fromkeys(RELATION_KEYS, 0)
        self.counting = True
        try:
            yield self.reads
        finally:
            self.counting = False


READS = RelationReads()
monitoring.register(READS)


def aliased(count: int) -> str:
    """The request of issue #13: ``count`` aliases of a page asking for amends and repeals."""
    fields = (
        "catalog(filter: {organization: $o}, first: 20) { edges { node {"
        " id amends { id title } repeals { id title } } } }"
    )
    return "query($o: ID!) { " + " ".join(f"a{n}: {fields}" for n in range(count)) + " }"


@pytest.fixture(scope="module")
def api(gql, settings) -> Api:
    return Api(gql, settings.demo_password.get_secret_value())


@pytest.fixture(scope="module")
async def related(api: Api) -> dict[str, Any]:
    """A new organization with a successor that amends one entry and repeals two, and a bystander."""
    org = await api.new_org()
    successor = await api.demo_publish(org, unique("新文件"))
    amended = await api.demo_publish(org, unique("被修改文件"))
    repealed = [await api.demo_publish(org, unique("被废止文件")) for _ in range(2)]
    await api.demo_publish(org, unique("无关文件"))
    officer, head, unit = [await api.token(u) for u in (OFFICER, DEPT_HEAD, UNIT_HEAD)]
    for entry, validity in [(amended, "AMENDED"), *((r, "REPEALED") for r in repealed)]:
        copy = await api.ok(CHANGE, {"id": entry["id"], "v": validity, "s": successor["id"]}, officer)
        copy_id = copy["changeValidity"]["id"]
        await api.ok(CHECKIN, {"id": copy_id}, officer)
        for token in (officer, head, unit):
            await api.act(token, copy_id, "APPROVE")
    return {
        "org": org,
        "successor": successor["id"],
        "amends": [amended["id"]],
        "repeals": sorted(r["id"] for r in repealed),
    }


def relations_of(data: dict[str, Any], alias: str) -> dict[str, tuple[list[str], list[str]]]:
    return {
        edge["node"]["id"]: (
            [e["id"] for e in edge["node"]["amends"]],
            sorted(e["id"] for e in edge["node"]["repeals"]),
        )
        for edge in data[alias]["edges"]
    }


@pytest.mark.parametrize("who", [None, OFFICER], ids=["anonymous", "staff"])
@pytest.mark.parametrize("aliases", [1, 30], ids=["one-alias", "thirty-aliases"])
async def test_amends_and_repeals_are_one_read_per_relation_per_request(
    api: Api, related: dict[str, Any], who: str | None, aliases: int
) -> None:
    # given: a page of five entries, three of them amended or repealed by the fifth
    token = await api.token(who) if who else None
    # when: the page is asked for under one alias or thirty
    with READS.count() as reads:
        data = await api.ok(aliased(aliases), {"o": related["org"]}, token)
    # then: every alias sees the relations, and each relation cost one read (a staff scope is read
    # as its two alternatives on the embedded server: published, or of the organizations they draft
    # for), not one per entry and alias
    for n in range(aliases):
        found = relations_of(data, f"a{n}")
        assert len(found) == 5
        assert found[related["successor"]] == (related["amends"], related["repeals"])
        others = [v for k, v in found.items() if k != related["successor"]]
        assert others == [([], [])] * 4
    per_relation = 1 if who is None else 2
    assert reads == dict.fromkeys(RELATION_KEYS, per_relation)
