/* Renders a task form's JSON Schema as an HTML form (the live preview of the form editor),
   and checks the schema's shape before the server's full check (jsonschema check_schema). */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  // Fields that allOf/if/then makes required only for some answers.
  function conditionallyRequired(schema) {
    const found = new Set();
    (schema.allOf || []).forEach((part) => {
      ((part && part.then && part.then.required) || []).forEach((name) => found.add(name));
    });
    return found;
  }

  function enumOptions(prop) {
    const labels = prop["x-enum-labels"] || [];
    return (prop.enum || []).map((value, i) => ({ value: value, label: labels[i] || String(value) }));
  }

  function field(name, prop, required, conditional, path) {
    const id = "pv-" + path.join("-");
    const title = (prop && prop.title) || name;
    const mark = required ? " *" : conditional ? "（视情况必填）" : "";
    const wrap = el("div", { class: "pv-field", "data-field": path.join("/") });
    const label = el("label", { for: id, text: title + mark });
    let input;
    prop = prop || {};
    if (prop.type === "object" && prop.properties) {
      const set = el("fieldset", {}, [el("legend", { text: title })]);
      renderProperties(prop, set, path);
      wrap.appendChild(set);
      return wrap;
    }
    if (prop.enum) {
      input = el("select", { id: id, name: name }, [el("option", { value: "", text: "请选择" })]);
      enumOptions(prop).forEach((o) => input.appendChild(el("option", { value: o.value, text: o.label })));
    } else if (prop.type === "boolean") {
      input = el("input", { id: id, name: name, type: "checkbox" });
      wrap.classList.add("pv-check");
      wrap.appendChild(input);
      wrap.appendChild(label);
      if (prop.description) wrap.appendChild(el("small", { class: "muted", text: prop.description }));
      return wrap;
    } else if (prop.type === "array" && prop.items && prop.items.enum) {
      input = el("div", { id: id, role: "group" });
      enumOptions(prop.items).forEach((o) => {
        input.appendChild(el("label", { class: "pv-option" }, [
          el("input", { type: "checkbox", name: name, value: o.value }),
          document.createTextNode(" " + o.label),
        ]));
      });
    } else if (prop.type === "array") {
      input = el("textarea", { id: id, name: name, rows: 3, placeholder: "每行一项" });
    } else if (prop.type === "integer" || prop.type === "number") {
      input = el("input", {
        id: id, name: name, type: "number", min: prop.minimum, max: prop.maximum,
        step: prop.type === "integer" ? 1 : "any",
      });
    } else if (prop.format === "date") {
      input = el("input", { id: id, name: name, type: "date" });
    } else if (prop.format === "date-time") {
      input = el("input", { id: id, name: name, type: "datetime-local" });
    } else if ((prop.maxLength || 0) > 200) {
      input = el("textarea", { id: id, name: name, rows: 3, maxlength: prop.maxLength });
    } else {
      input = el("input", {
        id: id, name: name, type: "text", maxlength: prop.maxLength, pattern: prop.pattern,
      });
    }
    if (required && input.tagName !== "DIV") input.required = true;
    wrap.appendChild(label);
    wrap.appendChild(input);
    if (prop.description) wrap.appendChild(el("small", { class: "muted", text: prop.description }));
    return wrap;
  }

  function renderProperties(schema, container, path) {
    const required = new Set(schema.required || []);
    const conditional = conditionallyRequired(schema);
    Object.entries(schema.properties || {}).forEach(([name, prop]) => {
      container.appendChild(
        field(name, prop, required.has(name), conditional.has(name), path.concat([name]))
      );
    });
  }

  /* Problems a policy officer can fix at once; the server runs the full meta-schema check. */
  function quickCheck(schema) {
    const problems = [];
    if (!schema || typeof schema !== "object" || Array.isArray(schema)) {
      return ["表单必须是 JSON 对象（JSON Schema）"];
    }
    if (schema.type !== "object") problems.push("表单的顶层 type 必须是 object");
    const props = schema.properties || {};
    (schema.required || []).forEach((name) => {
      if (!(name in props)) problems.push("required 中的字段 " + name + " 没有在 properties 中定义");
    });
    Object.entries(props).forEach(([name, prop]) => {
      if (!prop.title) problems.push("字段 " + name + " 缺少中文标题 title");
      const labels = prop["x-enum-labels"];
      if (labels && prop.enum && labels.length !== prop.enum.length) {
        problems.push("字段 " + name + " 的 x-enum-labels 与 enum 数量不一致");
      }
    });
    return problems;
  }

  function render(schema, container) {
    container.innerHTML = "";
    if (!schema || typeof schema !== "object") return;
    if (schema.title) container.appendChild(el("h4", { text: schema.title }));
    if (schema.description) container.appendChild(el("p", { class: "muted", text: schema.description }));
    renderProperties(schema, container, []);
    container.appendChild(el("button", { type: "button", disabled: true, text: "提交（预览）" }));
  }

  window.SchemaForm = { render: render, quickCheck: quickCheck };
})();
