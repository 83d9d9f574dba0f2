/* The hall: on a wide screen the folded parts marked data-open-wide start open (on a phone they
   stay folded so the requests come first). Without this script they simply stay as the server
   rendered them. */
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(min-width: 48rem)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
    details.open = true;
  });
})();
