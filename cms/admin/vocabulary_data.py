"""Controlled vocabularies for disclosure catalogs (pure data, stdlib only).

These are the initial values that administrators can edit later:

- ``TOPICS``: the common national two-level topic classification (主题分类) used on government information
  disclosure catalogs (after the State Council's 政府信息公开目录 主题分类), as ``(top, [sub, ...])``.
- ``GENRES``: 体裁, the 15 statutory 公文种类 of the 党政机关公文处理工作条例 followed by common non-公文 genres.
- ``DISCLOSURE_MODES`` (公开方式) and ``VALIDITY`` (有效性): exact strings that the code maps to enum values.

A topic is addressed by its path ``top\\sub`` (see :func:`topic_path`), e.g. ``综合政务\\政务公开``.
"""

from __future__ import annotations

TOPIC_SEPARATOR = "\\"

TOPICS: list[tuple[str, list[str]]] = [
    ("综合政务", ["政务公开", "应急管理", "电子政务", "政务督查", "文秘工作", "信访", "其他"]),
    (
        "国民经济管理、国有资产监管",
        ["发展规划", "宏观经济", "经济体制改革", "国有资产监管", "统计", "物价", "其他"],
    ),
    ("财政、金融、审计", ["财政", "税务", "金融", "审计", "其他"]),
    ("国土资源、能源", ["土地", "矿产", "海洋", "测绘", "能源", "其他"]),
    ("农业、林业、水利", ["农业、畜牧业、渔业", "林业", "水利", "其他"]),
    ("工业、交通", ["工业", "交通", "信息产业（含电信）", "邮政", "其他"]),
    ("商贸、海关、旅游", ["国内贸易（含供销）", "对外经贸合作", "海关", "旅游", "服务业", "其他"]),
    (
        "市场监管、安全生产监管",
        ["市场监管", "质量监督", "食品药品监管", "知识产权", "安全生产监管", "其他"],
    ),
    (
        "城乡建设、环境保护",
        [
            "城乡建设（含住房）",
            "城市规划",
            "环境监测、保护与治理",
            "节能与资源综合利用",
            "气象、水文、测绘、地震",
            "其他",
        ],
    ),
    ("科技、教育", ["科技", "教育", "其他"]),
    ("文化、广电、新闻出版", ["文化", "广播影视", "新闻出版", "文物", "其他"]),
    ("卫生、体育", ["卫生", "医药管理", "体育", "其他"]),
    ("人口与计划生育、妇女儿童工作", ["人口与计划生育", "妇女儿童", "老龄工作", "其他"]),
    ("劳动、人事、监察", ["劳动就业", "社会保障", "人事工作", "机构编制", "监察", "其他"]),
    ("公安、安全、司法", ["公安", "国家安全", "司法", "其他"]),
    (
        "民政、扶贫、救灾",
        ["社会福利", "减灾救灾", "扶贫", "优抚安置", "社区建设", "行政区划与地名", "社会组织", "其他"],
    ),
    ("民族、宗教", ["民族事务", "宗教事务", "其他"]),
    ("对外事务", ["外交、外事", "国际合作", "其他"]),
    ("港澳台侨工作", ["港澳工作", "台湾工作", "侨务工作", "其他"]),
    ("国防", ["国防动员", "民兵预备役", "双拥工作", "其他"]),
    ("其他", ["其他"]),
]

# The 15 公文种类 of the 党政机关公文处理工作条例 (2012), then common non-公文 catalog genres.
OFFICIAL_DOCUMENT_GENRES: list[str] = [
    "决议",
    "决定",
    "命令（令）",
    "公报",
    "公告",
    "通告",
    "意见",
    "通知",
    "通报",
    "报告",
    "请示",
    "批复",
    "议案",
    "函",
    "纪要",
]
# 规章 and 行政规范性文件 are what the annual report's section 二 counts (cms.reports.figures).
OTHER_GENRES: list[str] = ["规章", "行政规范性文件", "规划", "计划", "总结", "统计数据", "工作动态", "其他"]
GENRES: list[str] = OFFICIAL_DOCUMENT_GENRES + OTHER_GENRES

DISCLOSURE_MODES: list[str] = ["主动公开", "依申请公开", "不予公开"]
VALIDITY: list[str] = ["有效", "已修改", "废止", "失效"]


def topic_path(top: str, sub: str) -> str:
    """The path of a second-level topic, e.g. ``topic_path("综合政务", "政务公开") == "综合政务\\政务公开"``."""
    return f"{top}{TOPIC_SEPARATOR}{sub}"


def all_topic_paths() -> list[str]:
    """Every ``top\\sub`` path of :data:`TOPICS`, in order."""
    return [topic_path(top, sub) for top, subs in TOPICS for sub in subs]
