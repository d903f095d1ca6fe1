// Fields that apply only after some answer: an element with data-show-when="name=value"
// (several values: "name=a|b") shows while a checked input of that name has one of the
// values; otherwise it is hidden and its inputs are disabled, so the browser does not send
// them and nothing hidden can be required. Without JavaScript everything shows; the server's
// schema requires these fields only when they apply.
(function () {
  "use strict";
  var blocks = document.querySelectorAll("[data-show-when]");
  if (!blocks.length) return;

  function condition(block) {
    var rule = block.getAttribute("data-show-when");
    var at = rule.indexOf("=");
    return { name: rule.slice(0, at), values: rule.slice(at + 1).split("|") };
  }

  function applies(block) {
    var c = condition(block);
    var form = block.closest("form") || document;
    var inputs = form.querySelectorAll("input, select");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.name !== c.name || input.disabled) continue;
      var chosen = input.type === "checkbox" || input.type === "radio" ? input.checked : true;
      if (chosen && c.values.indexOf(input.value) >= 0) return true;
    }
    return false;
  }

  function sync() {
    // Outer blocks first (document order), so a block inside a hidden one stays disabled.
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var outer = block.parentElement && block.parentElement.closest("[data-show-when]");
      var show = (!outer || !outer.hidden) && applies(block);
      block.hidden = !show;
      var fields = block.querySelectorAll("input, select, textarea");
      for (var j = 0; j < fields.length; j++) fields[j].disabled = !show;
    }
  }

  sync();
  document.addEventListener("change", sync);
})();
