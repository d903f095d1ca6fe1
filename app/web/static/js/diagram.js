// Shows a case's BPMN diagram (its pinned version) with the steps it stands at highlighted.
// bpmn-js is served from /static/vendor (installed from npm), never from a CDN.
(function () {
  "use strict";

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
          canvas.zoom("fit-viewport");
          var shown = current.filter(function (id) {
            return registry.get(id);
          });
          shown.forEach(function (id) {
            canvas.addMarker(id, "current-step");
          });
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
