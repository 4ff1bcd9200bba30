/* /api/v1/docs: starts Swagger UI on the element that names the document. A file, not an inline
 * script: the page's Content-Security-Policy runs none. Outside static/src so that no Odoo bundle
 * takes it in. */
(function () {
    "use strict";
    const root = document.getElementById("swagger-ui");
    // eslint-disable-next-line no-undef
    SwaggerUIBundle({
        url: root.dataset.openapiUrl,
        domNode: root,
        // eslint-disable-next-line no-undef
        presets: [SwaggerUIBundle.presets.apis],
        deepLinking: true,
        // The document is checked by this project's tests; nothing is sent to a validator elsewhere.
        validatorUrl: null,
        // A key given to Authorize stays in the page's memory: a reload or a closed tab forgets it.
        persistAuthorization: false,
        // The API authenticates by key only: Odoo's session cookie has no business in its calls.
        withCredentials: false,
        // x-required-scope and x-compat: which scope an operation needs, which backend it comes from.
        showExtensions: true,
        displayRequestDuration: true,
        filter: true,
    });
})();
