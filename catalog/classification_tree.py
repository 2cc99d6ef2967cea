"""The standard classification tree (政务信息资源目录编制指南, 6.1.1), kept small: the three classes, the
five basic resources, the guide's twelve themes and its department groups, with a few headings. The data
migration seeds it; ``classification_tree_seed`` seeds it again into a database that was emptied (a test
that flushes its tables). Codes: the class 1 digit, the item 2, the heading 3."""

from typing import Any

# (code, name, category); a node's parent is the node whose code is its code without its last digits.
TREE = [
    ("1", "基础信息资源", ""),
    ("101", "人口基础信息资源", "population"),
    ("101001", "人口基本信息", "population"),
    ("102", "法人单位基础信息资源", "legal_person"),
    ("102001", "企业法人登记信息", "legal_person"),
    ("102002", "机关、事业单位法人登记信息", "legal_person"),
    ("102003", "社会组织法人登记信息", "legal_person"),
    ("103", "自然资源和空间地理基础信息资源", "geospatial"),
    ("103001", "土地资源信息", "geospatial"),
    ("103002", "基础地理信息", "geospatial"),
    ("104", "社会信用基础信息资源", "credit"),
    ("104001", "公共信用信息", "credit"),
    ("105", "电子证照基础信息资源", "e_licence"),
    ("105001", "电子证照目录信息", "e_licence"),
    ("2", "主题信息资源", "thematic"),
    ("201", "公共服务", "thematic"),
    ("202", "健康保障", "thematic"),
    ("203", "社会保障", "thematic"),
    ("203001", "就业创业", "thematic"),
    ("204", "食品药品安全", "thematic"),
    ("205", "安全生产", "thematic"),
    ("206", "价格监管", "thematic"),
    ("207", "能源安全", "thematic"),
    ("208", "信用体系", "thematic"),
    ("209", "城乡建设", "thematic"),
    ("210", "社区治理", "thematic"),
    ("211", "生态环保", "thematic"),
    ("212", "应急维稳", "thematic"),
    ("3", "部门信息资源", "departmental"),
    ("301", "党中央", "departmental"),
    ("302", "全国人大常委会", "departmental"),
    ("303", "国务院", "departmental"),
    ("304", "全国政协", "departmental"),
    ("305", "最高人民法院", "departmental"),
    ("306", "最高人民检察院", "departmental"),
    ("307", "省（自治区、直辖市）及其下各级政务部门", "departmental"),
    ("308", "计划单列市及其下各级政务部门", "departmental"),
]
PARENT_CODE_LENGTH = {1: None, 3: 1, 6: 3}
LEVEL = {1: 1, 3: 2, 6: 3}

# An existing entry's category names its classification: the basic resource's item, or the class.
BY_CATEGORY = {
    "population": "101",
    "legal_person": "102",
    "geospatial": "103",
    "credit": "104",
    "e_licence": "105",
    "thematic": "2",
    "departmental": "3",
}


def classification_tree_seed(Classification, Resource) -> None:  # noqa: N803 (model classes, historical or not)
    """Create the tree's nodes (idempotent) and classify the unclassified entries by their category."""
    nodes: dict[str, Any] = {}
    for code, name, category in TREE:
        parent_length = PARENT_CODE_LENGTH[len(code)]
        node, _ = Classification.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": LEVEL[len(code)],
                "category": category,
                "parent": nodes[code[:parent_length]] if parent_length else None,
            },
        )
        nodes[code] = node
    for category, code in BY_CATEGORY.items():
        Resource.objects.filter(category=category, classification=None).update(classification=nodes[code])
