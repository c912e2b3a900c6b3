// keywarden's incident report: cards drawn from the page's data as they scroll into view,
// filters, sorting, search and checklist progress. Without this script the page holds every
// card in full (<noscript>). Progress is kept in this browser's storage under the report's id
// (fingerprints and step numbers, never a secret) and travels as a small JSON file through
// Export and Import.
(function () {
  "use strict";
  var BATCH = 100;
  var reportId = document.body.getAttribute("data-report-id");
  var storeKey = "keywarden:progress:" + reportId;
  var list = document.getElementById("cards");
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown");
  var more = document.getElementById("more");
  var status = document.getElementById("progress-status");
  var data = JSON.parse(document.getElementById("data").textContent);
  var all = data.findings, steps = data.steps;
  var view = all, drawn = 0, texts = null;

  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) {
    el.hidden = false;
  });

  // --- drawing ----------------------------------------------------------------------
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // A step: `code` spans and https links, everything else escaped.
  function rich(s) {
    return String(s).split("`").map(function (part, i) {
      if (i % 2) return "<code>" + esc(part) + "</code>";
      return esc(part).replace(/https:\/\/[^\s)"<]+/g, function (u) {
        var url = u.replace(/[.,;:]+$/, "");
        return '<a href="' + url + '" rel="noreferrer noopener">' + url + "</a>" + u.slice(url.length);
      });
    }).join("");
  }
  function badge(cls, text) {
    return '<span class="badge ' + cls + '">' + esc(text) + "</span>";
  }
  function card(f, n) {
    var h = f.h, o = [];
    var verdict = f.verified === true ? "live" : f.verified === false ? "dead" : "unknown";
    o.push('<article class="card" data-fingerprint="' + esc(f.fp) + '" data-severity="' + f.sev +
      '" aria-labelledby="t-' + n + '">');
    var b = badge("sev-" + f.sev, f.sev) + badge("conf", f.conf + " confidence");
    if (f.verified === true) b += badge("live", "live");
    if (f.verified === false) b += badge("dead", "dead");
    if (h) b += h.inhead ? badge("inhead", "in HEAD") : badge("gone", "not in HEAD");
    o.push('<h3 id="t-' + n + '">' + b + " " + esc(f.prov) + ' <span class="meta">' + esc(f.name) + "</span></h3><dl>");
    o.push("<dt>Where</dt><dd><code>" + esc(f.path + ":" + f.line) + "</code>" + (f.more ? " and " + f.more + " other place(s)" : "") + "</dd>");
    if (f.secret) o.push("<dt>Secret</dt><dd><code>" + esc(f.secret) + "</code> (redacted)</dd>");
    if (f.ctx) o.push("<dt>Line</dt><dd><code>" + esc(f.ctx) + "</code></dd>");
    o.push("<dt>Rule</dt><dd><code>" + esc(f.rule) + "</code> · " + esc(f.conf) + " confidence: " + esc(f.why) + "</dd>");
    f.details.forEach(function (d) { o.push("<dt>" + esc(d[0]) + "</dt><dd>" + esc(d[1]) + "</dd>"); });
    if (f.verification) {
      o.push("<dt>Verified</dt><dd><strong>" + verdict + "</strong> (" + esc(f.verification) + ")</dd>");
    }
    if (f.also.length) {
      o.push("<dt>Also at</dt><dd>" + f.also.map(function (a) { return "<code>" + esc(a) + "</code>"; }).join(", ") +
        (f.more > f.also.length ? " and " + (f.more - f.also.length) + " more" : "") + "</dd>");
    }
    o.push("</dl>");
    if (h) {
      o.push('<h4>Timeline</h4><ol class="timeline">');
      o.push('<li><span class="when">' + esc(h.date) + "</span>Introduced in <code>" + esc(h.commit) + "</code> by " + esc(h.author) + "</li>");
      if (h.also.length) o.push("<li>Also introduced independently in " + h.also.map(function (c) { return "<code>" + esc(c) + "</code>"; }).join(", ") + "</li>");
      o.push("<li>Reachable from " + esc(h.refs) + "; seen in " + h.commits + " commit(s)</li>");
      if (h.inhead) o.push('<li><strong class="inhead">Still in HEAD</strong></li>');
      else if (h.removed) o.push('<li><span class="when">' + esc(h.removed.date) + '</span><span class="gone">Removed from HEAD</span> in <code>' + esc(h.removed.commit) + "</code> (still in history until purged)</li>");
      else o.push("<li>Never on HEAD's line (only on other refs)</li>");
      if (h.days !== null) o.push("<li>Exposed for <strong>" + h.days + " day(s)</strong>" + (h.counting ? " and counting" : "") + "</li>");
      o.push("</ol>");
    }
    var mine = done[f.fp] || [], n_done = 0;
    var items = f.steps.map(function (s, i) {
      var on = mine.indexOf(i) >= 0;
      if (on) n_done++;
      var sub = s[0].charAt(0) === " ";
      return "<li" + (sub ? ' class="sub"' : "") + '><label><input type="checkbox"' + (on ? " checked" : "") + '><span class="n">' +
        esc(s[0].trim()) + "</span><span>" + rich(steps[s[1]]) + "</span></label></li>";
    });
    o.push('<h4>What to do<span class="progress">' + n_done + " of " + f.steps.length + ' steps done</span></h4><ol class="checklist">' + items.join("") + "</ol></article>");
    return { html: o.join(""), complete: f.steps.length > 0 && n_done === f.steps.length };
  }
  function draw(k) {
    var html = [], end = Math.min(view.length, drawn + k), complete = [];
    for (var i = drawn; i < end; i++) {
      var c = card(view[i], i);
      html.push(c.html);
      if (c.complete) complete.push(view[i].fp);
    }
    list.insertAdjacentHTML("beforeend", html.join(""));
    complete.forEach(function (fp) {
      var el = list.querySelector('article.card[data-fingerprint="' + fp + '"]');
      if (el) el.classList.add("done");
    });
    drawn = end;
    more.hidden = drawn >= view.length;
    if (shown) shown.textContent = "Showing " + view.length + " of " + all.length + (drawn < view.length ? " (" + drawn + " drawn so far)" : "");
  }
  function redraw() {
    list.textContent = "";
    drawn = 0;
    draw(BATCH);
  }
  document.getElementById("more-button").addEventListener("click", function () { draw(BATCH); });
  // Paper gets every card the filters show, not just those scrolled to.
  window.addEventListener("beforeprint", function () { draw(view.length - drawn); });
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; }) && drawn < view.length) draw(BATCH);
    }, { rootMargin: "800px" }).observe(more);
  }

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
  list.addEventListener("change", function (ev) {
    var box = ev.target;
    if (!box.matches || !box.matches(".checklist input")) return;
    var el = box.closest("article.card");
    var fp = el.getAttribute("data-fingerprint");
    var boxes = Array.prototype.slice.call(el.querySelectorAll(".checklist input"));
    var on = [];
    boxes.forEach(function (b, i) { if (b.checked) on.push(i); });
    if (on.length) done[fp] = on; else delete done[fp];
    save();
    el.querySelector(".progress").textContent = on.length + " of " + boxes.length + " steps done";
    el.classList.toggle("done", on.length === boxes.length);
  });

  var exportButton = document.getElementById("export");
  var importInput = document.getElementById("import");
  exportButton.addEventListener("click", function () {
    var blob = new Blob([JSON.stringify({ report: reportId, done: done }, null, 2) + "\n"], { type: "application/json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "keywarden-progress-" + reportId + ".json";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    say("Exported " + Object.keys(done).length + " secret(s) with steps done.");
  });
  importInput.addEventListener("change", function () {
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
      all.forEach(function (f) { known[f.fp] = true; });
      var merged = 0;
      Object.keys(v.done).forEach(function (fp) {
        if (!known[fp] || !Array.isArray(v.done[fp])) return;
        var on = (done[fp] || []).slice();
        v.done[fp].forEach(function (i) { if (typeof i === "number" && on.indexOf(i) < 0) on.push(i); });
        done[fp] = on.sort(function (a, b) { return a - b; });
        merged++;
      });
      save();
      redraw();
      say("Imported progress for " + merged + " secret(s)" + (v.report && v.report !== reportId ? " (from another report, matched by fingerprint)" : "") + ".");
      importInput.value = "";
    };
    reader.readAsText(file);
  });

  // --- filters, search, sort --------------------------------------------------------
  function value(name) {
    var el = form && form.elements[name];
    return el ? el.value : "";
  }
  function text(f) {
    var h = f.h || {};
    return [f.prov, f.name, f.rule, f.path, f.ctx, f.also.join(" "), h.commit, h.author, h.refs,
      f.details.map(function (d) { return d.join(" "); }).join(" ")].join(" ").toLowerCase();
  }
  function update() {
    var sev = value("severity"), prov = value("provider"), conf = value("confidence"),
        head = value("inhead"), live = value("live"), q = value("q").trim().toLowerCase(), by = value("sort");
    if (q && !texts) texts = all.map(text);
    view = all.filter(function (f, i) {
      var l = f.verified === true ? "yes" : f.verified === false ? "no" : "unknown";
      return (!sev || f.sev === sev) && (!prov || f.prov === prov) && (!conf || f.conf === conf) &&
        (!head || (f.h && f.h.inhead ? "yes" : "no") === head) && (!live || l === live) &&
        (!q || texts[i].indexOf(q) >= 0);
    });
    var key = by === "exposure" ? function (f) { return -(f.h && f.h.days !== null ? f.h.days : -1); }
      : by === "introduced" ? function (f) { return -(f.h ? f.h.since : 0); }
      : by === "provider" ? function (f) { return f.prov.toLowerCase(); } : null;
    if (key) {
      view = view.map(function (f, i) { return { f: f, k: key(f), i: i }; })
        .sort(function (a, b) { return a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i; })
        .map(function (x) { return x.f; });
    }
    redraw();
  }
  if (form) {
    form.addEventListener("input", update);
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  }
  redraw();

  // --- copy buttons -----------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
    b.addEventListener("click", function () {
      var pre = document.getElementById(b.getAttribute("data-for"));
      var copied = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(pre.textContent).then(copied, function () { select(pre); });
      } else {
        select(pre);
      }
    });
  });
  function select(el) {
    var r = document.createRange();
    r.selectNodeContents(el);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
    say("Selected: press Ctrl+C to copy.");
  }
})();
