// Swagger UI's start, in a file of its own: the web app's Content-Security-Policy
// (script-src 'self') runs no inline script.
window.ui = SwaggerUIBundle({
  // Relative to the page, so /api/docs reads /api/openapi.json through the web app's proxy.
  url: "openapi.json",
  dom_id: "#swagger-ui",
  // No badge fetched from Swagger's online validator: the docs work offline.
  validatorUrl: null,
});
