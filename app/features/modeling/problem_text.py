"""Validation problems in the words policy staff use: Chinese, naming the step by its name,
without file paths or line numbers (those stay in `processes validate`'s contract output)."""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from app.engine.parsing import Problem
from app.features.modeling.bpmnlint_hints import bpmnlint_hint

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, make: Callable[[re.Match[str]], str]) -> _Rule:
    return re.compile(pattern, re.S), make


_END = {"sourceRef": "起点", "targetRef": "终点"}
_SYNTAX = {
    "invalid syntax": "语法无效",
    "unterminated string literal": "字符串缺少结束引号",
    "unexpected EOF while parsing": "表达式不完整",
    "'(' was never closed": "括号未闭合",
    "unmatched ')'": "多余的右括号",
    "invalid decimal literal": "数字写法有误",
    "expected ':'": "缺少冒号",
}

# The validator's messages (app/engine/parsing.py) by shape, with their details in Chinese.
RULES: tuple[_Rule, ...] = (
    _rule(r"^user task is not in a lane", lambda m: "人工任务不在任何泳道中（泳道即办理岗位）"),
    _rule(
        r"^lane has no role",
        lambda m: "泳道没有指定办理岗位：请在泳道属性中选择岗位（泳道名称只是显示给人看的）",
    ),
    _rule(r"^lane role '([^']*)'", lambda m: f"泳道的办理岗位 {m[1]} 不是系统已有的岗位"),
    _rule(r"^user task has no form", lambda m: "人工任务没有指定表单"),
    _rule(r"^form (\S+) does not exist", lambda m: f"引用的表单 {m[1]} 不存在"),
    _rule(r"^form (\S+) is not valid JSON", lambda m: f"表单 {m[1]} 不是合法的 JSON"),
    _rule(
        r"^(sourceRef|targetRef) '([^']*)' names no element",
        lambda m: f"顺序流的{_END[m[1]]}「{m[2]}」不是本流程中的元素（悬空的顺序流）",
    ),
    _rule(
        r"^sequence flow has no diagram edge",
        lambda m: "顺序流没有画出连线（BPMN DI），其他建模工具无法显示",
    ),
    _rule(
        r"^element has no diagram shape",
        lambda m: "元素没有画出图形（BPMN DI），其他建模工具无法显示",
    ),
    _rule(r"^repeating timers", lambda m: "不支持循环计时（timeCycle）：时限是一个到期日"),
    _rule(
        r"^timer must call",
        lambda m: (
            "时限须写作 deadline(起算时点, 工作日数)、"
            "limit_deadline(起算时点, 时限名, 地区) 或 month_deadline(起算时点, 月数)，"
            "或以天计的期限如 'P7D'"
        ),
    ),
    _rule(r"^called process '([^']*)'", lambda m: f"调用的流程 {m[1]} 尚未发布"),
    _rule(
        r"^Python syntax error: (.*)",
        lambda m: f"条件、时限或脚本的 Python 写法有误：{_SYNTAX.get(m[1].strip(), '语法错误')}",
    ),
    _rule(
        r"^no process with id '([^']*)'",
        lambda m: f"找不到编号为 {m[1]} 的流程（流程编号须与流程文件名一致）",
    ),
    _rule(r"^malformed XML", lambda m: "流程文件格式错误：标签未闭合、不匹配或含非法字符"),
    _rule(r"^cannot read file", lambda m: "无法读取流程文件"),
    _rule(r"^BPMN schema", lambda m: "不符合 BPMN 2.0 规范"),
)
_PATH = re.compile(
    r"(?:[A-Za-z]:)?(?:/[^\s:'\"()]+)+\.(?:bpmn|json)|(?:processes|forms)/[^\s:'\"()]+"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def message_zh(problem: Problem) -> str:
    """The problem's message in Chinese (a message already in Chinese is kept, without paths)."""
    message = problem.message.strip()
    if (standard := bpmnlint_hint(message)) is not None:
        return standard
    for pattern, make in RULES:
        match = pattern.match(message)
        if match:
            return make(match)
    if _CJK.search(message):
        return without_paths(message)
    return "流程图无法通过校验（技术细节见下）"


def without_paths(text: str) -> str:
    """File paths out of a message: staff need the step, not where a file lies."""
    return _PATH.sub(lambda m: m.group(0).rsplit("/", 1)[-1], text)


class ProblemWording:
    """Words for the problems of one diagram: each names its step as the diagram does."""

    def __init__(self, xml: str, form_tasks: dict[str, str] | None = None) -> None:
        self.names: dict[str, str] = {}
        try:
            root = etree.fromstring(xml.encode("utf-8"))
        except (etree.XMLSyntaxError, ValueError):
            root = None
        if root is not None:
            for node in root.iter():
                if isinstance(node.tag, str) and node.get("id"):
                    self.names[str(node.get("id"))] = str(node.get("name") or "")
        self.form_tasks = form_tasks or {}

    def where(self, problem: Problem) -> str:
        """「审核并发出联系函」 for an element with a name, its id otherwise; a form's problem
        is placed on the task that uses it."""
        if problem.file.startswith("forms/") and not problem.element_id:
            return f"表单 {problem.file.removeprefix('forms/')}"
        element = problem.element_id
        if not element or element == "-":
            return "流程"
        name = self.names.get(element, "")
        prefix = "表单（所属任务 " if problem.file.startswith("forms/") else ""
        shown = f"「{name}」" if name else element
        return f"{prefix}{shown}）" if prefix else shown

    def text(self, problem: Problem) -> str:
        return f"{self.where(problem)}：{message_zh(problem)}"

    @staticmethod
    def detail(problem: Problem) -> str:
        """The original message for whoever fixes the XML by hand, still without paths."""
        return without_paths(f"{problem.element_id or '-'}: {problem.message}")
