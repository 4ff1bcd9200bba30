/* /api/v1/redoc: starts ReDoc on the element that names the document (a file: the page's
 * Content-Security-Policy runs no inline script). */
(function () {
    "use strict";
    const root = document.getElementById("redoc");
    // eslint-disable-next-line no-undef
    // The <style> elements ReDoc inserts carry the response's nonce: the policy allows those only.
    Redoc.init(root.dataset.openapiUrl, {expandResponses: "200,201", nonce: root.dataset.styleNonce}, root);
})();
