// Online application form: ID-number check (GB 11643 MOD 11-2) as the applicant types, and
// only the sections of the insurances applied for. Without JavaScript every section shows
// and the server ignores the ones not selected; the server checks everything again.
(function () {
  "use strict";
  var form = document.getElementById("apply-form");
  if (!form) return;

  function idProblem(value) {
    var s = value.trim().toUpperCase();
    if (s === "") return "";
    if (!/^[0-9]{17}[0-9X]$/.test(s)) return "身份证号码应为18位：前17位为数字，最后一位为数字或X";
    var y = +s.slice(6, 10), m = +s.slice(10, 12), d = +s.slice(12, 14);
    var birth = new Date(Date.UTC(y, m - 1, d));
    if (birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) {
      return "身份证号码中的出生日期无效";
    }
    var total = 0;
    for (var i = 0; i < 17; i++) total += (+s[i]) * (Math.pow(2, 17 - i) % 11);
    var check = (12 - (total % 11)) % 11;
    if (s[17] !== (check === 10 ? "X" : String(check))) return "身份证号码校验码错误，请核对";
    return "";
  }

  var idInput = form.querySelector("[data-id-check]");
  var idMessage = document.getElementById("id-check");
  if (idInput && idMessage) {
    var show = function () {
      var problem = idProblem(idInput.value);
      idMessage.textContent = problem;
      idMessage.hidden = problem === "";
      idInput.setAttribute("aria-invalid", problem ? "true" : "false");
    };
    idInput.addEventListener("blur", show);
    idInput.addEventListener("input", function () { if (!idMessage.hidden) show(); });
  }

  function sync(box) {
    var target = document.getElementById(box.getAttribute("data-toggle"));
    if (target) target.hidden = !box.checked;
  }
  var toggles = form.querySelectorAll("[data-toggle]");
  for (var i = 0; i < toggles.length; i++) {
    sync(toggles[i]);
    toggles[i].addEventListener("change", function (e) { sync(e.target); });
  }
})();
