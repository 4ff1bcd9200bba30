/* Run by TestApiDocsTour (HttpCase.browser_js) on /api/v1/docs, after the test's own first line
 * `const FA_KEY = "...";`: calls operations from Swagger UI as a reader would, without a key, then
 * with the key given to Authorize, at /api/v1 and at a compatibility path's own server. */
(async function () {
    "use strict";
    const violations = [];
    document.addEventListener("securitypolicyviolation", (ev) =>
        violations.push(`${ev.violatedDirective} ${ev.blockedURI}`)
    );
    // React owns the inputs: the value goes through the native setter, then the event React reads.
    function type(input, value) {
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
        input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    function operation(method, path) {
        return [...document.querySelectorAll(".opblock")].find(
            (op) =>
                op.querySelector(".opblock-summary-method")?.textContent.trim() === method &&
                op.querySelector(".opblock-summary-path")?.getAttribute("data-path") === path
        );
    }
    async function execute(method, path) {
        const op = await waitFor(() => operation(method, path), `${method} ${path}`);
        if (!op.classList.contains("is-open")) {
            op.querySelector(".opblock-summary-control").click();
        }
        const tryOut = await waitFor(() => op.querySelector(".try-out__btn"), "Try it out");
        if (!tryOut.classList.contains("cancel")) {
            tryOut.click();
        }
        const clear = op.querySelector(".btn-clear");
        if (clear) {
            clear.click();
            await waitFor(() => !op.querySelector(".live-responses-table"), "the last answer cleared");
        }
        (await waitFor(() => op.querySelector(".btn.execute"), "Execute")).click();
        const status = await waitFor(
            () => op.querySelector(".live-responses-table tr.response .response-col_status"),
            `the answer to ${method} ${path}`
        );
        return {
            status: status.textContent.trim(),
            url: op.querySelector(".request-url pre")?.textContent.trim() || "",
            body: op.querySelector(".live-responses-table tr.response .response-col_description")?.textContent || "",
        };
    }

    // The document this server serves, rendered with Swagger UI's own stylesheet.
    const title = await waitFor(() => document.querySelector(".information-container .title"), "the title");
    check(title.textContent.includes("Face Attendance API"), `title: ${title.textContent}`);
    check(document.querySelector(".information-container a[href='/api/v1/openapi.json']"), "the document's link");
    const persons = await waitFor(() => operation("GET", "/persons"), "GET /persons");
    check(getComputedStyle(persons).backgroundColor !== "rgba(0, 0, 0, 0)", "Swagger UI's stylesheet is not applied");

    // Without a key the API refuses.
    let answer = await execute("GET", "/persons");
    check(answer.status === "401", `GET /persons without a key: ${answer.status}`);
    check(answer.url.startsWith(`${location.origin}/api/v1/persons`), `GET /persons called ${answer.url}`);

    // Authorize: the key as X-API-Key, typed into Swagger UI's dialog (one form for both schemes).
    document.querySelector(".auth-wrapper .btn.authorize").click();
    const form = await waitFor(() => document.querySelector(".modal-ux .auth-container form"), "the dialog");
    const input = [...form.querySelectorAll("input")].find((field) => {
        let item = field.parentElement;
        while (item !== form && !item.querySelector("h4")) {
            item = item.parentElement;
        }
        return item.querySelector("h4").textContent.includes("(apiKey)");
    });
    check(input && form.textContent.includes("X-API-Key"), "no X-API-Key field in the dialog");
    type(input, FA_KEY);
    form.querySelector("button[type=submit]").click();
    await waitFor(
        () => [...form.querySelectorAll("h6")].some((h6) => h6.textContent === "Authorized"),
        "the key accepted by the dialog"
    );
    document.querySelector(".modal-ux .btn-done, .modal-ux .close-modal").click();
    await waitFor(() => !document.querySelector(".modal-ux"), "the dialog closed");

    answer = await execute("GET", "/persons");
    check(answer.status === "200", `GET /persons with the key: ${answer.status} ${answer.body.slice(0, 300)}`);
    check(answer.body.includes("DOCS-TOUR-1"), "the person made by the test is not in the answer");

    // A compatibility path is called at its own server (the host's root), not under /api/v1.
    answer = await execute("GET", "/api/persons");
    check(answer.url.startsWith(`${location.origin}/api/persons`), `GET /api/persons called ${answer.url}`);
    check(answer.status === "200", `GET /api/persons with the key: ${answer.status} ${answer.body.slice(0, 300)}`);
    check(answer.body.includes("DOCS-TOUR-1"), "the compatibility list lacks the person made by the test");

    check(!violations.length, `refused by the page's policy: ${violations.join(", ")}`);
    console.log("test successful");
})().catch((error) => console.error(`API docs: ${error.message}`));
