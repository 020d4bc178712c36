// Page view: highlight the chunk named in the URL fragment. CSS :target does the
// work on navigation; this also covers in-page hash changes and focus for
// keyboard and screen-reader users.
(function () {
  "use strict";
  function highlight() {
    var id = decodeURIComponent(location.hash.slice(1));
    var prev = document.querySelectorAll("section.chunk.highlight");
    for (var i = 0; i < prev.length; i++) prev[i].classList.remove("highlight");
    if (!id) return;
    var el = document.getElementById(id);
    if (!el) return;
    var chunk = el.closest ? el.closest("section.chunk") : null;
    if (chunk) {
      chunk.classList.add("highlight");
      if (!chunk.hasAttribute("tabindex")) chunk.setAttribute("tabindex", "-1");
    }
  }
  window.addEventListener("hashchange", highlight);
  document.addEventListener("DOMContentLoaded", highlight);
})();
