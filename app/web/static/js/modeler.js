/* The draft editor: bpmn-js modeler, properties panel, form editor with live preview, saving,
   validation shown on the diagram, and the test scenarios run against the draft. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("modeler-config").textContent);
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const statusLine = document.getElementById("status");
  const problemsList = document.getElementById("problems");
  const summary = document.getElementById("validation-summary");
  const formSelect = document.getElementById("form-name");
  const formText = document.getElementById("form-text");
  const formErrors = document.getElementById("form-errors");
  const preview = document.getElementById("form-preview");
  const FORM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,150}\.json$/;
  // The preview is never submitted (an inline onsubmit would need 'unsafe-inline' in the CSP).
  preview.addEventListener("submit", (event) => event.preventDefault());

  let token = config.token;
  let dirty = false;
  let openForm = null; // {name, original}
  // Forms changed in this draft: name -> JSON text. The draft's saved edits come first.
  const editedForms = {};
  Object.entries(config.draftForms || {}).forEach(([name, schema]) => {
    editedForms[name] = JSON.stringify(schema, null, 2);
  });

  const modeler = new BpmnJS({
    container: "#canvas",
    moddleExtensions: { spiffworkflow: window.SPIFF_MODDLE },
  });
  window.sitModeler = modeler;
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  const registry = modeler.get("elementRegistry");
  const selection = modeler.get("selection");

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? "error" : "";
  }

  function markDirty() {
    dirty = true;
    setStatus("有未保存的修改");
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrf,
      },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = { message: "服务器返回了无法识别的内容（" + response.status + "）" };
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  // -- saving --------------------------------------------------------------------------
  async function save() {
    if (!config.editable) return true;
    setStatus("正在保存…");
    const { xml } = await modeler.saveXML({ format: true });
    const res = await post(config.saveUrl, { xml: xml, forms: editedForms, token: token });
    if (!res.ok) {
      const details = (res.data.errors || []).map((e) => String(e.field).replace(/^forms\//, "表单 ") + "：" + e.message);
      setStatus([res.data.message || "保存失败"].concat(details).join("；"), true);
      return false;
    }
    token = res.data.token;
    dirty = false;
    setStatus("草稿已保存");
    return true;
  }

  // -- validation shown on the diagram ------------------------------------------------------
  function clearProblems() {
    overlays.remove({ type: "problem" });
    registry.getAll().forEach((element) => canvas.removeMarker(element.id, "has-problem"));
    problemsList.innerHTML = "";
  }

  function markProblem(elementId, message) {
    const element = elementId && registry.get(elementId);
    if (!element) return;
    canvas.addMarker(element.id, "has-problem");
    const badge = document.createElement("div");
    badge.className = "problem-badge";
    badge.textContent = "!";
    badge.title = message;
    overlays.add(element.id, "problem", { position: { top: -10, right: 10 }, html: badge });
  }

  function showProblems(problems) {
    clearProblems();
    problems.forEach((problem) => {
      const item = document.createElement("li");
      item.textContent = problem.text;
      item.dataset.elementId = problem.element_id || "";
      if (problem.detail) {
        // The validator's own words stay one click away for whoever edits the XML by hand.
        const detail = document.createElement("details");
        detail.className = "detail";
        const summaryLine = document.createElement("summary");
        summaryLine.textContent = "技术细节";
        const code = document.createElement("code");
        code.textContent = problem.detail;
        detail.appendChild(summaryLine);
        detail.appendChild(code);
        item.appendChild(detail);
      }
      problemsList.appendChild(item);
      markProblem(problem.element_id, problem.text);
    });
    if (problems.length) {
      summary.innerHTML = "";
      const span = document.createElement("span");
      span.className = "error";
      span.textContent = "校验未通过，共 " + problems.length + " 个问题（点击问题定位到元素）";
      summary.appendChild(span);
    } else {
      summary.innerHTML = '<span class="ok" id="validation-ok">校验通过：可以运行测试场景并发布</span>';
    }
  }

  problemsList.addEventListener("click", (event) => {
    const li = event.target.closest("li");
    const id = li && li.dataset.elementId;
    const element = id && registry.get(id);
    if (element) {
      selection.select(element);
      canvas.scrollToElement(element);
    }
  });

  async function validate() {
    if (dirty && !(await save())) return;
    setStatus("正在校验…");
    const res = await post(config.validateUrl);
    if (!res.ok) {
      setStatus(res.data.message || "校验失败", true);
      return;
    }
    showProblems(res.data.problems || []);
    setStatus(res.data.ok ? "校验通过" : "校验未通过", !res.data.ok);
  }

  // -- scenarios ------------------------------------------------------------------------------
  async function runScenarios() {
    if (dirty && !(await save())) return;
    const body = document.querySelector("#scenario-results tbody");
    const result = document.getElementById("scenario-summary");
    body.innerHTML = "";
    result.textContent = "正在临时数据库中运行测试场景…";
    setStatus("正在运行测试场景…");
    const res = await post(config.scenariosUrl);
    if (res.data.problems) {
      showProblems(res.data.problems);
      result.textContent = "草稿未通过校验，未运行测试场景";
      setStatus("草稿未通过校验", true);
      return;
    }
    if (!res.ok) {
      result.textContent = res.data.message || "运行失败";
      setStatus(result.textContent, true);
      return;
    }
    const results = res.data.results || [];
    results.forEach((r) => {
      const tr = document.createElement("tr");
      tr.className = r.passed ? "pass" : "fail";
      [r.name, r.source, r.passed ? "通过" : "未通过", r.passed ? r.case_number + " " + r.status : r.failures.join("；")]
        .forEach((value) => {
          const td = document.createElement("td");
          td.textContent = value;
          tr.appendChild(td);
        });
      body.appendChild(tr);
    });
    const failed = results.filter((r) => !r.passed).length;
    result.textContent = failed
      ? results.length + " 个场景中 " + failed + " 个未通过"
      : results.length + " 个场景全部通过";
    result.className = failed ? "error" : "ok";
    setStatus(result.textContent, failed > 0);
  }

  // -- forms --------------------------------------------------------------------------------------
  function formNames() {
    return Array.from(new Set(config.forms.concat(Object.keys(editedForms)))).sort();
  }

  function fillFormSelect() {
    const current = formSelect.value;
    formSelect.innerHTML = "";
    const none = document.createElement("option");
    none.value = "";
    none.textContent = "请选择表单";
    formSelect.appendChild(none);
    formNames().forEach((name) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name + (name in editedForms ? "（已修改）" : "");
      formSelect.appendChild(option);
    });
    formSelect.value = current;
  }

  async function loadForm(name) {
    if (!name) return;
    let textValue = editedForms[name];
    let original = null;
    if (textValue === undefined) {
      const response = await fetch(config.formUrl.replace("__NAME__", encodeURIComponent(name)), {
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        formErrors.innerHTML = "<li>表单 " + name + " 不存在</li>";
        return;
      }
      textValue = JSON.stringify(await response.json(), null, 2);
      original = textValue;
    }
    openForm = { name: name, original: original };
    fillFormSelect();
    formSelect.value = name;
    formText.value = textValue;
    checkForm(false, true);
  }

  let serverCheck = null;
  // fromText: the JSON text is what changed (or was loaded), so the field list is redrawn.
  function checkForm(changed, fromText) {
    formErrors.innerHTML = "";
    if (!openForm) return;
    const errors = [];
    let schema = null;
    try {
      schema = JSON.parse(formText.value);
    } catch (err) {
      errors.push("不是合法的 JSON：" + err.message);
    }
    if (schema) {
      window.SchemaForm.quickCheck(schema).forEach((e) => errors.push(e));
      window.SchemaForm.render(schema, preview);
      if (fromText) fieldList.render(schema);
    }
    errors.forEach((e) => {
      const li = document.createElement("li");
      li.textContent = e;
      formErrors.appendChild(li);
    });
    if (changed) {
      if (formText.value !== openForm.original) editedForms[openForm.name] = formText.value;
      else delete editedForms[openForm.name];
      markDirty();
      clearTimeout(serverCheck);
      serverCheck = setTimeout(async () => {
        const res = await post(config.checkFormUrl, { name: openForm.name, schema: formText.value });
        (res.data.errors || []).forEach((e) => {
          const li = document.createElement("li");
          li.textContent = e.message;
          formErrors.appendChild(li);
        });
      }, 500);
    }
  }

  function editForm(name) {
    loadForm(name);
    document.getElementById("forms-section").scrollIntoView({ behavior: "smooth" });
  }

  formSelect.addEventListener("change", () => loadForm(formSelect.value));
  formText.addEventListener("input", () => checkForm(true, true));
  // The field list edits the parsed schema; the text follows it, the same JSON as before.
  const fieldList = new window.FieldList(document.getElementById("form-fields"), {
    readonly: !config.editable,
    onChange: (schema) => {
      formText.value = JSON.stringify(schema, null, 2);
      checkForm(true, false);
    },
  });
  document.getElementById("new-form").addEventListener("click", () => {
    const input = document.getElementById("new-form-name");
    const name = input.value.trim();
    if (!FORM_NAME.test(name)) {
      formErrors.innerHTML = "<li>表单文件名只能包含字母、数字、下划线、点和连字符，并以 .json 结尾</li>";
      return;
    }
    if (!(name in editedForms) && !config.forms.includes(name)) {
      editedForms[name] = JSON.stringify(
        { $schema: "https://json-schema.org/draft/2020-12/schema", title: "新表单", type: "object", properties: {}, required: [] },
        null,
        2
      );
      markDirty();
    }
    loadForm(name);
  });

  // -- wiring -------------------------------------------------------------------------------------
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("validate").addEventListener("click", validate);
  document.getElementById("run-scenarios").addEventListener("click", runScenarios);
  const deployForm = document.getElementById("deploy-form");
  if (deployForm) {
    deployForm.addEventListener("submit", async (event) => {
      if (!dirty) return;
      event.preventDefault();
      if (await save()) deployForm.submit();
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  const panel = new window.PropertiesPanel(modeler, document.getElementById("properties"), config, {
    editForm: editForm,
    formNames: formNames,
  });

  (async function start() {
    try {
      const response = await fetch(config.xmlUrl);
      const result = await modeler.importXML(await response.text());
      canvas.zoom("fit-viewport");
      if (result.warnings && result.warnings.length) {
        setStatus("流程图已打开（导入时有 " + result.warnings.length + " 条警告）");
      } else {
        setStatus(config.editable ? "流程图已打开，可以编辑" : "只读");
      }
      // Problems rendered by the server (a rejected deploy) also go on the diagram.
      problemsList.querySelectorAll("li").forEach((li) => markProblem(li.dataset.elementId, li.textContent));
      modeler.get("eventBus").on("commandStack.changed", markDirty);
      document.body.dataset.modelerReady = "1";
    } catch (err) {
      setStatus("流程图无法显示：" + err.message + "（可先校验查看问题）", true);
      document.body.dataset.modelerReady = "error";
    }
    fillFormSelect();
    panel.render();
  })();
})();
