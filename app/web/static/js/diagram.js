// Shows a case's BPMN diagram (its pinned version) with the steps it stands at highlighted.
// bpmn-js is served from /static/vendor (installed from npm), never from a CDN.
(function () {
  "use strict";

  // Below this scale the 11-12px labels of the diagram cannot be read without zooming.
  var READABLE = 1;

  // The whole diagram when it is readable so; else readable size, centred on the current steps.
  function focus(canvas, elements) {
    canvas.zoom("fit-viewport");
    if (!elements.length || canvas.zoom() >= READABLE) {
      return;
    }
    var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    elements.forEach(function (element) {
      left = Math.min(left, element.x);
      top = Math.min(top, element.y);
      right = Math.max(right, element.x + (element.width || 0));
      bottom = Math.max(bottom, element.y + (element.height || 0));
    });
    var outer = canvas.viewbox().outer;
    var width = outer.width / READABLE, height = outer.height / READABLE;
    canvas.viewbox({
      x: (left + right) / 2 - width / 2,
      y: (top + bottom) / 2 - height / 2,
      width: width,
      height: height,
    });
  }

  function show(container) {
    var current = [];
    try {
      current = JSON.parse(container.getAttribute("data-current") || "[]");
    } catch (e) {
      current = [];
    }
    fetch(container.getAttribute("data-bpmn-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        container.textContent = "";
        var viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(xml).then(function () {
          var canvas = viewer.get("canvas");
          var registry = viewer.get("elementRegistry");
          var shown = current.filter(function (id) {
            return registry.get(id);
          });
          shown.forEach(function (id) {
            canvas.addMarker(id, "current-step");
          });
          focus(canvas, shown.map(function (id) {
            return registry.get(id);
          }));
          container.setAttribute("data-zoom", String(Math.round(canvas.zoom() * 100) / 100));
          container.setAttribute("data-highlighted", shown.join(" "));
          container.setAttribute("data-ready", "true");
        });
      })
      .catch(function (error) {
        container.textContent = "流程图加载失败：" + error.message;
        container.setAttribute("data-ready", "error");
      });
  }

  function init() {
    if (!window.BpmnJS) {
      return;
    }
    var containers = document.querySelectorAll("[data-bpmn-url]");
    for (var i = 0; i < containers.length; i++) {
      show(containers[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
