// Search in a copy opened from disk (file:// URLs), written by builds with
// offline search. Browsers refuse fetch() and workers there, but run classic
// scripts from the page's own folder; the build writes every index file and
// the engine as such a script (_offline/PATH.js, which hands its bytes to
// mcdeweyOfflineFile). Loaded before search.js, this file gives that script a
// fetch that reads those files and a Worker that runs the search worker's
// code in the page. Served over http(s) it does nothing.
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  var root = new URL(document.body.getAttribute("data-root") || "./", location.href).href;
  var files = {}; // site path -> Promise of bytes
  var waiting = {}; // site path -> resolve

  function decode(b64) {
    var s = atob(b64);
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  window.mcdeweyOfflineFile = function (path, b64) {
    var resolve = waiting[path];
    delete waiting[path];
    if (resolve) resolve(decode(b64));
  };

  function script(src, onerror) {
    var s = document.createElement("script");
    s.src = src;
    s.onload = function () { s.remove(); };
    s.onerror = function () { s.remove(); onerror(); };
    document.head.appendChild(s);
  }

  function load(path) {
    if (!files[path]) {
      files[path] = new Promise(function (resolve, reject) {
        waiting[path] = resolve;
        script(root + "_offline/" + path + ".js", function () {
          delete waiting[path];
          delete files[path];
          reject(new Error(path + ": not in this copy"));
        });
      });
    }
    return files[path];
  }

  var pageFetch = window.fetch;
  window.fetch = function (input, init) {
    var url = new URL(typeof input === "string" ? input : input.url, location.href);
    var href = url.href.split(/[?#]/)[0];
    if (href.indexOf(root) !== 0) return pageFetch.call(window, input, init);
    return load(decodeURIComponent(href.slice(root.length))).then(
      function (bytes) { return new Response(bytes); },
      function () { return new Response(null, { status: 404 }); });
  };

  // The worker's code, wrapped by the build in mcdeweyOfflineWorker(fn),
  // gets a stand-in for its global scope. Messages keep their order; the
  // engine module is compiled asynchronously first, since compiling on the
  // page's thread may only be done that way.
  var PageWorker = window.Worker;
  window.Worker = function (url, options) {
    if (String(url).indexOf("/_static/search-worker.js") < 0) return new PageWorker(url, options);
    var worker = this;
    var scope = {
      postMessage: function (data) {
        setTimeout(function () { if (worker.onmessage) worker.onmessage({ data: data }); }, 0);
      },
    };
    var queue = new Promise(function (resolve, reject) {
      window.mcdeweyOfflineWorker = function (body) { body(scope); resolve(); };
      script(root + "_static/search-worker-offline.js", function () {
        reject(new Error("_static/search-worker-offline.js: not in this copy"));
      });
    });
    worker.postMessage = function (msg) {
      queue = queue.then(function () {
        if (msg.type !== "init") return msg;
        return WebAssembly.compile(msg.wasm).then(function (module) {
          return Object.assign({}, msg, { wasm: module });
        });
      }).then(function (m) { scope.onmessage({ data: m }); }, function (err) {
        scope.postMessage({ type: "error", id: msg.id || 0, message: String(err && err.message || err) });
      });
    };
    worker.terminate = function () {};
  };
})();
