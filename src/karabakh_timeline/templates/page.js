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

  // The overview axis: event density by month (the month each event starts). Drag over a period or click a
  // month to show only its events; the period also sets the year selectors, and changing those clears it.
  var MONTH = /^([0-9]{4})-([0-9]{2})$/;
  function monthIndex(m) { var f = MONTH.exec(m); return f ? Number(f[1]) * 12 + Number(f[2]) - 1 : NaN; }
  function monthKey(i) { var y = Math.floor(i / 12), m = i % 12 + 1; return String(y).padStart(4, "0") + "-" + (m < 10 ? "0" : "") + m; }
  function monthName(m) {
    var i = monthIndex(m);
    return new Date(Date.UTC(Math.floor(i / 12), i % 12, 1)).toLocaleString("en", { month: "short", year: "numeric", timeZone: "UTC" });
  }
  var first = Math.min.apply(null, events.map(function (e) { return monthIndex(e.month); }).concat([Infinity]));
  var last = Math.max.apply(null, events.map(function (e) { return monthIndex(e.month); }).concat([-Infinity]));
  var span = events.length ? Math.floor(last / 12) * 12 + 12 - Math.floor(first / 12) * 12 : 0;  // whole years
  var start = events.length ? Math.floor(first / 12) * 12 : 0;
  var perMonth = {};
  events.forEach(function (e) { perMonth[e.month] = (perMonth[e.month] || 0) + 1; });
  var busiest = Math.max.apply(null, Object.values(perMonth).concat([1]));
  var axis = document.getElementById("axis");
  var plot = document.getElementById("axis-plot");
  var brush = document.getElementById("axis-brush");
  var cursor = document.getElementById("axis-cursor");
  var periodLabel = document.getElementById("period-label");
  var periodClear = document.getElementById("period-clear");
  var idle = periodLabel.textContent;
  var bars = {};
  Object.keys(perMonth).sort().forEach(function (m) {
    var bar = el("div", "axis-bar");
    bar.dataset.month = m;
    bar.dataset.events = String(perMonth[m]);
    bar.title = monthName(m) + ": " + plural(perMonth[m], "event");
    bar.style.left = (100 * (monthIndex(m) - start) / span) + "%";
    bar.style.width = (100 / span) + "%";
    bar.style.height = Math.max(3, 100 * perMonth[m] / busiest) + "%";
    bars[m] = bar;
    plot.append(bar);
  });
  var ticks = document.getElementById("axis-ticks");
  var step = span > 360 ? 5 : span > 120 ? 2 : 1;
  for (var y = start / 12; y < (start + span) / 12; y += 1) {
    if (y % step) continue;
    var tick = el("span", "axis-tick", y);
    tick.style.left = (100 * (y * 12 - start) / span) + "%";
    ticks.append(tick);
  }
  var period = null;  // [first month, last month] as "YYYY-MM", or null for no period
  function position(node, a, b) {
    node.style.left = (100 * (monthIndex(a) - start) / span) + "%";
    node.style.width = (100 * (monthIndex(b) - monthIndex(a) + 1) / span) + "%";
  }
  function drawPeriod() {
    brush.hidden = !period;
    periodClear.hidden = !period;
    if (period) position(brush, period[0], period[1]);
  }
  function setPeriod(a, b) {
    period = a === null ? null : (a <= b ? [a, b] : [b, a]);
    if (period) { fromSelect.value = period[0].slice(0, 4); toSelect.value = period[1].slice(0, 4); }
    else if (years.length) { fromSelect.value = String(years[0]); toSelect.value = String(years[years.length - 1]); }
    dropPermalink();
    apply();
  }
  function monthAt(clientX) {
    var box = plot.getBoundingClientRect();
    var i = Math.floor((clientX - box.left) / box.width * span);
    return monthKey(start + Math.min(span - 1, Math.max(0, i)));
  }
  var dragFrom = null;
  plot.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0) return;
    dragFrom = monthAt(ev.clientX);
    plot.setPointerCapture(ev.pointerId);
    brush.hidden = false;
    position(brush, dragFrom, dragFrom);
    ev.preventDefault();
  });
  plot.addEventListener("pointermove", function (ev) {
    if (dragFrom === null) return;
    var to = monthAt(ev.clientX);
    position(brush, dragFrom < to ? dragFrom : to, dragFrom < to ? to : dragFrom);
  });
  plot.addEventListener("pointerup", function (ev) {
    if (dragFrom === null) return;
    var from = dragFrom, to = monthAt(ev.clientX);
    dragFrom = null;
    // A click on the one month already chosen clears it; any other click or drag chooses.
    if (from === to && period && period[0] === from && period[1] === from) setPeriod(null);
    else setPeriod(from, to);
  });
  plot.addEventListener("pointercancel", function () { dragFrom = null; drawPeriod(); });
  periodClear.addEventListener("click", function () { setPeriod(null); });
  var at = null, anchor = null;  // the keyboard's month, and where a Shift-extended period began
  axis.addEventListener("keydown", function (ev) {
    var moves = { ArrowLeft: -1, ArrowRight: 1, PageUp: -12, PageDown: 12 };
    if (!span) return;
    if (ev.key === "Escape") { anchor = null; setPeriod(null); ev.preventDefault(); return; }
    if (ev.key === "Enter" || ev.key === " ") { if (at) { anchor = null; setPeriod(at, at); } ev.preventDefault(); return; }
    var i = ev.key === "Home" ? start : ev.key === "End" ? start + span - 1 : null;
    if (i === null && !(ev.key in moves)) return;
    ev.preventDefault();
    var from = at === null ? (period ? period[1] : monthKey(start)) : at;
    if (i === null) i = Math.min(start + span - 1, Math.max(start, monthIndex(from) + (at === null ? 0 : moves[ev.key])));
    if (ev.shiftKey) { anchor = anchor || from; } else { anchor = null; }
    at = monthKey(i);
    cursor.hidden = false;
    position(cursor, at, at);
    var count = perMonth[at] || 0;
    periodLabel.textContent = monthName(at) + ": " + plural(count, "event") + (ev.shiftKey ? "" : " (Enter to choose)");
    if (anchor) setPeriod(anchor, at);
  });
  axis.addEventListener("blur", function () { cursor.hidden = true; at = null; anchor = null; if (!period) periodLabel.textContent = idle; });

  function dropPermalink() {
    if (PERMALINK.test(location.hash)) {
      try { history.replaceState(null, "", location.pathname + location.search); } catch (err) { /* file:// */ }
    }
  }

  // The map: a point per place, sized by its events; a click (or Enter) shows only that place's events (again: all).
  var placeSelect = document.getElementById("place");
  var placeCounts = {};
  events.forEach(function (e) { if (e.placeId) placeCounts[e.placeId] = (placeCounts[e.placeId] || 0) + 1; });
  Object.keys(data.places).sort(function (a, b) { return fold(data.places[a]).localeCompare(fold(data.places[b])) || (a < b ? -1 : 1); })
    .forEach(function (p) { option(placeSelect, p, data.places[p] + " (" + (placeCounts[p] || 0) + ")"); });
  var markers = Array.prototype.slice.call(document.querySelectorAll("#map-panel [data-place]"));
  markers.forEach(function (marker) {
    function choose(ev) {
      placeSelect.value = placeSelect.value === marker.dataset.place ? "" : marker.dataset.place;
      dropPermalink();
      apply();
      if (ev) ev.preventDefault();
    }
    marker.addEventListener("click", choose);
    if (marker.tagName.toLowerCase() === "circle") {
      marker.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") choose(ev); });
    }
  });

  // On a phone the filters, the axis and the map fold away behind one button, so the first screen shows events.
  var toggle = document.getElementById("filters-toggle");
  var toggleText = toggle.textContent;
  toggle.addEventListener("click", function () {
    var open = document.body.classList.toggle("filters-open");
    toggle.setAttribute("aria-expanded", String(open));
  });

  function readFragment() {
    if (PERMALINK.test(location.hash)) {  // a permalink: every event shown, the target scrolled to and highlighted
      search.value = ""; typeSelect.value = ""; actorSelect.value = ""; placeSelect.value = ""; period = null;
      if (years.length) { fromSelect.value = String(years[0]); toSelect.value = String(years[years.length - 1]); }
      return;
    }
    var params = new URLSearchParams(location.hash.slice(1));
    search.value = params.get("q") || "";
    typeSelect.value = typeCounts[params.get("type")] ? params.get("type") : "";
    actorSelect.value = params.get("actor") in data.actors ? params.get("actor") : "";
    placeSelect.value = params.get("place") in data.places ? params.get("place") : "";
    var chosen = /^([0-9]{4}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2})$/.exec(params.get("period") || "");
    period = chosen && monthIndex(chosen[1]) <= monthIndex(chosen[2]) ? [chosen[1], chosen[2]] : null;
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
    if (placeSelect.value) params.set("place", placeSelect.value);
    if (period) params.set("period", period[0] + ".." + period[1]);
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
    var where = placeSelect.value;
    var from = Number(fromSelect.value) || -Infinity;
    var to = Number(toSelect.value) || Infinity;
    var shown = 0;
    var perYear = {};
    var perShownMonth = {};
    var perPlace = {};
    items.forEach(function (item) {
      var e = item.event;
      var ok = (!type || e.type === type) && (!actor || item.actors.has(actor)) && (!where || e.placeId === where) &&
        e.year >= Math.min(from, to) && e.year <= Math.max(from, to) && (!period || (e.month >= period[0] && e.month <= period[1])) &&
        terms.every(function (t) { return item.text.indexOf(t) >= 0; });
      item.node.hidden = !ok;
      if (ok || item.marked) {
        item.node.querySelectorAll(".event-title, .summary, .statement-text").forEach(function (n) { highlight(n, ok ? raw : []); });
        item.marked = ok && raw.length > 0;
      }
      if (ok) {
        shown += 1;
        perYear[e.year] = (perYear[e.year] || 0) + 1;
        perShownMonth[e.month] = (perShownMonth[e.month] || 0) + 1;
        if (e.placeId) perPlace[e.placeId] = (perPlace[e.placeId] || 0) + 1;
      }
    });
    Object.keys(bars).forEach(function (m) { bars[m].classList.toggle("has-shown", Boolean(perShownMonth[m])); });
    markers.forEach(function (marker) {  // the points of the places whose events are shown are highlighted
      var n = perPlace[marker.dataset.place] || 0;
      marker.classList.toggle("has-shown", n > 0);
      marker.classList.toggle("is-selected", marker.dataset.place === where);
      marker.dataset.shown = String(n);
    });
    drawPeriod();
    if (period) {
      periodLabel.textContent = (period[0] === period[1] ? monthName(period[0]) : monthName(period[0]) + " – " + monthName(period[1])) +
        ": " + plural(shown, "event") + " shown";
    } else if (at === null) {
      periodLabel.textContent = idle;
    }
    years.forEach(function (y) {
      sections[y].hidden = !perYear[y];
      sections[y].querySelector(".year-count").textContent = plural(perYear[y] || 0, "event");
    });
    var on = [type, actor, where, period || (years.length && (fromSelect.value !== String(years[0]) || toSelect.value !== String(years[years.length - 1])))]
      .filter(Boolean).length;
    toggle.textContent = toggleText + (on ? " (" + on + ")" : "");  // on a phone, the folded filters still say they are on
    empty.hidden = shown > 0;
    document.getElementById("count").textContent = "Showing " + shown.toLocaleString("en") + " of " + plural(events.length, "event");
    writeFragment();
  }

  [search, typeSelect, actorSelect, placeSelect, fromSelect, toSelect].forEach(function (control) {
    control.addEventListener(control === search ? "input" : "change", function () {
      dropPermalink();
      if (control === fromSelect || control === toSelect) period = null;  // a year range replaces a brushed period
      apply();
    });
  });
  document.getElementById("reset").addEventListener("click", function () {
    search.value = "";
    typeSelect.value = "";
    actorSelect.value = "";
    placeSelect.value = "";
    period = null;
    if (years.length) { fromSelect.value = String(years[0]); toSelect.value = String(years[years.length - 1]); }
    apply();
  });
  window.addEventListener("hashchange", function () { readFragment(); apply(); showTarget(); });

  var contestedCounts = data.contested.map(function (v) {
    var n = events.filter(function (e) { return e.verification === v; }).length;
    var words = verificationLabels[v].toLowerCase();
    return n + " " + (n === 1 || /ed$/.test(words) ? words : words + "s");  // "2 disputed", "3 party claims"
  });
  var range = years.length ? years[0] + "–" + years[years.length - 1] : "";
  document.getElementById("meta").textContent = [plural(events.length, "event") + (range ? " from " + range : ""),
    plural(data.counts.statements, "statement"), plural(data.counts.sources, "source"),
    contestedCounts.join(", ")].filter(Boolean).join(" · ");
  document.getElementById("footer").textContent = data.title + " " + data.version + (data.created ? ", released " + data.created : "") +
    (data.licence ? ". Data licence: " + data.licence + "." : ".") + " Every event lists its sources; statements are attributed to their speakers.";
  document.documentElement.classList.add("js");
  readFragment();
  apply();
  showTarget();
})();
