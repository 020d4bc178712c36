// Search UI: a box on every page, results as you type from a Web Worker,
// grouped by document, with facet filters, keyboard navigation and ?q= links.
(function () {
  "use strict";
  if (!window.Worker) return;
  var input = document.getElementById("search-input");
  if (!input) {
    // Written here rather than into every page: a library has one HTML page
    // per chunk, and search needs this script anyway.
    var header = document.querySelector(".site-header");
    if (!header) return;
    var form = document.createElement("form");
    form.className = "search";
    form.setAttribute("role", "search");
    form.action = new URL("index.html", new URL(document.body.getAttribute("data-root") || "./", location.href)).href;
    form.innerHTML = '<input id="search-input" name="q" type="search" placeholder="Search the library (press /)" aria-label="Search the library" autocomplete="off" spellcheck="false">';
    header.appendChild(form);
    input = form.querySelector("input");
  }
  // The results panel is built here rather than written into every page:
  // a library has one HTML page per chunk, and the markup would repeat in each.
  var panel = document.getElementById("search-panel");
  if (!panel) {
    panel = document.createElement("div");
    panel.id = "search-panel";
    panel.className = "search-panel";
    panel.hidden = true;
    panel.innerHTML = '<div class="search-bar"><p id="search-status" class="search-status" role="status" aria-live="polite"></p>' +
      '<label class="search-option"><input type="checkbox" id="search-semantic" checked> Semantic</label></div>' +
      '<div id="search-facets" class="search-facets"></div>' +
      '<ul id="search-results" class="search-results" role="listbox" aria-label="Search results"></ul>';
    (input.form || input).insertAdjacentElement("afterend", panel);
  }
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-controls", "search-results");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-autocomplete", "list");
  var list = document.getElementById("search-results");
  var facetsBox = document.getElementById("search-facets");
  var status = document.getElementById("search-status");
  var base = new URL(document.body.getAttribute("data-root") || "./", location.href).href;
  var worker = null;
  var seq = 0;
  var asked = "";
  var timer = null;
  var active = -1;
  var options = [];
  var filters = {}; // facet -> Set of ids
  var labels = null;
  var FACETS = [["product", "Product"], ["version", "Version"], ["doc_set", "Doc set"]];
  var PAGE = 10; // results per page: each shown result costs one small fetch
  var limit = PAGE;

  function bytes(path) {
    return fetch(base + path).then(function (r) {
      if (!r.ok) throw new Error(path + ": HTTP " + r.status);
      return r.arrayBuffer();
    });
  }

  // The engine module and the manifest are fetched here, in parallel with the
  // worker script, and handed over: one round trip instead of three.
  function startWorker() {
    if (worker) return worker;
    worker = new Worker(base + "_static/search-worker.js", { type: "module" });
    worker.onmessage = onMessage;
    Promise.all([bytes("_static/engine/mcdewey_search_wasm_bg.wasm"), bytes("_search/manifest.bin")])
      .then(function (b) { worker.postMessage({ type: "init", base: base, wasm: b[0], manifest: b[1] }, [b[0], b[1]]); })
      .catch(function (err) { status.textContent = "Search is unavailable: " + err.message; });
    fetch(base + "_search/labels.json").then(function (r) { return r.ok ? r.json() : null; })
      .then(function (l) { labels = l; }).catch(function () {});
    return worker;
  }

  // The chosen facet values as lists (facet -> [ids]), one scope for the worker.
  function filterScope() {
    var scope = {};
    Object.keys(filters).forEach(function (k) { scope[k] = Array.from(filters[k]); });
    return scope;
  }

  function search(immediate, keepLimit) {
    clearTimeout(timer);
    if (!keepLimit) limit = PAGE;
    var q = input.value.trim();
    if (!q) { close(); return; }
    timer = setTimeout(function () {
      asked = q;
      startWorker().postMessage({ type: "query", id: ++seq, q: q, filters: filterScope(), prefix: true, limit: limit, semantic: semanticOn() });
      status.textContent = "Searching…";
      open();
    }, immediate ? 0 : 60);
  }

  // Semantic search can be turned off; the choice is remembered per browser.
  var semanticBox = document.getElementById("search-semantic");
  function semanticOn() { return !semanticBox || semanticBox.checked; }
  if (semanticBox) {
    try { semanticBox.checked = localStorage.getItem("mcdewey-semantic") !== "off"; } catch (e) {}
    semanticBox.addEventListener("change", function () {
      try { localStorage.setItem("mcdewey-semantic", semanticBox.checked ? "on" : "off"); } catch (e) {}
      search(true, true);
    });
  }

  function open() { panel.hidden = false; input.setAttribute("aria-expanded", "true"); }
  function close() { panel.hidden = true; input.setAttribute("aria-expanded", "false"); setActive(-1); }

  // A product's or doc set's name: labels.json lists only the names that
  // differ from the default title of the id, which is derived here as the
  // generator does (`developer-guide` -> `Developer Guide`).
  function titleFromId(id) {
    return id.split(/[-_ ]/).filter(Boolean).map(function (w) { return w.charAt(0).toUpperCase() + w.slice(1); }).join(" ");
  }
  function label(kind, id) {
    if (kind !== "product" && kind !== "doc_set") return id;
    var names = labels && (kind === "product" ? labels.products : labels.doc_sets);
    if (names && Object.prototype.hasOwnProperty.call(names, id)) return names[id];
    return /^[\x00-\x7f]*$/.test(id) ? titleFromId(id) : id;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // Snippet text with <mark> for highlight ranges (UTF-16 offsets), built from
  // text nodes so document text is never parsed as HTML.
  function marked(text, ranges) {
    var frag = document.createDocumentFragment();
    var at = 0;
    (ranges || []).forEach(function (r) {
      if (r[0] > at) frag.appendChild(document.createTextNode(text.slice(at, r[0])));
      frag.appendChild(el("mark", null, text.slice(r[0], r[1])));
      at = r[1];
    });
    if (at < text.length) frag.appendChild(document.createTextNode(text.slice(at)));
    return frag;
  }

  function renderFacets(facets) {
    facetsBox.textContent = "";
    FACETS.forEach(function (f) {
      var values = (facets && facets[f[0]]) || [];
      var chosen = filters[f[0]] || new Set();
      chosen.forEach(function (v) {
        if (!values.some(function (x) { return x[0] === v; })) values = values.concat([[v, 0]]);
      });
      if (values.length < 2 && chosen.size === 0) return;
      var group = el("fieldset", "facet");
      group.appendChild(el("legend", null, f[1]));
      values.forEach(function (pair) {
        var lab = el("label");
        var box = el("input");
        box.type = "checkbox";
        box.checked = chosen.has(pair[0]);
        box.addEventListener("change", function () {
          var set = filters[f[0]] || (filters[f[0]] = new Set());
          if (box.checked) set.add(pair[0]); else set.delete(pair[0]);
          if (set.size === 0) delete filters[f[0]];
          search(true);
        });
        lab.appendChild(box);
        lab.appendChild(document.createTextNode(" " + label(f[0], pair[0]) + " "));
        lab.appendChild(el("span", "count", String(pair[1])));
        group.appendChild(lab);
      });
      facetsBox.appendChild(group);
    });
  }

  // "Same text in 7.5 · 7.6": the passage's copies in other versions. Their
  // URLs are looked up when one is chosen, so listing them costs no fetch.
  function alsoIn(also) {
    var box = el("div", "result-also", "Same text in ");
    also.forEach(function (t, i) {
      if (i > 0) box.appendChild(document.createTextNode(" · "));
      var link = el("a", null, t.version);
      link.href = "#";
      link.setAttribute("data-ordinal", String(t.ordinal));
      link.addEventListener("click", function (e) {
        e.preventDefault();
        startWorker().postMessage({ type: "locate", ordinal: t.ordinal });
      });
      box.appendChild(link);
    });
    return box;
  }

  function render(msg) {
    list.textContent = "";
    options = [];
    active = -1;
    var groups = [];
    var byDoc = {};
    msg.hits.forEach(function (h) {
      var key = [h.product, h.version, h.doc_set, h.document].join("::");
      if (!byDoc[key]) { byDoc[key] = { hits: [], first: h }; groups.push(byDoc[key]); }
      byDoc[key].hits.push(h);
    });
    groups.forEach(function (g) {
      var h0 = g.first;
      var section = el("li", "result-group");
      section.setAttribute("role", "presentation");
      var head = el("div", "result-doc");
      head.appendChild(marked(h0.title, h0.title_highlights));
      head.appendChild(el("span", "result-where", " · " + label("product", h0.product) + " " + h0.version + " · " + label("doc_set", h0.doc_set)));
      section.appendChild(head);
      var ul = el("ul");
      ul.setAttribute("role", "group");
      g.hits.forEach(function (h) {
        var li = el("li");
        var a = el("a", "result");
        a.href = base + h.url;
        a.id = "search-opt-" + options.length;
        a.setAttribute("role", "option");
        a.setAttribute("data-chunk-id", h.id);
        var top = el("span", "result-top");
        // A document without pages (a web page, plain Markdown) is cited by
        // section, as its own pages do: its numbers are not printed anywhere.
        var where = h.paged ? "Page " + (h.page_label || h.page) : (h.page_label || "Section " + h.page);
        top.appendChild(el("span", "result-page", where));
        if (h.breadcrumb.length) top.appendChild(el("span", "result-crumb", h.breadcrumb.join(" › ")));
        a.appendChild(top);
        var snip = el("span", "result-snippet");
        snip.appendChild(marked(h.snippet, h.highlights));
        a.appendChild(snip);
        li.appendChild(a);
        if (h.also && h.also.length) li.appendChild(alsoIn(h.also));
        ul.appendChild(li);
        options.push(a);
      });
      section.appendChild(ul);
      list.appendChild(section);
    });
    if (msg.total > msg.hits.length) {
      var more = el("li", "result-more");
      var button = el("button", null, "Show more results");
      button.type = "button";
      button.addEventListener("click", function () { limit += PAGE; search(true, true); });
      more.appendChild(button);
      list.appendChild(more);
    }
    renderFacets(msg.facets);
    list.setAttribute("data-semantic", msg.semantic ? "on" : "off");
    // Which query the list answers: while typing, it may still show an earlier prefix.
    list.setAttribute("data-query", asked);
    status.textContent = (msg.relaxed ? "No passage has the quoted words side by side; these have the words. " : "") + (msg.total === 0
      ? "No results for “" + input.value.trim() + "”."
      : msg.total + " result" + (msg.total === 1 ? "" : "s") + (msg.total > msg.hits.length ? ", best " + msg.hits.length + " shown" : "") + ".");
    if (options.length) setActive(0);
  }

  function onMessage(e) {
    var msg = e.data;
    if (msg.type === "located") { location.href = base + msg.url; return; }
    if (msg.id !== seq) return;
    if (msg.type === "results") render(msg);
    else if (msg.type === "error") status.textContent = "Search failed: " + msg.message;
  }

  function setActive(i) {
    if (active >= 0 && options[active]) options[active].classList.remove("active");
    active = i;
    if (i >= 0 && options[i]) {
      options[i].classList.add("active");
      options[i].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", options[i].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  input.addEventListener("input", function () { search(false); });
  input.addEventListener("focus", function () { startWorker(); if (input.value.trim() && options.length) open(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && options.length) { e.preventDefault(); setActive((active + 1) % options.length); }
    else if (e.key === "ArrowUp" && options.length) { e.preventDefault(); setActive((active - 1 + options.length) % options.length); }
    else if (e.key === "Enter") { e.preventDefault(); if (options[active]) options[active].click(); else search(true); }
    else if (e.key === "Escape") { close(); }
  });
  input.form && input.form.addEventListener("submit", function (e) { e.preventDefault(); search(true); });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); input.focus(); input.select(); }
  });
  document.addEventListener("click", function (e) {
    if (!panel.hidden && !panel.contains(e.target) && e.target !== input) close();
  });
  var q = new URLSearchParams(location.search).get("q");
  if (q) { input.value = q; search(true); }
})();
