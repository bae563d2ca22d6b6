// Data-web explorer: draws /dataweb/graph.json with cytoscape (shipped in /static/vendor).
// Three views, each a permalink in the address's #fragment:
//   overview        data sources | companies | systems | agencies, in layered columns;
//   #focus=ID       one node with its neighbours, and a table of its connections;
//   #path=CAT/N     path N of "who can reach CAT", drawn hop by hop, with each hop's
//                   meaning, status, facilitators and citations.
// Text is set with textContent only; links are built only for http(s) and site paths.
"use strict";
(function () {
  var COLUMNS = ["data_source", "company", "system", "agency", "record"];
  var ROW_GAP = 46;
  var state = { graph: null, cy: null, byId: {}, mode: "overview", focus: null,
                path: null, hop: 0, paths: {}, order: [], index: -1 };

  function el(id) { return document.getElementById(id); }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function text(tag, value, cls) {
    var node = document.createElement(tag);
    node.textContent = value == null ? "" : String(value);
    if (cls) { node.className = cls; }
    return node;
  }
  function safeUrl(url) {
    return (typeof url === "string" && /^https?:\/\//.test(url)) ? url : null;
  }
  function pageOf(id) { return "/dataweb/node/" + encodeURIComponent(id); }
  function announce(message) { el("explorer-status").textContent = message; }
  // the view, also as attributes on the drawing (for tests and for styling)
  function mark() {
    var g = el("graph");
    g.setAttribute("data-mode", state.mode);
    g.setAttribute("data-focus", state.focus || "");
    g.setAttribute("data-hop", state.mode === "path" ? String(state.hop + 1) : "");
  }
  function statusText(item) {
    return "Status " + item.status + " as of " + state.graph.as_of +
      (item.status_note ? " (" + item.status_note + ")" : "");
  }

  // --- citations ---------------------------------------------------------------

  function citation(s) {
    var li = document.createElement("li");
    li.appendChild(text("span", s.kind_label || "source", "source-kind kind-" + (s.kind || "none")));
    li.appendChild(document.createTextNode(" "));
    var page = document.createElement("a");
    page.href = pageOf(s.id);
    page.className = "citation";
    page.textContent = s.title || s.id;
    li.appendChild(page);
    if (s.note) { li.appendChild(document.createTextNode(" (" + s.note + ")")); }
    var url = safeUrl(s.url);
    if (url) {
      li.appendChild(document.createTextNode(" · "));
      var out = document.createElement("a");
      out.href = url; out.rel = "noopener noreferrer";
      out.textContent = "original";
      out.setAttribute("aria-label", "original of " + (s.title || s.id));
      li.appendChild(out);
    } else if (s.no_url) {
      li.appendChild(text("span", " · no address: " + s.no_url, "no-url"));
    }
    return li;
  }

  function citationList(sources) {
    var ul = document.createElement("ul");
    ul.className = "citations";
    if (!sources || !sources.length) { ul.appendChild(text("li", "No sources recorded.")); }
    (sources || []).forEach(function (s) { ul.appendChild(citation(s)); });
    return ul;
  }

  // --- layout --------------------------------------------------------------------

  function column(node) {
    var i = COLUMNS.indexOf(node.layer);
    return i < 0 ? COLUMNS.length - 1 : i;
  }

  // Columns by layer; inside a column, nodes ordered by the mean row of their
  // neighbours (a few sweeps of the barycentre heuristic), so edges cross less.
  function layered(nodes, edges, rowGap) {
    rowGap = rowGap || ROW_GAP;
    var cols = {}, pos = {}, links = {};
    nodes.forEach(function (n) {
      var c = column(n);
      (cols[c] = cols[c] || []).push(n.id);
      links[n.id] = [];
    });
    edges.forEach(function (e) {
      if (links[e.source] && links[e.target]) {
        links[e.source].push(e.target); links[e.target].push(e.source);
      }
    });
    Object.keys(cols).forEach(function (c) {
      cols[c].sort(function (a, b) { return state.byId[a].label.localeCompare(state.byId[b].label); });
      cols[c].forEach(function (id, i) { pos[id] = i; });
    });
    for (var sweep = 0; sweep < 6; sweep++) {
      Object.keys(cols).forEach(function (c) {
        var mean = {};
        cols[c].forEach(function (id) {
          var ns = links[id];
          mean[id] = ns.length ? ns.reduce(function (s, x) { return s + pos[x]; }, 0) / ns.length : pos[id];
        });
        cols[c].sort(function (a, b) { return mean[a] - mean[b] || pos[a] - pos[b]; });
        cols[c].forEach(function (id, i) { pos[id] = i; });
      });
    }
    var present = Object.keys(cols).map(Number).sort();
    var height = Math.max.apply(null, present.map(function (c) { return cols[c].length; }).concat([1]));
    var gap = columnGap(present.length);
    var out = {};
    present.forEach(function (c, k) {
      // odd columns sit half a row lower, so no straight edge runs through a node
      var offset = (height - cols[c].length) * rowGap / 2 + (k % 2) * rowGap / 2;
      cols[c].forEach(function (id, i) { out[id] = { x: k * gap, y: offset + i * rowGap }; });
    });
    return { positions: out, columns: present, gap: gap };
  }

  // columns share the canvas's width, each at least wide enough for its labels
  function columnGap(count) {
    var width = state.cy ? state.cy.width() : 800;
    return Math.max(200, Math.floor((width - 200) / Math.max(count - 1, 1)));
  }

  function headerNodes(lay) {
    return lay.columns.map(function (c, k) {
      return { group: "nodes", classes: "header", selectable: false, grabbable: false,
               data: { id: "header:" + COLUMNS[c], label: state.graph.layers[COLUMNS[c]] || COLUMNS[c] },
               position: { x: k * lay.gap, y: -60 } };
    });
  }

  function nodeElement(n, position, extra) {
    return { group: "nodes", classes: "kind-" + n.kind + " layer-" + n.layer + (extra || ""),
             data: { id: n.id, label: n.label, item: n }, position: position };
  }

  function edgeElement(e, id, extra) {
    return { group: "edges", classes: "rel-" + e.relation + (extra || ""),
             data: { id: id || e.id, source: e.source, target: e.target,
                     label: e.short_label || "", item: e } };
  }

  // Fit the drawing; when that would make the labels too small to read, fit its width
  // instead and start at the top (drag or scroll to see the rest).
  function draw(elements) {
    var cy = state.cy;
    cy.elements().remove();
    cy.add(elements);
    cy.layout({ name: "preset", fit: true, padding: 30 }).run();
    if (cy.zoom() < 0.8) {
      var box = cy.elements().boundingBox();
      var zoom = Math.min(1.2, (cy.width() - 60) / Math.max(box.w, 1));
      if (zoom > cy.zoom()) {
        cy.zoom(zoom);
        cy.pan({ x: 30 - box.x1 * zoom, y: 20 - box.y1 * zoom });
      }
    }
    state.order = cy.nodes(":selectable").sort(function (a, b) {
      return a.position("x") - b.position("x") || a.position("y") - b.position("y");
    }).map(function (n) { return n; });
    state.index = -1;
  }

  // --- views -------------------------------------------------------------------

  function shownRelations() {
    var boxes = document.querySelectorAll("input[name=relation]");
    var on = {};
    Array.prototype.forEach.call(boxes, function (b) { if (b.checked) { on[b.value] = true; } });
    return on;
  }

  function overview() {
    state.mode = "overview"; state.focus = null; state.path = null;
    var on = shownRelations();
    var candidates = state.graph.nodes.filter(function (n) { return n.layer !== "record"; });
    var ids = {}; candidates.forEach(function (n) { ids[n.id] = true; });
    var edges = state.graph.edges.filter(function (e) {
      return on[e.relation] && ids[e.source] && ids[e.target];
    });
    var linked = {};
    edges.forEach(function (e) { linked[e.source] = true; linked[e.target] = true; });
    var nodes = candidates.filter(function (n) { return linked[n.id]; });
    var lay = layered(nodes, edges);
    draw(headerNodes(lay).concat(
      nodes.map(function (n) { return nodeElement(n, lay.positions[n.id]); }),
      edges.map(function (e) { return edgeElement(e); })));
    el("focus-panel").hidden = true;
    el("focus-connections").hidden = true;
    el("path-panel").hidden = true;
    el("overview-panel").hidden = false;
    mark();
    announce("Overview: " + nodes.length + " agencies, companies, systems and data sources with " +
             edges.length + " connections shown (" + (candidates.length - nodes.length) +
             " others have none of the kinds chosen; the tables below list everything).");
  }

  function focus(id) {
    var node = state.byId[id];
    if (!node) { overview(); return; }
    state.mode = "focus"; state.focus = id; state.path = null;
    var edges = state.graph.edges.filter(function (e) { return e.source === id || e.target === id; });
    var near = {}; near[id] = true;
    edges.forEach(function (e) { near[e.source] = true; near[e.target] = true; });
    var nodes = state.graph.nodes.filter(function (n) { return near[n.id]; });
    var lay = layered(nodes, edges, 90);
    draw(headerNodes(lay).concat(
      nodes.map(function (n) { return nodeElement(n, lay.positions[n.id], n.id === id ? " focused" : ""); }),
      edges.map(function (e) { return edgeElement(e, null, " labelled"); })));
    state.cy.$id(id).select();
    showFocusPanel(node, edges);
    mark();
    announce("Focused on " + node.label + ": " + edges.length + " connections. " +
             "The table under the graph lists them.");
  }

  function showFocusPanel(node, edges) {
    el("overview-panel").hidden = true;
    el("path-panel").hidden = true;
    el("focus-panel").hidden = false;
    el("focus-connections").hidden = false;
    el("focus-label").textContent = node.label;
    el("focus-kind").textContent = node.kind_label || node.kind;
    var status = el("focus-status");
    status.textContent = node.status ? statusText(node) : "";
    el("focus-link").href = pageOf(node.id);
    el("focus-caption").textContent = "Connections of " + node.label + " (" + edges.length + ")";
    var body = el("focus-edges");
    clear(body);
    edges.forEach(function (e) {
      var other = e.source === node.id ? e.target : e.source;
      var tr = document.createElement("tr");
      tr.appendChild(text("td", e.relation_label || e.relation));
      var td = document.createElement("td");
      var go = document.createElement("button");
      go.type = "button"; go.className = "linklike";
      go.textContent = (state.byId[other] || { label: other }).label;
      go.setAttribute("data-focus", other);
      td.appendChild(go);
      tr.appendChild(td);
      var meaning = text("td", e.meaning || "");
      if (e.facilitators && e.facilitators.length) {
        meaning.appendChild(text("div", "Facilitated by: " + e.facilitators.map(function (f) {
          return f.role_label + " " + f.label; }).join("; "), "facilitators"));
      }
      tr.appendChild(meaning);
      tr.appendChild(text("td", e.status ? statusText(e) : ""));
      var cites = document.createElement("td");
      cites.appendChild(citationList(e.sources));
      tr.appendChild(cites);
      body.appendChild(tr);
    });
    var own = el("focus-sources");
    clear(own);
    own.appendChild(citationList(node.sources));
  }

  // --- paths, hop by hop ----------------------------------------------------------

  function loadPaths(category) {
    if (state.paths[category]) { return Promise.resolve(state.paths[category]); }
    return fetch("/reach.json?category=" + encodeURIComponent(category), { headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("no such category"); } return r.json(); })
      .then(function (view) { state.paths[category] = view.data.paths; return view.data.paths; });
  }

  function showPath(category, number, hop) {
    return loadPaths(category).then(function (paths) {
      var path = paths[number - 1];
      if (!path) { throw new Error("no path " + number); }
      state.mode = "path"; state.focus = null;
      state.path = { category: category, number: number, data: path };
      var segs = path.segments, elements = [], seen = {};
      var gap = columnGap(segs.length + 1);
      segs.forEach(function (s, i) {
        [[s.from, i], [s.to, i + 1]].forEach(function (pair) {
          var key = "p:" + pair[1];
          if (seen[key]) { return; }
          seen[key] = true;
          var n = state.byId[pair[0]] || { id: pair[0], label: pair[0], kind: "node", layer: "record" };
          elements.push({ group: "nodes", classes: "kind-" + n.kind + " layer-" + n.layer + " pathnode",
                          data: { id: key, ref: n.id, label: n.label, item: n },
                          position: { x: pair[1] * gap, y: 0 } });
        });
        elements.push({ group: "edges", classes: "rel-" + s.relation + " hop labelled",
                        data: { id: "hop:" + i, source: "p:" + i, target: "p:" + (i + 1),
                                label: (i + 1) + ". " + s.short_label, item: s } });
        (s.facilitators || []).forEach(function (f, j) {
          var fid = "f:" + i + ":" + j;
          elements.push({ group: "nodes", classes: "facilitator",
                          data: { id: fid, ref: f.id, label: f.role_label + ": " + f.label, item: f },
                          position: { x: i * gap + gap / 2, y: 110 + j * 60 } });
          elements.push({ group: "edges", classes: "facilitation",
                          data: { id: fid + ":a", source: fid, target: "p:" + i, label: "" } });
          elements.push({ group: "edges", classes: "facilitation",
                          data: { id: fid + ":b", source: fid, target: "p:" + (i + 1), label: "" } });
        });
      });
      draw(elements);
      buildPathPanel(path);
      goToHop(Math.min(Math.max(hop || 0, 0), segs.length - 1));
    });
  }

  function buildPathPanel(path) {
    el("overview-panel").hidden = true;
    el("focus-panel").hidden = true;
    el("focus-connections").hidden = true;
    el("path-panel").hidden = false;
    el("path-summary").textContent = path.summary;
    var list = el("path-hops");
    clear(list);
    path.segments.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "hop-" + (i + 1);
      li.appendChild(text("p", s.meaning, "meaning"));
      var facts = [];
      if (s.status) { facts.push(statusText(s)); }
      if (s.flow_label) { facts.push("Flow: " + s.flow_label); }
      if (facts.length) { li.appendChild(text("p", facts.join(". ") + ".", "hop-facts")); }
      if (s.facilitators && s.facilitators.length) {
        li.appendChild(text("p", "Facilitated by (not a hop): " + s.facilitators.map(function (f) {
          return f.role_label + " " + f.label; }).join("; ") + ".", "facilitators"));
      }
      li.appendChild(citationList(s.sources));
      list.appendChild(li);
    });
  }

  function goToHop(i) {
    var segs = state.path.data.segments;
    state.hop = i;
    var cy = state.cy;
    cy.elements().removeClass("current").unselect();
    var edge = cy.$id("hop:" + i);
    edge.addClass("current");
    edge.connectedNodes().addClass("current");
    Array.prototype.forEach.call(el("path-hops").children, function (li, j) {
      if (j === i) {
        li.setAttribute("aria-current", "step");
        if (li.scrollIntoView) { li.scrollIntoView({ block: "nearest" }); }
      } else { li.removeAttribute("aria-current"); }
    });
    el("hop-prev").disabled = i === 0;
    el("hop-next").disabled = i === segs.length - 1;
    el("hop-position").textContent = "Hop " + (i + 1) + " of " + segs.length;
    var hash = "#path=" + encodeURIComponent(state.path.category) + "/" + state.path.number + "/" + (i + 1);
    if (location.hash !== hash) { history.replaceState(null, "", hash); }
    mark();
    announce("Hop " + (i + 1) + " of " + segs.length + ": " + segs[i].meaning);
  }

  // --- wiring ----------------------------------------------------------------------

  function route() {
    var hash = decodeURIComponent(location.hash.replace(/^#/, ""));
    var m;
    if ((m = /^focus=(.+)$/.exec(hash))) { focus(m[1]); return; }
    if ((m = /^path=([a-z_]+)\/(\d+)(?:\/(\d+))?$/.exec(hash))) {
      showPath(m[1], Number(m[2]), m[3] ? Number(m[3]) - 1 : 0).catch(function () {
        announce("There is no such path; showing the overview."); overview();
      });
      return;
    }
    overview();
  }

  function go(hash) {
    if (location.hash === hash) { route(); } else { location.hash = hash; }
  }

  function onTap(evt) {
    var target = evt.target;
    if (target.hasClass("header") || target.hasClass("facilitator")) {
      var ref = target.data("ref");
      if (ref && state.byId[ref]) { go("#focus=" + encodeURIComponent(ref)); }
      return;
    }
    go("#focus=" + encodeURIComponent(target.data("ref") || target.id()));
  }

  function keyboard(container) {
    container.addEventListener("keydown", function (evt) {
      var order = state.order;
      if (!order.length) { return; }
      if (evt.key === "ArrowRight" || evt.key === "ArrowDown") { state.index = (state.index + 1) % order.length; }
      else if (evt.key === "ArrowLeft" || evt.key === "ArrowUp") { state.index = (state.index - 1 + order.length) % order.length; }
      else if (evt.key === "Enter" && state.index >= 0) {
        var n = order[state.index];
        go("#focus=" + encodeURIComponent(n.data("ref") || n.id()));
        evt.preventDefault();
        return;
      } else { return; }
      evt.preventDefault();
      state.cy.elements().unselect();
      order[state.index].select();
      state.cy.center(order[state.index]);
      announce("Selected " + order[state.index].data("label") + ". Enter focuses it.");
    });
  }

  function start(container, graph) {
    state.graph = graph;
    graph.nodes.forEach(function (n) { state.byId[n.id] = n; });
    state.cy = cytoscape({
      container: container, wheelSensitivity: 0.3, minZoom: 0.1, maxZoom: 3,
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 150,
                                      "text-valign": "center", "text-halign": "right", "text-margin-x": 6,
                                      "width": 16, "height": 16, "background-color": "#3b6ea5", "border-width": 1, "border-color": "#1b1b1b" } },
        { selector: ".layer-data_source", style: { "shape": "barrel", "background-color": "#2e7d32" } },
        { selector: ".layer-company", style: { "shape": "ellipse", "background-color": "#8e6c00" } },
        { selector: ".layer-system", style: { "shape": "round-rectangle", "background-color": "#3b6ea5" } },
        { selector: ".layer-agency", style: { "shape": "rectangle", "background-color": "#1b1b1b" } },
        { selector: ".layer-record", style: { "shape": "tag", "background-color": "#8a8f98" } },
        { selector: "node.header", style: { "shape": "rectangle", "background-opacity": 0, "border-width": 0, "font-size": 15,
                                             "font-weight": "bold", "text-halign": "center", "text-valign": "center", "color": "#1b1b1b" } },
        { selector: "node.focused", style: { "width": 26, "height": 26, "border-width": 3, "border-color": "#b45309",
                                              "text-valign": "top", "text-halign": "center", "text-margin-x": 0, "text-margin-y": -8,
                                              "font-weight": "bold", "font-size": 12 } },
        { selector: "node.pathnode", style: { "width": 24, "height": 24, "text-valign": "top", "text-halign": "center",
                                               "text-margin-x": 0, "text-margin-y": -8, "font-size": 12, "text-max-width": 170 } },
        { selector: "node.facilitator", style: { "shape": "diamond", "background-color": "#fff", "border-style": "dashed",
                                                  "border-width": 2, "border-color": "#6a1b9a", "color": "#6a1b9a", "font-style": "italic" } },
        { selector: "edge", style: { "width": 1.5, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1",
                                      "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8 } },
        { selector: "edge.rel-flow", style: { "width": 2.5, "line-color": "#c62828", "target-arrow-color": "#c62828" } },
        { selector: "edge.rel-operates", style: { "line-style": "solid", "line-color": "#5c6bc0", "target-arrow-color": "#5c6bc0" } },
        { selector: "edge.rel-facilitates", style: { "line-style": "dotted", "line-color": "#6a1b9a", "target-arrow-shape": "none" } },
        { selector: "edge.labelled", style: { "label": "data(label)", "font-size": 10, "text-rotation": "autorotate",
                                               "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 2 } },
        { selector: "edge.facilitation", style: { "line-style": "dotted", "width": 1.5, "line-color": "#6a1b9a", "target-arrow-shape": "none" } },
        { selector: ".current", style: { "line-color": "#b45309", "target-arrow-color": "#b45309", "width": 5, "border-color": "#b45309", "border-width": 3 } },
        { selector: ":selected", style: { "background-color": "#b45309", "line-color": "#b45309", "target-arrow-color": "#b45309" } }
      ]
    });
    state.cy.on("tap", "node", onTap);
    state.cy.on("tap", "edge", function (evt) {
      var item = evt.target.data("item");
      if (item && item.flow) { location.href = pageOf(item.flow); }
      else if (item && item.entry) { location.href = pageOf(item.entry); }
    });
    keyboard(container);
    document.addEventListener("click", function (evt) {
      var t = evt.target.closest("[data-focus]");
      if (t) { evt.preventDefault(); go("#focus=" + encodeURIComponent(t.getAttribute("data-focus"))); }
    });
    el("hop-prev").addEventListener("click", function () { goToHop(state.hop - 1); });
    el("hop-next").addEventListener("click", function () { goToHop(state.hop + 1); });
    el("back-to-overview").addEventListener("click", function () { go("#overview"); });
    el("path-back").addEventListener("click", function () { go("#overview"); });
    Array.prototype.forEach.call(document.querySelectorAll("input[name=relation]"), function (b) {
      b.addEventListener("change", function () { if (state.mode === "overview") { overview(); } });
    });
    el("path-form").addEventListener("submit", function (evt) {
      evt.preventDefault();
      var category = el("path-category").value;
      if (category) { go("#path=" + encodeURIComponent(category) + "/" + (Number(el("path-number").value) || 1)); }
    });
    el("focus-form").addEventListener("submit", function (evt) {
      evt.preventDefault();
      var wanted = el("focus-name").value.trim().toLowerCase();
      var hit = graph.nodes.filter(function (n) {
        return n.id.toLowerCase() === wanted || n.label.toLowerCase() === wanted;
      })[0] || graph.nodes.filter(function (n) { return n.label.toLowerCase().indexOf(wanted) >= 0; })[0];
      if (hit) { go("#focus=" + encodeURIComponent(hit.id)); } else { announce("No node is called " + wanted + "."); }
    });
    window.addEventListener("hashchange", route);
    window.custodesGraph = state.cy;  // for tests and the browser console
    window.custodesExplorer = {
      focus: function (id) { go("#focus=" + encodeURIComponent(id)); },
      showPath: function (category, n) { go("#path=" + category + "/" + n); },
      nextHop: function () { goToHop(state.hop + 1); },
      state: function () { return { mode: state.mode, focus: state.focus, hop: state.hop,
                                    path: state.path && { category: state.path.category, number: state.path.number } }; }
    };
    route();
    container.setAttribute("data-ready", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = el("graph");
    if (!container || typeof cytoscape !== "function") { return; }
    fetch(container.getAttribute("data-src"), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (view) { start(container, view.data); })
      .catch(function () {
        container.textContent = "The graph could not be loaded; the tables below list it.";
      });
  });
})();
