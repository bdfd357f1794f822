"use strict";
(function () {
  // Every value from the data goes into the DOM as text (textContent / text nodes), never as HTML.
  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var events = data.events;
  var typeLabels = Object.fromEntries(data.types);
  var roleLabels = Object.fromEntries(data.roles);
  // Enums, labels and descriptions come from the Table Schemas through the embedded JSON; none is restated here.
  var verificationLabels = Object.fromEntries(data.verification.map(function (v) { return [v[0], v[1]]; }));
  var verificationMeanings = Object.fromEntries(data.verification.map(function (v) { return [v[0], v[2]]; }));
  var kindLabels = Object.fromEntries(data.kinds.map(function (k) { return [k[0], k[1]]; }));
  var contested = Object.fromEntries(data.contested.map(function (v) { return [v, true]; }));
  var badged = Object.fromEntries(data.badged.map(function (v) { return [v, true]; }));
  var plural = function (n, word) { return n.toLocaleString("en") + " " + word + (n === 1 ? "" : "s"); };

  function pluralLabel(word) {
    return /[^aeiou]y$/.test(word) ? word.slice(0, -1) + "ies" : word + "s";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    return /^https?:\/\//i.test(url) ? url : "";
  }

  function link(source) {
    var url = safeUrl(source.url);
    var a = el(url ? "a" : "span", "source-title", source.title);
    if (url) {
      a.href = url;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
    }
    return a;
  }

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  var actorNames = data.actorNames || {};
  function actorLabel(id) {
    // The main name, then each side's form: "Stepanakert / Ստեփանակերտ · Xankəndi · Степанакерт".
    var others = actorNames[id] || [];
    return (data.actors[id] || id) + (others.length ? " (" + others.join(" · ") + ")" : "");
  }

  function actorLine(event) {
    var byRole = {};
    event.actors.forEach(function (pair) { (byRole[pair[0]] = byRole[pair[0]] || []).push(actorLabel(pair[1])); });
    var p = el("p", "actors");
    data.roles.forEach(function (role) {
      var names = byRole[role[0]];
      if (!names) return;
      var part = el("span", "role");
      part.append(el("span", "role-name", names.length > 1 ? pluralLabel(roleLabels[role[0]]) : roleLabels[role[0]]), document.createTextNode(" " + names.join(", ")));
      p.append(part);
    });
    return p;
  }

  function sourcesBlock(event) {
    var details = el("details", "sources");
    details.append(el("summary", null, plural(event.sources.length, "source")));
    var list = el("ol", "source-list");
    event.sources.forEach(function (s) {
      var item = el("li");
      item.append(link(s));
      var about = [s.publisher, s.date].filter(Boolean).join(", ");
      if (about) item.append(el("span", "source-about", " — " + about));
      list.append(item);
    });
    details.append(list);
    return details;
  }

  function statementsBlock(event) {
    var details = el("details", "statements");
    details.append(el("summary", null, plural(event.statements.length, "statement")));
    details.append(statementList(event.statements));
    return details;
  }

  function statementList(statements) {
    var list = el("ol", "statement-list");
    statements.forEach(function (s) {
      var item = el("li", "statement");
      item.id = s.id;
      var head = el("p", "statement-head");
      head.append(el("span", "badge statement-badge", s.act), el("strong", "speaker", s.speaker));
      if (s.behalf) head.append(el("span", "behalf", " for " + s.behalf));
      head.append(el("span", "statement-when", " · " + s.when));
      var quote = el(s.quoted ? "blockquote" : "p", "statement-text " + s.kind, s.text);
      var foot = el("p", "statement-foot");
      foot.append(el("span", "kind", kindLabels[s.kind] || s.kind),
        document.createTextNode(" · source: "), link(s.source));
      item.append(head, quote, foot);
      list.append(item);
    });
    return list;
  }

  function card(event) {
    var article = el("article", "event v-" + event.verification);
    article.id = event.id;
    var meta = el("p", "event-meta");
    var time = el("span", "when", event.when);
    time.title = "EDTF " + event.edtf;
    meta.append(time, el("span", "chip", typeLabels[event.type] || event.type));
    if (badged[event.verification]) {
      var badge = el("span", "badge v-" + event.verification, verificationLabels[event.verification] || event.verification);
      if (contested[event.verification]) badge.title = "Contested: " + (verificationMeanings[event.verification] || verificationLabels[event.verification]);
      meta.append(badge);
    }
    article.append(meta, el("h3", "event-title", event.title));
    if (event.place) article.append(el("p", "place", [event.place].concat(event.placeNames || []).join(" · ")));
    if (event.corroboration) article.append(el("p", "corroboration", event.corroboration.charAt(0).toUpperCase() + event.corroboration.slice(1) + "."));
    article.append(el("p", "summary", event.summary));
    if (event.actors.length) article.append(actorLine(event));
    if (event.fatalities) article.append(el("p", "fatalities", "Fatalities: " + event.fatalities));
    if (event.notes) article.append(el("p", "notes", event.notes));
    var more = el("div", "more");
    if (event.statements.length) more.append(statementsBlock(event));
    if (event.sources.length) more.append(sourcesBlock(event));
    article.append(more);
    var id = el("p", "event-id");
    var permalink = el("a", "permalink", event.id);
    permalink.href = "#" + event.id;
    permalink.title = "Link to this event";
    id.append(permalink);
    article.append(id);
    return article;
  }

  // Build every card once; filtering only toggles `hidden`.
  var main = document.getElementById("timeline");
  var years = [];
  var sections = {};
  var items = events.map(function (event) {
    if (!sections[event.year]) {
      var section = el("section", "year");
      var heading = el("h2", "year-heading");
      heading.append(el("span", "year-number", event.year), el("span", "year-count"));
      section.append(heading, el("div", "year-events"));
      sections[event.year] = section;
      years.push(event.year);
      main.append(section);
    }
    var node = card(event);
    sections[event.year].lastChild.append(node);
    var words = [event.title, event.summary, event.place, event.notes, event.when, event.id, typeLabels[event.type]]
      .concat(event.placeNames || [])
      .concat(event.actors.map(function (p) { return actorLabel(p[1]); }))
      .concat(event.statements.map(function (s) { return s.speaker + " " + s.behalf + " " + s.text; }))
      .concat(event.sources.map(function (s) { return s.title + " " + s.publisher; }));
    return { event: event, node: node, text: fold(words.join(" \u0001 ")), actors: new Set(event.actors.map(function (p) { return p[1]; })) };
  });
  var empty = el("p", "empty", "No events match these filters.");
  empty.hidden = true;
  main.append(empty);
  if ((data.unlinked || []).length) {
    var loose = el("section", "unlinked");
    loose.id = "statements-without-event";
    loose.append(el("h2", "year-heading", "Statements not about a single event (" + data.unlinked.length + ")"), statementList(data.unlinked));
    main.append(loose);
  }

  // Highlight the search terms in titles, summaries and statement texts (as <mark> elements around text nodes).
  function highlight(node, terms) {
    var text = node.dataset.text === undefined ? (node.dataset.text = node.textContent) : node.dataset.text;
    node.textContent = "";
    if (!terms.length) { node.textContent = text; return; }
    var pattern = new RegExp("(" + terms.map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|") + ")", "giu");
    text.split(pattern).forEach(function (part, i) {
      node.append(i % 2 ? el("mark", null, part) : document.createTextNode(part));
    });
  }

  // Controls: options carry counts; the state lives in the URL's fragment so a view can be shared.
  var search = document.getElementById("search");
  var typeSelect = document.getElementById("type");
  var actorSelect = document.getElementById("actor");
  var fromSelect = document.getElementById("year-from");
  var toSelect = document.getElementById("year-to");
  function option(select, value, text) {
    var o = el("option", null, text);
    o.value = String(value);
    select.append(o);
  }
  var typeCounts = {};
  var actorCounts = {};
  events.forEach(function (e) {
    typeCounts[e.type] = (typeCounts[e.type] || 0) + 1;
    new Set(e.actors.map(function (p) { return p[1]; })).forEach(function (a) { actorCounts[a] = (actorCounts[a] || 0) + 1; });
  });
  data.types.forEach(function (t) { if (typeCounts[t[0]]) option(typeSelect, t[0], t[1] + " (" + typeCounts[t[0]] + ")"); });
  Object.keys(data.actors).forEach(function (a) { option(actorSelect, a, data.actors[a] + " (" + (actorCounts[a] || 0) + ")"); });
  years.forEach(function (y) { option(fromSelect, y, y); option(toSelect, y, y); });
  if (years.length) toSelect.value = String(years[years.length - 1]);

  var PERMALINK = /^#((evt|stm)_[0-9]+)$/;

  // The overview axis: one bar per year, its height the number of events; a click shows only that year (again: all years).
  var axis = document.getElementById("axis");
  var perYearAll = {};
  events.forEach(function (e) { perYearAll[e.year] = (perYearAll[e.year] || 0) + 1; });
  var most = Math.max.apply(null, years.map(function (y) { return perYearAll[y]; }).concat([1]));
  var bars = {};
  years.forEach(function (y) {
    var bar = el("button", "axis-bar");
    bar.type = "button";
    bar.dataset.year = String(y);
    bar.title = y + ": " + plural(perYearAll[y], "event");
    bar.setAttribute("aria-label", bar.title);
    var fill = el("span", "axis-fill");
    fill.style.height = Math.max(4, Math.round(100 * perYearAll[y] / most)) + "%";
    bar.append(fill, el("span", "axis-year", String(y).slice(-2)));
    bar.addEventListener("click", function () {
      var only = fromSelect.value === String(y) && toSelect.value === String(y);
      fromSelect.value = String(only ? years[0] : y);
      toSelect.value = String(only ? years[years.length - 1] : y);
      if (PERMALINK.test(location.hash)) {
        try { history.replaceState(null, "", location.pathname + location.search); } catch (err) { /* file:// */ }
      }
      apply();
    });
    bars[y] = bar;
    axis.append(bar);
  });

  function readFragment() {
    if (PERMALINK.test(location.hash)) {  // a permalink: every event shown, the target scrolled to and highlighted
      search.value = ""; typeSelect.value = ""; actorSelect.value = "";
      if (years.length) { fromSelect.value = String(years[0]); toSelect.value = String(years[years.length - 1]); }
      return;
    }
    var params = new URLSearchParams(location.hash.slice(1));
    search.value = params.get("q") || "";
    typeSelect.value = typeCounts[params.get("type")] ? params.get("type") : "";
    actorSelect.value = params.get("actor") in data.actors ? params.get("actor") : "";
    if (years.indexOf(Number(params.get("from"))) >= 0) fromSelect.value = params.get("from");
    if (years.indexOf(Number(params.get("to"))) >= 0) toSelect.value = params.get("to");
  }

  function showTarget() {
    var found = PERMALINK.exec(location.hash);
    var target = found && document.getElementById(found[1]);
    document.querySelectorAll(".is-target").forEach(function (n) { n.classList.remove("is-target"); });
    if (!target) return;
    var holder = target.closest("details");
    if (holder) holder.open = true;
    target.classList.add("is-target");
    target.scrollIntoView({ block: "start" });
  }

  function writeFragment() {
    if (PERMALINK.test(location.hash)) return;  // keep a permalink until the reader changes a filter
    var params = new URLSearchParams();
    if (search.value.trim()) params.set("q", search.value.trim());
    if (typeSelect.value) params.set("type", typeSelect.value);
    if (actorSelect.value) params.set("actor", actorSelect.value);
    if (years.length && fromSelect.value !== String(years[0])) params.set("from", fromSelect.value);
    if (years.length && toSelect.value !== String(years[years.length - 1])) params.set("to", toSelect.value);
    var fragment = params.toString();
    try {
      history.replaceState(null, "", fragment ? "#" + fragment : location.pathname + location.search);
    } catch (err) { /* some browsers refuse replaceState on file:// pages; the filters still work */ }
  }

  function apply() {
    var terms = fold(search.value).split(/\s+/).filter(Boolean);
    var raw = search.value.trim().split(/\s+/).filter(Boolean);
    var type = typeSelect.value;
    var actor = actorSelect.value;
    var from = Number(fromSelect.value) || -Infinity;
    var to = Number(toSelect.value) || Infinity;
    var shown = 0;
    var perYear = {};
    items.forEach(function (item) {
      var e = item.event;
      var ok = (!type || e.type === type) && (!actor || item.actors.has(actor)) && e.year >= Math.min(from, to) && e.year <= Math.max(from, to) &&
        terms.every(function (t) { return item.text.indexOf(t) >= 0; });
      item.node.hidden = !ok;
      if (ok || item.marked) {
        item.node.querySelectorAll(".event-title, .summary, .statement-text").forEach(function (n) { highlight(n, ok ? raw : []); });
        item.marked = ok && raw.length > 0;
      }
      if (ok) { shown += 1; perYear[e.year] = (perYear[e.year] || 0) + 1; }
    });
    years.forEach(function (y) {
      bars[y].classList.toggle("in-range", y >= Math.min(from, to) && y <= Math.max(from, to));
      bars[y].classList.toggle("has-shown", Boolean(perYear[y]));
      sections[y].hidden = !perYear[y];
      sections[y].querySelector(".year-count").textContent = plural(perYear[y] || 0, "event");
    });
    empty.hidden = shown > 0;
    document.getElementById("count").textContent = "Showing " + shown.toLocaleString("en") + " of " + plural(events.length, "event");
    writeFragment();
  }

  [search, typeSelect, actorSelect, fromSelect, toSelect].forEach(function (control) {
    control.addEventListener(control === search ? "input" : "change", function () {
      if (PERMALINK.test(location.hash)) {
        try { history.replaceState(null, "", location.pathname + location.search); } catch (err) { /* file:// */ }
      }
      apply();
    });
  });
  document.getElementById("reset").addEventListener("click", function () {
    search.value = "";
    typeSelect.value = "";
    actorSelect.value = "";
    if (years.length) { fromSelect.value = String(years[0]); toSelect.value = String(years[years.length - 1]); }
    apply();
  });
  window.addEventListener("hashchange", function () { readFragment(); apply(); showTarget(); });

  var contestedCounts = data.contested.map(function (v) {
    var n = events.filter(function (e) { return e.verification === v; }).length;
    var words = verificationLabels[v].toLowerCase();
    return n + " " + (n === 1 || /ed$/.test(words) ? words : words + "s");  // "2 disputed", "3 party claims"
  });
  var span = years.length ? years[0] + "–" + years[years.length - 1] : "";
  document.getElementById("meta").textContent = [plural(events.length, "event") + (span ? " from " + span : ""),
    plural(data.counts.statements, "statement"), plural(data.counts.sources, "source"),
    contestedCounts.join(", ")].filter(Boolean).join(" · ");
  document.getElementById("footer").textContent = data.title + " " + data.version + (data.created ? ", released " + data.created : "") +
    (data.licence ? ". Data licence: " + data.licence + "." : ".") + " Every event lists its sources; statements are attributed to their speakers.";
  readFragment();
  apply();
  showTarget();
})();
