// Starts Swagger UI on the generator's OpenAPI document. A file of its own, not an inline script,
// so the page works under nginx's Content-Security-Policy (script-src 'self'). The URL is relative,
// so the docs work at /docs and behind nginx's /workload/ prefix alike.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
};
