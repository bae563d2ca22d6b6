// Data-web explorer: draws /dataweb/graph.json with cytoscape (shipped in /static/vendor)
// and shows the sources of the selected node or edge. Text is set with textContent only.
"use strict";
(function () {
  function safeUrl(url) {
    return (typeof url === "string" && /^https?:\/\//.test(url)) ? url : null;
  }

  function showDetail(item, kind) {
    document.getElementById("detail-empty").hidden = true;
    document.getElementById("detail-body").hidden = false;
    document.getElementById("detail-label").textContent = item.label || item.id;
    document.getElementById("detail-kind").textContent = "(" + kind + (item.kind ? ": " + item.kind : "") + ")";
    var link = document.getElementById("detail-link");
    link.href = "/dataweb/node/" + encodeURIComponent(item.id);
    var list = document.getElementById("detail-sources");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var sources = item.sources || [];
    if (!sources.length) {
      var none = document.createElement("li");
      none.textContent = "No sources recorded.";
      list.appendChild(none);
    }
    sources.forEach(function (s) {
      var li = document.createElement("li");
      var url = safeUrl(s.url);
      if (url) {
        var a = document.createElement("a");
        a.href = url; a.rel = "noopener noreferrer";
        a.textContent = s.title || url;
        li.appendChild(a);
      } else {
        li.textContent = s.title || "";
      }
      if (s.note) { li.appendChild(document.createTextNode(" — " + s.note)); }
      list.appendChild(li);
    });
  }

  function draw(container, graph) {
    var elements = graph.nodes.map(function (n) {
      return { group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, item: n } };
    }).concat(graph.edges.map(function (e) {
      return { group: "edges", data: { id: e.id, source: e.source, target: e.target, label: e.label, item: e } };
    }));
    var cy = cytoscape({
      container: container, elements: elements, wheelSensitivity: 0.3,
      layout: { name: "cose", animate: false, randomize: false },
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 10, "background-color": "#3b6ea5", "width": 18, "height": 18, "text-wrap": "wrap", "text-max-width": 90 } },
        { selector: "node[kind = 'agency']", style: { "background-color": "#1b1b1b", "shape": "round-rectangle" } },
        { selector: "edge", style: { "width": 2, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1", "target-arrow-shape": "triangle", "curve-style": "bezier" } },
        { selector: ":selected", style: { "background-color": "#b45309", "line-color": "#b45309", "target-arrow-color": "#b45309" } }
      ]
    });
    cy.on("tap", "node", function (evt) { showDetail(evt.target.data("item"), "node"); });
    cy.on("tap", "edge", function (evt) { showDetail(evt.target.data("item"), "edge"); });
    var order = cy.nodes().map(function (n) { return n; });
    var index = -1;
    container.addEventListener("keydown", function (evt) {
      if (!order.length) { return; }
      if (evt.key === "ArrowRight" || evt.key === "ArrowDown") { index = (index + 1) % order.length; }
      else if (evt.key === "ArrowLeft" || evt.key === "ArrowUp") { index = (index - 1 + order.length) % order.length; }
      else if (evt.key === "Enter" && index >= 0) { showDetail(order[index].data("item"), "node"); return; }
      else { return; }
      evt.preventDefault();
      cy.elements().unselect();
      order[index].select();
      cy.center(order[index]);
      showDetail(order[index].data("item"), "node");
    });
    window.custodesGraph = cy;  // for tests and the browser console
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("graph");
    if (!container || typeof cytoscape !== "function") { return; }
    fetch(container.getAttribute("data-src"), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (view) { draw(container, view.data); })
      .catch(function () {
        container.textContent = "The graph could not be loaded; the tables below list it.";
      });
  });
})();
