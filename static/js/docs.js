// Starts Swagger UI on /docs from our own static files (no inline script: see the CSP).
(function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.dataset.openapiUrl, dom_id: "#swagger-ui" });
})();
