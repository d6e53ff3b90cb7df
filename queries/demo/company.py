"""The demo company 华信电器 (Huaxin Electric), a home-appliance and electronics retail chain:
its departments, people, products and the stories its data tells.

Everything here is fixed (independent of the demo seed) so that every demo database shows
the same organisation; only the complaint records vary with the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COMPANY_ZH = "华信电器"
COMPANY_EN = "Huaxin Electric"

# Business lines the complaints are about.
PRODUCTS: tuple[str, ...] = (
    "空调",
    "冰箱",
    "洗衣机",
    "彩电",
    "手机数码",
    "厨卫电器",
    "小家电",
    "安装服务",
    "延保服务",
    "会员服务",
)
REGIONS: tuple[str, ...] = ("华东", "华南", "华北", "西南")
REGION_SHARE = (0.38, 0.27, 0.22, 0.13)  # where the customers of central departments live

CATEGORIES: tuple[str, ...] = (
    "产品质量",
    "服务态度",
    "价格/收费",
    "交付延迟",
    "广告宣传",
    "合同纠纷",
    "售后维修",
    "其他",
)
CHANNELS: tuple[str, ...] = ("phone", "online", "email", "social", "walk_in", "letter", "transfer")
SEVERITIES: tuple[str, ...] = ("general", "urgent", "major")


@dataclass(frozen=True)
class Dept:
    """One department of the demo company with the parameters its complaints are drawn from.

    ``share`` is its part of all complaints, ``rate`` its complaints per 10,000 units of
    business (which sets its monthly business volume), ``resp``/``res`` multiply the median
    first-response and resolution times, ``valid`` is the chance a resolved complaint is
    found valid, ``quality`` shifts satisfaction (0 = company average).
    """

    department_id: str
    name_zh: str
    name_en: str
    parent_id: str | None
    head: str
    share: float
    rate: float
    unit: str
    handlers: int
    channels: tuple[float, ...]
    categories: tuple[float, ...]
    products: tuple[float, ...]
    region: str | None = None
    resp: float = 1.0
    res: float = 1.0
    valid: float = 0.6
    quality: float = 0.0
    multi: float = 0.05
    repeat: float = 1.0
    story: str = ""
    previous_head: str | None = None
    extra: dict[str, float] = field(default_factory=dict)


# channel order: phone, online, email, social, walk_in, letter, transfer
_CH_CENTRAL = (0.30, 0.30, 0.06, 0.14, 0.0, 0.05, 0.15)
_CH_CALL = (0.70, 0.14, 0.05, 0.06, 0.0, 0.0, 0.05)
_CH_ONLINE = (0.16, 0.55, 0.06, 0.20, 0.0, 0.0, 0.03)
_CH_DELIVERY = (0.45, 0.30, 0.02, 0.18, 0.0, 0.0, 0.05)
_CH_STORE = (0.25, 0.10, 0.01, 0.06, 0.54, 0.01, 0.03)
_CH_BRANCH = (0.35, 0.10, 0.15, 0.05, 0.10, 0.15, 0.10)
# category order: 产品质量 服务态度 价格/收费 交付延迟 广告宣传 合同纠纷 售后维修 其他
_CAT_CALL = (0.16, 0.22, 0.12, 0.18, 0.05, 0.03, 0.16, 0.08)
_CAT_DELIVERY = (0.06, 0.16, 0.03, 0.62, 0.0, 0.02, 0.05, 0.06)
_CAT_REPAIR = (0.25, 0.10, 0.08, 0.05, 0.0, 0.02, 0.46, 0.04)
_CAT_ONLINE = (0.18, 0.08, 0.26, 0.20, 0.16, 0.02, 0.04, 0.06)
_CAT_MARKETING = (0.03, 0.07, 0.22, 0.02, 0.50, 0.08, 0.0, 0.08)
_CAT_BILLING = (0.0, 0.08, 0.62, 0.0, 0.05, 0.17, 0.0, 0.08)
_CAT_STORE = (0.26, 0.30, 0.12, 0.08, 0.06, 0.04, 0.08, 0.06)
_CAT_BRANCH = (0.10, 0.10, 0.15, 0.05, 0.05, 0.45, 0.02, 0.08)
_CAT_HQ = (0.22, 0.12, 0.14, 0.10, 0.10, 0.12, 0.12, 0.08)
# product order: 空调 冰箱 洗衣机 彩电 手机数码 厨卫电器 小家电 安装服务 延保服务 会员服务
_PR_ALL = (0.18, 0.13, 0.12, 0.10, 0.14, 0.09, 0.08, 0.07, 0.05, 0.04)
_PR_DELIVERY = (0.22, 0.18, 0.16, 0.14, 0.08, 0.10, 0.06, 0.06, 0.0, 0.0)
_PR_REPAIR = (0.26, 0.16, 0.16, 0.10, 0.06, 0.12, 0.04, 0.04, 0.06, 0.0)
_PR_ONLINE = (0.10, 0.08, 0.08, 0.10, 0.30, 0.06, 0.14, 0.02, 0.04, 0.08)
_PR_SERVICE = (0.10, 0.06, 0.06, 0.06, 0.12, 0.05, 0.05, 0.10, 0.16, 0.24)

DEPARTMENTS: tuple[Dept, ...] = (
    Dept("D01", "运营管理中心", "Operations Management Centre", None, "周建国",
         0.008, 0.6, "企业客户订单", 2, _CH_CENTRAL, _CAT_HQ, _PR_ALL,
         res=1.2, valid=0.55, quality=0.1),
    Dept("D0101", "客服中心", "Customer Service Centre", "D01", "王丽华",
         0.28, 25.0, "呼入来电", 14, _CH_CALL, _CAT_CALL, _PR_SERVICE,
         resp=0.45, res=0.85, valid=0.52, quality=0.35,
         story="fast first response, stable; busier in November"),
    Dept("D0102", "物流配送部", "Logistics & Delivery", "D01", "赵永刚",
         0.16, 9.0, "配送单", 9, _CH_DELIVERY, _CAT_DELIVERY, _PR_DELIVERY,
         resp=1.1, res=1.0, valid=0.66, quality=0.0, multi=0.08, repeat=1.3,
         story="slips every Double 11: complaints x2.6, slower handling, an outage incident"),
    Dept("D0103", "售后服务部", "After-sales Service", "D01", "刘海涛",
         0.14, 38.0, "维修工单", 9, _CH_CALL, _CAT_REPAIR, _PR_REPAIR,
         resp=1.0, res=1.45, valid=0.68, quality=-0.15, multi=0.09, repeat=1.4,
         story="chronically slow repairs, many repeats"),
    Dept("D0104", "电子商务部", "E-commerce", "D01", "孙悦",
         0.10, 4.5, "线上订单", 7, _CH_ONLINE, _CAT_ONLINE, _PR_ONLINE,
         resp=0.8, res=0.9, valid=0.58, quality=0.2,
         story="price and promotion disputes at 618 (June) and Double 11"),
    Dept("D0105", "营销部", "Marketing", "D01", "何静",
         0.035, 1.2, "活动参与人次", 3, _CH_ONLINE, _CAT_MARKETING, _PR_SERVICE,
         res=1.1, valid=0.45, quality=0.1),
    Dept("D0106", "财务结算部", "Billing & Settlement", "D01", "钱伟",
         0.04, 6.0, "结算笔数", 3, _CH_CALL, _CAT_BILLING, _PR_SERVICE,
         res=1.05, valid=0.62, quality=0.05, multi=0.10,
         story="a double-charging incident"),
    Dept("D02", "华东分公司", "East China Branch", None, "郑国强",
         0.010, 3.0, "分公司直营订单", 2, _CH_BRANCH, _CAT_BRANCH, _PR_ALL, region="华东",
         res=1.1, valid=0.55),
    Dept("D0201", "上海南京路旗舰店", "Shanghai Nanjing Road Flagship Store", "D02", "吴佳怡",
         0.045, 18.0, "门店销售单", 6, _CH_STORE, _CAT_STORE, _PR_ALL, region="华东",
         resp=0.9, res=0.9, valid=0.55, quality=0.3),
    Dept("D0202", "杭州西湖店", "Hangzhou West Lake Store", "D02", "冯晓东",
         0.025, 17.0, "门店销售单", 4, _CH_STORE, _CAT_STORE, _PR_ALL, region="华东",
         valid=0.58, quality=0.15),
    Dept("D0203", "南京新街口店", "Nanjing Xinjiekou Store", "D02", "陈雪梅",
         0.018, 17.0, "门店销售单", 4, _CH_STORE, _CAT_STORE, _PR_ALL, region="华东",
         valid=0.6),
    Dept("D03", "华南分公司", "South China Branch", None, "黄志明",
         0.008, 3.0, "分公司直营订单", 2, _CH_BRANCH, _CAT_BRANCH, _PR_ALL, region="华南",
         res=1.1, valid=0.55),
    Dept("D0301", "广州天河店", "Guangzhou Tianhe Store", "D03", "林晓峰",
         0.032, 24.0, "门店销售单", 5, _CH_STORE, _CAT_STORE, _PR_ALL, region="华南",
         resp=1.3, res=1.5, valid=0.72, quality=-0.45, repeat=1.3,
         previous_head="陈志强",
         story="new head 林晓峰 12 months before the end; improves steadily after"),
    Dept("D0302", "深圳南山店", "Shenzhen Nanshan Store", "D03", "许文博",
         0.026, 16.0, "门店销售单", 4, _CH_STORE, _CAT_STORE, _PR_ALL, region="华南",
         valid=0.6, quality=0.1, story="an air-conditioner installation incident"),
    Dept("D04", "华北分公司", "North China Branch", None, "马德胜",
         0.008, 3.0, "分公司直营订单", 2, _CH_BRANCH, _CAT_BRANCH, _PR_ALL, region="华北",
         res=1.1, valid=0.55),
    Dept("D0401", "北京朝阳店", "Beijing Chaoyang Store", "D04", "高峰",
         0.030, 16.0, "门店销售单", 5, _CH_STORE, _CAT_STORE, _PR_ALL, region="华北",
         valid=0.55, quality=0.25, story="gets worse over the last 8 months"),
    Dept("D0402", "天津和平店", "Tianjin Heping Store", "D04", "罗红",
         0.012, 15.0, "门店销售单", 3, _CH_STORE, _CAT_STORE, _PR_ALL, region="华北",
         valid=0.6),
    Dept("D05", "西南分公司", "Southwest Branch", None, "唐勇",
         0.005, 3.0, "分公司直营订单", 2, _CH_BRANCH, _CAT_BRANCH, _PR_ALL, region="西南",
         res=1.1, valid=0.55),
    Dept("D0501", "成都春熙路店", "Chengdu Chunxi Road Store", "D05", "宋丽娟",
         0.020, 12.0, "门店销售单", 4, _CH_STORE, _CAT_STORE, _PR_ALL, region="西南",
         resp=0.8, res=0.75, valid=0.5, quality=0.55, repeat=0.7,
         story="the best-run store"),
    Dept("D0502", "重庆解放碑店", "Chongqing Jiefangbei Store", "D05", "谢军",
         0.004, 15.0, "门店销售单", 2, _CH_STORE, _CAT_STORE, _PR_ALL, region="西南",
         valid=0.6, story="a small store: a handful of complaints a month"),
)  # fmt: skip

# Stories: which department does what (indexes into DEPARTMENTS, looked up by name).
LOGISTICS = "物流配送部"
ECOMMERCE = "电子商务部"
CALL_CENTRE = "客服中心"
IMPROVER = "广州天河店"  # new head, improves steadily
SLIPPER = "北京朝阳店"  # gets worse over the last months
IMPROVER_FROM_END = 12  # the new head started this many months before the end month
SLIPPER_FROM_END = 8  # the slide starts this many months before the end month

# Group-complaint incidents: (department, month of year or None for "a month near the
# end", day, hour, category, product, size range, description).
INCIDENTS: tuple[tuple[str, int | None, int, int, str, str, tuple[int, int], str], ...] = (
    (LOGISTICS, 11, 12, 9, "交付延迟", "冰箱", (9, 16),
     "双十一大促后华东仓爆仓，配送系统故障导致订单未按承诺时间送达"),
    ("财务结算部", None, 8, 10, "价格/收费", "会员服务", (6, 10),
     "支付系统升级后会员年费被重复扣款，要求退还多扣款项"),
    ("深圳南山店", 7, 20, 14, "产品质量", "空调", (5, 8),
     "同一批次空调安装后室内机漏水，多户家庭地板受损"),
)  # fmt: skip

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏建文辉力飞鑫波斌宇浩凯健俊帆帅旭宁"
    "龙林欢佳阳丹晨雪琳颖婷倩慧蕾欣怡梓涵子轩博睿思雨晓峰海燕红梅志国永春东立新"
)
# Chinese mobile prefixes (13x, 15x, 18x).
PHONE_PREFIXES = (
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
    150, 151, 152, 153, 155, 156, 157, 158, 159,
    180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
)  # fmt: skip

_STAFF_SEED = 8_1120  # fixed: the staff list is the same in every demo


def _surname_weights() -> np.ndarray:
    """Zipf-like weights: 王/李/张 are far more common than 覃/莫."""
    ranks = np.arange(1, len(SURNAMES) + 1)
    w = 1.0 / ranks**0.9
    return w / w.sum()


SURNAME_P = _surname_weights()


def staff_names() -> dict[str, list[str]]:
    """The handlers of every department (Chinese names, unique across the company)."""
    rng = np.random.default_rng(_STAFF_SEED)
    taken = {d.head for d in DEPARTMENTS} | {d.previous_head for d in DEPARTMENTS}
    out: dict[str, list[str]] = {}
    for dept in DEPARTMENTS:
        names: list[str] = []
        while len(names) < dept.handlers:
            s = SURNAMES[rng.choice(len(SURNAMES), p=SURNAME_P)]
            g = "".join(GIVEN[i] for i in rng.integers(0, len(GIVEN), rng.integers(1, 3)))
            if s + g not in taken:
                taken.add(s + g)
                names.append(s + g)
        out[dept.name_zh] = names
    return out


# Free text, by category: what the customer said. ``{p}`` is the product.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "产品质量": (
        "购买的{p}使用不到一个月出现故障，要求退换",
        "{p}到货后发现外观有划痕和磕碰",
        "{p}运行噪音过大，怀疑是质量问题",
        "新买的{p}无法正常开机，多次尝试无效",
    ),
    "服务态度": (
        "门店店员对{p}咨询态度冷淡，不耐烦",
        "客服人员接听电话时语气生硬，未解决{p}问题",
        "安装师傅服务态度差，现场抽烟且未清理",
        "多次催问{p}处理进度，工作人员推诿",
    ),
    "价格/收费": (
        "{p}购买后一周降价，要求补差价被拒",
        "安装时被额外收取{p}辅材费用，事先未告知",
        "{p}结算金额与页面标价不一致",
        "会员积分抵扣未生效，多付了{p}款项",
    ),
    "交付延迟": (
        "{p}订单超过承诺送达时间三天仍未送到",
        "预约的{p}送货上门时间多次被改期",
        "物流显示{p}已签收但本人未收到",
        "{p}安装预约排期过长，迟迟无人上门",
    ),
    "广告宣传": (
        "{p}宣传的赠品实际未兑现",
        "活动页面标注的{p}优惠力度与实际不符",
        "{p}宣传能效等级与实物不一致",
    ),
    "合同纠纷": (
        "{p}延保合同条款与销售承诺不符",
        "企业采购{p}合同约定的交付条件未履行",
        "退订{p}时被要求支付不合理违约金",
    ),
    "售后维修": (
        "{p}报修后维修人员迟迟未上门",
        "{p}维修后同一故障再次出现",
        "{p}保修期内维修被收取配件费",
        "{p}返厂维修时间过长，无备用机",
    ),
    "其他": (
        "对{p}相关的隐私信息使用有疑问",
        "门店停车及售后网点位置指引不清楚",
        "{p}发票开具错误，要求重开",
    ),
}

# How a resolved complaint ended, by category (what the company did).
RESOLUTIONS: dict[str, tuple[str, ...]] = {
    "产品质量": ("已为客户办理退换货", "已上门检测并更换故障部件", "经检测非质量问题，已解释"),
    "服务态度": ("已致歉，相关人员已批评教育", "已回访致歉并赠送优惠券", "核实录音后向客户说明"),
    "价格/收费": ("已按价保规则退还差价", "已退还多收费用", "已向客户解释收费标准"),
    "交付延迟": ("已加急配送并致歉", "已协调重新预约送货时间", "已补偿延误并完成配送"),
    "广告宣传": ("已补发赠品", "已按宣传内容兑现优惠", "已下架不准确的宣传内容并致歉"),
    "合同纠纷": ("已与客户协商一致变更合同条款", "已按合同约定履行交付", "已免除违约金"),
    "售后维修": ("已安排工程师上门维修完毕", "已更换新机", "已退还配件费用并致歉"),
    "其他": ("已向客户解释说明", "已重新开具发票", "已转相关部门处理并回复客户"),
}  # fmt: skip
WITHDRAWN_RESOLUTION = "客户主动撤销投诉"

# Penalty causes (docs/definitions.md#accountability) with their weights in the demo.
PENALTY_CAUSES: tuple[tuple[str, float], ...] = (
    ("工作失误", 0.40),
    ("服务态度恶劣", 0.22),
    ("技术原因返修", 0.14),
    ("增加客户不必要支出", 0.12),
    ("增加公司成本", 0.10),
    ("堵门、伤人及影响经营秩序", 0.02),
)
PENALTY_STATUSES = ("待决定", "已决定", "已执行", "已撤销")
