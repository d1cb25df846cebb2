"""索引号 templates: each organization formats its own index numbers.

There is no national format, so a template is data on the organization. The placeholders are
``{code}`` (the organization's code), ``{year}``, ``{month:02d}``, ``{seq:0Nd}`` and optionally
``{key}``. The sequence restarts per period the template shows: per month when it has ``{month}``, per
year with ``{year}``, never otherwise. Unique assignment is guaranteed by the register's unique index
(``storage.documents.IndexNumberRecord``), not by the counter alone.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from cms.errors import InvalidInput

COMMON_TEMPLATES = {
    "机构代码/年份-5位流水": "{code}/{year}-{seq:05d}",
    "统一社会信用代码/年月-流水": "{code}/{year}{month:02d}-{seq:05d}",
}

_FIELDS = {"code", "year", "month", "seq", "key"}
_FORMAT_SPEC = re.compile(r"^(0\d{1,2}d)?$")


@dataclass(frozen=True)
class IndexTemplate:
    text: str

    @classmethod
    def parse(cls, text: str) -> IndexTemplate:
        if not text or len(text) > 120:
            raise InvalidInput("索引号模板不能为空，且不超过 120 个字符。", field="indexTemplate")
        names: list[str] = []
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise InvalidInput("索引号模板的花括号不匹配。", field="indexTemplate") from exc
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name not in _FIELDS or conversion or not _FORMAT_SPEC.match(spec or ""):
                raise InvalidInput(f"索引号模板含有不支持的占位符：{{{name}}}", field="indexTemplate")
            names.append(name)
        if names.count("seq") != 1:
            raise InvalidInput("索引号模板必须恰好含有一个流水号 {seq}。", field="indexTemplate")
        return cls(text)

    @property
    def period(self) -> str:
        if "{month" in self.text:
            return "month"
        if "{year" in self.text:
            return "year"
        return "none"

    def scope(self, org_id: str, year: int, month: int) -> str:
        """The counter a number is drawn from: one per organization and period."""
        match self.period:
            case "month":
                return f"index:{org_id}:{year:04d}{month:02d}"
            case "year":
                return f"index:{org_id}:{year:04d}"
            case _:
                return f"index:{org_id}"

    def render(self, *, code: str, key: str, year: int, month: int, seq: int) -> str:
        return self.text.format(code=code, key=key, year=year, month=month, seq=seq)

    def matches(self, number: str, *, code: str, key: str) -> bool:
        """Whether ``number`` has this template's shape for the organization (an imported 索引号 must,
        so that the numbers the system draws later cannot be read as another organization's)."""
        return self.parts(number, code=code, key=key) is not None

    def parts(self, number: str, *, code: str, key: str) -> tuple[int, int, int] | None:
        """(year, month, seq) of a number of this template (0 for what the template does not show), or
        None when it does not fit; an import moves the counters past the numbers it brings."""
        pattern = ""
        for literal, name, spec, _ in string.Formatter().parse(self.text):
            pattern += re.escape(literal)
            if name is None:
                continue
            if name in ("code", "key"):
                pattern += re.escape(code if name == "code" else key)
            elif name == "year":
                pattern += r"(?P<year>\d{4})"
            elif name == "month":
                pattern += r"(?P<month>0[1-9]|1[0-2])"
            else:  # seq: at least as many digits as the template pads to
                width = int(spec[:-1]) if spec else 1
                pattern += rf"(?P<seq>\d{{{width},}})"
        found = re.fullmatch(pattern, number)
        if found is None:
            return None
        values = found.groupdict()
        return int(values.get("year") or 0), int(values.get("month") or 0), int(values["seq"])
