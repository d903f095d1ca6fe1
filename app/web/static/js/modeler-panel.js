/* The properties side panel of the process modeler: only what this product needs (lane/role,
   form, working-day timer, gateway conditions, call targets, messages, scripts), written as
   standard BPMN 2.0 plus the spiffworkflow:properties extension so other modelers still open it. */
(function () {
  "use strict";

  // The spiffworkflow extension elements our diagrams use, so bpmn-js keeps and edits them.
  const SPIFF_MODDLE = {
    name: "SpiffWorkflow",
    uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    types: [
      {
        name: "Properties",
        superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }],
      },
      {
        name: "Property",
        superClass: ["Element"],
        properties: [
          { name: "name", type: "String", isAttr: true },
          { name: "value", type: "String", isAttr: true },
        ],
      },
      { name: "InstructionsForEndUser", superClass: ["Element"], properties: [{ name: "text", type: "String", isBody: true }] },
      { name: "PreScript", superClass: ["Element"], properties: [{ name: "text", type: "String", isBody: true }] },
      { name: "PostScript", superClass: ["Element"], properties: [{ name: "text", type: "String", isBody: true }] },
      // A message event's payload (thrown) and the variable that receives it (caught).
      { name: "MessagePayload", superClass: ["Element"], properties: [{ name: "text", type: "String", isBody: true }] },
      { name: "MessageVariable", superClass: ["Element"], properties: [{ name: "text", type: "String", isBody: true }] },
    ],
  };
  const FORM_PROPERTY = "formJsonSchemaFilename";
  const ROLE_PROPERTY = "role";
  const TYPE_LABELS = {
    "bpmn:UserTask": "人工任务",
    "bpmn:ScriptTask": "脚本任务",
    "bpmn:ServiceTask": "服务任务",
    "bpmn:CallActivity": "调用流程",
    "bpmn:SubProcess": "子流程",
    "bpmn:ExclusiveGateway": "排他网关",
    "bpmn:InclusiveGateway": "包容网关",
    "bpmn:ParallelGateway": "并行网关",
    "bpmn:EventBasedGateway": "事件网关",
    "bpmn:StartEvent": "开始事件",
    "bpmn:EndEvent": "结束事件",
    "bpmn:BoundaryEvent": "边界事件",
    "bpmn:IntermediateCatchEvent": "中间捕获事件",
    "bpmn:IntermediateThrowEvent": "中间抛出事件",
    "bpmn:SequenceFlow": "顺序流",
    "bpmn:Lane": "泳道",
    "bpmn:Participant": "参与者（池）",
    "bpmn:ReceiveTask": "接收任务",
    "bpmn:SendTask": "发送任务",
    "bpmn:Task": "任务",
  };
  const TIMER_KINDS = [
    ["timeDate", "到期时点（timeDate）"],
    ["timeDuration", "持续时间（timeDuration）"],
    ["timeCycle", "循环（timeCycle）"],
  ];
  const DEADLINE = /^deadline\(\s*([A-Za-z_]\w*)\s*,\s*(?:(\d+)|limit\(\s*['"]([^'"]+)['"]\s*,\s*([A-Za-z_]\w*)\s*\))\s*\)$/;
  // The limits.json name a timer reads: deadline(x, limit('KEY', ...)) or limit_deadline(x, 'KEY', ...).
  const LIMIT_NAME = /^(?:deadline\(\s*[A-Za-z_]\w*\s*,\s*limit\(|limit_deadline\(\s*[A-Za-z_]\w*\s*,)\s*['"]([^'"]+)['"]/;
  const REGION_VARS = [
    ["transfer_in_region", "转入地（transfer_in_region）"],
    ["transfer_out_region", "转出地（transfer_out_region）"],
  ];

  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "value") node.value = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  function options(select, items, current) {
    items.forEach(([value, label]) => {
      const option = h("option", { value: value, text: label });
      if (value === current) option.selected = true;
      select.appendChild(option);
    });
    return select;
  }

  function PropertiesPanel(modeler, container, config, hooks) {
    const modeling = modeler.get("modeling");
    const moddle = modeler.get("moddle");
    const registry = modeler.get("elementRegistry");
    const eventBus = modeler.get("eventBus");
    const readonly = !config.editable;
    let current = null;

    eventBus.on("selection.changed", (event) => {
      current = event.newSelection.length === 1 ? event.newSelection[0] : null;
      render();
    });
    eventBus.on("elements.changed", (event) => {
      if (current && event.elements.some((e) => e.id === current.id)) {
        current = registry.get(current.id) || null;
        render();
      }
    });

    function section(title, children) {
      return h("section", { class: "prop-section" }, [h("h3", { text: title })].concat(children));
    }

    function row(label, input, hint) {
      return h("label", { class: "prop-row" }, [
        h("span", { text: label }),
        input,
        hint ? h("small", { class: "muted", text: hint }) : null,
      ]);
    }

    function text(id, value, onChange, multiline) {
      const input = multiline
        ? h("textarea", { id: id, rows: 3, class: "mono", value: value || "", spellcheck: "false" })
        : h("input", { id: id, value: value || "" });
      input.disabled = readonly;
      input.addEventListener("change", () => onChange(input.value));
      return input;
    }

    // -- lanes ---------------------------------------------------------------------------
    function lanes() {
      return registry.filter((e) => e.type === "bpmn:Lane");
    }

    function laneOf(element) {
      let node = element;
      while (node) {
        const bo = node.businessObject;
        const lane = lanes().find((l) => (l.businessObject.flowNodeRef || []).includes(bo));
        if (lane) return lane;
        // A node inside an embedded subprocess works in the subprocess's lane.
        node = node.parent && node.parent.type === "bpmn:SubProcess" ? node.parent : null;
      }
      return null;
    }

    // Where in the lane the element can sit without covering another shape (bpmnlint's
    // no-overlapping-elements): the lane's middle first, then its top and bottom, then further
    // left and right along the lane.
    function freeSpot(element, lane) {
      const gap = 15;
      const others = registry.filter((e) => e !== element && !e.waypoints && e.type !== "label"
        && !["bpmn:Lane", "bpmn:Participant", "bpmn:Collaboration", "bpmn:Process"].includes(e.type)
        && !(e.di && e.di.isExpanded) && !(element.attachers || []).includes(e));
      const clear = (x, y) => others.every((o) =>
        x + element.width + gap <= o.x || o.x + o.width + gap <= x
        || y + element.height + gap <= o.y || o.y + o.height + gap <= y);
      const rows = [
        lane.y + lane.height / 2 - element.height / 2,
        lane.y + gap + 10,
        lane.y + lane.height - element.height - gap - 10,
      ].filter((y) => y >= lane.y && y + element.height <= lane.y + lane.height);
      for (let step = 0; step <= 20; step += 1) {
        const shift = (step % 2 ? 1 : -1) * Math.ceil(step / 2) * (element.width + 2 * gap);
        const x = element.x + shift;
        if (x < lane.x + 40) continue;
        const y = rows.find((row) => clear(x, row));
        if (y !== undefined) return { x: x, y: y };
      }
      return { x: element.x, y: rows[0] === undefined ? element.y : rows[0] };
    }

    function moveToLane(element, lane) {
      const spot = freeSpot(element, lane);
      modeling.moveElements([element], { x: Math.round(spot.x - element.x), y: Math.round(spot.y - element.y) });
      if (laneOf(element) !== lane) modeling.updateLaneRefs([element], lanes());
    }

    function roleLabel(code) {
      const role = config.roles.find((r) => r.code === code);
      return role ? role.label + "（" + code + "）" : code || "（未指定岗位）";
    }

    // A lane's name is its label for people; the role working its tasks is a property.
    function laneRole(lane) {
      return propertyOf(lane.businessObject, ROLE_PROPERTY);
    }

    function laneLabel(lane) {
      const name = lane.businessObject.name || "（未命名泳道）";
      return name + "（" + (laneRole(lane) || "未指定岗位") + "）";
    }

    function laneSection(element) {
      const all = lanes();
      if (!all.length) return null;
      const lane = laneOf(element);
      const select = h("select", { id: "prop-lane" });
      select.disabled = readonly;
      if (!lane) select.appendChild(h("option", { value: "", text: "（不在任何泳道中）" }));
      options(select, all.map((l) => [l.id, laneLabel(l)]), lane && lane.id);
      select.addEventListener("change", () => moveToLane(element, registry.get(select.value)));
      return section("泳道 / 办理岗位", [
        row("所在泳道", select, "泳道的办理岗位决定谁能办理；任务只对该岗位、对应地区的工作人员可见"),
      ]);
    }

    function laneRoleSection(element) {
      const select = h("select", { id: "prop-lane-role" });
      select.disabled = readonly;
      const codes = config.roles.map((r) => [r.code, r.label + "（" + r.code + "）"]);
      const role = laneRole(element);
      if (!config.roles.some((r) => r.code === role)) codes.unshift([role, role ? role + "（未知岗位）" : "（请选择岗位）"]);
      options(select, codes, role);
      select.addEventListener("change", () => setProperty(element, ROLE_PROPERTY, select.value));
      return section("泳道岗位", [row("办理岗位（role）", select, "泳道名称可随意修改，不影响谁能办理")]);
    }

    // -- forms (spiffworkflow:properties) -------------------------------------------------
    function spiffProperties(bo) {
      const ext = bo.extensionElements;
      return ext && (ext.values || []).find((v) => v.$type === "spiffworkflow:Properties");
    }

    function propertyOf(bo, name) {
      const props = spiffProperties(bo);
      const prop = props && (props.properties || []).find((p) => p.name === name);
      return prop ? prop.value : "";
    }

    function formOf(bo) {
      return propertyOf(bo, FORM_PROPERTY);
    }

    function setForm(element, value) {
      setProperty(element, FORM_PROPERTY, value);
    }

    function setProperty(element, name, value) {
      const bo = element.businessObject;
      let ext = bo.extensionElements;
      if (!ext) {
        ext = moddle.create("bpmn:ExtensionElements", { values: [] });
        modeling.updateProperties(element, { extensionElements: ext });
      }
      let props = spiffProperties(bo);
      if (!props) {
        props = moddle.create("spiffworkflow:Properties", { properties: [] });
        modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([props]) });
      }
      const prop = (props.properties || []).find((p) => p.name === name);
      if (prop) {
        modeling.updateModdleProperties(element, prop, { value: value });
      } else {
        const created = moddle.create("spiffworkflow:Property", { name: name, value: value });
        modeling.updateModdleProperties(element, props, {
          properties: (props.properties || []).concat([created]),
        });
      }
    }

    function formSection(element) {
      const current = formOf(element.businessObject);
      const input = h("input", { id: "prop-form", list: "prop-form-list", value: current });
      input.disabled = readonly;
      const list = h("datalist", { id: "prop-form-list" });
      hooks.formNames().forEach((name) => list.appendChild(h("option", { value: name })));
      input.addEventListener("change", () => setForm(element, input.value.trim()));
      const edit = h("button", {
        type: "button",
        id: "prop-form-edit",
        text: "编辑此表单",
        onclick: () => input.value && hooks.editForm(input.value.trim()),
      });
      return section("表单", [row("表单文件（forms/）", input, "JSON Schema 文件名，如 " + config.processId + ".任务.json"), list, edit]);
    }

    // -- timers ----------------------------------------------------------------------------
    function timerDefinition(bo) {
      return (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:TimerEventDefinition");
    }

    function setTimer(element, definition, kind, body) {
      const props = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
      props[kind] = moddle.create("bpmn:FormalExpression", { body: body });
      modeling.updateModdleProperties(element, definition, props);
    }

    function timerSection(element, definition) {
      const kind = TIMER_KINDS.map((k) => k[0]).find((k) => definition[k]) || "timeDate";
      const body = (definition[kind] && definition[kind].body) || "";
      const kindSelect = options(h("select", { id: "prop-timer-kind" }), TIMER_KINDS, kind);
      kindSelect.disabled = readonly;
      const expression = text("prop-timer-expression", body, (value) =>
        setTimer(element, definition, kindSelect.value, value.trim()), true);
      kindSelect.addEventListener("change", () => setTimer(element, definition, kindSelect.value, expression.value.trim()));
      const parts = [
        row("类型", kindSelect),
        row("表达式（Python）", expression, "工作日时限写作 deadline(起算时点, 工作日数) 或 deadline(起算时点, limit('时限名', 地区))，地区须为该时限约束的一方（limits.json binds）；“n个月内”写作 month_deadline(起算时点, n)（民法典 第二百零一至二百零三条），不得用 'P1M'"),
      ];
      parts.unshift(h("p", { id: "prop-timer-limit-text", class: "limit-text", text: "时限：" + limitText(body) }));
      if (kind === "timeDate") parts.push(deadlineHelper(element, definition, body));
      return section("时限（工作日）", parts);
    }

    // The limit in words, as policy staff say it: "15 个工作日（medical.transfer_in，瓯海区 15）".
    function limitText(body) {
      const texts = config.limitTexts || {};
      const expr = body.trim();
      const named = LIMIT_NAME.exec(expr);
      if (named) return texts[named[1]] || "时限表中没有 " + named[1];
      const fixed = DEADLINE.exec(expr);
      if (fixed && fixed[2]) return fixed[2] + " 个工作日（固定，不随地区变化）";
      const months = /^month_deadline\([^,]+,\s*(\d+)\s*\)$/.exec(expr);
      if (months) return months[1] + " 个月（到期日为休息日的顺延）";
      const period = /^['"]?P(\d+)D['"]?$/.exec(expr);
      if (period) return period[1] + " 个自然日";
      return "（见表达式）";
    }

    function deadlineHelper(element, definition, body) {
      const match = DEADLINE.exec(body.trim()) || [];
      const start = h("input", { id: "prop-timer-start", value: match[1] || "accepted_at" });
      const byLimit = h("input", { type: "radio", name: "prop-timer-mode", id: "prop-timer-mode-limit", value: "limit" });
      const byDays = h("input", { type: "radio", name: "prop-timer-mode", id: "prop-timer-mode-days", value: "days" });
      byDays.checked = Boolean(match[2]);
      byLimit.checked = !byDays.checked;
      const texts = config.limitTexts || {};
      const key = options(h("select", { id: "prop-timer-limit" }), config.limits.map((k) => [k, texts[k] || k]), match[3]);
      if (match[3] && !config.limits.includes(match[3])) options(key, [[match[3], match[3] + "（limits.json 中没有）"]], match[3]);
      // A limit binds one side's agency (limits.json "binds"): preselect that side's region.
      const boundRegion = (name) => ((config.limitBinds || {})[name] === "transfer_out" ? "transfer_out_region" : "transfer_in_region");
      const region = options(h("select", { id: "prop-timer-region" }), REGION_VARS, match[4] || boundRegion(key.value));
      key.addEventListener("change", () => { region.value = boundRegion(key.value); });
      const days = h("input", { id: "prop-timer-days", type: "number", min: 1, max: 365, value: match[2] || "" });
      const inputs = [start, byLimit, byDays, key, region, days];
      inputs.forEach((input) => {
        input.disabled = readonly;
        input.addEventListener("change", apply);
      });
      function apply() {
        const from = start.value.trim() || "accepted_at";
        let expr;
        if (byDays.checked) {
          const n = parseInt(days.value, 10);
          if (!(n >= 1)) return;
          expr = "deadline(" + from + ", " + n + ")";
        } else {
          expr = "deadline(" + from + ", limit('" + key.value + "', " + region.value + "))";
        }
        setTimer(element, definition, "timeDate", expr);
      }
      return h("fieldset", { class: "prop-helper" }, [
        h("legend", { text: "工作日时限助手" }),
        row("起算时点（流程变量）", start),
        h("label", { class: "prop-inline" }, [byLimit, document.createTextNode(" 按时限表（processes/limits.json）")]),
        row("时限名", key),
        row("地区", region),
        h("label", { class: "prop-inline" }, [byDays, document.createTextNode(" 固定工作日数")]),
        row("工作日数", days, "只对新版本生效；limits.json 对所有版本生效"),
      ]);
    }

    // -- sequence flows and gateways --------------------------------------------------------
    function setCondition(connection, body) {
      const value = body.trim();
      modeling.updateProperties(connection, {
        conditionExpression: value ? moddle.create("bpmn:FormalExpression", { body: value }) : undefined,
      });
    }

    function isGateway(element) {
      return element && /Gateway$/.test(element.type);
    }

    function flowSection(element) {
      const bo = element.businessObject;
      const condition = text("prop-condition", bo.conditionExpression && bo.conditionExpression.body,
        (value) => setCondition(element, value), true);
      const parts = [row("条件（Python 表达式）", condition, "例如 medical_out_decision == 'transferred'；留空表示无条件")];
      const source = element.source;
      if (isGateway(source)) {
        const box = h("input", { type: "checkbox", id: "prop-default" });
        box.checked = source.businessObject.default === bo;
        box.disabled = readonly;
        box.addEventListener("change", () =>
          modeling.updateProperties(source, { default: box.checked ? bo : undefined }));
        parts.push(h("label", { class: "prop-inline" }, [box, document.createTextNode(" 网关的默认流向（其他条件都不满足时）")]));
      }
      return section("条件", parts);
    }

    function gatewaySection(element) {
      const parts = (element.outgoing || []).map((flow) => {
        const bo = flow.businessObject;
        const target = flow.target && (flow.target.businessObject.name || flow.target.id);
        const isDefault = element.businessObject.default === bo;
        const input = text("prop-gw-" + flow.id, bo.conditionExpression && bo.conditionExpression.body,
          (value) => setCondition(flow, value), true);
        return row((bo.name || flow.id) + " → " + target + (isDefault ? "（默认）" : ""), input);
      });
      if (!parts.length) parts.push(h("p", { class: "muted", text: "网关还没有流出的顺序流" }));
      return section("各流向的条件", parts);
    }

    // -- call activities, messages, scripts, documentation ------------------------------------
    function calledSection(element) {
      const current = element.businessObject.calledElement || "";
      const select = h("select", { id: "prop-called" }, [h("option", { value: "", text: "请选择" })]);
      const known = config.processes.slice();
      if (current && !known.includes(current)) known.push(current);
      options(select, known.map((p) => [p, p]), current);
      select.disabled = readonly;
      select.addEventListener("change", () => modeling.updateProperties(element, { calledElement: select.value }));
      return section("调用的流程", [row("流程 ID（calledElement）", select, "被调用流程按办件受理时的最新版本固定")]);
    }

    function definitionsOf(bo) {
      let node = bo;
      while (node && node.$type !== "bpmn:Definitions") node = node.$parent;
      return node;
    }

    function messageSection(element, target) {
      const definitions = definitionsOf(element.businessObject);
      const messages = ((definitions && definitions.rootElements) || []).filter((e) => e.$type === "bpmn:Message");
      const select = h("select", { id: "prop-message" }, [h("option", { value: "", text: "（未指定）" })]);
      options(select, messages.map((m) => [m.id, (m.name || m.id) + "（" + m.id + "）"]), target.messageRef && target.messageRef.id);
      select.disabled = readonly;
      select.addEventListener("change", () => {
        const message = messages.find((m) => m.id === select.value);
        modeling.updateModdleProperties(element, target, { messageRef: message });
      });
      const name = h("input", { id: "prop-message-new", placeholder: "如 联系函" });
      name.disabled = readonly;
      const add = h("button", {
        type: "button",
        text: "新建消息",
        onclick: () => {
          if (!name.value.trim() || !definitions) return;
          const message = moddle.create("bpmn:Message", {
            id: "Message_" + Math.random().toString(36).slice(2, 9),
            name: name.value.trim(),
          });
          modeling.updateModdleProperties(element, definitions, {
            rootElements: definitions.rootElements.concat([message]),
          });
          modeling.updateModdleProperties(element, target, { messageRef: message });
        },
      });
      add.disabled = readonly;
      return section("消息", [row("消息（按办件编号关联）", select), row("新消息名称", name), add]);
    }

    function documentationSection(element) {
      const bo = element.businessObject;
      const docs = bo.documentation || [];
      const input = text("prop-documentation", docs.length ? docs[0].text : "", (value) => {
        const list = value.trim() ? [moddle.create("bpmn:Documentation", { text: value })] : [];
        modeling.updateProperties(element, { documentation: list });
      }, true);
      return section("说明（依据条款）", [input]);
    }

    function render() {
      container.innerHTML = "";
      if (!current || current.type === "label") {
        container.appendChild(h("p", { class: "muted", text: "选择流程图中的元素以编辑其属性。" }));
        return;
      }
      const element = current;
      const bo = element.businessObject;
      const head = h("div", { class: "prop-head" }, [
        h("strong", { text: TYPE_LABELS[element.type] || element.type }),
        h("code", { id: "prop-id", text: element.id }),
      ]);
      const parts = [head];
      if (element.type !== "bpmn:Process") {
        parts.push(section("名称", [text("prop-name", bo.name, (value) => modeling.updateProperties(element, { name: value }))]));
      }
      const flowNode = bo.$instanceOf && bo.$instanceOf("bpmn:FlowNode");
      if (element.type === "bpmn:Lane") parts.push(laneRoleSection(element));
      else if (flowNode && element.type !== "bpmn:BoundaryEvent") parts.push(laneSection(element));
      if (element.type === "bpmn:UserTask") parts.push(formSection(element));
      const timer = bo.eventDefinitions && timerDefinition(bo);
      if (timer) parts.push(timerSection(element, timer));
      if (element.type === "bpmn:SequenceFlow") parts.push(flowSection(element));
      if (isGateway(element)) parts.push(gatewaySection(element));
      if (element.type === "bpmn:CallActivity") parts.push(calledSection(element));
      const message = (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:MessageEventDefinition");
      if (message) parts.push(messageSection(element, message));
      else if (element.type === "bpmn:ReceiveTask" || element.type === "bpmn:SendTask") parts.push(messageSection(element, bo));
      if (element.type === "bpmn:ScriptTask") {
        parts.push(section("脚本（Python）", [text("prop-script", bo.script, (value) =>
          modeling.updateProperties(element, { script: value }), true)]));
      }
      if (flowNode || element.type === "bpmn:SequenceFlow") parts.push(documentationSection(element));
      parts.filter(Boolean).forEach((part) => container.appendChild(part));
    }

    this.render = render;
    this.select = function (element) {
      current = element;
      render();
    };
  }

  window.PropertiesPanel = PropertiesPanel;
  window.SPIFF_MODDLE = SPIFF_MODDLE;
})();
