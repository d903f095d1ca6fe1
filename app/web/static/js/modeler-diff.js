/* The visual diff: two read-only bpmn-js viewers side by side, with removed elements marked on
   the old version, added ones on the new, and changed ones on both. */
(function () {
  "use strict";

  const diff = JSON.parse(document.getElementById("diff-data").textContent);

  async function show(containerId, marks) {
    const container = document.getElementById(containerId);
    if (!container.dataset.url) {
      container.textContent = "（无已发布版本）";
      return;
    }
    const viewer = new BpmnJS({ container: container });
    try {
      const response = await fetch(container.dataset.url);
      await viewer.importXML(await response.text());
    } catch (err) {
      container.textContent = "流程图无法显示：" + err.message;
      return;
    }
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    marks.forEach(([items, css]) => {
      items.forEach((item) => {
        if (registry.get(item.id)) canvas.addMarker(item.id, css);
      });
    });
    container.dataset.ready = "1";
  }

  show("old-view", [[diff.removed, "diff-removed"], [diff.changed, "diff-changed"]]);
  show("new-view", [[diff.added, "diff-added"], [diff.changed, "diff-changed"]]);
})();
