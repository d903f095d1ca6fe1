/* "返回" on the error page goes back in history when there is somewhere to go back to
   (a javascript: link would need 'unsafe-inline' in the Content-Security-Policy). */
(function () {
  "use strict";
  document.querySelectorAll("a[data-history-back]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
})();
