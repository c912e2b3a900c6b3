// keywarden's incident report: filters, sorting, search and checklist progress. The page
// reads in full without this script; the script only adds. Progress is kept in this
// browser's storage under the report's id (fingerprints and step numbers, never a secret)
// and travels as a small JSON file through Export and Import.
(function () {
  "use strict";
  var body = document.body;
  var reportId = body.getAttribute("data-report-id");
  var storeKey = "keywarden:progress:" + reportId;
  var list = document.getElementById("cards");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  var shown = document.getElementById("shown");
  var status = document.getElementById("progress-status");
  var texts = null; // each card's text, lowercased, made on the first search

  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) {
    el.hidden = false;
  });

  // --- progress ---------------------------------------------------------------------
  function load() {
    try {
      var raw = window.localStorage.getItem(storeKey);
      var v = raw ? JSON.parse(raw) : null;
      return v && typeof v.done === "object" && v.done ? v.done : {};
    } catch (e) {
      return {};
    }
  }
  var done = load();
  function save() {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify({ report: reportId, done: done }));
    } catch (e) {
      say("Progress could not be saved in this browser; use Export to keep it.");
    }
  }
  function say(text) {
    if (status) status.textContent = text;
  }
  function refreshCard(card) {
    var boxes = card.querySelectorAll(".checklist input");
    var n = 0;
    for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) n++;
    var out = card.querySelector(".progress");
    if (out) out.textContent = n + " of " + boxes.length + " steps done";
    card.classList.toggle("done", boxes.length > 0 && n === boxes.length);
  }
  function apply() {
    cards.forEach(function (card) {
      var fp = card.getAttribute("data-fingerprint");
      var steps = done[fp] || [];
      var boxes = card.querySelectorAll(".checklist input");
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = steps.indexOf(i) >= 0;
      refreshCard(card);
    });
  }
  list.addEventListener("change", function (ev) {
    var box = ev.target;
    if (!box.matches || !box.matches(".checklist input")) return;
    var card = box.closest("article.card");
    var fp = card.getAttribute("data-fingerprint");
    var boxes = Array.prototype.slice.call(card.querySelectorAll(".checklist input"));
    var steps = [];
    boxes.forEach(function (b, i) { if (b.checked) steps.push(i); });
    if (steps.length) done[fp] = steps; else delete done[fp];
    save();
    refreshCard(card);
  });
  apply();

  var exportButton = document.getElementById("export");
  var importInput = document.getElementById("import");
  if (exportButton) exportButton.addEventListener("click", function () {
    var blob = new Blob([JSON.stringify({ report: reportId, done: done }, null, 2) + "\n"], { type: "application/json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "keywarden-progress-" + reportId + ".json";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    say("Exported " + Object.keys(done).length + " secret(s) with steps done.");
  });
  if (importInput) importInput.addEventListener("change", function () {
    var file = importInput.files && importInput.files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () {
      var v;
      try { v = JSON.parse(reader.result); } catch (e) { v = null; }
      if (!v || typeof v.done !== "object" || !v.done) {
        say("That file is not a keywarden progress file.");
        return;
      }
      var known = {};
      cards.forEach(function (c) { known[c.getAttribute("data-fingerprint")] = true; });
      var merged = 0;
      Object.keys(v.done).forEach(function (fp) {
        if (!known[fp] || !Array.isArray(v.done[fp])) return;
        var steps = (done[fp] || []).slice();
        v.done[fp].forEach(function (i) { if (typeof i === "number" && steps.indexOf(i) < 0) steps.push(i); });
        done[fp] = steps.sort(function (a, b) { return a - b; });
        merged++;
      });
      save();
      apply();
      say("Imported progress for " + merged + " secret(s)" + (v.report && v.report !== reportId ? " (from another report: matched by fingerprint)" : "") + ".");
      importInput.value = "";
    };
    reader.readAsText(file);
  });

  // --- filters, search, sort --------------------------------------------------------
  var form = document.getElementById("filters");
  function value(name) {
    var el = form.elements[name];
    return el ? el.value : "";
  }
  function filter() {
    var sev = value("severity"), prov = value("provider"), conf = value("confidence"),
        head = value("inhead"), live = value("live"), q = value("q").trim().toLowerCase();
    if (q && !texts) texts = cards.map(function (c) { return c.textContent.toLowerCase(); });
    var n = 0;
    cards.forEach(function (c, i) {
      var ok = (!sev || c.getAttribute("data-severity") === sev) &&
        (!prov || c.getAttribute("data-provider") === prov) &&
        (!conf || c.getAttribute("data-confidence") === conf) &&
        (!head || c.getAttribute("data-inhead") === head) &&
        (!live || c.getAttribute("data-live") === live) &&
        (!q || texts[i].indexOf(q) >= 0);
      c.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = "Showing " + n + " of " + cards.length;
  }
  function sort() {
    var by = value("sort");
    var keyed = cards.map(function (c, i) {
      var k;
      if (by === "exposure") k = -Number(c.getAttribute("data-days") || -1);
      else if (by === "introduced") k = -Number(c.getAttribute("data-since") || 0);
      else if (by === "provider") k = c.getAttribute("data-provider").toLowerCase();
      else k = Number(c.getAttribute("data-rank"));
      return { c: c, k: k, i: i };
    });
    keyed.sort(function (a, b) { return a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i; });
    var frag = document.createDocumentFragment();
    keyed.forEach(function (x) { frag.appendChild(x.c); });
    list.appendChild(frag);
    cards = keyed.map(function (x) { return x.c; });
    texts = null;
  }
  form.addEventListener("input", function (ev) {
    if (ev.target.name === "sort") sort();
    filter();
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  filter();

  // --- copy buttons -----------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
    b.addEventListener("click", function () {
      var pre = document.getElementById(b.getAttribute("data-for"));
      var text = pre ? pre.textContent : "";
      var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(pre); });
      } else {
        selectText(pre);
      }
    });
  });
  function selectText(el) {
    if (!el) return;
    var r = document.createRange();
    r.selectNodeContents(el);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
    say("Selected: press Ctrl+C to copy.");
  }
})();
