// The query page: YASGUI (served from /static/vendor, no CDN) on our own /sparql endpoint, with
// one tab per example or competency query of queries/manifest.ttl. Nothing is persisted in the
// browser, so a reload shows the shipped queries again.
(function () {
  "use strict";
  var queries = JSON.parse(document.getElementById("vrlkg-queries").textContent);
  var endpoint = new URL("/sparql", window.location.href).href;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
  });
  var defaults = Yasgui.Tab.getDefaults(yasgui);
  var wanted = window.location.hash.replace(/^#/, "");
  var first = null;
  var selected = null;
  var existing = Object.keys(yasgui._tabs);
  queries.forEach(function (q, i) {
    var tab = yasgui.addTab(false, Object.assign({}, defaults, {
      id: "q-" + q.name,
      name: q.name,
      yasqe: { value: q.query },
      requestConfig: Object.assign({}, defaults.requestConfig, { endpoint: endpoint }),
    }));
    if (i === 0) first = tab;
    if (q.name === wanted) selected = tab;
  });
  // The empty tab YASGUI opens by itself goes once ours are there.
  existing.forEach(function (id) {
    var tab = yasgui.getTab(id);
    if (tab && queries.length) tab.close();
  });
  var show = selected || first;
  if (show) yasgui.selectTabId(show.getId());
  window.vrlkgYasgui = yasgui;
})();
