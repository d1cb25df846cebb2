"""信息处理费 (《政府信息公开信息处理费管理办法》, 国办函〔2020〕109号), in fen.

- 第三条: charged per request (按件) or per page (按量), both progressively; one of the two per
  request, never both.
- 第四条 按件: an applicant's requests in one calendar month (at the one agency): up to 10 free; the
  11th to 30th 100 元 each; from the 31st, each further band of 10 costs 100 元 more per request.
- 第五条 按量 (paper, e-mail, copied data): up to 30 pages free; pages 31–100 10 元, 101–200 20 元,
  from 201 40 元 a page.
- The notice states amount and due date; the applicant has 20 working days to pay, and one who does
  not is taken to have given the request up (counted as 其他处理 / 逾期未缴纳信息处理费). The days from
  the notice to the payment do not count toward the reply's time limit (deadlines.py).

Checked against the published text (2026-12): 第二条, 第三条 and 第四条 as above, word for word in
substance (10 free; "11—30件（含30件）的部分：100元/件"; "31件以上的部分：以10件为一档，每增加一档，收费
标准提高100元/件"); 第五条's page bands and rates as above ("30页以下（含30页）的，不收费"; 31—100页
10元/页; 101—200页 20元/页; 201页以上 40元/页; for paper, e-mail and copied data), from a county
government's fee schedule quoting 国办函〔2020〕109号 (www.xinhui.gov.cn). Not checked, because no stored
copy of the text reached past 第五条: the articles on the notice, the payment period, the consequence
of not paying and the pause of the time limit — those three rules above are still the earlier reading
and should be checked against the document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bson import ObjectId

from cms.errors import InvalidInput
from cms.requests.codes import FeeMethod
from cms.review.workdays import WorkCalendar, as_date
from storage.documents import at_midnight
from storage.requests import DisclosureRequest, FeeNotice

YUAN = 100  # fen
FREE_REQUESTS = 10
FIRST_BAND_END = 30
FIRST_BAND_FEE = 100 * YUAN
BAND_SIZE = 10
BAND_STEP = 100 * YUAN
PAGE_BANDS: tuple[tuple[int | None, int], ...] = (
    (30, 0),
    (100, 10 * YUAN),
    (200, 20 * YUAN),
    (None, 40 * YUAN),
)
PAYMENT_PERIOD = 20  # working days
BASIS = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


def per_request_fee(nth: int) -> int:
    """第四条: the fee of an applicant's ``nth`` request of the calendar month."""
    if nth <= FREE_REQUESTS:
        return 0
    if nth <= FIRST_BAND_END:
        return FIRST_BAND_FEE
    bands = -(-(nth - FIRST_BAND_END) // BAND_SIZE)  # 31–40 → 1, 41–50 → 2 …
    return FIRST_BAND_FEE + bands * BAND_STEP


def per_page_fee(pages: int) -> int:
    """第五条: the fee of ``pages`` pages supplied for one request, each band at its own rate."""
    total, below = 0, 0
    for upper, rate in PAGE_BANDS:
        top = pages if upper is None else min(pages, upper)
        total += max(0, top - below) * rate
        if upper is None or pages <= upper:
            break
        below = upper
    return total


@dataclass(frozen=True)
class NewFeeNotice:
    method: FeeMethod
    pages: int = 0


def notice(new: NewFeeNotice, nth: int, calendar: WorkCalendar, today: date) -> FeeNotice:
    """The notice for a request that is the applicant's ``nth`` of its month, sent today."""
    if new.pages < 0 or new.pages > 1_000_000:
        raise InvalidInput("页数不正确。", field="pages")
    if new.method is FeeMethod.PER_PAGE and new.pages == 0:
        raise InvalidInput("按量计收须填写提供的页数。", field="pages")
    amount = per_request_fee(nth) if new.method is FeeMethod.PER_REQUEST else per_page_fee(new.pages)
    if amount == 0:
        field = "method" if new.method is FeeMethod.PER_REQUEST else "pages"
        raise InvalidInput("未超过收费标准（每月 10 件以下或 30 页以下），不收取信息处理费。", field=field)
    return FeeNotice(
        method=new.method.value,
        pages=new.pages,
        monthly_count=nth,
        amount_fen=amount,
        notice_on=today,
        due_on=calendar.add_workdays(today, PAYMENT_PERIOD),
    )


def pay(fee: FeeNotice, amount_fen: int, paid_on: date, today: date) -> None:
    """Records a payment in full, within the period (in place)."""
    if amount_fen != fee.amount_fen:
        raise InvalidInput("缴费金额须与收费通知的金额一致。", field="amountFen")
    if not as_date(fee.notice_on) <= paid_on <= today:
        raise InvalidInput("缴费日期须在收费通知之后且不晚于今天。", field="paidOn")
    fee.paid_fen = amount_fen
    fee.paid_on = paid_on


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


async def monthly_count(request: DisclosureRequest) -> int | None:
    """第四条: which of the applicant's requests to the organization in the calendar month this one
    is (itself included), in order of receipt; None when the applicant is not known (erased)."""
    if not request.applicant_key:
        return None
    received = as_date(request.received_on)
    first, following = month_bounds(received)
    query = {
        "org_id": request.org_id,
        "applicant_key": request.applicant_key,
        "received_on": {"$gte": at_midnight(first), "$lt": at_midnight(following)},
        "$or": [
            {"received_on": {"$lt": at_midnight(received)}},
            {"received_on": at_midnight(received), "number": {"$lte": request.number}},
        ],
    }
    return await DisclosureRequest.find(query).count()


async def fees_collected(org_ids: Iterable[ObjectId], year: int) -> int:
    """The 信息处理费 paid in ``year`` to ``org_ids``, in fen (the annual report's section 六)."""
    start, end = at_midnight(date(year, 1, 1)), at_midnight(date(year + 1, 1, 1))
    query = {"org_id": {"$in": list(org_ids)}, "fee.paid_on": {"$gte": start, "$lt": end}}
    found = await DisclosureRequest.find(query).to_list()
    return sum(r.fee.paid_fen or 0 for r in found if r.fee is not None)
