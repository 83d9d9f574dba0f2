/* Actions that message every participant (fixing the time, sending the invitations) ask first, in
   the words the server wrote on the form (data-confirm: what happens and who will be told). The
   same sentence is on the page next to the button, so without this script nobody acts unwarned. */
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var ask = e.target.dataset && e.target.dataset.confirm;
    if (ask && !window.confirm(ask)) e.preventDefault();
  });
})();
