// Region picker: choose 省 → 市 → 区县 instead of typing a 6-digit GB/T 2260 code. The code
// field stays (it is what the form submits, and a clerk who knows the code may type it); the
// selects fill it, and typing a code moves the selects. Data: the division tree at
// data-regions-url, fetched once per page.
(function () {
  "use strict";
  var pickers = document.querySelectorAll("[data-region-picker]");
  if (!pickers.length) return;
  var LEVELS = [["province", "省（自治区、直辖市）"], ["city", "市（地区、州）"], ["county", "区（县）"]];

  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  function fill(select, nodes, placeholder) {
    select.textContent = "";
    select.appendChild(option("", placeholder));
    (nodes || []).forEach(function (n, i) { select.appendChild(option(String(i), n[1])); });
    select.disabled = !nodes || nodes.length === 0;
  }

  // The path of indexes to a code: [province, city, county] (shorter for a city or province).
  function pathOf(tree, code) {
    for (var p = 0; p < tree.length; p++) {
      if (tree[p][0] === code) return [p];
      var cities = tree[p][2];
      for (var c = 0; c < cities.length; c++) {
        if (cities[c][0] === code) return [p, c];
        var counties = cities[c][2];
        for (var k = 0; k < counties.length; k++) {
          if (counties[k][0] === code) return [p, c, k];
        }
      }
    }
    return null;
  }

  function setUp(picker, tree) {
    var input = picker.querySelector("[data-region-code]");
    var nameOut = picker.querySelector("[data-region-name]");
    var box = document.createElement("span");
    box.className = "region-selects";
    var selects = LEVELS.map(function (level) {
      var s = document.createElement("select");
      s.id = input.id + "-" + level[0];
      s.setAttribute("aria-label", level[1]);
      s.setAttribute("data-level", level[0]);
      box.appendChild(s);
      return s;
    });
    picker.insertBefore(box, input);

    function nodesAt(depth) {
      var nodes = tree;
      for (var d = 0; d < depth; d++) {
        var i = selects[d].value;
        if (i === "") return null;
        nodes = nodes[+i][2];
      }
      return nodes;
    }
    function chosen() {
      var node = null, nodes = tree;
      for (var d = 0; d < 3; d++) {
        var i = selects[d].value;
        if (i === "") break;
        node = nodes[+i];
        nodes = node[2];
      }
      return node;
    }
    function showName(node, names) {
      nameOut.textContent = node ? names.join("") + "（" + node[0] + "）" : "";
    }
    // The name as documents print it: the city and the county (杭州市西湖区, 上海市黄浦区).
    function names() {
      var out = [], nodes = tree, province = "";
      for (var d = 0; d < 3; d++) {
        var i = selects[d].value;
        if (i === "") break;
        var n = nodes[+i];
        if (d === 0) {
          province = n[1];
        } else {
          // a county-level unit under its province is printed with it (湖北省仙桃市)
          if (d === 1 && n[0].slice(4) !== "00") out.push(province);
          out.push(n[1]);
        }
        nodes = n[2];
      }
      return out;
    }
    function from(depth) {
      for (var d = depth; d < 3; d++) fill(selects[d], nodesAt(d), "请选择" + LEVELS[d][1]);
    }
    selects.forEach(function (s, depth) {
      s.addEventListener("change", function () {
        from(depth + 1);
        var node = chosen();
        // A province alone is not a place of 户籍 or 参保: the code is set from the city on.
        input.value = node && selects[1].value !== "" ? node[0] : "";
        showName(input.value ? node : null, names());
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
    function moveTo(code) {
      var path = pathOf(tree, code) || [];
      fill(selects[0], tree, "请选择" + LEVELS[0][1]);
      for (var d = 0; d < 3; d++) {
        if (d > 0) fill(selects[d], nodesAt(d), "请选择" + LEVELS[d][1]);
        selects[d].value = d < path.length ? String(path[d]) : "";
      }
      var node = path.length ? chosen() : null;
      showName(node, names());
    }
    input.addEventListener("input", function () {
      if (/^[0-9]{6}$/.test(input.value)) moveTo(input.value);
    });
    moveTo(input.value);
  }

  var url = pickers[0].getAttribute("data-regions-url");
  fetch(url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (tree) {
      Array.prototype.forEach.call(pickers, function (p) { setUp(p, tree); });
    });
})();
