// The auditor's case page: the case's diagrams with the path taken, and a slider over the
// replayed steps showing where the tokens were, the deadlines and the data at each step.
(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("audit-data").textContent);
  var steps = payload.steps;
  var container = document.getElementById("diagram");
  var slider = document.getElementById("step-slider");
  var viewer = new BpmnJS({ container: container });
  var shown = null;
  var marked = [];

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  function mark() {
    if (!shown || !slider) return;
    var step = steps[Number(slider.value) - 1];
    var canvas = viewer.get("canvas");
    marked.forEach(function (m) { canvas.removeMarker(m[0], m[1]); });
    marked = [];
    var visited = new Set();
    var active = new Set();
    shown.processes.forEach(function (p) {
      (step.visited[p] || []).forEach(function (id) { visited.add(id); });
    });
    step.tokens.forEach(function (t) {
      if (shown.processes.indexOf(t.process) >= 0) active.add(t.element);
    });
    viewer.get("elementRegistry").getAll().forEach(function (el) {
      var cls = null;
      if (el.waypoints) {
        if (el.source && el.target && visited.has(el.source.id) &&
            (visited.has(el.target.id) || active.has(el.target.id))) cls = "audit-path";
      } else if (active.has(el.id)) {
        cls = "audit-active";
      } else if (visited.has(el.id)) {
        cls = "audit-visited";
      }
      if (cls) { canvas.addMarker(el.id, cls); marked.push([el.id, cls]); }
    });
  }

  function describe() {
    if (!slider) return;
    var n = Number(slider.value);
    var step = steps[n - 1];
    var verdict = step.identical ? "✔ 与记录一致" : "✘ 与记录不一致";
    document.getElementById("step-title").textContent =
      "第 " + n + " / " + steps.length + " 步：" + step.kind_label +
      (step.label ? "（" + step.label + "）" : "") + " · " + step.at + " · " + step.actor + " · " + verdict;
    var tokens = document.getElementById("step-tokens");
    tokens.replaceChildren();
    step.tokens.forEach(function (t) {
      tokens.appendChild(text("li", t.name + " — " + (payload.token_states[t.state] || t.state) +
        "（" + t.process + "）"));
    });
    if (!step.tokens.length) tokens.appendChild(text("li", "流程已结束", "muted"));
    var timers = document.getElementById("step-timers");
    timers.replaceChildren();
    step.timers.forEach(function (t) {
      timers.appendChild(text("li", t.label + "：" + t.due_at + (t.provisional ? "（暂定）" : "")));
    });
    if (!step.timers.length) timers.appendChild(text("li", "无计时", "muted"));
    document.getElementById("step-data").textContent = JSON.stringify(step.data, null, 2);
    var rows = document.querySelector("#step-rows tbody");
    rows.replaceChildren();
    (step.rows || []).forEach(function (r) {
      var tr = document.createElement("tr");
      var th = text("td", r[0]);
      th.title = r[2];
      tr.appendChild(th);
      tr.appendChild(text("td", r[1]));
      rows.appendChild(tr);
    });
    document.querySelectorAll("#timeline tr.current").forEach(function (row) {
      row.classList.remove("current");
    });
    var row = document.getElementById("event-" + step.seq);
    if (row) row.classList.add("current");
  }

  function render() { describe(); mark(); }

  function show(index) {
    var diagram = payload.diagrams[index];
    document.querySelectorAll(".diagram-tab").forEach(function (tab) {
      tab.setAttribute("aria-selected", String(Number(tab.dataset.index) === index));
    });
    return fetch(diagram.url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        shown = diagram;
        marked = [];
        viewer.get("canvas").zoom("fit-viewport");
        mark();
        container.dataset.ready = diagram.title;
      })
      .catch(function (err) {
        container.replaceChildren(text("p", "流程图无法显示：" + err.message, "error"));
      });
  }

  function go(n) {
    if (!slider) return;
    slider.value = String(Math.max(1, Math.min(steps.length, n)));
    render();
  }

  document.querySelectorAll(".diagram-tab").forEach(function (tab) {
    tab.addEventListener("click", function () { show(Number(tab.dataset.index)); });
  });
  document.querySelectorAll(".to-step").forEach(function (link) {
    link.addEventListener("click", function () { go(Number(link.dataset.step)); });
  });
  if (slider) {
    slider.addEventListener("input", render);
    document.getElementById("step-prev").addEventListener("click", function () { go(Number(slider.value) - 1); });
    document.getElementById("step-next").addEventListener("click", function () { go(Number(slider.value) + 1); });
    describe();
  }
  if (payload.diagrams.length) show(0);
})();
