"""Chinese explanations of bpmnlint's findings (its `recommended` rules), for policy staff."""

from __future__ import annotations

from app.engine.bpmnlint import PREFIX

RULES: dict[str, str] = {
    "ad-hoc-sub-process": "自由子流程（ad-hoc）的写法不规范",
    "conditional-flows": "从任务或事件直接分出的条件顺序流缺少条件；请改用网关分支",
    "end-event-required": "流程（或子流程）缺少结束事件",
    "event-based-gateway": "事件网关之后只能接中间捕获事件或接收任务",
    "event-sub-process-typed-start-event": "事件子流程的开始事件必须有类型（如定时、消息）",
    "fake-join": "同一节点有多条流入的顺序流但没有网关汇合；请在它前面加一个汇合网关",
    "global": "全局元素（消息、信号等）重复或无人引用",
    "label-required": "元素缺少名称；流程图上每个步骤、事件和分支网关都要有中文名称",
    "link-event": "链接事件未成对（每个抛出链接须有同名的捕获链接）",
    "no-bpmndi": "元素缺少图形（BPMN DI），其他建模工具无法显示",
    "no-complex-gateway": "不使用复杂网关",
    "no-disconnected": "元素没有连上任何顺序流（流程图中孤立的元素，或缺少流入/流出引用）",
    "no-duplicate-sequence-flows": "两条顺序流的起点、终点和条件完全相同（重复连线）",
    "no-gateway-join-fork": "同一网关既汇合又分支；请拆成一个汇合网关和一个分支网关",
    "no-implicit-split": "任务或事件直接分出多条无条件顺序流；请用并行网关表示同时进行",
    "no-implicit-end": "该元素没有流出的顺序流，却不是结束事件（隐式结束）",
    "no-implicit-start": "该元素没有流入的顺序流，却不是开始事件（隐式开始）",
    "no-inclusive-gateway": "不建议使用包容网关",
    "no-overlapping-elements": "图形相互重叠",
    "single-blank-start-event": "一个流程只能有一个无类型的开始事件",
    "single-event-definition": "一个事件只能有一个事件定义",
    "start-event-required": "流程（或子流程）缺少开始事件",
    "sub-process-blank-start-event": "子流程的开始事件必须是无类型的开始事件",
    "superfluous-gateway": "只有一条流入和一条流出的网关是多余的",
    "superfluous-label": "无条件的顺序流不需要名称（名称只放在网关分支、条件或默认流向上）",
    "superfluous-termination": "终止结束事件在此处多余（与普通结束事件效果相同）",
    "parse": "BPMN 文件无法解析",
    "import": "BPMN 文件含有无法识别的内容",
}


def bpmnlint_hint(message: str) -> str | None:
    """The Chinese explanation of a bpmnlint problem's message, or None for other messages."""
    if not message.startswith(PREFIX):
        return None
    if message.startswith(f"{PREFIX} could not run"):
        return "无法运行 bpmnlint 规范检查（服务器需安装 Node.js 并执行 npm ci），未能确认流程图符合规范"
    rule = message[len(PREFIX) :].strip().split(":", 1)[0]
    return "不符合 BPMN 建模规范（bpmnlint）：" + RULES.get(rule, f"规则 {rule}")
