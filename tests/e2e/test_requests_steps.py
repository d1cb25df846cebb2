"""The steps that move a request's deadline, in a real browser (#18): 补正 stops the clock and the
corrected application restarts it (第三十条), a consultation pauses it (第三十二条), an extension adds
working days (第三十三条); reply files are attached, listed with their size, removed before sending and
read-only after; the request is archived. The deadlines shown are checked against the working-day
calendar the server uses."""

from __future__ import annotations

from datetime import date

from tests.e2e.conftest import Scenarios

DRAFT_BYTES = len("不要的草稿\n".encode())  # the second file the scenario attaches


async def test_correction_consultation_extension_files_and_archiving_show_the_right_deadline(
    scenario: Scenarios, services
) -> None:
    result = await scenario("requests-steps")
    calendar = services.requests.calendar.calendar
    today = services.requests.today()
    received = date.fromisoformat(result["receivedOn"])

    def shown(starts: date, working_days: int, clock: str = "计算中") -> dict[str, str]:
        return {
            "starts": starts.isoformat(),
            "due": calendar.add_workdays(starts, working_days).isoformat(),
            "clock": clock,
        }

    # 20 working days from the letter's receipt
    assert result["initial"] == shown(received, 20)
    # 补正: no start and no due date while the corrected application is awaited
    assert result["correction"] == {"starts": "待补正", "due": "—", "clock": "暂停"}
    # received today: the 20 working days count again from today
    assert result["corrected"] == shown(today, 20)
    # a consultation stops the clock while it is open, and the pause is listed
    assert result["consulting"] == shown(today, 20, "暂停")
    assert result["pauseRows"] == [
        f"补正 {today.isoformat()} {today.isoformat()}",
        f"征求意见 {today.isoformat()} 进行中 第三方企业",
    ]
    assert result["consulted"] == shown(today, 20)
    # an extension of 5 working days
    assert result["extended"] == shown(today, 25)
    assert result["extension"] == "延期 5 个工作日；不计入 0 个工作日"
    # reply files: both listed with their size, one removed; after sending, read-only
    stamp = result["stamp"]
    assert result["attached"] == [
        f"答复书{stamp}.txt {result['letterBytes']} 字节 删除",
        f"草稿{stamp}.txt {DRAFT_BYTES} 字节 删除",
    ]
    assert result["kept"] == [f"答复书{stamp}.txt"]
    assert result["letterHref"]
    assert (result["sentFiles"], result["sentInputs"], result["sentRemoves"]) == (1, 0, 0)
    assert result["archivedState"] == "已归档"
