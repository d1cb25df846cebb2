"""The annual report as a Word document in the official layout (国办公开办函〔2021〕30号): the six
sections with the format's tables and their exact row and column headings."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table

from cms.reports.figures import COLUMNS, RESULTS_HEADING
from cms.reports.model import COLUMN_LABELS, MatrixRow, RemedyRow, ReportData

BODY_FONT, TITLE_FONT = "仿宋_GB2312", "方正小标宋简体"
SECTION_TITLES = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
RESULT_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def title_of(report: ReportData) -> str:
    return f"{report.organization_name}{report.year}年政府信息公开工作年度报告"


def render(report: ReportData) -> bytes:
    document = Document()
    _fonts(document)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, title_of(report), TITLE_FONT, 22)
    _section(document, 0, report.overview)
    _section(document, 1, "")
    _proactive(document, report)
    _section(document, 2, "")
    _requests(document, report.requests)
    _section(document, 3, "")
    _remedies(document, report)
    _section(document, 4, report.problems)
    fees = f"本年度收取信息处理费 {report.processing_fees:.2f} 元。"
    _section(document, 5, "\n".join(t for t in (report.other_matters, fees) if t))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _fonts(document: WordDocument) -> None:
    style = document.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(12)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), BODY_FONT)


def _run(paragraph: object, text: str, font: str, size: int) -> None:
    run = paragraph.add_run(text)  # type: ignore[attr-defined]
    run.font.name, run.font.size, run.bold = font, Pt(size), True
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _section(document: WordDocument, index: int, text: str) -> None:
    _run(document.add_paragraph(), SECTION_TITLES[index], "黑体", 14)
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line.strip())


def _table(document: WordDocument, rows: int, columns: int) -> Table:
    table: Table = document.add_table(rows=rows, cols=columns)
    table.style = "Table Grid"
    return table


def _fill(table: Table, row: int, values: list[str], start: int = 0) -> None:
    for offset, value in enumerate(values):
        table.cell(row, start + offset).text = value


def _proactive(document: WordDocument, report: ReportData) -> None:
    p = report.proactive
    blocks: list[tuple[str, list[str], list[list[str]]]] = [
        (
            "第二十条第（一）项",
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            [
                ["规章", *_counts(p.regulations.issued, p.regulations.repealed, p.regulations.in_force)],
                [
                    "行政规范性文件",
                    *_counts(
                        p.normative_documents.issued,
                        p.normative_documents.repealed,
                        p.normative_documents.in_force,
                    ),
                ],
            ],
        ),
        ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [["行政许可", str(p.licensing)]]),
        (
            "第二十条第（六）项",
            ["信息内容", "本年处理决定数量"],
            [["行政处罚", str(p.penalty)], ["行政强制", str(p.enforcement)]],
        ),
        (
            "第二十条第（八）项",
            ["信息内容", "本年收费金额（单位：万元）"],
            [["行政事业性收费", f"{p.fee_amount:.4f}".rstrip("0").rstrip(".")]],
        ),
    ]
    table = _table(document, sum(2 + len(rows) for _, _, rows in blocks), 4)
    first = 0
    for title, header, rows in blocks:
        table.cell(first, 0).merge(table.cell(first, 3)).text = title
        for offset, values in enumerate([header, *rows], start=1):
            if len(values) == 2:  # one figure: it spans the three figure columns
                table.cell(first + offset, 1).merge(table.cell(first + offset, 3))
            _fill(table, first + offset, values)
        first += 2 + len(rows)


def _counts(*values: int) -> list[str]:
    return [str(v) for v in values]


def _requests(document: WordDocument, rows: list[MatrixRow]) -> None:
    width = len(COLUMN_LABELS)
    table = _table(document, 3 + len(rows), 3 + width)
    table.cell(0, 0).merge(table.cell(2, 2)).text = BALANCE_NOTE
    table.cell(0, 3).merge(table.cell(0, 3 + width - 1)).text = "申请人情况"
    table.cell(1, 3).merge(table.cell(2, 3)).text = COLUMN_LABELS[0]
    table.cell(1, 4).merge(table.cell(1, 3 + len(COLUMNS) - 1)).text = "法人或其他组织"
    table.cell(1, 3 + width - 1).merge(table.cell(2, 3 + width - 1)).text = COLUMN_LABELS[-1]
    _fill(table, 2, list(COLUMN_LABELS[1 : len(COLUMNS)]), start=4)
    results = [i for i, r in enumerate(rows) if r.key not in ("new", "carried_in", "carried_out")]
    for i, row in enumerate(rows):
        at = 3 + i
        if i not in results:
            table.cell(at, 0).merge(table.cell(at, 2)).text = row.label
        elif row.group:
            table.cell(at, 1).text, table.cell(at, 2).text = row.group, row.label
        else:
            table.cell(at, 1).merge(table.cell(at, 2)).text = row.label
        _fill(table, at, [str(v) for v in row.counts], start=3)
    first, last = 3 + results[0], 3 + results[-1]
    table.cell(first, 0).merge(table.cell(last, 0)).text = RESULTS_HEADING
    _merge_groups(table, rows, results)


def _merge_groups(table: Table, rows: list[MatrixRow], results: list[int]) -> None:
    """The ground rows of one outcome share its heading cell, as in the official form."""
    spans: dict[str, list[int]] = {}
    for i in results:
        if rows[i].group:
            spans.setdefault(rows[i].group, []).append(3 + i)
    for group, at in spans.items():
        table.cell(at[0], 1).merge(table.cell(at[-1], 1)).text = group


def _remedies(document: WordDocument, report: ReportData) -> None:
    r = report.remedies
    table = _table(document, 4, 15)
    table.cell(0, 0).merge(table.cell(0, 4)).text = "行政复议"
    table.cell(0, 5).merge(table.cell(0, 14)).text = "行政诉讼"
    for c, label in enumerate(RESULT_LABELS):
        table.cell(1, c).merge(table.cell(2, c)).text = label
    table.cell(1, 5).merge(table.cell(1, 9)).text = "未经复议直接起诉"
    table.cell(1, 10).merge(table.cell(1, 14)).text = "复议后起诉"
    _fill(table, 2, [*RESULT_LABELS, *RESULT_LABELS], start=5)
    _fill(table, 3, [*_remedy(r.review), *_remedy(r.litigation_direct), *_remedy(r.litigation_after_review)])


def _remedy(row: RemedyRow) -> list[str]:
    return _counts(row.upheld, row.corrected, row.other, row.pending, row.total)
