"""Anchoring the review register outside the system: each organization's chain verified, with its head.

Removing the newest records of a chain leaves a shorter but intact chain (see ``cms.review.register``);
only a head hash kept elsewhere (printed in the annual report, filed on paper) shows that. This module
gathers the heads of many organizations at once and writes them as a CSV for that purpose.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId

from cms.review.register import RegisterService, VerifyResult
from cms.review.register_csv import SHANGHAI, plain_cell
from storage.documents import Organization
from storage.register import RegisterRecord

HEADS_CSV_HEADER = ("机构", "机构标识", "登记条数", "链头哈希", "校验结果", "校验时间（北京时间）")


@dataclass(frozen=True)
class RegisterHead:
    """One organization's register as verified at ``verified_at``."""

    organization: Organization
    entries: int  # records stored in the chain (all of them, also past a broken one)
    verification: VerifyResult
    verified_at: datetime


async def head_of(register: RegisterService, org: Organization) -> RegisterHead:
    assert org.id is not None
    verified_at = register.clock()
    result = await register.verify(org.id)
    # An intact chain was read to its end, so ``checked`` is its length; a broken one was not.
    entries = result.checked if result.ok else await _count(org.id)
    return RegisterHead(organization=org, entries=entries, verification=result, verified_at=verified_at)


async def _count(org_id: ObjectId) -> int:
    return int(await RegisterRecord.get_pymongo_collection().count_documents({"org_id": org_id}))


def verdict(result: VerifyResult) -> str:
    """The verification in words, as a person reading the printout needs it."""
    if result.ok:
        return "完好"
    return f"自序号 {result.first_bad_seq} 起异常：{result.reason}"


def heads_csv(heads: Iterable[RegisterHead]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADS_CSV_HEADER)
    for head in heads:
        org = head.organization
        writer.writerow(
            [
                plain_cell(org.name),
                plain_cell(org.key),
                str(head.entries),
                head.verification.head_hash or "",
                plain_cell(verdict(head.verification)),
                head.verified_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            ]
        )
    return out.getvalue()
