/* secondvictim-core site script: progressive enhancement only.
 *
 * Every page works without it. With it you also get: a name filter on the directory,
 * an offline search, print buttons and a self-assessment scorer that gives exactly
 * the numbers of the Python engine (secondvictim_core.engines.assessment).
 * No inline script, no eval, no markup built from strings, no request leaves the site.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("sv-js");

  /* -- numbers as Python formats them ------------------------------------------------ */

  /* Python's format(x, ".{d}f") and round(x, d): the exact binary value, ties to even.
     JavaScript's toFixed breaks exact ties upwards, so ties are detected and fixed. */
  function pyFixed(x, d) {
    if (!isFinite(x)) { return String(x); }
    var negative = x < 0 || (x === 0 && 1 / x < 0);
    var a = Math.abs(x);
    var exact = a.toFixed(100);
    var dot = exact.indexOf(".");
    var rest = exact.slice(dot + 1 + d);
    var out = a.toFixed(d);
    if (/^50*$/.test(rest)) {
      var truncated = d === 0 ? exact.slice(0, dot) : exact.slice(0, dot + 1 + d);
      var last = truncated.charCodeAt(truncated.length - 1) - 48;
      if (last % 2 === 0) { out = truncated; }
    }
    return (negative && /[1-9]/.test(out) ? "-" : "") + out;
  }

  /* -- the self-assessment scorer (mirrors engines.assessment, one respondent) -------- */

  var EPSILON = 1e-9; /* the engine's slack when comparing a mean with a band's min_score */

  function bandFor(fw, mean) {
    var index = 0;
    for (var i = 0; i < fw.bands.length; i++) {
      if (mean + EPSILON >= fw.bands[i].min_score) { index = i; }
    }
    return { band: fw.bands[index], next: index + 1 < fw.bands.length ? fw.bands[index + 1] : null };
  }

  function figure(fw, id, title, sum, answered, positive, actions) {
    if (!answered) { return { id: id, title: title, responses: 0 }; }
    /* One respondent: the figure's mean is their mean. The engine adds the exact
       fraction above the scale minimum to the minimum; done in the same order here,
       the two give the same double, bit for bit. */
    var low = fw.scale.min;
    var mean = low + (sum - answered * low) / answered;
    var b = bandFor(fw, mean);
    return {
      id: id,
      title: title,
      n: 1,
      mean: mean,
      responses: answered,
      positive: positive,
      percent_positive: 100 * positive / answered,
      band: b.band.id,
      band_label: b.band.label,
      next_band: b.next ? b.next.id : null,
      gap: b.next ? Math.max(0, b.next.min_score - mean) : null,
      actions: (actions || []).filter(function (a) { return a.band === b.band.id; })
        .map(function (a) { return a.text; })
    };
  }

  /* answers: {itemId: value}; a missing item is "not answered" (never zero).
     Reverse items are mirrored (min + max - value); positive means a score at or
     above scale.positive_from after mirroring; the overall figure pools every item. */
  function score(fw, answers) {
    var low = fw.scale.min, high = fw.scale.max, from = fw.scale.positive_from;
    var totalSum = 0, totalAnswered = 0, totalPositive = 0;
    var figures = fw.domains.map(function (domain) {
      var sum = 0, answered = 0, positive = 0;
      domain.items.forEach(function (item) {
        if (!Object.prototype.hasOwnProperty.call(answers, item.id)) { return; }
        var value = answers[item.id];
        if (value === null || value === undefined || value === "") { return; }
        value = Number(value);
        var s = item.reverse ? low + high - value : value;
        sum += s; answered += 1;
        if (s >= from) { positive += 1; }
      });
      totalSum += sum; totalAnswered += answered; totalPositive += positive;
      return figure(fw, domain.id, domain.title, sum, answered, positive, domain.actions);
    });
    figures.push(figure(fw, "overall", null, totalSum, totalAnswered, totalPositive, []));
    return figures;
  }

  window.svScore = score;
  window.svFixed = pyFixed;

  /* -- helpers -------------------------------------------------------------------------- */

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m;
    });
  }

  /* -- the assessment form -------------------------------------------------------------- */

  function renderResults(region, fw, figures) {
    var d = region.dataset;
    var h = Math.min(6, Number(d.svHeading || 2));
    while (region.firstChild) { region.removeChild(region.firstChild); }
    region.appendChild(el("h" + h, {}, d.svLTitle));
    var overall = figures[figures.length - 1];
    if (!overall.responses) {
      region.appendChild(el("p", {}, d.svLNone));
      return;
    }
    region.appendChild(el("p", {}, d.svLNote));
    var table = el("table", { "class": "sv-table" });
    table.appendChild(el("caption", { "class": "sv-visually-hidden" }, d.svLTitle));
    var head = el("tr");
    [d.svLDomain, d.svLMean, d.svLBand, d.svLPositive, d.svLAnswered].forEach(function (label) {
      head.appendChild(el("th", { scope: "col" }, label));
    });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    figures.forEach(function (f) {
      var row = el("tr", { "data-sv-figure": f.id, "data-sv-responses": f.responses });
      row.appendChild(el("th", { scope: "row" }, f.title === null ? d.svLOverall : f.title));
      if (f.responses) {
        row.setAttribute("data-sv-mean", String(f.mean));
        row.setAttribute("data-sv-percent", String(f.percent_positive));
        row.setAttribute("data-sv-positive", String(f.positive));
        row.setAttribute("data-sv-band", f.band);
        row.appendChild(el("td", { "data-sv-shown": "mean" }, pyFixed(f.mean, 2)));
        row.appendChild(el("td", {}, f.band_label));
        row.appendChild(el("td", { "data-sv-shown": "percent" }, pyFixed(f.percent_positive, 0) + "%"));
        row.appendChild(el("td", {}, f.responses));
      } else {
        row.appendChild(el("td", {}, "–"));
        row.appendChild(el("td", {}, "–"));
        row.appendChild(el("td", {}, "–"));
        row.appendChild(el("td", {}, "0"));
      }
      body.appendChild(row);
    });
    table.appendChild(body);
    /* A narrow screen scrolls the table, not the page (WCAG 1.4.10); the region can
       take focus so keyboard users can scroll it too. */
    var wrap = el("div", { "class": "sv-scroll", role: "region", tabindex: "0", "aria-label": d.svLTitle });
    wrap.appendChild(table);
    region.appendChild(wrap);
    var withActions = figures.filter(function (f) { return f.actions && f.actions.length; });
    if (withActions.length) {
      region.appendChild(el("h" + Math.min(6, h + 1), {}, d.svLActions));
      withActions.forEach(function (f) {
        region.appendChild(el("p", { "class": "sv-inset__title" }, f.title + " (" + f.band_label + ")"));
        var list = el("ul", { "class": "sv-bullets" });
        f.actions.forEach(function (text) { list.appendChild(el("li", {}, text)); });
        region.appendChild(list);
      });
    }
  }

  function setUpAssessment(form) {
    var region = document.getElementById(form.dataset.svResults);
    var framework = null;
    var failed = function () {
      var note = document.querySelector(".sv-scorer-error");
      if (note) { note.hidden = false; }
    };
    fetch(form.dataset.svFramework, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (fw) { framework = fw; form.setAttribute("data-sv-ready", "true"); })
      .catch(failed);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!framework) { failed(); return; }
      var answers = {};
      Array.prototype.forEach.call(form.querySelectorAll("input[type=radio]:checked"), function (input) {
        answers[input.name] = Number(input.value);
      });
      renderResults(region, framework, score(framework, answers));
      region.hidden = false;
      region.focus();
    });
    form.addEventListener("reset", function () {
      region.hidden = true;
      while (region.firstChild) { region.removeChild(region.firstChild); }
    });
  }

  /* -- the directory's name filter ------------------------------------------------------ */

  function setUpNameFilter(input) {
    var list = document.getElementById(input.dataset.svFilter);
    var status = document.getElementById(input.dataset.svStatus);
    var items = Array.prototype.slice.call(list.children);
    var timer = null;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (li) {
        var card = li.querySelector("[data-sv-name]");
        var name = card ? card.getAttribute("data-sv-name") : li.textContent.toLowerCase();
        var match = words.every(function (w) { return name.indexOf(w) !== -1; });
        li.hidden = !match;
        if (match) { shown += 1; }
      });
      clearTimeout(timer);
      /* A short pause, so a screen reader announces the count once, not per key. */
      timer = setTimeout(function () {
        status.textContent = words.length ? fill(input.dataset.svLShown, { count: shown }) : "";
      }, 400);
    });
  }

  /* -- offline search --------------------------------------------------------------------- */

  function runSearch(entries, query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) { return []; }
    var found = [];
    entries.forEach(function (e) {
      var title = e.t.toLowerCase();
      var text = title + " " + (e.s || "").toLowerCase() + " " + (e.k || "").toLowerCase();
      var points = 0;
      for (var i = 0; i < words.length; i++) {
        if (text.indexOf(words[i]) === -1) { return; }
        points += title.indexOf(words[i]) !== -1 ? 3 : 1;
      }
      found.push({ entry: e, points: points });
    });
    found.sort(function (a, b) {
      return b.points - a.points || (a.entry.t < b.entry.t ? -1 : a.entry.t > b.entry.t ? 1 : 0);
    });
    return found.slice(0, 50).map(function (f) { return f.entry; });
  }

  function setUpSearch(form) {
    var input = form.querySelector("input[name=q]");
    var results = document.getElementById(form.dataset.svResults);
    var entries = null;
    var show = function (query) {
      while (results.firstChild) { results.removeChild(results.firstChild); }
      if (!query.trim()) { return; }
      var hits = runSearch(entries, query);
      var d = form.dataset;
      results.appendChild(el("p", { "class": "sv-results-count" },
        hits.length ? fill(d.svLResults, { count: hits.length, query: query }) : fill(d.svLNone, { query: query })));
      if (!hits.length) { return; }
      var list = el("ol", { "class": "sv-list" });
      hits.forEach(function (e) {
        var li = el("li", { "class": "sv-list__item" });
        li.appendChild(el("a", { "class": "sv-list__link", href: e.u }, e.t));
        if (e.s) { li.appendChild(el("p", { "class": "sv-list__summary" }, e.s)); }
        list.appendChild(li);
      });
      results.appendChild(list);
    };
    var initial = new URLSearchParams(window.location.search).get("q") || "";
    input.value = initial;
    fetch(form.dataset.svIndex, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) { entries = data; form.setAttribute("data-sv-ready", "true"); show(input.value); })
      .catch(function () { results.appendChild(el("p", {}, form.dataset.svLError)); });
    form.addEventListener("submit", function (event) {
      if (!entries) { return; }
      event.preventDefault();
      var url = new URL(window.location.href);
      url.searchParams.set("q", input.value);
      window.history.replaceState(null, "", url.toString());
      show(input.value);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-sv-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sv-framework]"), setUpAssessment);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-sv-filter]"), setUpNameFilter);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sv-index]"), setUpSearch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
