/* Starts GraphiQL on /graphql. The API needs a Bearer token: paste it in the Headers tab
   (kept only for this tab, never stored). */
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var fetcher = window.GraphiQL.createFetcher({ url: root.dataset.endpoint });
  var headers = JSON.stringify({ Authorization: "Bearer <paste an API token with the read scope>" }, null, 2);
  var query = [
    "# SLA Portal GraphQL: paste a token in the Headers tab below, then run.",
    "{",
    "  slaDashboardStats { services { total byState { state count } } incidents { open } }",
    "  slaPeriodResults(last: 3, first: 10) {",
    "    totalCount",
    "    edges { node { service { path } sla { title } periods { start state } } }",
    "  }",
    "}",
    "",
  ].join("\n");
  window.ReactDOM.createRoot(root).render(
    window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      defaultQuery: query,
      defaultHeaders: headers,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
