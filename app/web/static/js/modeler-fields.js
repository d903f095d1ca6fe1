/* The form editor's everyday view: a task form as a list of fields (label, type, required,
   options). It edits the same JSON Schema object the advanced view shows as text: only what a
   row changes is touched, every other keyword (descriptions, patterns, allOf…) is kept. */
(function () {
  "use strict";

  const TYPES = [
    ["text", "文字"],
    ["choice", "单项选择"],
    ["multi", "多项选择"],
    ["boolean", "是/否（勾选）"],
    ["integer", "整数"],
    ["number", "数字"],
    ["date", "日期"],
    ["list", "多行列表"],
  ];
  const FIELD_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "value") node.value = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  function kindOf(prop) {
    if (!prop || typeof prop !== "object") return "text";
    if (prop.type === "object") return "object";
    if (prop.type === "array") return prop.items && prop.items.enum ? "multi" : "list";
    if (prop.enum) return "choice";
    if (prop.type === "boolean") return "boolean";
    if (prop.type === "integer") return "integer";
    if (prop.type === "number") return "number";
    if (prop.format === "date") return "date";
    return "text";
  }

  // A new type keeps the field's title and description, and drops what only the old type meant.
  function retype(prop, kind) {
    const kept = {};
    ["title", "description"].forEach((k) => { if (k in prop) kept[k] = prop[k]; });
    Object.keys(prop).forEach((k) => delete prop[k]);
    Object.assign(prop, kept);
    if (kind === "choice") Object.assign(prop, { type: "string", enum: ["option_1"], "x-enum-labels": ["选项一"] });
    else if (kind === "multi") Object.assign(prop, { type: "array", items: { type: "string", enum: ["option_1"], "x-enum-labels": ["选项一"] }, uniqueItems: true });
    else if (kind === "list") Object.assign(prop, { type: "array", items: { type: "string" } });
    else if (kind === "date") Object.assign(prop, { type: "string", format: "date" });
    else if (kind === "text") Object.assign(prop, { type: "string" });
    else prop.type = kind;
  }

  function optionHolder(prop) {
    return kindOf(prop) === "multi" ? prop.items : prop;
  }

  function optionsText(prop) {
    const holder = optionHolder(prop);
    const labels = holder["x-enum-labels"] || [];
    return (holder.enum || []).map((v, i) => (labels[i] && labels[i] !== String(v) ? v + "=" + labels[i] : String(v))).join("\n");
  }

  // One option per line: "code=中文说明" (or just the code). Returns an error text or "".
  function setOptions(prop, text) {
    const holder = optionHolder(prop);
    const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
    if (!lines.length) return "至少需要一个选项";
    const values = [];
    const labels = [];
    for (const line of lines) {
      const at = line.indexOf("=");
      const value = (at < 0 ? line : line.slice(0, at)).trim();
      const label = (at < 0 ? "" : line.slice(at + 1)).trim();
      if (!value) return "选项代码不能为空：" + line;
      if (values.includes(value)) return "选项代码重复：" + value;
      values.push(value);
      labels.push(label || value);
    }
    holder.enum = values;
    if (labels.some((l, i) => l !== values[i]) || "x-enum-labels" in holder) holder["x-enum-labels"] = labels;
    return "";
  }

  function FieldList(container, options) {
    const readonly = Boolean(options.readonly);
    let schema = null;

    function changed(structural) {
      options.onChange(schema);
      if (structural) render(schema);
    }

    function setRequired(name, on) {
      const list = Array.isArray(schema.required) ? schema.required : [];
      const has = list.includes(name);
      if (on && !has) schema.required = list.concat([name]);
      if (!on && has) schema.required = list.filter((n) => n !== name);
    }

    function rename(props, order) {
      // Rebuild properties in a new order (objects keep insertion order in JSON.stringify).
      const copy = {};
      order.forEach((k) => { copy[k] = props[k]; });
      schema.properties = copy;
    }

    function row(name, prop, index, names) {
      const kind = kindOf(prop);
      const id = "ff-" + index;
      const tr = el("tr", { "data-field": name });
      const title = el("input", { id: id + "-title", value: prop.title || "", "aria-label": name + " 的标题", class: "ff-title" });
      title.addEventListener("change", () => {
        prop.title = title.value.trim();
        changed(false);
      });
      const type = el("select", { id: id + "-type", "aria-label": name + " 的类型", class: "ff-type" });
      (kind === "object" ? [["object", "嵌套对象（在高级视图编辑）"]] : TYPES).forEach(([value, label]) => {
        const option = el("option", { value: value, text: label });
        if (value === kind) option.selected = true;
        type.appendChild(option);
      });
      type.addEventListener("change", () => {
        retype(prop, type.value);
        changed(true);
      });
      const required = el("input", { type: "checkbox", id: id + "-required", "aria-label": name + " 必填", class: "ff-required" });
      required.checked = (schema.required || []).includes(name);
      required.addEventListener("change", () => {
        setRequired(name, required.checked);
        changed(false);
      });
      let choices = el("span", { class: "muted", text: "—" });
      const problem = el("small", { class: "error", id: id + "-error" });
      if (kind === "choice" || kind === "multi") {
        choices = el("textarea", { id: id + "-options", rows: 3, class: "ff-options", "aria-label": name + " 的选项", value: optionsText(prop) });
        choices.addEventListener("change", () => {
          problem.textContent = setOptions(prop, choices.value);
          if (!problem.textContent) changed(false);
        });
      }
      const up = el("button", { type: "button", class: "link", text: "上移", "aria-label": "上移 " + name });
      up.disabled = index === 0;
      up.addEventListener("click", () => {
        const order = names.slice();
        [order[index - 1], order[index]] = [order[index], order[index - 1]];
        rename(schema.properties, order);
        changed(true);
      });
      const remove = el("button", { type: "button", class: "link", text: "删除", "aria-label": "删除 " + name });
      remove.addEventListener("click", () => {
        delete schema.properties[name];
        setRequired(name, false);
        changed(true);
      });
      [title, type, required, choices, up, remove].forEach((c) => { if ("disabled" in c && readonly) c.disabled = true; });
      const conditional = (schema.allOf || []).some((p) => p && p.then && (p.then.required || []).includes(name));
      tr.appendChild(el("td", { class: "mono", text: name }));
      tr.appendChild(el("td", {}, [title]));
      tr.appendChild(el("td", {}, [type]));
      tr.appendChild(el("td", {}, [required, conditional ? el("small", { class: "muted", text: " 另视情况必填" }) : null]));
      tr.appendChild(el("td", {}, [choices, problem]));
      tr.appendChild(el("td", { class: "nowrap" }, [up, document.createTextNode(" "), remove]));
      return tr;
    }

    function addRow() {
      const key = el("input", { id: "ff-new-key", placeholder: "字段代码，如 medical_note", class: "mono" });
      const title = el("input", { id: "ff-new-title", placeholder: "标题，如 备注" });
      const type = el("select", { id: "ff-new-type" });
      TYPES.forEach(([value, label]) => type.appendChild(el("option", { value: value, text: label })));
      const problem = el("small", { class: "error", id: "ff-new-error", role: "alert" });
      const add = el("button", { type: "button", id: "ff-add", text: "添加字段" });
      add.addEventListener("click", () => {
        const name = key.value.trim();
        schema.properties = schema.properties || {};
        if (!FIELD_KEY.test(name)) problem.textContent = "字段代码须以字母或下划线开头，只含字母、数字和下划线";
        else if (name in schema.properties) problem.textContent = "已有字段 " + name;
        else if (!title.value.trim()) problem.textContent = "请填写字段标题（表单上显示的中文）";
        else {
          const prop = { title: title.value.trim() };
          retype(prop, type.value);
          schema.properties[name] = prop;
          changed(true);
          return;
        }
      });
      [key, title, type, add].forEach((c) => { c.disabled = readonly; });
      return el("div", { class: "ff-add inline-form" }, [key, title, type, add, problem]);
    }

    function render(next) {
      schema = next;
      container.replaceChildren();
      if (!schema || typeof schema !== "object" || Array.isArray(schema)) {
        container.appendChild(el("p", { class: "muted", text: "表单内容无法按字段显示，请在高级视图中修正 JSON。" }));
        return;
      }
      const formTitle = el("input", { id: "ff-form-title", value: schema.title || "" });
      formTitle.disabled = readonly;
      formTitle.addEventListener("change", () => {
        schema.title = formTitle.value.trim();
        changed(false);
      });
      container.appendChild(el("label", { class: "ff-form-title" }, [document.createTextNode("表单标题 "), formTitle]));
      const names = Object.keys(schema.properties || {});
      const body = el("tbody");
      names.forEach((name, i) => body.appendChild(row(name, schema.properties[name], i, names)));
      if (!names.length) body.appendChild(el("tr", {}, [el("td", { colspan: 6, class: "muted", text: "还没有字段" })]));
      container.appendChild(el("table", { class: "grid ff-table", id: "ff-table" }, [
        el("thead", {}, [el("tr", {}, ["字段代码", "标题", "类型", "必填", "选项（每行一个：代码=中文）", ""].map((t) => el("th", { text: t })))]),
        body,
      ]));
      container.appendChild(addRow());
    }

    this.render = render;
  }

  window.FieldList = FieldList;
})();
