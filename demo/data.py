"""Demo content for Gongkai: a small Yunnan province organization tree and realistic disclosure content.

Pure data, stdlib only, no database code: a loader feeds these dicts through the application's services.
Every function returns fresh objects and is deterministic (``catalog_entries`` given its ``rng``).

Shapes (all dates are :class:`datetime.date`, all datetimes are tz-aware, +08:00):

- organization: ``key, parent, name, short_name, code, level, kind, index_template, doc_prefix``
- catalog entry: ``org, title, summary, document_number, genre, topic, keywords, created_date,
  published_date, disclosure_mode, scope, validity, repeal_date (None unless not 有效), body, co_issuers``
  (plus ``state_hint`` in :func:`workflow_samples`)
- gazette issue, interpretation, interview: see the functions' docstrings.

Apart from the seed document (a real 2013 document), all documents, numbers, statistics and people are
invented for the demo; the people named in interviews and appointments are fictional.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from importlib.resources import files
from typing import Any

from cms.admin.vocabulary_data import topic_path

CST = timezone(timedelta(hours=8))
SEED_RESOURCE = "yunnan-2013-disclosure-implementing-opinions.txt"
SEED_DOCUMENT_NUMBER = "云政办发〔2013〕115号"
SCOPE = "面向社会"
YEAR_TEMPLATE = "{code}/{year}-{seq:05d}"
MONTH_TEMPLATE = "{code}/{year}{month:02d}-{seq:05d}"
FIRST_YEAR = 2019
LAST_YEAR = 2025
# Random entries stop here so that the workflow samples (Nov-Dec 2025) are the most recent items.
LAST_RANDOM_DATE = date(2025, 10, 31)
DRAFT_MARKER = "（草稿样例）"

# --------------------------------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------------------------------

_YN_PREFECTURES = (
    "昆明市",
    "曲靖市",
    "玉溪市",
    "保山市",
    "昭通市",
    "丽江市",
    "普洱市",
    "临沧市",
    "楚雄州",
    "红河州",
    "文山州",
    "西双版纳州",
    "大理州",
    "德宏州",
    "怒江州",
    "迪庆州",
)
_KM_COUNTIES = (
    "五华区",
    "盘龙区",
    "官渡区",
    "西山区",
    "呈贡区",
    "晋宁区",
    "东川区",
    "安宁市",
    "宜良县",
    "嵩明县",
    "富民县",
    "石林县",
    "禄劝县",
    "寻甸县",
)
_DL_COUNTIES = (
    "大理市",
    "祥云县",
    "宾川县",
    "弥渡县",
    "永平县",
    "云龙县",
    "洱源县",
    "剑川县",
    "鹤庆县",
    "漾濞县",
    "南涧县",
    "巍山县",
)


@dataclass(frozen=True)
class _Org:
    key: str
    parent: str | None
    name: str
    short_name: str
    code: str
    level: str
    kind: str
    doc_prefix: str
    region: str  # "yn" (provincial), "km" (Kunming) or "dl" (Dali): restricts region-specific subjects
    place: str  # the jurisdiction as written in document names: 云南省, 昆明市, 大理州 ...
    addressee: str  # 主送 line of its documents
    units: str  # the addressees, collectively, in running text
    approver: str | None  # whose consent a department cites: 经省人民政府同意
    head: str  # chair of the government's executive meeting (省长, 市长 ...)
    lower: tuple[str, ...]  # places one level down (批复 addressees, 通报 subjects)
    topics: tuple[str, ...] | None  # topic classes (top or top\\sub) it publishes under; None = any
    weight: int
    order_prefix: str | None = None  # 规章 numbering (政府令)
    co_issuers: tuple[str, ...] = ()  # plausible partners for joint documents


_PROVINCE_ADDRESSEE = "各州、市人民政府，省直各委、办、厅、局："
_PROVINCE_UNITS = "州、市人民政府和省直有关部门"

_ORGS: tuple[_Org, ...] = (
    _Org(
        key="yn-gov",
        parent=None,
        name="云南省人民政府",
        short_name="省政府",
        code="115300000150945513",
        level="province",
        kind="government",
        doc_prefix="云政发",
        region="yn",
        place="云南省",
        addressee=_PROVINCE_ADDRESSEE,
        units=_PROVINCE_UNITS,
        approver=None,
        head="省长",
        lower=_YN_PREFECTURES,
        topics=None,
        weight=30,
        order_prefix="云南省人民政府令",
    ),
    _Org(
        key="yn-gov-office",
        parent="yn-gov",
        name="云南省人民政府办公厅",
        short_name="省政府办公厅",
        code="015094560",
        level="province",
        kind="department",
        doc_prefix="云政办发",
        region="yn",
        place="云南省",
        addressee=_PROVINCE_ADDRESSEE,
        units=_PROVINCE_UNITS,
        approver="省人民政府",
        head="秘书长",
        lower=_YN_PREFECTURES,
        topics=(
            "综合政务",
            "国民经济管理、国有资产监管",
            "市场监管、安全生产监管",
            "城乡建设、环境保护",
            "卫生、体育",
            "劳动、人事、监察",
            "民政、扶贫、救灾",
            "人口与计划生育、妇女儿童工作",
        ),
        weight=30,
    ),
    _Org(
        key="yn-drc",
        parent="yn-gov",
        name="云南省发展和改革委员会",
        short_name="省发展改革委",
        code="11530000015094598Q",
        level="province",
        kind="department",
        doc_prefix="云发改",
        region="yn",
        place="云南省",
        addressee="各州、市发展改革委，省直有关部门：",
        units="州、市发展改革委和省直有关部门",
        approver="省人民政府",
        head="主任",
        lower=_YN_PREFECTURES,
        topics=(
            "国民经济管理、国有资产监管\\发展规划",
            "国民经济管理、国有资产监管\\经济体制改革",
            "国民经济管理、国有资产监管\\宏观经济",
            "国民经济管理、国有资产监管\\物价",
            "国土资源、能源\\能源",
            "工业、交通\\交通",
            "商贸、海关、旅游\\国内贸易（含供销）",
            "城乡建设、环境保护\\节能与资源综合利用",
        ),
        weight=18,
        co_issuers=("yn-finance", "yn-ecology", "yn-education"),
    ),
    _Org(
        key="yn-finance",
        parent="yn-gov",
        name="云南省财政厅",
        short_name="省财政厅",
        code="015094601",
        level="province",
        kind="department",
        doc_prefix="云财",
        region="yn",
        place="云南省",
        addressee="各州、市财政局，省直各部门：",
        units="州、市财政局和省直各部门",
        approver="省人民政府",
        head="厅长",
        lower=_YN_PREFECTURES,
        topics=("财政、金融、审计\\财政", "财政、金融、审计\\税务", "财政、金融、审计\\金融"),
        weight=18,
        co_issuers=("yn-education", "yn-ecology", "yn-drc"),
    ),
    _Org(
        key="yn-education",
        parent="yn-gov",
        name="云南省教育厅",
        short_name="省教育厅",
        code="11530000015094636K",
        level="province",
        kind="department",
        doc_prefix="云教",
        region="yn",
        place="云南省",
        addressee="各州、市教育体育局，省直有关单位，各高等学校：",
        units="州、市教育体育局和各高等学校",
        approver="省人民政府",
        head="厅长",
        lower=_YN_PREFECTURES,
        topics=("科技、教育\\教育",),
        weight=18,
        co_issuers=("yn-finance", "yn-drc"),
    ),
    _Org(
        key="yn-ecology",
        parent="yn-gov",
        name="云南省生态环境厅",
        short_name="省生态环境厅",
        code="11530000MB1L72856A",
        level="province",
        kind="department",
        doc_prefix="云环发",
        region="yn",
        place="云南省",
        addressee="各州、市生态环境局，省直有关部门：",
        units="州、市生态环境局和省直有关部门",
        approver="省人民政府",
        head="厅长",
        lower=_YN_PREFECTURES,
        topics=("城乡建设、环境保护\\环境监测、保护与治理", "城乡建设、环境保护\\节能与资源综合利用"),
        weight=18,
        co_issuers=("yn-drc", "yn-finance"),
    ),
    _Org(
        key="km-gov",
        parent="yn-gov",
        name="昆明市人民政府",
        short_name="昆明市政府",
        code="015100116",
        level="prefecture",
        kind="government",
        doc_prefix="昆政发",
        region="km",
        place="昆明市",
        addressee="各县（市、区）人民政府，市政府各委、办、局：",
        units="县（市、区）人民政府和市级有关部门",
        approver=None,
        head="市长",
        lower=_KM_COUNTIES,
        topics=None,
        weight=26,
        order_prefix="昆明市人民政府令",
    ),
    _Org(
        key="km-drc",
        parent="km-gov",
        name="昆明市发展和改革委员会",
        short_name="昆明市发展改革委",
        code="11530100015100237T",
        level="prefecture",
        kind="department",
        doc_prefix="昆发改",
        region="km",
        place="昆明市",
        addressee="各县（市、区）发展改革局，市级有关部门：",
        units="县（市、区）发展改革局和市级有关部门",
        approver="市人民政府",
        head="主任",
        lower=_KM_COUNTIES,
        topics=(
            "国民经济管理、国有资产监管\\发展规划",
            "国民经济管理、国有资产监管\\经济体制改革",
            "国民经济管理、国有资产监管\\宏观经济",
            "国民经济管理、国有资产监管\\物价",
            "国土资源、能源\\能源",
            "工业、交通\\交通",
            "商贸、海关、旅游\\国内贸易（含供销）",
            "城乡建设、环境保护\\节能与资源综合利用",
        ),
        weight=12,
        co_issuers=("km-education",),
    ),
    _Org(
        key="km-education",
        parent="km-gov",
        name="昆明市教育体育局",
        short_name="昆明市教育体育局",
        code="015100325",
        level="prefecture",
        kind="department",
        doc_prefix="昆教体",
        region="km",
        place="昆明市",
        addressee="各县（市、区）教育体育局，市属各学校：",
        units="县（市、区）教育体育局和市属各学校",
        approver="市人民政府",
        head="局长",
        lower=_KM_COUNTIES,
        topics=("科技、教育\\教育", "卫生、体育\\体育"),
        weight=12,
        co_issuers=("km-drc",),
    ),
    _Org(
        key="km-wuhua",
        parent="km-gov",
        name="昆明市五华区人民政府",
        short_name="五华区政府",
        code="1153010201525481XB",
        level="county",
        kind="government",
        doc_prefix="五政发",
        region="km",
        place="五华区",
        addressee="各街道办事处，区政府各部门：",
        units="街道办事处和区级各部门",
        approver=None,
        head="区长",
        lower=(
            "华山街道",
            "护国街道",
            "大观街道",
            "龙翔街道",
            "丰宁街道",
            "莲华街道",
            "红云街道",
            "黑林铺街道",
            "普吉街道",
            "西翥街道",
        ),
        topics=None,
        weight=14,
    ),
    _Org(
        key="km-yiliang",
        parent="km-gov",
        name="宜良县人民政府",
        short_name="宜良县政府",
        code="015276043",
        level="county",
        kind="government",
        doc_prefix="宜政发",
        region="km",
        place="宜良县",
        addressee="各乡（镇）人民政府、街道办事处，县直各部门：",
        units="乡（镇）人民政府、街道办事处和县直各部门",
        approver=None,
        head="县长",
        lower=("匡远街道", "汤池街道", "北古城镇", "狗街镇", "马街镇", "竹山乡", "九乡乡", "耿家营乡"),
        topics=None,
        weight=14,
    ),
    _Org(
        key="dl-gov",
        parent="yn-gov",
        name="大理白族自治州人民政府",
        short_name="大理州政府",
        code="11532900015385312E",
        level="prefecture",
        kind="government",
        doc_prefix="大政发",
        region="dl",
        place="大理州",
        addressee="各县（市）人民政府，州级各委、办、局：",
        units="县（市）人民政府和州级有关部门",
        approver=None,
        head="州长",
        lower=_DL_COUNTIES,
        topics=None,
        weight=26,
    ),
    _Org(
        key="dl-finance",
        parent="dl-gov",
        name="大理白族自治州财政局",
        short_name="大理州财政局",
        code="015385401",
        level="prefecture",
        kind="department",
        doc_prefix="大州财",
        region="dl",
        place="大理州",
        addressee="各县（市）财政局，州级各部门：",
        units="县（市）财政局和州级各部门",
        approver="州人民政府",
        head="局长",
        lower=_DL_COUNTIES,
        topics=("财政、金融、审计\\财政", "财政、金融、审计\\税务", "财政、金融、审计\\金融"),
        weight=12,
        co_issuers=("dl-ecology",),
    ),
    _Org(
        key="dl-ecology",
        parent="dl-gov",
        name="大理白族自治州生态环境局",
        short_name="大理州生态环境局",
        code="11532900MB1N34087C",
        level="prefecture",
        kind="department",
        doc_prefix="大州环发",
        region="dl",
        place="大理州",
        addressee="各县（市）生态环境分局，州级有关部门：",
        units="县（市）生态环境分局和州级有关部门",
        approver="州人民政府",
        head="局长",
        lower=_DL_COUNTIES,
        topics=("城乡建设、环境保护\\环境监测、保护与治理", "城乡建设、环境保护\\节能与资源综合利用"),
        weight=12,
        co_issuers=("dl-finance",),
    ),
    _Org(
        key="dl-dali-city",
        parent="dl-gov",
        name="大理市人民政府",
        short_name="大理市政府",
        code="11532901015419027W",
        level="county",
        kind="government",
        doc_prefix="大市政发",
        region="dl",
        place="大理市",
        addressee="各乡（镇）人民政府、街道办事处，市直各部门：",
        units="乡（镇）人民政府、街道办事处和市直各部门",
        approver=None,
        head="市长",
        lower=(
            "下关街道",
            "大理镇",
            "银桥镇",
            "湾桥镇",
            "喜洲镇",
            "上关镇",
            "双廊镇",
            "挖色镇",
            "海东镇",
            "凤仪镇",
            "太邑乡",
        ),
        topics=None,
        weight=14,
    ),
    _Org(
        key="dl-binchuan",
        parent="dl-gov",
        name="宾川县人民政府",
        short_name="宾川县政府",
        code="015432188",
        level="county",
        kind="government",
        doc_prefix="宾政发",
        region="dl",
        place="宾川县",
        addressee="各乡（镇）人民政府，县直各部门：",
        units="乡（镇）人民政府和县直各部门",
        approver=None,
        head="县长",
        lower=(
            "金牛镇",
            "宾居镇",
            "州城镇",
            "大营镇",
            "力角镇",
            "乔甸镇",
            "平川镇",
            "鸡足山镇",
            "拉乌乡",
            "钟英乡",
        ),
        topics=None,
        weight=14,
    ),
)
_ORG_BY_KEY: dict[str, _Org] = {o.key: o for o in _ORGS}


def organizations() -> list[dict[str, Any]]:
    """The demo organization tree (3 levels), parents before children.

    Each dict: ``key`` (stable ascii slug), ``parent`` (key or None), ``name``, ``short_name``, ``code``
    (18-char 统一社会信用代码 or 9-digit 机构代码), ``level`` (province|prefecture|county), ``kind``
    (government|department), ``index_template`` and ``doc_prefix`` (发文字号 prefix, e.g. 云政办发).
    """
    return [
        {
            "key": o.key,
            "parent": o.parent,
            "name": o.name,
            "short_name": o.short_name,
            "code": o.code,
            "level": o.level,
            "kind": o.kind,
            "index_template": YEAR_TEMPLATE if len(o.code) == 9 else MONTH_TEMPLATE,
            "doc_prefix": o.doc_prefix,
        }
        for o in _ORGS
    ]


def document_number(prefix: str, year: int, seq: int) -> str:
    """A 发文字号 such as ``云政办发〔2013〕115号``."""
    return f"{prefix}〔{year}〕{seq}号"


# --------------------------------------------------------------------------------------------------
# Subjects per topic, used to build varied titles
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    top: str
    sub: str
    keywords: tuple[str, ...]
    matters: tuple[str, ...]  # noun phrases; "phrase|yn,dl" restricts a phrase to regions
    rules: tuple[str, ...] = ()  # names of 办法/规定 (without the place)
    plans: tuple[str, ...] = ()  # "“十四五”{plan}规划"
    # (公告|通告, phrase with {year}/{prev}/{place}/{n}, legal basis); a phrase starting with "~" is local only
    notices: tuple[tuple[str, str, str], ...] = ()
    approvals: tuple[str, ...] = ()  # 批复 objects (with {year})
    statutes: tuple[str, ...] = ()  # 条例 a government proposes to the people's congress
    aspects: tuple[str, ...] = ()  # subject-specific aspects for summaries
    campaign: bool = False  # 专项行动 make sense for it

    def fits(self, topics: tuple[str, ...] | None) -> bool:
        return topics is None or self.top in topics or self.topic in topics

    @property
    def topic(self) -> str:
        return topic_path(self.top, self.sub)


def _s(
    top: str, sub: str, keywords: Sequence[str], matters: Sequence[str], *, campaign: bool = False, **kw: Any
) -> _Subject:
    fields = {k: tuple(v) for k, v in kw.items()}
    return _Subject(top, sub, tuple(keywords), tuple(matters), campaign=campaign, **fields)


_SUBJECTS: tuple[_Subject, ...] = (
    # 综合政务
    _s(
        "综合政务",
        "政务公开",
        ["政务公开", "政府信息公开"],
        [
            "政务公开",
            "政府信息公开",
            "基层政务公开标准化规范化",
            "政策解读和回应关切",
            "政府网站和政务新媒体管理",
            "政府信息公开申请办理",
        ],
        rules=["政府信息公开申请办理规范", "政务新媒体管理办法", "政府网站集约化管理办法"],
        notices=[("公告", "公布{year}年度政府信息公开重点工作任务分工", "中华人民共和国政府信息公开条例")],
        aspects=["公开目录", "解读回应", "公开平台", "依申请公开", "监督保障"],
    ),
    _s(
        "综合政务",
        "电子政务",
        ["数字政府", "政务服务"],
        [
            "一网通办",
            "政务服务“好差评”",
            "数字政府建设@2022",
            "政务数据共享",
            "“高效办成一件事”@2024",
            "“一部手机办事通”推广应用|yn",
        ],
        rules=["政务数据资源共享管理办法", "电子证照管理办法", "一体化政务服务平台运行管理办法"],
        plans=["数字政府建设"],
        aspects=["平台支撑", "数据共享", "业务协同", "安全保障"],
    ),
    _s(
        "综合政务",
        "应急管理",
        ["应急管理", "防灾减灾"],
        ["突发事件应急预案管理", "森林草原防灭火", "防汛抗旱", "地质灾害防治", "应急物资储备"],
        rules=["突发事件应急预案管理办法"],
        plans=["应急体系建设"],
        notices=[
            ("通告", "{year}年森林防火期野外用火管理", "森林防火条例"),
            ("通告", "进入汛期加强地质灾害防范", "地质灾害防治条例"),
        ],
        aspects=["监测预警", "应急响应", "物资储备", "队伍建设"],
        campaign=True,
    ),
    _s(
        "综合政务",
        "政务督查",
        ["督查", "抓落实"],
        ["重点工作督查", "政府工作报告重点任务落实", "营商环境专项督查", "惠民实事落实"],
        aspects=["督查方式", "问题整改", "结果运用"],
    ),
    _s(
        "综合政务",
        "信访",
        ["信访", "矛盾纠纷"],
        ["信访工作法治化", "领导干部接访下访", "信访积案化解", "矛盾纠纷多元化解"],
        aspects=["源头预防", "依法分类处理", "责任落实"],
        campaign=True,
    ),
    _s(
        "综合政务",
        "文秘工作",
        ["公文", "文风会风"],
        ["公文处理", "精文减会", "政府系统公文质量提升"],
        rules=["政府系统公文处理实施细则"],
    ),
    # 国民经济管理、国有资产监管
    _s(
        "国民经济管理、国有资产监管",
        "发展规划",
        ["发展规划", "重大项目"],
        [
            "国民经济和社会发展计划执行",
            "重大项目前期工作",
            "“十四五”规划纲要实施中期评估@2023-2023",
            "新型城镇化",
        ],
        plans=["新型城镇化", "现代服务业发展"],
        aspects=["目标指标", "重大工程", "实施机制"],
    ),
    _s(
        "国民经济管理、国有资产监管",
        "经济体制改革",
        ["营商环境", "改革"],
        [
            "优化营商环境",
            "民营经济发展壮大@2023",
            "要素市场化配置改革",
            "社会信用体系建设",
            "招标投标领域突出问题专项治理@2024",
        ],
        rules=["公共信用信息管理办法", "招标投标活动监督管理办法"],
        statutes=["社会信用条例", "优化营商环境条例"],
        aspects=["市场准入", "公平竞争", "政务服务", "法治保障"],
    ),
    _s(
        "国民经济管理、国有资产监管",
        "宏观经济",
        ["稳增长", "扩大内需"],
        ["稳住经济大盘@2022-2022", "扩大有效投资", "恢复和扩大消费@2023", "重大项目建设", "经济运行调度"],
        aspects=["投资拉动", "消费提振", "要素保障"],
    ),
    _s(
        "国民经济管理、国有资产监管",
        "国有资产监管",
        ["国有企业", "国有资产"],
        [
            "国有企业改革深化提升@2023",
            "国有资产监督管理",
            "国有企业负责人经营业绩考核",
            "行政事业性国有资产管理",
        ],
        rules=["国有资产交易监督管理办法", "行政事业性国有资产管理办法"],
        aspects=["产权管理", "资本运营", "监督追责"],
    ),
    _s(
        "国民经济管理、国有资产监管",
        "物价",
        ["价格", "收费"],
        ["政府定价成本监审", "居民用水阶梯价格", "天然气价格联动", "机动车停放服务收费", "涉企收费清理规范"],
        rules=["定价成本监审办法", "政府定价目录"],
        notices=[("公告", "~调整{place}城镇居民生活用水价格", "中华人民共和国价格法")],
        approvals=["城镇供水价格调整方案"],
        aspects=["定价原则", "成本监审", "价格听证"],
    ),
    _s(
        "国民经济管理、国有资产监管",
        "统计",
        ["统计", "经济普查"],
        ["统计数据质量", "第五次全国经济普查@2023-2024", "统计造假不作为问题专项治理"],
        aspects=["数据质量", "统计执法", "普查组织"],
    ),
    # 财政、金融、审计
    _s(
        "财政、金融、审计",
        "财政",
        ["财政", "预算管理"],
        [
            "预算绩效管理",
            "政府采购",
            "财政专项资金管理",
            "政府债务管理",
            "非税收入管理",
            "预决算公开",
            "过紧日子",
            "直达资金监控@2020",
        ],
        rules=[
            "财政专项资金管理办法",
            "政府采购内部控制管理办法",
            "预算绩效管理办法",
            "政府投资基金管理办法",
            "财政票据管理办法",
        ],
        approvals=["{year}年预算调整方案", "{year}年政府债务限额分配方案"],
        notices=[("公告", "{prev}年度政府采购代理机构监督检查结果", "中华人民共和国政府采购法")],
        aspects=["资金分配", "绩效目标", "支出管理", "监督检查", "信息公开"],
    ),
    _s(
        "财政、金融、审计",
        "税务",
        ["税费", "减税降费"],
        ["减税降费政策落实", "资源税征收管理", "环境保护税征管协作"],
        aspects=["政策宣传", "征管协作", "风险防控"],
    ),
    _s(
        "财政、金融、审计",
        "金融",
        ["金融", "普惠金融"],
        ["普惠金融发展", "防范化解金融风险", "企业上市培育", "地方金融监管", "政府性融资担保体系建设"],
        rules=["地方金融组织监督管理办法", "政府性融资担保风险补偿资金管理办法"],
        aspects=["金融服务", "风险处置", "担保体系"],
    ),
    _s(
        "财政、金融、审计",
        "审计",
        ["审计", "整改"],
        ["审计查出问题整改", "经济责任审计", "内部审计"],
        aspects=["整改责任", "跟踪督办", "结果运用"],
    ),
    # 国土资源、能源
    _s(
        "国土资源、能源",
        "土地",
        ["土地", "耕地保护"],
        ["耕地保护", "国土空间规划实施", "土地征收成片开发", "闲置土地处置", "土地卫片执法"],
        approvals=["{year}年度土地征收成片开发方案", "国土空间总体规划（2021—2035年）"],
        notices=[
            ("公告", "~{place}{year}年第{n}批次集体土地征收", "中华人民共和国土地管理法"),
            ("公告", "~{place}国有建设用地使用权出让", "中华人民共和国城市房地产管理法"),
        ],
        aspects=["用途管制", "占补平衡", "征收补偿"],
    ),
    _s(
        "国土资源、能源",
        "矿产",
        ["矿产资源", "绿色矿山"],
        ["绿色矿山建设", "矿产资源开发整合", "矿山生态修复"],
        plans=["矿产资源"],
        aspects=["开发秩序", "生态修复", "安全监管"],
        campaign=True,
    ),
    _s(
        "国土资源、能源",
        "能源",
        ["能源", "新能源"],
        ["绿色能源强省建设|yn", "新能源项目开发", "电力保供", "充电基础设施建设", "农村能源革命"],
        plans=["能源发展", "可再生能源发展"],
        rules=["新能源项目开发建设管理办法"],
        aspects=["电源建设", "电网配套", "消纳保障"],
    ),
    # 农业、林业、水利
    _s(
        "农业、林业、水利",
        "农业、畜牧业、渔业",
        ["农业", "乡村振兴"],
        [
            "高标准农田建设",
            "粮食安全",
            "高原特色现代农业",
            "农业产业化龙头企业培育",
            "农村人居环境整治",
            "宅基地管理",
        ],
        plans=["推进农业农村现代化", "高原特色现代农业发展"],
        approvals=["高标准农田建设项目实施方案"],
        aspects=["产业发展", "项目管理", "农民增收"],
    ),
    _s(
        "农业、林业、水利",
        "林业",
        ["林业", "生态保护"],
        ["森林资源保护", "古树名木保护", "林长制@2021", "集体林权制度改革"],
        rules=["古树名木保护管理办法"],
        statutes=["古树名木保护条例"],
        notices=[
            ("通告", "加强{year}年春季森林防火", "中华人民共和国森林法"),
            ("公告", "{place}第{n}批古树名木名录", "中华人民共和国森林法"),
        ],
        aspects=["资源管护", "责任体系", "执法监管"],
    ),
    _s(
        "农业、林业、水利",
        "水利",
        ["水利", "河湖长制"],
        ["河湖长制", "水资源节约保护", "农村供水保障", "中小河流治理", "水土保持"],
        plans=["水安全保障"],
        notices=[("通告", "~{place}河道管理范围内禁止采砂", "中华人民共和国河道管理条例")],
        aspects=["水资源调配", "工程建设", "河湖管护"],
        campaign=True,
    ),
    # 工业、交通
    _s(
        "工业、交通",
        "工业",
        ["工业", "制造业"],
        ["制造业高质量发展", "绿色铝产业发展", "专精特新中小企业培育", "产业园区建设", "工业企业技术改造"],
        plans=["制造业高质量发展", "工业园区"],
        aspects=["产业链培育", "园区承载", "企业梯队"],
    ),
    _s(
        "工业、交通",
        "交通",
        ["交通运输", "公路"],
        ["综合交通运输体系建设", "农村公路建设", "城市公共交通优先发展", "道路交通安全", "公路超限超载治理"],
        plans=["综合交通运输"],
        notices=[
            ("通告", "~{place}部分路段施工期间实施交通管制", "中华人民共和国道路交通安全法"),
            ("通告", "~{place}城区货车通行管理", "中华人民共和国道路交通安全法"),
        ],
        aspects=["路网建设", "运输服务", "安全管理"],
        campaign=True,
    ),
    _s(
        "工业、交通",
        "信息产业（含电信）",
        ["数字经济", "信息化"],
        ["5G网络建设", "数字经济发展", "算力基础设施建设@2023"],
        plans=["数字经济发展"],
        aspects=["网络设施", "产业数字化", "数字产业化"],
    ),
    # 商贸、海关、旅游
    _s(
        "商贸、海关、旅游",
        "国内贸易（含供销）",
        ["商贸流通", "消费"],
        ["县域商业体系建设", "消费品以旧换新@2024", "农村电子商务", "夜间经济"],
        aspects=["流通网络", "消费场景", "市场主体"],
    ),
    _s(
        "商贸、海关、旅游",
        "对外经贸合作",
        ["开放", "招商引资"],
        [
            "外贸稳规模优结构",
            "面向南亚东南亚辐射中心建设|yn",
            "招商引资",
            "中国（云南）自由贸易试验区建设|yn,km",
        ],
        aspects=["贸易便利化", "投资促进", "开放平台"],
    ),
    _s(
        "商贸、海关、旅游",
        "旅游",
        ["旅游", "文旅融合"],
        [
            "旅游市场秩序整治",
            "文旅产业高质量发展",
            "A级旅游景区管理",
            "“有一种叫云南的生活”品牌建设|yn@2023",
            "乡村旅游",
        ],
        plans=["文化和旅游发展"],
        notices=[("公告", "{year}年{place}A级旅游景区复核结果", "中华人民共和国旅游法")],
        aspects=["产品供给", "市场秩序", "服务质量"],
        campaign=True,
    ),
    # 市场监管、安全生产监管
    _s(
        "市场监管、安全生产监管",
        "市场监管",
        ["市场监管", "经营主体"],
        ["经营主体培育", "“双随机、一公开”监管", "公平竞争审查", "信用风险分类监管@2022"],
        rules=["公平竞争审查实施细则"],
        aspects=["准入准营", "事中事后监管", "信用监管"],
        campaign=True,
    ),
    _s(
        "市场监管、安全生产监管",
        "食品药品监管",
        ["食品安全", "药品安全"],
        ["食品安全", "校园食品安全", "药品安全专项整治", "农村假冒伪劣食品治理"],
        aspects=["源头治理", "过程监管", "社会共治"],
        campaign=True,
    ),
    _s(
        "市场监管、安全生产监管",
        "安全生产监管",
        ["安全生产", "隐患排查"],
        ["安全生产", "城镇燃气安全专项整治@2023", "自建房安全专项整治@2022", "消防安全", "危险化学品安全"],
        plans=["安全生产"],
        notices=[
            ("通告", "~{year}年春节期间烟花爆竹燃放管理", "烟花爆竹安全管理条例"),
            ("通告", "开展安全生产重大事故隐患举报奖励", "中华人民共和国安全生产法"),
        ],
        aspects=["隐患排查", "责任落实", "执法检查"],
        campaign=True,
    ),
    _s(
        "市场监管、安全生产监管",
        "知识产权",
        ["知识产权", "专利"],
        ["知识产权强省建设|yn", "专利转化运用", "知识产权保护"],
        aspects=["创造运用", "保护体系", "公共服务"],
    ),
    # 城乡建设、环境保护
    _s(
        "城乡建设、环境保护",
        "城乡建设（含住房）",
        ["住房", "城市更新"],
        [
            "城镇老旧小区改造",
            "保障性住房建设",
            "城市更新",
            "房地产市场平稳健康发展",
            "美丽县城建设",
            "农村危房改造",
        ],
        rules=["住房公积金管理办法", "公共租赁住房管理办法"],
        approvals=["{year}年城镇老旧小区改造计划"],
        aspects=["项目储备", "资金筹措", "质量安全"],
    ),
    _s(
        "城乡建设、环境保护",
        "城市规划",
        ["城市规划", "历史文化保护"],
        ["历史文化名城保护", "城市设计管理", "城市体检@2023"],
        statutes=["历史文化名城名镇名村保护条例"],
        approvals=["控制性详细规划", "历史文化街区保护规划"],
        aspects=["规划管控", "风貌保护", "实施监督"],
    ),
    _s(
        "城乡建设、环境保护",
        "环境监测、保护与治理",
        ["生态环境", "污染防治"],
        [
            "大气污染防治",
            "九大高原湖泊保护治理|yn",
            "洱海保护治理|yn,dl",
            "滇池保护治理|yn,km",
            "土壤污染防治",
            "固体废物污染防治",
            "生态环境损害赔偿",
            "入河排污口排查整治@2022",
            "生态环境分区管控@2020",
            "农村生活污水治理",
        ],
        rules=["生态环境行政处罚自由裁量基准", "突发环境事件应急预案管理办法", "排污许可管理实施细则"],
        plans=["生态环境保护", "土壤、地下水和农村生态环境保护"],
        notices=[
            ("通告", "~划定{place}高排放非道路移动机械禁止使用区", "中华人民共和国大气污染防治法"),
            ("公告", "{year}年第{n}批建设项目环境影响评价文件审批决定", "中华人民共和国环境影响评价法"),
        ],
        approvals=["饮用水水源保护区划定方案"],
        statutes=["大气污染防治条例", "土壤污染防治条例"],
        aspects=["污染治理", "生态修复", "环境监管", "目标考核"],
        campaign=True,
    ),
    _s(
        "城乡建设、环境保护",
        "节能与资源综合利用",
        ["节能降碳", "资源利用"],
        ["节能降碳", "碳达峰@2021", "塑料污染治理", "大宗固体废弃物综合利用", "公共机构节能"],
        plans=["节能减排综合工作"],
        aspects=["能耗双控", "重点领域", "循环利用"],
    ),
    _s(
        "城乡建设、环境保护",
        "气象、水文、测绘、地震",
        ["防灾减灾", "气象"],
        ["气象防灾减灾", "地震灾害风险防治", "人工影响天气"],
        aspects=["监测网络", "预警发布", "风险普查"],
    ),
    # 科技、教育
    _s(
        "科技、教育",
        "科技",
        ["科技创新", "成果转化"],
        ["科技创新", "科技成果转化", "科技型企业培育", "科技特派员", "新型研发机构建设"],
        rules=["科技计划项目管理办法", "科技创新平台管理办法"],
        plans=["科技创新"],
        aspects=["创新主体", "平台建设", "成果转化", "人才支撑"],
    ),
    _s(
        "科技、教育",
        "教育",
        ["教育", "学校"],
        [
            "义务教育“双减”@2021",
            "学前教育普及普惠",
            "县域普通高中发展提升@2022",
            "职业教育产教融合",
            "教师队伍建设",
            "学校安全",
            "家庭经济困难学生资助",
            "中小学课后服务",
        ],
        rules=["学生资助资金管理办法", "民办学校分类管理办法", "中小学校课后服务管理办法"],
        plans=["教育事业发展"],
        notices=[
            ("公告", "~{year}年义务教育学校招生入学工作", "中华人民共和国义务教育法"),
            ("通告", "{year}年普通高校招生考试期间考点周边管理", "中华人民共和国教育法"),
        ],
        approvals=["学校布局调整方案"],
        statutes=["学前教育条例"],
        aspects=["办学条件", "队伍建设", "教育质量", "资助保障"],
    ),
    # 文化、广电、新闻出版
    _s(
        "文化、广电、新闻出版",
        "文化",
        ["文化", "公共文化服务"],
        ["公共文化服务体系建设", "非物质文化遗产保护", "文化市场综合执法", "全民阅读"],
        plans=["公共文化服务体系建设"],
        aspects=["设施网络", "服务供给", "传承保护"],
    ),
    _s(
        "文化、广电、新闻出版",
        "文物",
        ["文物", "文化遗产"],
        ["文物安全", "革命文物保护利用", "历史文化街区保护"],
        notices=[("公告", "公布{place}第{n}批文物保护单位", "中华人民共和国文物保护法")],
        aspects=["安全责任", "保护修缮", "活化利用"],
        campaign=True,
    ),
    _s(
        "文化、广电、新闻出版",
        "广播影视",
        ["广播电视", "公共服务"],
        ["应急广播体系建设", "广播电视公共服务"],
        aspects=["覆盖工程", "运行维护"],
    ),
    # 卫生、体育
    _s(
        "卫生、体育",
        "卫生",
        ["卫生健康", "医疗服务"],
        [
            "医疗卫生服务体系建设",
            "公立医院高质量发展",
            "紧密型县域医共体建设@2023",
            "爱国卫生运动",
            "传染病防控",
            "基本公共卫生服务",
        ],
        plans=["卫生健康事业发展"],
        aspects=["资源配置", "服务能力", "医防协同"],
    ),
    _s(
        "卫生、体育",
        "医药管理",
        ["医药", "中医药"],
        ["药品集中带量采购", "中医药传承创新发展", "医疗保障基金监管"],
        aspects=["采购使用", "基金监管", "传承创新"],
        campaign=True,
    ),
    _s(
        "卫生、体育",
        "体育",
        ["体育", "全民健身"],
        ["全民健身", "青少年体育", "体育赛事活动管理", "公共体育设施建设"],
        plans=["体育发展"],
        aspects=["场地设施", "赛事活动", "体教融合"],
    ),
    # 人口与计划生育、妇女儿童工作
    _s(
        "人口与计划生育、妇女儿童工作",
        "人口与计划生育",
        ["人口", "托育服务"],
        ["优化生育政策配套支持@2021", "托育服务体系建设", "计划生育特殊家庭扶助关怀"],
        aspects=["生育支持", "托育供给", "扶助关怀"],
    ),
    _s(
        "人口与计划生育、妇女儿童工作",
        "妇女儿童",
        ["妇女儿童", "未成年人保护"],
        ["妇女儿童发展纲要实施", "未成年人保护", "困境儿童保障", "农村留守儿童关爱服务"],
        aspects=["权益保障", "关爱服务", "监测评估"],
    ),
    _s(
        "人口与计划生育、妇女儿童工作",
        "老龄工作",
        ["养老服务", "老龄工作"],
        ["养老服务体系建设", "居家和社区养老服务", "老年助餐服务@2023", "适老化改造@2021"],
        plans=["老龄事业发展和养老服务体系"],
        aspects=["服务网络", "医养结合", "要素保障"],
    ),
    # 劳动、人事、监察
    _s(
        "劳动、人事、监察",
        "劳动就业",
        ["就业", "创业"],
        ["高校毕业生就业创业", "稳就业", "根治欠薪", "返乡入乡创业", "技能人才培养"],
        rules=["创业担保贷款管理办法"],
        aspects=["岗位拓展", "技能培训", "权益保障"],
        campaign=True,
    ),
    _s(
        "劳动、人事、监察",
        "社会保障",
        ["社会保障", "医疗保险"],
        ["城乡居民基本养老保险", "基本医疗保险市级统筹", "工伤保险", "失业保险稳岗返还", "长期护理保险试点"],
        rules=["城乡居民基本医疗保险办法", "城乡居民基本养老保险实施办法"],
        aspects=["参保扩面", "待遇调整", "基金安全"],
    ),
    _s(
        "劳动、人事、监察",
        "人事工作",
        ["人事", "招聘"],
        ["事业单位公开招聘", "职称制度改革", "公务员平时考核"],
        notices=[("公告", "~{year}年事业单位公开招聘工作人员", "事业单位人事管理条例")],
        aspects=["招聘程序", "评价标准", "监督管理"],
    ),
    _s(
        "劳动、人事、监察",
        "机构编制",
        ["机构编制", "事业单位改革"],
        ["事业单位改革", "机构编制管理"],
        aspects=["职能配置", "编制管理"],
    ),
    # 公安、安全、司法
    _s(
        "公安、安全、司法",
        "公安",
        ["社会治安", "平安建设"],
        ["社会治安综合治理", "电信网络诈骗防范治理@2021", "禁毒工作", "扫黑除恶常态化@2021", "平安建设"],
        notices=[
            ("通告", "依法严厉打击电信网络诈骗违法犯罪", "中华人民共和国治安管理处罚法"),
            ("通告", "~{place}城区电动自行车通行管理", "中华人民共和国道路交通安全法"),
        ],
        aspects=["打防管控", "源头治理", "群防群治"],
        campaign=True,
    ),
    _s(
        "公安、安全、司法",
        "司法",
        ["法治政府", "依法行政"],
        [
            "法治政府建设",
            "行政复议体制改革@2021",
            "公共法律服务体系建设",
            "规范性文件备案审查",
            "行政执法“三项制度”",
        ],
        rules=["行政规范性文件管理办法", "重大行政决策程序规定", "行政执法公示办法"],
        aspects=["依法决策", "规范执法", "监督问责"],
    ),
    # 民政、扶贫、救灾
    _s(
        "民政、扶贫、救灾",
        "社会福利",
        ["社会救助", "民生保障"],
        ["最低生活保障", "特困人员救助供养", "残疾人两项补贴", "临时救助"],
        rules=["最低生活保障审核确认办法", "临时救助实施办法"],
        aspects=["对象认定", "标准调整", "动态管理"],
    ),
    _s(
        "民政、扶贫、救灾",
        "扶贫",
        ["乡村振兴", "巩固脱贫成果"],
        [
            "巩固拓展脱贫攻坚成果@2021",
            "防止返贫动态监测和帮扶@2021",
            "东西部协作",
            "易地扶贫搬迁后续扶持",
            "衔接资金项目管理@2021",
        ],
        rules=["衔接推进乡村振兴补助资金管理办法"],
        aspects=["监测帮扶", "产业就业", "资金项目"],
    ),
    _s(
        "民政、扶贫、救灾",
        "减灾救灾",
        ["救灾", "自然灾害"],
        ["自然灾害救助", "救灾物资储备", "灾后恢复重建"],
        rules=["自然灾害救助应急预案"],
        aspects=["应急救助", "过渡安置", "恢复重建"],
    ),
    _s(
        "民政、扶贫、救灾",
        "社区建设",
        ["城乡社区", "基层治理"],
        ["城乡社区治理", "村（居）民委员会换届选举", "社区服务体系建设"],
        aspects=["组织体系", "服务设施", "居民自治"],
    ),
    _s(
        "民政、扶贫、救灾",
        "行政区划与地名",
        ["行政区划", "地名"],
        ["地名管理", "乡镇行政区划调整"],
        approvals=["部分行政村调整方案", "道路命名方案"],
        aspects=["命名规范", "标志设置"],
    ),
    _s(
        "民政、扶贫、救灾",
        "优抚安置",
        ["退役军人", "优抚"],
        ["退役军人服务保障", "优抚对象抚恤补助"],
        aspects=["就业安置", "优待抚恤"],
    ),
    # 民族、宗教
    _s(
        "民族、宗教",
        "民族事务",
        ["民族团结", "民族工作"],
        ["民族团结进步示范区建设", "铸牢中华民族共同体意识@2020", "少数民族传统文化保护传承"],
        aspects=["示范创建", "交往交流交融", "文化传承"],
    ),
    _s(
        "民族、宗教",
        "宗教事务",
        ["宗教事务", "依法管理"],
        ["宗教事务依法管理"],
        aspects=["依法管理", "安全稳定"],
    ),
    # 对外事务、港澳台侨、国防
    _s(
        "对外事务",
        "外交、外事",
        ["外事", "对外交流"],
        ["因公出国（境）管理", "国际友好城市交流"],
        aspects=["审批管理", "交流合作"],
    ),
    _s(
        "港澳台侨工作",
        "侨务工作",
        ["侨务", "归侨侨眷"],
        ["归侨侨眷权益保护", "侨资企业服务"],
        aspects=["权益保护", "服务保障"],
    ),
    _s(
        "国防",
        "国防动员",
        ["国防动员", "人民防空"],
        ["国防动员", "人民防空工程建设", "国防教育"],
        notices=[("通告", "~{year}年防空警报试鸣", "中华人民共和国人民防空法")],
        aspects=["动员准备", "工程建设", "宣传教育"],
    ),
    _s(
        "国防",
        "民兵预备役",
        ["征兵", "民兵"],
        ["征兵工作", "民兵组织整顿"],
        notices=[("通告", "{year}年征兵", "中华人民共和国兵役法")],
        aspects=["兵员征集", "政治考核", "优待安置"],
    ),
)

_NOT_FOR_COUNTIES = ("对外事务", "港澳台侨工作")

_GENERIC_ASPECTS = (
    "工作目标",
    "职责分工",
    "工作流程",
    "资金保障",
    "监督管理",
    "考核评价",
    "信息公开",
    "风险防控",
    "组织实施",
    "宣传引导",
    "数字化支撑",
    "队伍建设",
)


def _matters_for(subject: _Subject, region: str, year: int) -> list[str]:
    """The subject's matters that fit a region and year.

    A matter may be written ``phrase|yn,dl@2021`` (only those regions; only from 2021) or
    ``phrase@2022-2022`` (only in 2022).
    """
    out: list[str] = []
    for raw in subject.matters:
        head, _, years = raw.partition("@")
        phrase, _, regions = head.partition("|")
        if regions and region not in regions.split(","):
            continue
        if years:
            first, _, last = years.partition("-")
            if year < int(first) or (last and year > int(last)):
                continue
        out.append(phrase)
    return out


# --------------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """Chinese numeral for 1..99 (一, 十二, 二十三)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _whole(place: str) -> str:
    """全省 / 全市 / 全州 / 全区 / 全县."""
    return "全" + place[-1]


def _plain(phrase: str) -> str:
    return phrase.replace("“", "").replace("”", "")


def _you(place: str) -> str:
    """How a 批复 addresses the requesting government: 你市, 你州, 你街道 ..."""
    if place.endswith("街道"):
        return "你街道"
    return "你" + place[-1]


def _government_of(place: str) -> str:
    if place.endswith("街道"):
        return place + "办事处"
    return place + "人民政府"


def _signature(orgs: Sequence[_Org], when: date) -> str:
    return "\n".join([*(o.name for o in orgs), _cn_date(when)])


def _numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{_cn(i)}、{text}" for i, text in enumerate(items, start=1))


_TASKS = (
    "明确目标任务。到{y2}年，{place}{matter}工作机制更加健全，重点任务全面落实，群众满意度明显提升",
    "压实工作责任。各{units}要切实履行主体责任，主要负责同志亲自抓、负总责，分管负责同志具体抓，确保各项任务落地见效",
    "突出工作重点。聚焦{matter}中的难点堵点问题，建立问题清单、任务清单和责任清单，实行清单化管理、闭环式推进",
    "强化协同配合。各有关部门要加强沟通协调，建立信息共享和定期会商机制，形成上下联动、齐抓共管的工作合力",
    "加强要素保障。统筹用好各级各类资金，优化支出结构，提高资金使用效益，严禁挤占挪用",
    "严格督促检查。将{matter}工作纳入年度目标考核，定期开展督促检查，对工作推进不力的予以通报并督促整改",
    "加强宣传引导。充分利用政府网站、政务新媒体等平台，做好政策解读和舆论引导，及时回应社会关切",
    "注重数字赋能。依托一体化政务服务平台，推动数据共享和业务协同，提升{matter}工作的信息化、规范化水平",
    "守牢安全底线。健全风险监测预警和应急处置机制，对排查发现的问题建立台账、限期整改、逐项销号",
    "坚持依法依规。严格执行有关法律法规和政策规定，规范工作程序，依法保障群众合法权益",
)

_OPENINGS = (
    "为深入贯彻落实党中央、国务院关于{matter}的决策部署，{goal}，{consent}现就有关事项{verb}如下：",
    "为认真落实上级关于{matter}工作的有关要求，{goal}，结合{place}实际，{consent}现就有关事项{verb}如下：",
    "{matter}事关{concern}。为{goal_plain}，{consent}现{verb}如下：",
    "近年来，{place}{matter}工作取得积极成效，但仍存在工作发展不平衡、制度机制不够健全等问题。为{goal_plain}，{consent}现就有关事项{verb}如下：",
)
_GOALS = (
    "进一步提升{matter}工作水平",
    "推动{matter}工作提质增效",
    "切实解决{matter}中的突出问题",
    "健全{matter}长效机制",
    "加快补齐{matter}短板弱项",
)
_CONCERNS = ("经济社会高质量发展", "人民群众切身利益", "{whole}发展大局", "民生福祉和社会和谐稳定")
_CLOSINGS = (
    "各{units}要结合实际抓好贯彻落实，工作中遇到的重大问题请及时向{short}报告。",
    "各{units}要高度重视，认真组织实施，确保各项措施取得实效。",
    "请各{units}于{due}前将贯彻落实情况书面报送{short}。",
    "各{units}要把{matter}工作摆上重要议事日程，加强组织领导，确保各项任务按期完成。",
)


@dataclass
class _Ctx:
    rng: random.Random
    org: _Org
    co: tuple[_Org, ...]
    subject: _Subject
    matter: str
    year: int
    created: date

    @property
    def issuers(self) -> tuple[_Org, ...]:
        return (self.org, *self.co)

    @property
    def issuer_names(self) -> str:
        return " ".join(o.name for o in self.issuers)

    @property
    def place(self) -> str:
        return self.org.place

    def fill(self, template: str, **extra: str) -> str:
        rng = self.rng
        goal = rng.choice(_GOALS).format(matter=self.matter)
        values = {
            "matter": self.matter,
            "place": self.place,
            "whole": _whole(self.place),
            "units": self.org.units,
            "short": self.org.short_name,
            "year": str(self.year),
            "y2": str(self.year + 2),
            "goal": goal,
            "goal_plain": goal,
            "concern": rng.choice(_CONCERNS).format(whole=_whole(self.place)),
            "consent": f"经{self.org.approver}同意，" if self.org.approver else "",
            "verb": "通知",
            "due": _cn_date(self.created + timedelta(days=rng.randint(20, 60)))[5:],
        }
        values.update(extra)
        return template.format(**values)

    def aspects(self, k: int) -> list[str]:
        pool = list(dict.fromkeys([*self.subject.aspects, *_GENERIC_ASPECTS]))
        # Prefer the subject's own aspects.
        own = [a for a in self.subject.aspects]
        self.rng.shuffle(own)
        rest = [a for a in pool if a not in own]
        self.rng.shuffle(rest)
        return (own + rest)[:k]

    def tasks(self, k: int) -> list[str]:
        chosen = sorted(self.rng.sample(range(len(_TASKS)), k))  # the target, if any, comes first
        return [self.fill(_TASKS[i]) + "。" for i in chosen]

    def closing(self, **extra: str) -> str:
        return self.fill(self.rng.choice(_CLOSINGS), **extra)

    def signature(self) -> str:
        return _signature(self.issuers, self.created)


@dataclass
class _Text:
    title: str
    genre: str
    kind: str  # drives validity: issue, rule, plan, action, annual, opinion, notice, order, other
    summary: str
    body: str
    keywords: list[str]
    topic: str | None = None  # overrides the subject's topic
    series: str = "year"  # "year" (发文字号) or "order" (政府令)
    term_years: int | None = None  # 有效期 of a normative document
    matter: str | None = None  # overrides the context's matter (for keywords)


def _list3(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return "、".join(items[:-1]) + "和" + items[-1]


# ---- builders: each returns None when it does not apply to the context ----------------------------


def _b_issue_impl(c: _Ctx) -> _Text | None:
    inner = f"{c.place}{c.matter}实施方案"
    aspects = c.aspects(3)
    n = c.rng.randint(8, 20)
    body = "\n".join(
        [
            c.org.addressee,
            f"{c.fill('{consent}')}现将《{inner}》印发给你们，请结合实际认真组织实施。",
            f"《{inner}》围绕{_list3(aspects)}，提出了{_cn(n)}条具体措施。{c.closing()}",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.issuer_names}关于印发{inner}的通知",
        genre="通知",
        kind="issue",
        summary=f"{c.org.name}印发《{inner}》。方案围绕{_list3(aspects)}提出{_cn(n)}条具体措施，明确了责任分工和完成时限。",
        body=body,
        keywords=["实施方案"],
    )


def _b_issue_rule(c: _Ctx) -> _Text | None:
    if not c.subject.rules:
        return None
    rule = c.rng.choice(c.subject.rules)
    inner = f"{c.place}{rule}"
    chapters, articles = c.rng.randint(5, 8), c.rng.randint(22, 48)
    aspects = c.aspects(3)
    term = c.rng.choice([3, 5])
    body = "\n".join(
        [
            c.org.addressee,
            f"{c.fill('{consent}')}现将《{inner}》印发给你们，请认真遵照执行。",
            f"《{inner}》共{_cn(chapters)}章{_cn(articles)}条，对{_list3(aspects)}等作出规定，"
            f"自印发之日起施行，有效期{_cn(term)}年。{c.closing()}",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.issuer_names}关于印发{inner}的通知",
        genre="通知",
        kind="rule",
        summary=f"{c.org.name}印发《{inner}》，自印发之日起施行，有效期{_cn(term)}年。"
        f"办法共{_cn(chapters)}章{_cn(articles)}条，对{_list3(aspects)}等作出规定。",
        body=body,
        keywords=["管理办法" if rule.endswith("管理办法") else "规范性文件"],
        term_years=term,
    )


def _notice(c: _Ctx, title_core: str, summary_lead: str) -> _Text:
    aspects = c.aspects(3)
    k = c.rng.randint(3, 4)
    body = "\n".join(
        [
            c.org.addressee,
            c.fill(c.rng.choice(_OPENINGS)),
            _numbered(c.tasks(k)),
            c.closing(),
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.issuer_names}关于{title_core}的通知",
        genre="通知",
        kind="notice",
        summary=f"{summary_lead}通知从{_list3(aspects)}等方面提出了{_cn(k)}项要求。",
        body=body,
        keywords=["通知"],
    )


def _b_strengthen(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    return _notice(
        c,
        f"进一步加强{c.matter}工作",
        f"{c.org.name}就进一步加强{c.place}{c.matter}工作作出部署。",
    )


def _b_annual(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    return _notice(
        c,
        f"做好{c.year}年{c.matter}工作",
        f"{c.org.name}对{c.year}年{c.place}{c.matter}工作进行安排部署。",
    )


def _b_campaign(c: _Ctx) -> _Text | None:
    if not c.subject.campaign or c.co:
        return None
    return _notice(
        c,
        f"开展{c.matter}专项行动",
        f"{c.org.name}决定在{_whole(c.place)}范围内开展{c.matter}专项行动，行动时间为{c.year}年{c.created.month}月至12月。",
    )


def _b_inspection(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    return _notice(
        c,
        f"开展{c.year}年{c.matter}监督检查",
        f"{c.org.name}组织对{_whole(c.place)}{c.matter}工作开展监督检查，采取自查自纠与重点抽查相结合的方式进行。",
    )


def _b_key_points(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    inner = f"{c.place}{c.year}年{c.matter}工作要点"
    aspects = c.aspects(3)
    body = "\n".join(
        [
            c.org.addressee,
            f"{c.fill('{consent}')}现将《{inner}》印发给你们，请认真贯彻落实。",
            f"《{inner}》围绕{_list3(aspects)}，明确了{c.year}年重点工作任务和责任单位。{c.closing()}",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.issuer_names}关于印发{inner}的通知",
        genre="通知",
        kind="annual",
        summary=f"{c.org.name}印发《{inner}》，围绕{_list3(aspects)}明确了年度重点任务和责任单位。",
        body=body,
        keywords=["工作要点"],
    )


def _opinion(c: _Ctx, title_core: str) -> _Text:
    aspects = c.aspects(3)
    k = c.rng.randint(3, 4)
    body = "\n".join(
        [
            c.org.addressee,
            c.fill(c.rng.choice(_OPENINGS), verb="提出意见"),
            _numbered(c.tasks(k)),
            c.closing(),
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.issuer_names}关于{title_core}",
        genre="意见",
        kind="opinion",
        summary=f"{c.org.name}就{c.place}{c.matter}工作提出意见。"
        f"文件从{_list3(aspects)}等方面部署了{_cn(k)}项重点任务，并明确了保障措施。",
        body=body,
        keywords=["意见"],
    )


def _b_opinion_impl(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    verb = c.rng.choice(["推进", "加强", "深化", "做好"])
    work = "工作" if verb == "做好" else ""
    return _opinion(c, f"{verb}{c.matter}{work}的实施意见")


def _b_opinion_guide(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    core = c.rng.choice([f"加快推进{c.matter}的意见", f"全面加强{c.matter}工作的指导意见"])
    return _opinion(c, core)


def _report_body(c: _Ctx, lead: str, good: Sequence[str], bad: Sequence[str]) -> str:
    parts = [
        c.org.addressee,
        lead,
        f"从总体情况看，{_list3(list(good))}等地工作推进有力、成效明显，予以通报表扬。",
    ]
    if bad:
        parts.append(
            f"{_list3(list(bad))}等地存在工作推进滞后、问题整改不到位等情况，"
            "请有关地方认真分析原因，制定整改措施，于30日内将整改情况报送"
            f"{c.org.short_name}。"
        )
    parts += [c.closing(), c.signature()]
    return "\n".join(parts)


def _pick_lower(c: _Ctx, k: int) -> list[str]:
    return c.rng.sample(list(c.org.lower), min(k, len(c.org.lower)))


def _b_report_assess(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    prev = c.year - 1
    good, bad = _pick_lower(c, 3), _pick_lower(c, 2)
    bad = [b for b in bad if b not in good]
    lead = (
        f"根据年度目标考核有关安排，{c.org.short_name}对{prev}年度{_whole(c.place)}{c.matter}工作进行了考核。"
        "考核采取日常监测、材料审核、实地抽查和第三方评估相结合的方式进行。"
    )
    return _Text(
        title=f"{c.issuer_names}关于{prev}年度{c.matter}工作考核结果的通报",
        genre="通报",
        kind="other",
        summary=f"{c.org.name}通报{prev}年度{c.matter}工作考核结果，对{_list3(good)}等工作成效明显的地方予以表扬，并对存在问题提出整改要求。",
        body=_report_body(c, lead, good, bad),
        keywords=["考核", "通报"],
    )


def _b_report_inspection(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    good, bad = _pick_lower(c, 2), _pick_lower(c, 3)
    bad = [b for b in bad if b not in good]
    lead = (
        f"{c.year}年{max(1, c.created.month - 1)}月，{c.org.short_name}组成督查组，对{_whole(c.place)}{c.matter}工作开展专项督查，"
        f"共发现问题{c.rng.randint(12, 86)}个，现已全部反馈有关地方限期整改。"
    )
    return _Text(
        title=f"{c.issuer_names}关于{c.matter}专项督查发现问题整改情况的通报",
        genre="通报",
        kind="other",
        summary=f"{c.org.name}通报{c.matter}专项督查发现问题及整改情况，要求有关地方对照问题清单逐项整改到位。",
        body=_report_body(c, lead, good, bad),
        keywords=["督查", "整改"],
    )


def _b_report_progress(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    quarter = (c.created.month - 1) // 3
    if quarter == 0:
        return None
    good = _pick_lower(c, 3)
    lead = (
        f"{c.year}年第{_cn(quarter)}季度，{_whole(c.place)}{c.matter}工作总体平稳有序推进，"
        f"各项重点任务完成率达{c.rng.randint(78, 99)}%。"
    )
    return _Text(
        title=f"{c.issuer_names}关于{c.year}年第{_cn(quarter)}季度{c.matter}工作进展情况的通报",
        genre="通报",
        kind="other",
        summary=f"{c.org.name}通报{c.year}年第{_cn(quarter)}季度{c.matter}工作进展情况，总结经验做法，提出下一阶段工作要求。",
        body=_report_body(c, lead, good, []),
        keywords=["进展情况", "通报"],
    )


def _b_approval(c: _Ctx) -> _Text | None:
    if c.org.kind != "government" or c.co:
        return None
    if c.subject.approvals:
        obj = c.rng.choice(c.subject.approvals).format(year=c.year)
    elif c.org.level != "county":
        obj = f"{c.matter}实施方案"
    else:
        return None
    lower = c.rng.choice(c.org.lower)
    req_no = c.rng.randint(3, 60)
    body = "\n".join(
        [
            f"{_government_of(lower)}：",
            f"{_you(lower)}《关于审批{lower}{obj}的请示》（{lower[:2]}政请〔{c.year}〕{req_no}号）收悉。经研究，现批复如下：",
            f"一、原则同意《{lower}{obj}》。",
            f"二、{_you(lower)}要严格按照批准的方案组织实施，落实主体责任，强化要素保障，确保按期完成各项任务。",
            "三、实施过程中要严格执行有关法律法规和政策规定，加强监督管理，依法保障群众合法权益。重大事项及时报告。",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于{lower}{obj}的批复",
        genre="批复",
        kind="other",
        summary=f"{c.org.name}原则同意{lower}报送的{obj}，并就组织实施、要素保障和依法依规推进等提出要求。",
        body=body,
        keywords=["批复"],
    )


def _b_public_notice(c: _Ctx) -> _Text | None:
    if not c.subject.notices or c.co:
        return None
    # A department announces only in its own field; traffic and policing notices are the government's.
    if c.org.kind == "department" and (
        c.org.topics is None or c.subject.topic not in c.org.topics or c.subject.sub == "交通"
    ):
        return None
    notices = [n for n in c.subject.notices if c.org.level != "province" or not n[1].startswith("~")]
    if not notices:
        return None
    genre, phrase, law = c.rng.choice(notices)
    what = phrase.removeprefix("~").format(
        year=c.year, prev=c.year - 1, place=c.place, n=_cn(c.rng.randint(1, 12))
    )
    matters = what if what.endswith("有关事项") else what + "有关事项"
    short = c.org.short_name
    if genre == "公告":
        items = [
            f"{what}的具体内容详见附件。",
            f"有关单位和个人对公告内容有异议的，可自公告发布之日起{_cn(c.rng.choice([5, 7, 10]))}个工作日内"
            f"向{short}书面反映。",
            f"本公告由{short}负责解释。",
        ]
        ending = ["特此公告。"]
    else:
        items = [
            f"本通告适用于{c.place}行政区域内的单位和个人。",
            "有关单位和个人应当自觉遵守本通告规定。违反本通告规定的，由有关部门依法予以处理；"
            "构成犯罪的，依法追究刑事责任。",
            "欢迎社会各界对违反本通告规定的行为进行监督举报，举报电话：12345。",
        ]
        ending = ["本通告自发布之日起施行。", "特此通告。"]
    body = "\n".join(
        [
            f"根据《{law}》等有关法律法规规定，现就{matters}{genre}如下：",
            _numbered(items),
            *ending,
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于{what}的{genre}",
        genre=genre,
        kind="other",
        summary=f"{c.org.name}依据《{law}》发布{genre}，就{matters}予以公布。",
        body=body,
        keywords=[genre],
        matter=what,
    )


def _b_decision_commend(c: _Ctx) -> _Text | None:
    if c.org.kind != "government" or c.co:
        return None
    prev = c.year - 1
    units, people = c.rng.randint(10, 40), c.rng.randint(20, 90)
    body = "\n".join(
        [
            c.org.addressee,
            f"{prev}年，{_whole(c.place)}各地各部门认真贯彻落实{c.matter}各项决策部署，涌现出一批成绩突出的先进集体和先进个人。"
            f"为表彰先进、树立典型，{c.org.name}决定，对{units}个先进集体和{people}名先进个人予以表彰。",
            "希望受到表彰的集体和个人珍惜荣誉、再接再厉，再创佳绩。各地各部门要以先进为榜样，奋发进取、担当作为，"
            f"推动{_whole(c.place)}{c.matter}工作再上新台阶。",
            "附件：先进集体和先进个人名单",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于表彰{prev}年度{c.matter}工作先进集体和先进个人的决定",
        genre="决定",
        kind="other",
        summary=f"{c.org.name}决定对{prev}年度{c.matter}工作中成绩突出的{units}个先进集体和{people}名先进个人予以表彰。",
        body=body,
        keywords=["表彰"],
    )


def _b_decision_repeal(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    repealed, amended = c.rng.randint(3, 25), c.rng.randint(1, 12)
    body = "\n".join(
        [
            c.org.addressee,
            f"为维护法制统一，{c.org.name}对现行有效的行政规范性文件进行了全面清理。经清理，决定废止{_cn(repealed)}件、"
            f"修改{_cn(amended)}件行政规范性文件。",
            "废止的文件自本决定印发之日起停止执行；修改的文件按本决定重新公布。各地各部门要做好文件废止后的衔接工作，"
            "确保各项工作有序开展。",
            "附件：1.决定废止的行政规范性文件目录\n2.决定修改的行政规范性文件目录",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于废止和修改部分行政规范性文件的决定",
        genre="决定",
        kind="other",
        summary=f"经全面清理，{c.org.name}决定废止{_cn(repealed)}件、修改{_cn(amended)}件行政规范性文件，废止的文件自决定印发之日起停止执行。",
        body=body,
        keywords=["规范性文件", "清理"],
        topic=topic_path("公安、安全、司法", "司法"),
    )


def _b_law_report(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    prev = c.year - 1
    tasks = [
        "主要工作及成效。坚持把法治政府建设摆在全局工作的重要位置，健全依法决策机制，严格规范公正文明执法，"
        f"全年审核规范性文件和重大行政决策{c.rng.randint(12, 95)}件，办理行政复议案件{c.rng.randint(5, 380)}件",
        "存在的主要问题。法治政府建设推进不够平衡，基层行政执法规范化水平有待提升，运用法治思维和法治方式解决问题的能力仍需加强",
        f"下一步工作打算。{c.year}年，将深入推进依法行政，完善行政执法“三项制度”，加强行政复议和行政应诉工作，持续提升法治政府建设水平",
    ]
    body = "\n".join(
        [
            f"{prev}年，{c.org.name}深入学习贯彻习近平法治思想，全面推进依法行政。现将{prev}年度法治政府建设情况报告如下：",
            _numbered([t + "。" for t in tasks]),
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于{prev}年度法治政府建设情况的报告",
        genre="报告",
        kind="other",
        summary=f"{c.org.name}报告{prev}年度法治政府建设情况，总结主要工作成效，分析存在问题，提出{c.year}年工作打算。",
        body=body,
        keywords=["法治政府建设", "年度报告"],
        topic=topic_path("公安、安全、司法", "司法"),
    )


def _b_work_report(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    prev = c.year - 1
    aspects = c.aspects(3)
    body = "\n".join(
        [
            f"{prev}年，{c.org.name}认真贯彻落实上级决策部署，扎实推进{c.matter}各项工作。现将有关情况报告如下：",
            _numbered(
                [
                    f"工作开展情况。围绕{_list3(aspects)}，细化工作措施，压实工作责任，各项任务有序推进。",
                    f"存在的问题。{c.matter}工作还存在基础薄弱、保障不足、推进不平衡等问题。",
                    f"下一步工作。{c.year}年，将聚焦短板弱项，健全工作机制，持续推动{c.matter}工作提质增效。",
                ]
            ),
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于{prev}年{c.matter}工作情况的报告",
        genre="报告",
        kind="other",
        summary=f"{c.org.name}报告{prev}年{c.matter}工作开展情况、存在问题和下一步工作安排。",
        body=body,
        keywords=["工作情况", "报告"],
    )


def _b_letter_consult(c: _Ctx) -> _Text | None:
    if not c.subject.rules or c.co:
        return None
    rule = c.rng.choice(c.subject.rules)
    draft = f"{c.place}{rule}（征求意见稿）"
    due = c.created + timedelta(days=30)
    body = "\n".join(
        [
            c.org.addressee,
            f"为做好{c.place}{rule}制定工作，{c.org.short_name}起草了《{draft}》，现送你们征求意见。",
            f"请认真研究，于{_cn_date(due)}前将书面意见反馈{c.org.short_name}。逾期未反馈的，视为无意见。",
            "附件：" + draft,
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于征求《{draft}》意见的函",
        genre="函",
        kind="other",
        summary=f"{c.org.name}就《{draft}》征求有关单位意见，征求意见期限为30日。",
        body=body,
        keywords=["征求意见"],
    )


def _b_letter_assist(c: _Ctx) -> _Text | None:
    if c.co:
        return None
    body = "\n".join(
        [
            c.org.addressee,
            f"为推进{c.place}{c.matter}工作，{c.org.short_name}拟于{c.year}年{c.created.month}月至"
            f"{min(12, c.created.month + 2)}月开展有关工作。为确保工作顺利推进，商请贵单位在资料提供、"
            "人员配合等方面给予支持。",
            "感谢贵单位长期以来的大力支持。",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于商请协助做好{c.matter}有关工作的函",
        genre="函",
        kind="other",
        summary=f"{c.org.name}商请有关单位在{c.matter}工作中给予资料提供和人员配合等方面的支持。",
        body=body,
        keywords=["函"],
    )


def _b_minutes(c: _Ctx) -> _Text | None:
    if c.org.kind != "government" or c.co:
        return None
    n = max(1, c.created.month * 2 - c.rng.randint(0, 1))
    others = c.rng.sample([s for s in _SUBJECTS if s is not c.subject], 2)
    topics = [c.matter, *(c.rng.choice(_matters_for(s, c.org.region, c.year) or [s.sub]) for s in others)]
    body = "\n".join(
        [
            f"{_cn_date(c.created)}，{c.org.head}主持召开{c.org.name}{c.year}年第{_cn(n)}次常务会议，"
            f"研究{_list3(topics)}等事项。现纪要如下：",
            _numbered(
                [
                    f"会议听取了关于{t}工作情况的汇报，原则同意有关工作安排，要求有关部门抓紧组织实施。"
                    for t in topics
                ]
            ),
            f"出席：{c.org.name}领导班子成员\n列席：有关部门主要负责同志",
        ]
    )
    return _Text(
        title=f"{c.org.name}{c.year}年第{_cn(n)}次常务会议纪要",
        genre="纪要",
        kind="other",
        summary=f"{c.org.name}{c.year}年第{_cn(n)}次常务会议研究了{_list3(topics)}等事项。",
        body=body,
        keywords=["常务会议", "纪要"],
        topic=topic_path("综合政务", "文秘工作"),
    )


def _b_order(c: _Ctx) -> _Text | None:
    if not c.org.order_prefix or not c.subject.rules or c.co:
        return None
    rule = c.rng.choice(c.subject.rules)
    title = f"{c.place}{rule}"
    meeting = c.created - timedelta(days=c.rng.randint(7, 30))
    effective = date(c.created.year + (c.created.month > 10), (c.created.month + 1) % 12 + 1, 1)
    body = "\n".join(
        [
            f"《{title}》已经{_cn_date(meeting)}{c.org.name}第{c.rng.randint(8, 60)}次常务会议通过，现予公布，"
            f"自{_cn_date(effective)}起施行。",
            c.signature(),
        ]
    )
    return _Text(
        title=title,
        genre="命令（令）",
        kind="order",
        summary=f"《{title}》经{c.org.name}常务会议通过，以政府令公布，自{_cn_date(effective)}起施行。",
        body=body,
        keywords=["政府规章"],
        series="order",
    )


def _b_plan(c: _Ctx) -> _Text | None:
    if not c.subject.plans or c.year not in (2021, 2022):
        return None
    plan = c.rng.choice(c.subject.plans)
    inner = f"{c.place}“十四五”{plan}规划"
    aspects = c.aspects(3)
    body = "\n".join(
        [
            c.org.addressee,
            f"{c.fill('{consent}')}现将《{inner}》印发给你们，请认真贯彻执行。",
            f"《{inner}》是指导“十四五”时期{_whole(c.place)}{_plain(plan).removesuffix('工作')}工作的重要依据，"
            "明确了到2025年的主要目标，"
            f"围绕{_list3(aspects)}部署了重点任务和重大工程。{c.closing(matter=_plain(plan))}",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.issuer_names}关于印发{inner}的通知",
        genre="规划",
        kind="plan",
        summary=f"{c.org.name}印发《{inner}》，明确到2025年{_whole(c.place)}{_plain(plan)}的主要目标，并围绕{_list3(aspects)}部署重点任务。",
        body=body,
        keywords=["十四五", "规划"],
        matter=_plain(plan),
    )


def _b_action_plan(c: _Ctx) -> _Text | None:
    inner = f"{c.place}{c.matter}三年行动计划（{c.year}—{c.year + 2}年）"
    aspects = c.aspects(3)
    body = "\n".join(
        [
            c.org.addressee,
            f"{c.fill('{consent}')}现将《{inner}》印发给你们，请结合实际认真抓好落实。",
            f"《{inner}》提出到{c.year + 2}年的工作目标，围绕{_list3(aspects)}实施一批重点行动。{c.closing()}",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.issuer_names}关于印发{inner}的通知",
        genre="计划",
        kind="action",
        summary=f"{c.org.name}印发《{inner}》，提出到{c.year + 2}年的工作目标，围绕{_list3(aspects)}部署重点行动。",
        body=body,
        keywords=["行动计划"],
    )


def _b_bulletin(c: _Ctx) -> _Text | None:
    if not c.org.key.endswith("ecology") or c.subject.sub != "环境监测、保护与治理" or c.co:
        return None
    prev = c.year - 1
    good_days = c.rng.randint(960, 995) / 10
    body = "\n".join(
        [
            f"{prev}年，{_whole(c.place)}生态环境质量总体保持优良。",
            f"环境空气质量：{_whole(c.place)}城市环境空气质量优良天数比率平均为{good_days}%。",
            f"水环境质量：纳入国家考核的地表水断面水质优良比例为{c.rng.randint(82, 97)}%，集中式饮用水水源地水质达标率保持100%。",
            "声环境、辐射环境质量总体稳定，未发生较大及以上突发环境事件。",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{prev}年{c.place}生态环境状况公报",
        genre="公报",
        kind="other",
        summary=f"公报发布{prev}年{c.place}生态环境质量状况：城市环境空气质量优良天数比率平均为{good_days}%，集中式饮用水水源地水质达标率100%。",
        body=body,
        keywords=["生态环境状况", "公报"],
    )


def _b_motion(c: _Ctx) -> _Text | None:
    if c.org.kind != "government" or c.org.level == "county" or not c.subject.statutes or c.co:
        return None
    statute = c.rng.choice(c.subject.statutes)
    draft = f"{c.org.name.removesuffix('人民政府')}{statute}（草案）"
    congress = c.org.name.replace("人民政府", "人民代表大会常务委员会")
    body = "\n".join(
        [
            f"{congress}：",
            f"为推进{c.matter}工作法治化，{c.org.name}起草了《{draft}》，已经{c.org.name}常务会议讨论通过，现提请审议。",
            c.signature(),
        ]
    )
    return _Text(
        title=f"{c.org.name}关于提请审议《{draft}》的议案",
        genre="议案",
        kind="other",
        summary=f"{c.org.name}提请{congress}审议《{draft}》。",
        body=body,
        keywords=["地方性法规", "议案"],
    )


_Builder = Callable[[_Ctx], "_Text | None"]
_BUILDERS: tuple[tuple[float, _Builder], ...] = (
    (9, _b_issue_impl),
    (7, _b_issue_rule),
    (5, _b_strengthen),
    (5, _b_annual),
    (3, _b_campaign),
    (2, _b_inspection),
    (3, _b_key_points),
    (5, _b_opinion_impl),
    (3, _b_opinion_guide),
    (3, _b_report_assess),
    (2, _b_report_inspection),
    (2, _b_report_progress),
    (6, _b_approval),
    (12, _b_public_notice),
    (1.5, _b_decision_commend),
    (0.7, _b_decision_repeal),
    (1.2, _b_law_report),
    (1.5, _b_work_report),
    (2, _b_letter_consult),
    (1, _b_letter_assist),
    (1.5, _b_minutes),
    (2, _b_order),
    (12, _b_plan),
    (3, _b_action_plan),
    (6, _b_bulletin),
    (2, _b_motion),
)


# --------------------------------------------------------------------------------------------------
# Fixed entries: the provincial documents the gazette publishes, the seed document, workflow samples
# --------------------------------------------------------------------------------------------------


def _entry(
    org: str,
    title: str,
    document_number: str,
    genre: str,
    topic: str,
    keywords: list[str],
    created: date,
    published: date,
    summary: str,
    body: str,
    *,
    validity: str = "有效",
    repeal_date: date | None = None,
    co_issuers: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "org": org,
        "title": title,
        "summary": summary,
        "document_number": document_number,
        "genre": genre,
        "topic": topic,
        "keywords": keywords,
        "created_date": created,
        "published_date": published,
        "disclosure_mode": "主动公开",
        "scope": SCOPE,
        "validity": validity,
        "repeal_date": repeal_date,
        "body": body,
        "co_issuers": list(co_issuers or []),
    }


def _gazette_source_entries() -> list[dict[str, Any]]:
    gov, office = _ORG_BY_KEY["yn-gov"], _ORG_BY_KEY["yn-gov-office"]
    return [
        _entry(
            "yn-gov",
            "云南省人民政府关于印发云南省优化营商环境三年行动计划（2024—2026年）的通知",
            "云政发〔2024〕2号",
            "通知",
            topic_path("国民经济管理、国有资产监管", "经济体制改革"),
            ["营商环境", "行动计划", "市场主体"],
            date(2024, 1, 8),
            date(2024, 1, 15),
            "云南省人民政府印发《云南省优化营商环境三年行动计划（2024—2026年）》，提出到2026年营商环境主要指标进入全国第一方阵。"
            "计划围绕市场准入、政务服务、要素保障、公平竞争和法治保障五个方面部署25项重点任务。",
            "\n".join(
                [
                    gov.addressee,
                    "现将《云南省优化营商环境三年行动计划（2024—2026年）》印发给你们，请认真贯彻执行。",
                    "优化营商环境是激发市场活力、增强发展内生动力的关键之举。各地各部门要坚持目标导向和问题导向，"
                    "对标国内先进水平，围绕市场准入更加便捷、政务服务更加高效、要素保障更加有力、市场竞争更加公平、"
                    "法治保障更加完善五个方面，逐项细化工作措施，明确责任单位和完成时限。",
                    "省发展改革委要牵头建立营商环境监测评价机制，每半年通报一次工作进展。对工作推进不力、企业反映问题突出的，"
                    "依规依纪严肃问责。",
                    _signature([gov], date(2024, 1, 8)),
                ]
            ),
        ),
        _entry(
            "yn-gov",
            "云南省公共数据管理办法",
            "云南省人民政府令第228号",
            "命令（令）",
            topic_path("综合政务", "电子政务"),
            ["公共数据", "数据共享", "政府规章"],
            date(2024, 1, 12),
            date(2024, 1, 19),
            "《云南省公共数据管理办法》经省人民政府常务会议通过，以省人民政府令第228号公布，自2024年3月1日起施行。"
            "办法对公共数据的目录管理、汇聚共享、开放利用和安全保障作出规定。",
            "\n".join(
                [
                    "《云南省公共数据管理办法》已经2023年12月29日云南省人民政府第25次常务会议通过，现予公布，自2024年3月1日起施行。",
                    "第一章 总则\n第一条 为了规范公共数据管理，促进公共数据共享开放和开发利用，提升政府治理能力和公共服务水平，"
                    "根据有关法律、行政法规，结合本省实际，制定本办法。",
                    "第二条 本省行政区域内公共数据的目录管理、汇聚、共享、开放、开发利用和安全保障等活动，适用本办法。",
                    "第三条 公共数据管理遵循统筹规划、依法采集、按需共享、有序开放、安全可控的原则。",
                    "……",
                    _signature([gov], date(2024, 1, 12)),
                ]
            ),
        ),
        _entry(
            "yn-gov-office",
            "云南省人民政府办公厅关于进一步优化政务服务提升行政效能推动“高效办成一件事”的实施意见",
            "云政办发〔2024〕4号",
            "意见",
            topic_path("综合政务", "电子政务"),
            ["政务服务", "高效办成一件事", "行政效能"],
            date(2024, 1, 22),
            date(2024, 1, 29),
            "云南省人民政府办公厅就进一步优化政务服务、提升行政效能、推动“高效办成一件事”提出实施意见。"
            "意见明确2024年推出首批13个“一件事”重点事项，并从办事方式、服务渠道、平台支撑和制度保障等方面提出要求。",
            "\n".join(
                [
                    office.addressee,
                    "为贯彻落实《国务院关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见》，"
                    "经省人民政府同意，现提出如下实施意见：",
                    _numbered(
                        [
                            "聚焦企业和群众关切，2024年推出企业信息变更、开办运输企业、新生儿出生、教育入学、社保卡居民服务等"
                            "首批13个“一件事”重点事项，实现一次告知、一表申请、一套材料、一窗（端）受理、一网办理。",
                            "优化办事方式，推进线上“一网通办”、线下“只进一门”、诉求“一线应答”，提升“一部手机办事通”服务能力。",
                            "强化平台支撑，依托省一体化政务服务平台加强数据共享和电子证照应用，能通过数据共享获取的材料一律免于提交。",
                            "加强制度保障，各牵头部门要逐项制定工作方案，明确办事指南和业务规程，省政府办公厅定期通报进展情况。",
                        ]
                    ),
                    _signature([office], date(2024, 1, 22)),
                ]
            ),
        ),
        _entry(
            "yn-finance",
            "云南省财政厅关于印发云南省省级预算绩效管理办法的通知",
            "云财〔2024〕6号",
            "通知",
            topic_path("财政、金融、审计", "财政"),
            ["预算绩效管理", "财政资金", "管理办法"],
            date(2024, 1, 25),
            date(2024, 2, 1),
            "云南省财政厅印发《云南省省级预算绩效管理办法》，自2024年3月1日起施行，有效期5年。"
            "办法对事前绩效评估、绩效目标管理、绩效运行监控、绩效评价和结果应用作出规定。",
            "\n".join(
                [
                    _ORG_BY_KEY["yn-finance"].addressee,
                    "经省人民政府同意，现将《云南省省级预算绩效管理办法》印发给你们，请认真遵照执行。",
                    "《云南省省级预算绩效管理办法》共七章三十六条，对事前绩效评估、绩效目标管理、绩效运行监控、绩效评价"
                    "和结果应用作出规定，自2024年3月1日起施行，有效期5年。绩效评价结果将作为预算安排和政策调整的重要依据。",
                    _signature([_ORG_BY_KEY["yn-finance"]], date(2024, 1, 25)),
                ]
            ),
        ),
        _entry(
            "yn-gov",
            "云南省人民政府关于取消和调整一批行政许可事项的决定",
            "云政发〔2024〕5号",
            "决定",
            topic_path("综合政务", "其他"),
            ["行政许可", "放管服", "清单管理"],
            date(2024, 2, 2),
            date(2024, 2, 7),
            "云南省人民政府决定取消和调整一批行政许可事项，其中取消7项、下放审批层级5项。"
            "决定要求有关部门同步调整行政许可事项清单，并逐项制定加强事中事后监管的措施。",
            "\n".join(
                [
                    gov.addressee,
                    "为深化“放管服”改革，进一步优化营商环境，经研究，省人民政府决定取消7项、下放审批层级5项行政许可事项。",
                    "各有关部门要及时调整行政许可事项清单，做好取消和下放事项的衔接落实，逐项制定加强事中事后监管的措施，"
                    "防止出现监管真空。",
                    "附件：省人民政府决定取消和调整的行政许可事项目录",
                    _signature([gov], date(2024, 2, 2)),
                ]
            ),
        ),
        _entry(
            "yn-gov-office",
            "云南省人民政府办公厅关于印发云南省2024年政务公开工作要点的通知",
            "云政办发〔2024〕7号",
            "通知",
            topic_path("综合政务", "政务公开"),
            ["政务公开", "工作要点", "政策解读"],
            date(2024, 2, 6),
            date(2024, 2, 8),
            "云南省人民政府办公厅印发《云南省2024年政务公开工作要点》，部署全省全年政务公开工作。"
            "要点围绕以公开助推高质量发展、以公开提升政务服务效能、以公开促进政策落实和加强公开平台建设等方面明确了重点任务。",
            "\n".join(
                [
                    office.addressee,
                    "经省人民政府同意，现将《云南省2024年政务公开工作要点》印发给你们，请认真贯彻落实。",
                    "各地各部门要坚持以公开为常态、不公开为例外，围绕经济社会发展大局和群众关切，做好重点领域信息公开；"
                    "严格落实政策文件与解读方案同步起草、同步审签、同步发布；加强政府网站和政务新媒体管理，"
                    "规范政府信息公开申请办理，推进基层政务公开标准化规范化建设。",
                    "各州、市人民政府和省直各部门要于2024年3月底前将本地本部门工作安排报送省政府办公厅。",
                    _signature([office], date(2024, 2, 6)),
                ]
            ),
        ),
        _entry(
            "yn-education",
            "云南省教育厅关于印发云南省县域普通高中发展提升行动实施方案的通知",
            "云教〔2024〕3号",
            "通知",
            topic_path("科技、教育", "教育"),
            ["县域普通高中", "教育质量", "实施方案"],
            date(2024, 2, 8),
            date(2024, 2, 18),
            "云南省教育厅印发《云南省县域普通高中发展提升行动实施方案》，提出到2025年全面消除县中大班额、县中办学条件全面达标。"
            "方案从办学条件改善、教师队伍建设、招生管理规范和教育教学改革等方面部署了重点任务。",
            "\n".join(
                [
                    _ORG_BY_KEY["yn-education"].addressee,
                    "经省人民政府同意，现将《云南省县域普通高中发展提升行动实施方案》印发给你们，请结合实际认真组织实施。",
                    "各州、市要把县中发展提升纳入教育事业发展规划，加大经费投入，规范招生管理，严禁违规跨区域掐尖招生，"
                    "加强县中教师补充和培训，推动县域普通高中整体办学水平提升。",
                    _signature([_ORG_BY_KEY["yn-education"]], date(2024, 2, 8)),
                ]
            ),
        ),
    ]


GAZETTE_SOURCE_ENTRIES: list[dict[str, Any]] = _gazette_source_entries()


def seed_document() -> dict[str, Any]:
    """The real 2013 document of 云南省人民政府办公厅, as a published catalog entry (body = the file's text)."""
    body = (files("demo") / SEED_RESOURCE).read_text(encoding="utf-8")
    return _entry(
        "yn-gov-office",
        "云南省人民政府办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见",
        SEED_DOCUMENT_NUMBER,
        "意见",
        topic_path("综合政务", "政务公开"),
        ["政府信息公开", "回应社会关切", "政府公信力", "新闻发言人", "政务微博微信"],
        date(2013, 12, 24),
        date(2013, 12, 30),
        "为贯彻落实《国务院办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的意见》（国办发〔2013〕100号），"
        "云南省人民政府办公厅经省人民政府同意，结合本省实际提出实施意见。"
        "意见从加强新闻发言人制度、政府网站、政务微博微信和查阅场所等平台建设，完善主动发布、政策解读、舆情收集和回应、"
        "沟通协调及依申请公开等工作机制，以及加强组织领导、业务培训、督查指导和考核评议等保障措施三个方面提出了十三项要求。",
        body,
    )


# --------------------------------------------------------------------------------------------------
# Workflow samples (unpublished states)
# --------------------------------------------------------------------------------------------------


def workflow_samples() -> list[dict[str, Any]]:
    """~8 recent entries for unpublished workflow states; titles carry the marker 「（草稿样例）」.

    Same shape as :func:`catalog_entries` plus ``state_hint``: draft, pending_first_review,
    pending_department_review, pending_unit_approval, rejected, withdrawn or scheduled. ``published_date``
    is the planned release date.
    """
    specs: list[tuple[str, str, str, str, str, list[str], date, str, str]] = [
        (
            "draft",
            "yn-gov-office",
            "云南省人民政府办公厅关于印发云南省2026年政务公开工作要点的通知",
            "通知",
            topic_path("综合政务", "政务公开"),
            ["政务公开", "工作要点"],
            date(2025, 11, 20),
            "云政办发〔2025〕186号",
            "部署2026年全省政务公开重点工作，明确以公开促进政策落实、优化政务服务和加强公开平台建设等任务。",
        ),
        (
            "pending_first_review",
            "yn-finance",
            "云南省财政厅关于做好2026年省级部门预算公开工作的通知",
            "通知",
            topic_path("财政、金融、审计", "财政"),
            ["预算公开", "部门预算"],
            date(2025, 11, 24),
            "云财〔2025〕158号",
            "要求省级部门在省人民代表大会批准预算后20日内公开部门预算，细化公开内容并加强公开情况检查。",
        ),
        (
            "pending_department_review",
            "yn-education",
            "云南省教育厅关于进一步规范中小学校课后服务工作的通知",
            "通知",
            topic_path("科技、教育", "教育"),
            ["课后服务", "双减"],
            date(2025, 11, 26),
            "云教〔2025〕121号",
            "对中小学校课后服务时间安排、服务内容、收费管理和安全保障等提出规范要求。",
        ),
        (
            "pending_unit_approval",
            "km-gov",
            "昆明市人民政府关于印发昆明市滇池流域水环境保护治理三年行动计划（2026—2028年）的通知",
            "计划",
            topic_path("城乡建设、环境保护", "环境监测、保护与治理"),
            ["滇池保护治理", "行动计划"],
            date(2025, 12, 1),
            "昆政发〔2025〕142号",
            "提出到2028年滇池水质稳定保持Ⅳ类的目标，部署入湖河道综合治理、面源污染防控和生态修复等重点行动。",
        ),
        (
            "rejected",
            "dl-ecology",
            "大理白族自治州生态环境局关于开展2026年洱海流域入河排污口排查整治专项行动的通知",
            "通知",
            topic_path("城乡建设、环境保护", "环境监测、保护与治理"),
            ["洱海保护治理", "入河排污口"],
            date(2025, 12, 3),
            "大州环发〔2025〕97号",
            "部署在洱海流域开展入河排污口排查、监测、溯源和整治，建立排污口名录和整治台账。",
        ),
        (
            "withdrawn",
            "km-wuhua",
            "昆明市五华区人民政府关于2025年度老旧小区改造项目实施计划的公告",
            "公告",
            topic_path("城乡建设、环境保护", "城乡建设（含住房）"),
            ["老旧小区改造", "城市更新"],
            date(2025, 12, 5),
            "五政发〔2025〕88号",
            "公布五华区2025年度纳入改造计划的老旧小区名单、改造内容和实施时间安排。",
        ),
        (
            "scheduled",
            "yn-drc",
            "云南省发展和改革委员会关于公布2026年省级重大项目清单的通知",
            "通知",
            topic_path("国民经济管理、国有资产监管", "发展规划"),
            ["重大项目", "扩大有效投资"],
            date(2025, 12, 10),
            "云发改〔2025〕132号",
            "公布2026年省级重大项目清单，明确项目责任单位和年度投资计划，要求加快推进项目前期工作和建设进度。",
        ),
        (
            "draft",
            "dl-binchuan",
            "宾川县人民政府关于做好2026年春节期间烟花爆竹燃放管理工作的通告",
            "通告",
            topic_path("市场监管、安全生产监管", "安全生产监管"),
            ["烟花爆竹", "安全生产"],
            date(2025, 12, 12),
            "宾政发〔2025〕76号",
            "明确2026年春节期间县城规划区内烟花爆竹限放区域和时段，规范烟花爆竹经营和燃放行为。",
        ),
    ]
    out: list[dict[str, Any]] = []
    for i, (hint, org_key, title, genre, topic, keywords, created, number, summary) in enumerate(specs):
        org = _ORG_BY_KEY[org_key]
        marked = title + DRAFT_MARKER
        body = "\n".join(
            [
                org.addressee,
                f"{summary}",
                "本件为演示用草稿样例，内容尚未经审核批准，不得对外发布。",
                _signature([org], created),
            ]
        )
        entry = _entry(
            org_key,
            marked,
            number,
            genre,
            topic,
            keywords,
            created,
            created + timedelta(days=7 + i),
            f"{org.name}{summary}",
            body,
        )
        entry["state_hint"] = hint
        out.append(entry)
    return out


def non_proactive_entries() -> list[dict[str, Any]]:
    """One 依申请公开 and one 不予公开 entry of the province, published through the review chain so that
    the disclosure-mode rule is visible: the first is listed with its catalog metadata only, the second
    never reaches the public. Same shape as :func:`catalog_entries` plus ``non_disclosure_reason`` and
    ``legal_basis``."""
    drc, office = _ORG_BY_KEY["yn-drc"], _ORG_BY_KEY["yn-gov-office"]
    on_request = _entry(
        "yn-drc",
        "云南省发展和改革委员会关于昆明长水国际机场航空物流园区供油工程项目核准的批复",
        "云发改基础〔2025〕1187号",
        "批复",
        topic_path("国民经济管理、国有资产监管", "发展规划"),
        ["项目核准", "航空物流"],
        date(2025, 10, 16),
        date(2025, 10, 23),
        "对航空物流园区供油工程项目的建设地点、建设规模、主要建设内容和投资估算予以核准。",
        "\n".join(
            [
                "云南机场集团有限责任公司：",
                "你公司报送的航空物流园区供油工程项目核准申请材料收悉。经研究，同意核准该项目。",
                "项目建设方案、投资构成及资金来源详见附件。",
                _signature([drc], date(2025, 10, 16)),
            ]
        ),
    )
    on_request |= {
        "disclosure_mode": "依申请公开",
        "scope": "项目单位及依申请的公民、法人或其他组织",
        "non_disclosure_reason": "批复仅针对项目单位，载有企业投资项目的具体建设方案和投资构成，"
        "不属于需要社会公众广泛知晓的信息，公众可依申请获取。",
        "legal_basis": "《中华人民共和国政府信息公开条例》第十九条、第二十七条",
    }
    not_disclosed = _entry(
        "yn-gov-office",
        "云南省人民政府办公厅关于2025年第三季度省政府重点工作督查情况的内部通报",
        "云政办督〔2025〕46号",
        "通报",
        topic_path("综合政务", "政务督查"),
        ["政务督查", "内部通报"],
        date(2025, 10, 20),
        date(2025, 10, 27),
        "通报第三季度省政府重点工作督查中发现的问题及整改要求。",
        "\n".join(
            [
                "省直各部门：",
                "现将第三季度省政府重点工作督查中发现的问题及整改要求通报如下（略）。",
                _signature([office], date(2025, 10, 20)),
            ]
        ),
    )
    not_disclosed |= {
        "disclosure_mode": "不予公开",
        "scope": "不予公开",
        "non_disclosure_reason": "属于行政机关督查工作中形成的内部事务信息和过程性信息。",
        "legal_basis": "《中华人民共和国政府信息公开条例》第十六条",
    }
    return [on_request, not_disclosed]


# --------------------------------------------------------------------------------------------------
# Random catalog entries
# --------------------------------------------------------------------------------------------------


def _fixed_entries() -> list[dict[str, Any]]:
    return [*_gazette_source_entries(), seed_document(), *workflow_samples()]


def _series_key(org: _Org, text: _Text, year: int) -> tuple[str, str]:
    return (org.key, "order" if text.series == "order" else str(year))


def _format_number(org: _Org, series: str, year: int, seq: int) -> str:
    if series == "order":
        return f"{org.order_prefix}第{seq}号"
    return document_number(org.doc_prefix, year, seq)


def _parse_anchor(number: str, org: _Org) -> tuple[str, int] | None:
    """(series, seq) of a fixed document number issued by ``org``, or None."""
    if org.order_prefix and number.startswith(org.order_prefix + "第"):
        return "order", int(number[len(org.order_prefix) + 1 : -1])
    head = org.doc_prefix + "〔"
    if number.startswith(head):
        year, _, rest = number[len(head) :].partition("〕")
        return year, int(rest[:-1])
    return None


def catalog_entries(rng: random.Random, count: int = 300) -> list[dict[str, Any]]:
    """``count`` published catalog entries spread over the demo orgs and the years 2019-2025.

    Deterministic given ``rng``. Document numbers increase with the 成文日期 within each org and year
    (政府令 numbers within each government) and never collide with :data:`GAZETTE_SOURCE_ENTRIES`,
    :func:`seed_document` or :func:`workflow_samples`.
    """
    fixed = _fixed_entries()
    # Every fixed number is skipped; the workflow samples are the newest documents and carry high
    # numbers, so only the published fixed entries anchor the numbering.
    reserved = {e["document_number"] for e in fixed}
    published_fixed = [*_gazette_source_entries(), seed_document()]
    # Anchors: numbers that published fixed entries hold, per (org, series), with their dates.
    anchors: dict[tuple[str, str], list[tuple[date, int]]] = {}
    for e in published_fixed:
        org = _ORG_BY_KEY[e["org"]]
        parsed = _parse_anchor(e["document_number"], org)
        if parsed is not None:
            anchors.setdefault((org.key, parsed[0]), []).append((e["created_date"], parsed[1]))
    # Random entries of an org-year that holds fixed entries are dated after the last of them.
    min_date: dict[tuple[str, int], date] = {}
    for e in published_fixed:
        key = (e["org"], e["created_date"].year)
        min_date[key] = max(min_date.get(key, date.min), e["created_date"] + timedelta(days=1))

    orgs = list(_ORGS)
    org_weights = [o.weight for o in orgs]
    builder_weights = [w for w, _ in _BUILDERS]
    titles: set[str] = {e["title"] for e in fixed}
    drafts: list[tuple[_Org, tuple[_Org, ...], _Subject, str, _Text, date]] = []

    while len(drafts) < count:
        org = rng.choices(orgs, weights=org_weights)[0]
        co: tuple[_Org, ...] = ()
        if org.co_issuers and rng.random() < 0.08:
            partner = _ORG_BY_KEY[rng.choice(org.co_issuers)]
            # The sector department leads (drafts, comes first) in joint documents with the finance
            # department or the development commission.
            if org.key.endswith(("finance", "drc")) and not partner.key.endswith(("finance", "drc")):
                org, partner = partner, org
            co = (partner,)
        year = rng.randint(FIRST_YEAR, LAST_YEAR)
        start = max(date(year, 1, 4), min_date.get((org.key, year), date.min))
        end = min(date(year, 12, 28), LAST_RANDOM_DATE)
        if start >= end:
            continue
        created = start + timedelta(days=rng.randint(0, (end - start).days))
        subjects = [
            s
            for s in _SUBJECTS
            if s.fits(org.topics)
            and _matters_for(s, org.region, year)
            and not (org.level == "county" and s.top in _NOT_FOR_COUNTIES)
        ]
        subject = rng.choice(subjects)
        matter = rng.choice(_matters_for(subject, org.region, year))
        ctx = _Ctx(rng, org, co, subject, matter, year, created)
        text: _Text | None = None
        for _ in range(12):
            builder = rng.choices(_BUILDERS, weights=builder_weights)[0][1]
            text = builder(ctx)
            if text is not None and text.title not in titles:
                break
            text = None
        if text is None:
            continue
        titles.add(text.title)
        drafts.append((org, co, subject, matter, text, created))

    # Number each series in date order, around the fixed anchors.
    by_series: dict[tuple[str, str], list[int]] = {}
    for i, (org, _co, _subject, _matter, text, created) in enumerate(drafts):
        by_series.setdefault(_series_key(org, text, created.year), []).append(i)
    numbers: dict[int, str] = {}
    for series_key in sorted(by_series):
        org = _ORG_BY_KEY[series_key[0]]
        series = series_key[1]
        idx = sorted(by_series[series_key], key=lambda i: (drafts[i][5], i))
        fixed_points = sorted(anchors.get(series_key, []))
        year = drafts[idx[0]][5].year
        if series == "order":
            base = fixed_points[0][1] if fixed_points else rng.randint(150, 210)
            pivot = fixed_points[0][0] if fixed_points else date.min
            before = [i for i in idx if drafts[i][5] < pivot]
            after = [i for i in idx if drafts[i][5] >= pivot]
            seq = base
            for i in reversed(before):
                seq -= 1
                numbers[i] = _format_number(org, series, year, seq)
            seq = base if fixed_points else base - 1
            for i in after:
                seq += 1
                numbers[i] = _format_number(org, series, year, seq)
            continue
        seq = max((n for _, n in fixed_points), default=0) + rng.randint(0, 6)
        for i in idx:
            seq += rng.randint(1, 6)
            candidate = _format_number(org, series, year, seq)
            while candidate in reserved:
                seq += 1
                candidate = _format_number(org, series, year, seq)
            numbers[i] = candidate

    out: list[dict[str, Any]] = []
    for i, (org, co, subject, matter, text, created) in enumerate(drafts):
        published = created + timedelta(days=rng.randint(2, 12))
        validity, repeal = _validity(rng, text, created, published)
        main = text.matter or _plain(matter)
        matter_kw = main if len(main) <= 10 and main in _plain(text.title) else ""
        keywords = [k for k in dict.fromkeys([*subject.keywords[:2], matter_kw, *text.keywords]) if k]
        out.append(
            _entry(
                org.key,
                text.title,
                numbers[i],
                text.genre,
                text.topic or subject.topic,
                keywords[:5],
                created,
                published,
                text.summary,
                text.body,
                validity=validity,
                repeal_date=repeal,
                co_issuers=[o.key for o in co],
            )
        )
    return out


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _validity(rng: random.Random, text: _Text, created: date, published: date) -> tuple[str, date | None]:
    """有效 mostly; expired normative documents 失效, some 废止 or 已修改 (with the date it happened)."""
    if text.term_years is not None:
        expiry = _add_years(created, text.term_years)
        if expiry <= LAST_RANDOM_DATE:
            return "失效", expiry
    if text.kind == "action":
        end = date(created.year + 2, 12, 31)
        if end <= LAST_RANDOM_DATE and rng.random() < 0.7:
            return "失效", end
        return "有效", None
    if text.kind not in ("issue", "rule", "opinion", "order", "notice") or created.year > 2023:
        return "有效", None
    r = rng.random()
    if r >= 0.16:
        return "有效", None
    earliest = published + timedelta(days=300)
    if earliest >= LAST_RANDOM_DATE:
        return "有效", None
    when = earliest + timedelta(days=rng.randint(0, (LAST_RANDOM_DATE - earliest).days))
    if r < 0.10:
        return "废止", when
    return "已修改", when


# --------------------------------------------------------------------------------------------------
# Gazette
# --------------------------------------------------------------------------------------------------


def _source(number: str) -> dict[str, Any]:
    for e in GAZETTE_SOURCE_ENTRIES:
        if e["document_number"] == number:
            return e
    raise KeyError(number)


def _article_of(section: str, number: str) -> dict[str, Any]:
    e = _source(number)
    return {
        "title": e["title"],
        "section": section,
        "document_number": number,
        "body": e["summary"],
        "catalog_ref": number,
    }


def gazette_issues() -> list[dict[str, Any]]:
    """Two issues of 云南省人民政府公报 (2024年第3期, 第4期).

    Each: ``org, year, number, title, publication_date, articles``; an article is ``title, section``
    (省政府文件 | 省政府办公厅文件 | 部门文件 | 人事任免), ``document_number`` (or None), ``body`` and
    ``catalog_ref`` (the document_number of the catalog entry it publishes, from
    :data:`GAZETTE_SOURCE_ENTRIES`, or None).
    """
    return [
        {
            "org": "yn-gov",
            "year": 2024,
            "number": 3,
            "title": "云南省人民政府公报 2024年第3期",
            "publication_date": date(2024, 2, 10),
            "articles": [
                _article_of("省政府文件", "云南省人民政府令第228号"),
                _article_of("省政府文件", "云政发〔2024〕2号"),
                _article_of("省政府办公厅文件", "云政办发〔2024〕4号"),
                _article_of("部门文件", "云财〔2024〕6号"),
                {
                    "title": "云南省人民政府关于任免有关人员职务的通知",
                    "section": "人事任免",
                    "document_number": "云政任〔2024〕2号",
                    "body": "省人民政府决定：\n任命赵建民为云南省统计局副局长；\n任命孙晓梅为云南省人民政府研究室副主任；\n"
                    "免去刘德明的云南省地方志编纂委员会办公室副主任职务，另有任用。",
                    "catalog_ref": None,
                },
            ],
        },
        {
            "org": "yn-gov",
            "year": 2024,
            "number": 4,
            "title": "云南省人民政府公报 2024年第4期",
            "publication_date": date(2024, 2, 25),
            "articles": [
                _article_of("省政府文件", "云政发〔2024〕5号"),
                _article_of("省政府办公厅文件", "云政办发〔2024〕7号"),
                {
                    "title": "云南省人民政府办公厅关于做好2024年春耕生产工作的通知",
                    "section": "省政府办公厅文件",
                    "document_number": "云政办函〔2024〕9号",
                    "body": "各州、市人民政府，省直有关部门：\n当前正值春耕备耕关键时期。各地要压实粮食安全党政同责，"
                    "稳定粮食播种面积，抓好种子、化肥、农药等农资供应和价格监管，加强农业气象灾害监测预警，"
                    "确保春耕生产顺利开展。",
                    "catalog_ref": None,
                },
                _article_of("部门文件", "云教〔2024〕3号"),
                {
                    "title": "云南省人民政府任免人员名单",
                    "section": "人事任免",
                    "document_number": None,
                    "body": "2024年2月，省人民政府任免下列人员职务：\n任命钱文涛为云南省水利厅副厅长；\n"
                    "任命吴海燕为云南省审计厅副厅长；\n免去郑国栋的云南省交通运输厅副厅长职务，退休。",
                    "catalog_ref": None,
                },
            ],
        },
    ]


# --------------------------------------------------------------------------------------------------
# Policy interpretations
# --------------------------------------------------------------------------------------------------

_SEED_INTERPRETATION = """\
一、《实施意见》出台的背景是什么？
答：2013年10月，国务院办公厅印发《关于进一步加强政府信息公开回应社会关切提升政府公信力的意见》（国办发〔2013〕100号），对加强政府信息公开平台建设、完善工作机制、强化保障措施提出了明确要求。为贯彻落实这一文件，进一步做好我省政府信息公开工作，妥善回应社会关切，正确引导舆论，提升政府公信力，经省人民政府同意，省政府办公厅结合我省实际制定了《实施意见》，于2013年12月24日印发。
二、《实施意见》包括哪些主要内容？
答：《实施意见》分为三个部分、十三条。第一部分“切实加强平台建设”，包括加强新闻发言人制度建设、政府网站建设、新媒体应用和查阅场所建设四条；第二部分“着力加强机制建设”，包括完善主动发布机制，建立政策解读机制，健全舆情收集和回应机制，建立沟通协调机制，建立健全依申请公开工作机制五条；第三部分“完善保障措施”，包括加强组织领导、业务培训、督查指导和考核评议四条。
三、在新闻发布方面提出了哪些具体要求？
答：省新闻办要做好重要政务信息新闻发布工作，加强对各州、市人民政府和省直各部门新闻发布工作的指导和协调。省政府办公厅和省新闻办要围绕省人民政府重要会议、“两个20项”和“10件惠民实事”等重点工作以及公众关注的热点问题，及时组织召开新闻发布会。与宏观经济和民生关系密切以及社会关注事项较多的职能部门，主要负责人原则上每年应出席1次省人民政府新闻发布会；有关部门原则上每季度至少举办1次新闻发布会。各州、市人民政府要建立政府主要负责人依托新闻发布平台和新媒体发布重要信息的制度。
四、对政府网站和政务微博微信有哪些要求？
答：省人民政府及其部门网站要着重就区域性重大问题加强权威信息发布；州、市、县、区人民政府及其部门网站要着重为公众和企业提供在线办事服务和公益性便民服务。上下级政府和部门网站之间要做好链接，逐步实现资源共享、协同共建和整体联动。各级政府主要负责人原则上每年参加1次政府网站在线访谈，政府部门每年至少开展2次在线访谈；涉及群众切身利益的重要决策，应通过政府网站公开征求意见。各地各部门要积极开通政务微博、微信公众账号，按照“谁开设、谁主管，谁应用、谁负责”的原则制定信息审核、发布等管理规范，并加强与政府网站的联动。
五、公众可以通过哪些途径查阅政府信息？
答：各级政府政务服务大厅、档案馆、公共图书馆要设立专门的政府信息公开查阅场所，在显著位置设立“政府信息公开查阅点”标识，各地各部门要及时向查阅场所提供主动公开的政府信息和政府公报等出版物。同时，适时开展手机互联网查询业务，并加强政务信息查询“96128”专线的建设和管理，对投诉、举报类电话质询，要确保件件有回复、事事有回音。
六、如何保证对外发布的政府信息准确、安全？
答：《实施意见》要求对拟发布的政府信息，按照“先审查、后公开”和“一事一审”原则，依法依规做好保密审查；进一步完善承办人初审、承办部门负责人审核、单位负责人审发的政府信息公开“三审”制度，严格执行登记备案制度，有条件的地方要通过网络技术手段将工作流程固化，未经审查和批准不得对外发布政府信息。公开的政府信息涉及其他行政机关的，公开前应与有关行政机关沟通确认，确保准确一致。
七、在政策解读和回应社会关切方面有哪些措施？
答：重要政策法规出台后，各地各部门要及时组织有关负责人、专家学者和评论员队伍进行解读，介绍政策出台背景、重要性和必要性，解读重要内容和主要措施。要建立健全舆情收集、研判、报告和回应机制，必要时及时予以回应、澄清事实；建立重大政务舆情会商联席会议制度和政府信息发布与舆情处置联动机制。对需要或者可以让社会公众广泛知晓的依申请公开信息，在答复申请人的同时通过政府网站等平台主动公开。
八、如何保障各项措施落到实处？
答：各地各部门主要负责人要亲自过问，分管负责人要直接负责；尚未设置专门机构的州、市要尽快设置，并将政府信息公开工作经费列入财政预算。要建立培训工作常态化机制，人力资源社会保障部门要会同有关部门把政府信息公开工作列为公务员培训内容。省政府办公厅会同省新闻办、互联网信息办、工业和信息化委加强督查指导，定期通报有关情况；各地各部门要把政府信息公开工作纳入年度工作目标考核体系，定期开展考核评议。"""

_KEY_POINTS_INTERPRETATION = """\
【图解】一图读懂《云南省2024年政务公开工作要点》
图1 总体要求
问：2024年全省政务公开工作的总体思路是什么？
答：坚持以公开为常态、不公开为例外，围绕经济社会发展大局和群众关切，以公开助推高质量发展、以公开提升政务服务效能、以公开促进政策落实，持续加强公开平台和制度建设。
图2 重点领域信息公开
问：今年要重点公开哪些信息？
答：重点做好优化营商环境、扩大有效投资、稳就业、乡村振兴、生态环境保护、教育医疗和社会保障等领域信息公开，及时发布政府预决算、重大建设项目和公共资源配置信息。
图3 政策解读
问：政策解读有什么新要求？
答：严格落实政策文件与解读方案同步起草、同步审签、同步发布，主要负责同志要带头解读重大政策；综合运用图表图解、音频视频、在线访谈等形式，提高解读的针对性和可读性。
图4 平台建设
问：政府网站和政务新媒体方面有哪些任务？
答：加强政府网站集约化建设和内容保障，规范政务新媒体开设、运维和关停；完善政府信息公开专栏和政府公报数字化建设，推进政府信息公开查阅场所规范化。
图5 依申请公开和基层政务公开
问：如何规范政府信息公开申请办理？
答：严格执行受理、登记、办理、审核、答复、归档等环节规范，依法按期答复；对申请量较大、社会关注度高的信息，及时转为主动公开。持续推进基层政务公开标准化规范化建设，更新完善公开事项标准目录。"""

_BUSINESS_INTERPRETATION = """\
一、《行动计划》的制定背景是什么？
答：营商环境是企业生存发展的土壤。近年来，我省持续深化“放管服”改革，营商环境明显改善，但与国内先进地区相比，在市场准入、要素保障、涉企服务等方面仍有差距。为进一步激发市场活力和社会创造力，省发展改革委牵头起草了《云南省优化营商环境三年行动计划（2024—2026年）》，经省人民政府同意印发实施。
二、《行动计划》的主要目标是什么？
答：到2026年，全省营商环境主要指标进入全国第一方阵，政务服务效能、要素保障能力和市场主体满意度显著提升，市场化法治化国际化一流营商环境基本形成。
三、《行动计划》部署了哪些重点任务？
答：《行动计划》围绕市场准入更加便捷、政务服务更加高效、要素保障更加有力、市场竞争更加公平、法治保障更加完善五个方面，部署了25项重点任务，包括深化“证照分离”改革、推动“高效办成一件事”、降低企业用地用能成本、全面落实公平竞争审查制度、规范涉企行政执法等。
四、企业遇到营商环境问题可以通过什么渠道反映？
答：企业可以通过12345政务服务便民热线、“一部手机办事通”和省政府门户网站的营商环境投诉专栏反映问题。有关部门将按照“接诉即办”要求限时办理并反馈结果。
五、如何确保《行动计划》落到实处？
答：省发展改革委将建立营商环境监测评价机制，每半年通报一次工作进展；对工作推进不力、企业反映问题突出的地方和部门，依规依纪严肃问责。"""

_DATA_INTERPRETATION = """\
【视频解读】《云南省公共数据管理办法》
（视频时长约8分钟，以下为解说词）
问：为什么要制定《办法》？
答：公共数据是政府治理和公共服务的重要资源。过去一段时间，公共数据存在底数不清、标准不一、共享不畅等问题。制定《办法》，就是要以政府规章的形式规范公共数据管理，促进共享开放和开发利用，提升政府治理能力和公共服务水平。
问：《办法》所称的公共数据指什么？
答：主要是指本省各级行政机关以及具有公共管理和服务职能的组织，在依法履行职责或者提供公共服务过程中收集、产生的数据。
问：公共数据如何共享？
答：公共数据实行目录管理，按照无条件共享、有条件共享和不予共享分类。能够通过共享获取的数据，不得要求公民、法人或者其他组织重复提交。
问：公共数据开放有哪些安排？
答：公共数据按照无条件开放、有条件开放和不予开放分类管理，优先开放与民生紧密相关、社会迫切需要的数据。涉及国家秘密、商业秘密和个人隐私的数据，依法不予开放。
问：如何保障数据安全？
答：《办法》明确了数据安全责任制，要求建立健全数据分类分级保护、安全审计和应急处置制度，对违反规定的行为依法追究责任。《办法》自2024年3月1日起施行。"""

_BUDGET_INTERPRETATION = """\
【音频解读】省财政厅有关负责同志解读《云南省省级预算绩效管理办法》
（音频时长约6分钟，以下为文字稿）
问：《办法》出台的主要考虑是什么？
答：全面实施预算绩效管理是推进国家治理体系和治理能力现代化的内在要求。原有的省级预算绩效管理制度已不能完全适应新形势，有必要进行系统修订，推动预算和绩效管理一体化。
问：《办法》对绩效目标管理有什么要求？
答：省级部门申请预算时，要同步设置绩效目标，做到指标明确、可衡量、可考核。未按要求设置绩效目标或绩效目标审核未通过的，不得安排预算。
问：绩效评价结果怎么用？
答：绩效评价结果作为预算安排、政策调整和改进管理的重要依据。对评价结果为优的，优先保障；对评价结果较差的，相应调减预算或者调整政策，并按规定公开。
问：《办法》的施行时间和有效期是多久？
答：《办法》自2024年3月1日起施行，有效期5年。"""


def interpretations() -> list[dict[str, Any]]:
    """Policy interpretations (政策解读): ``org, title, kind (text|graphic|audio|video), body,
    published_date, interprets`` (document numbers). The first interprets the seed document."""
    return [
        {
            "org": "yn-gov-office",
            "title": "《云南省人民政府办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见》政策解读",
            "kind": "text",
            "body": _SEED_INTERPRETATION,
            "published_date": date(2013, 12, 30),
            "interprets": [SEED_DOCUMENT_NUMBER],
        },
        {
            "org": "yn-drc",
            "title": "《云南省优化营商环境三年行动计划（2024—2026年）》政策解读",
            "kind": "text",
            "body": _BUSINESS_INTERPRETATION,
            "published_date": date(2024, 1, 15),
            "interprets": ["云政发〔2024〕2号"],
        },
        {
            "org": "yn-gov-office",
            "title": "《云南省公共数据管理办法》政策解读",
            "kind": "video",
            "body": _DATA_INTERPRETATION,
            "published_date": date(2024, 1, 19),
            "interprets": ["云南省人民政府令第228号"],
        },
        {
            "org": "yn-finance",
            "title": "《云南省省级预算绩效管理办法》政策解读",
            "kind": "audio",
            "body": _BUDGET_INTERPRETATION,
            "published_date": date(2024, 2, 1),
            "interprets": ["云财〔2024〕6号"],
        },
        {
            "org": "yn-gov-office",
            "title": "《云南省2024年政务公开工作要点》政策解读",
            "kind": "graphic",
            "body": _KEY_POINTS_INTERPRETATION,
            "published_date": date(2024, 2, 8),
            "interprets": ["云政办发〔2024〕7号"],
        },
    ]


# --------------------------------------------------------------------------------------------------
# Online interview
# --------------------------------------------------------------------------------------------------


def _at(hour: int, minute: int) -> datetime:
    return datetime(2024, 3, 14, hour, minute, tzinfo=CST)


def interviews() -> list[dict[str, Any]]:
    """One online interview (在线访谈) with guests, collected questions and a timed transcript.

    Each: ``org, kind (interview|press_conference), title, description, place, scheduled_start,
    scheduled_end, guests [{name, title, org}], questions [{asker, text, answer}], transcript [{speaker,
    role, text, time}], published_date``.
    """
    host, g1, g2, g3 = "李然", "杨文华", "周丽萍", "陈志远"
    turns: list[tuple[int, int, str, str, str]] = [
        (
            10,
            0,
            host,
            "host",
            "各位网友大家好！欢迎来到云南省人民政府门户网站在线访谈。今天我们邀请到省政府办公厅副主任杨文华、"
            "省政府办公厅政务公开办公室主任周丽萍，以及云南大学政府管理学院教授陈志远，"
            "围绕“深化政务公开 回应社会关切”与大家在线交流。",
        ),
        (
            10,
            2,
            g1,
            "guest",
            "主持人好，各位网友大家好！很高兴通过在线访谈的形式与大家交流全省政务公开工作。",
        ),
        (10, 4, host, "host", "杨主任，请您先介绍一下2023年全省政务公开工作取得了哪些成效？"),
        (
            10,
            5,
            g1,
            "guest",
            "2023年，全省各级行政机关主动公开政府信息120余万条，办理政府信息公开申请1.1万余件。"
            "我们严格落实“先审查、后公开”和“三审”制度，推进基层政务公开标准化规范化，"
            "政府网站和政务新媒体管理进一步规范，政府公报实现数字化发布。",
        ),
        (10, 11, host, "host", "周主任，今年省政府办公厅印发了2024年政务公开工作要点，有哪些新的安排？"),
        (
            10,
            12,
            g2,
            "guest",
            "要点突出三个方面：一是以公开助推高质量发展，做好营商环境、扩大有效投资等领域信息公开；"
            "二是以公开提升政务服务效能，配合推动“高效办成一件事”；三是以公开促进政策落实，"
            "严格落实政策文件与解读方案同步起草、同步审签、同步发布。",
        ),
        (10, 18, host, "host", "陈教授，从研究者的角度看，政策解读怎样才能让群众看得懂、用得上？"),
        (
            10,
            19,
            g3,
            "guest",
            "关键是从“我要说什么”转向“群众想知道什么”。解读要讲清楚政策背景、适用对象、办理流程和时间节点，"
            "多用图解、短视频和问答等形式，并在政策执行中根据群众反馈持续补充解读。",
        ),
        (
            10,
            26,
            host,
            "host",
            "我们来看网友提问。网友“春城小王”问：向政府部门申请公开信息，一般多长时间能收到答复？",
        ),
        (
            10,
            27,
            g2,
            "guest",
            "能够当场答复的当场答复；不能当场答复的，应当自收到申请之日起20个工作日内答复。"
            "需要延长答复期限的，经政府信息公开工作机构负责人同意并告知申请人，延长期限最长不超过20个工作日。"
            "征求第三方和其他机关意见所需时间不计算在内。",
        ),
        (
            10,
            33,
            host,
            "host",
            "网友“洱海边的老杨”问：我们村的惠民补贴发放情况在哪里可以查到？",
        ),
        (
            10,
            34,
            g1,
            "guest",
            "按照基层政务公开标准目录，惠民惠农财政补贴资金的发放情况由县级政府及其部门和乡镇在政府网站、"
            "村务公开栏等渠道公开。您也可以到县级政务服务大厅的政府信息公开查阅点查询，"
            "或者拨打12345政务服务便民热线咨询。",
        ),
        (10, 41, host, "host", "陈教授，您觉得下一步政务公开还需要在哪些方面加强？"),
        (
            10,
            42,
            g3,
            "guest",
            "一是加强公开内容的标准化，让各级各部门的公开目录口径一致、便于检索；二是加强数据开放，"
            "推动公共数据有序开放利用；三是重视查阅场所和适老化服务，照顾好不便上网的群众。",
        ),
        (10, 52, host, "host", "由于时间关系，今天的访谈即将结束。请杨主任最后和网友们说几句。"),
        (
            10,
            53,
            g1,
            "guest",
            "感谢广大网友的关注和参与。今天没来得及回答的问题，我们会在访谈结束后逐一研究答复，"
            "并在省政府门户网站公布。欢迎大家继续对政务公开工作提出意见建议。",
        ),
        (10, 58, host, "host", "感谢三位嘉宾，感谢各位网友的参与！本期在线访谈到此结束，再见！"),
    ]
    return [
        {
            "org": "yn-gov-office",
            "kind": "interview",
            "title": "深化政务公开 回应社会关切——2024年云南省政务公开工作在线访谈",
            "description": "省政府办公厅有关负责同志和专家做客省政府门户网站，围绕2023年全省政务公开工作成效、"
            "《云南省2024年政务公开工作要点》主要内容、政策解读和政府信息公开申请办理等与网友在线交流。",
            "place": "云南省人民政府门户网站",
            "scheduled_start": _at(10, 0),
            "scheduled_end": _at(11, 0),
            "guests": [
                {"name": g1, "title": "云南省人民政府办公厅副主任", "org": "yn-gov-office"},
                {"name": g2, "title": "云南省人民政府办公厅政务公开办公室主任", "org": "yn-gov-office"},
                {"name": g3, "title": "云南大学政府管理学院教授", "org": None},
            ],
            "questions": [
                {
                    "asker": "网友“春城小王”",
                    "text": "向政府部门申请公开信息，一般多长时间能收到答复？",
                    "answer": "能够当场答复的当场答复；不能当场答复的，应当自收到申请之日起20个工作日内答复，"
                    "确需延长的最长延长20个工作日，并告知申请人。",
                },
                {
                    "asker": "网友“洱海边的老杨”",
                    "text": "我们村的惠民补贴发放情况在哪里可以查到？",
                    "answer": "可通过县级政府网站、村务公开栏查询，也可到县级政务服务大厅的政府信息公开查阅点查询，"
                    "或拨打12345政务服务便民热线咨询。",
                },
                {
                    "asker": "网友“滇池晨跑”",
                    "text": "省政府公报能否提供电子版下载？过去年份的公报在哪里查？",
                    "answer": "（访谈后答复）省政府门户网站“政府公报”栏目提供历年各期公报的电子版在线阅读和PDF下载，"
                    "各级政府信息公开查阅点也可查阅纸质公报。",
                },
                {
                    "asker": "网友“彩云之南”",
                    "text": "政策解读能不能多出一些方言或少数民族语言的版本？",
                    "answer": None,
                },
            ],
            "transcript": [
                {"speaker": speaker, "role": role, "text": text, "time": _at(h, m)}
                for h, m, speaker, role, text in turns
            ],
            "published_date": date(2024, 3, 14),
        }
    ]
