/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

const KEY_PARAM = "face_attendance.api_docs_tour_key";
const PERSONS = ".o_fa_docs_op[data-method=GET][data-path='/api/v1/persons']";
// The backend README's list, served outside /api/v1 (its path item has its own server).
const COMPAT_PERSONS = ".o_fa_docs_op[data-method=GET][data-path='/api/persons']";
// The backend README's sign-in: OAuth2's password form (URL-encoded).
const LOGIN = ".o_fa_docs_op[data-method=POST][data-path='/api/auth/login']";
// The enterprise README's registration: a multipart form with a file.
const USERS = ".o_fa_docs_op[data-method=POST][data-path='/users/']";

// What the page's Content-Security-Policy refused from here on (the page mounts after this file
// runs): a page that needs an inline script or style, or another origin, would break for its readers.
const violations = [];
document.addEventListener("securitypolicyviolation", (ev) =>
    violations.push(`${ev.violatedDirective} ${ev.blockedURI} ${ev.sourceFile}:${ev.lineNumber}`)
);

// The key is made by the test: the tour reads it as the logged-in admin (an Odoo call the page
// itself never makes) and types it as a reader pasting it would.
async function pasteKey() {
    const secret = await rpc("/web/dataset/call_kw/ir.config_parameter/get_param", {
        model: "ir.config_parameter",
        method: "get_param",
        args: [KEY_PARAM],
        kwargs: {},
    });
    const input = document.querySelector(".o_fa_docs_key");
    input.value = secret;
    input.dispatchEvent(new Event("input", { bubbles: true }));
}

function answerOf(selector) {
    return JSON.parse(document.querySelector(`${selector} .o_fa_docs_answer_body`).textContent);
}

function tryOperation(selector) {
    return [
        { content: "Open the operation", trigger: `${selector} .o_fa_docs_op_toggle`, run: "click" },
        { content: "Its details are shown", trigger: `${selector} .o_fa_docs_op_body .o_fa_docs_send` },
        { content: "Send", trigger: `${selector} .o_fa_docs_send:not([disabled])`, run: "click" },
    ];
}

registry.category("web_tour.tours").add("face_attendance_api_docs", {
    steps: () => [
        { content: "The document is loaded, grouped by tag", trigger: ".o_fa_docs_tag h2:contains(Persons)" },
        { content: "The docs link to the reference", trigger: ".o_fa_api_link_reference[href='/api/v1/redoc']" },
        { content: "Find GET /persons", trigger: ".o_fa_docs_filter", run: "edit /api/v1/persons" },
        ...tryOperation(PERSONS),
        { content: "Its scope", trigger: `${PERSONS} .o_fa_docs_scope:contains(person:read)` },
        { content: "Without a key the API refuses", trigger: `${PERSONS} .o_fa_docs_status:contains(401)` },
        { content: "Paste the key made by the test", trigger: ".o_fa_docs_key", run: pasteKey },
        { content: "Show the call as a curl command", trigger: `${PERSONS} .o_fa_docs_curl summary`, run: "click" },
        {
            content: "The curl line names the key, not its value",
            trigger: `${PERSONS} .o_fa_docs_curl pre:contains($API_KEY)`,
            run() {
                const key = document.querySelector(".o_fa_docs_key").value;
                if (!key || document.body.innerText.includes(key)) {
                    throw new Error("The API key is shown on the page");
                }
                if (window.sessionStorage.getItem("face_attendance.api_docs.key") !== null) {
                    throw new Error("The key was kept in sessionStorage without being asked to");
                }
            },
        },
        { content: "Keep the key in this tab", trigger: ".o_fa_docs_remember_key", run: "click" },
        {
            content: "Only then is it in sessionStorage",
            trigger: ".o_fa_docs_remember_key:checked",
            run() {
                const key = document.querySelector(".o_fa_docs_key").value;
                if (window.sessionStorage.getItem("face_attendance.api_docs.key") !== key) {
                    throw new Error("The key was not kept in sessionStorage when asked to");
                }
            },
        },
        { content: "Stop keeping it", trigger: ".o_fa_docs_remember_key:checked", run: "click" },
        {
            content: "It is gone from sessionStorage, still in the page",
            trigger: ".o_fa_docs_remember_key:not(:checked)",
            run() {
                if (window.sessionStorage.getItem("face_attendance.api_docs.key") !== null) {
                    throw new Error("The key stayed in sessionStorage");
                }
                if (!document.querySelector(".o_fa_docs_key").value) {
                    throw new Error("The key was lost");
                }
            },
        },
        { content: "Search for the test's person", trigger: `${PERSONS} input[name=search]`, run: "edit Docs Tour" },
        { content: "Send again", trigger: `${PERSONS} .o_fa_docs_send:not([disabled])`, run: "click" },
        { content: "200 from the API", trigger: `${PERSONS} .o_fa_docs_status:contains(200)` },
        {
            content: "The person the test created",
            trigger: `${PERSONS} .o_fa_docs_answer_body:contains(Docs Tour Person)`,
            run() {
                const answer = answerOf(PERSONS);
                if (answer.success !== true || !answer.data.persons.some((p) => p.person_id === "DOCS-TOUR-1")) {
                    throw new Error(`Unexpected answer: ${JSON.stringify(answer)}`);
                }
            },
        },
        {
            content: "The call went to the API with the search",
            trigger: `${PERSONS} .o_fa_docs_answer_head code:contains(/api/v1/persons?search=Docs)`,
        },
        { content: "Open the answer's headers", trigger: `${PERSONS} .o_fa_docs_answer_headers summary`, run: "click" },
        { content: "They are shown", trigger: `${PERSONS} .o_fa_docs_answer_headers td:contains(application/json)` },
        { content: "Find the backend README's GET /api/persons", trigger: ".o_fa_docs_filter", run: "edit /api/persons" },
        {
            content: "The compatibility APIs have their own tags, marked as such",
            trigger: ".o_fa_docs_tag h2:contains(Compatibility: backend README) .o_fa_api_compat_badge",
        },
        ...tryOperation(COMPAT_PERSONS),
        { content: "Marked as compatibility", trigger: `${COMPAT_PERSONS} .o_fa_docs_op_toggle .o_fa_api_compat_badge` },
        { content: "Search for the test's person", trigger: `${COMPAT_PERSONS} input[name=search]`, run: "edit Docs Tour" },
        { content: "Send", trigger: `${COMPAT_PERSONS} .o_fa_docs_send:not([disabled])`, run: "click" },
        { content: "200 from the compatibility route", trigger: `${COMPAT_PERSONS} .o_fa_docs_status:contains(200)` },
        {
            content: "Called at its own path, from the host's root",
            trigger: `${COMPAT_PERSONS} .o_fa_docs_answer_head code:contains(GET /api/persons?search=Docs)`,
        },
        {
            content: "The person, in that backend's shape (bare JSON, its field names)",
            trigger: `${COMPAT_PERSONS} .o_fa_docs_answer_body:contains(DOCS-TOUR-1)`,
            run() {
                const answer = answerOf(COMPAT_PERSONS);
                const person = Array.isArray(answer) && answer.find((p) => p.personnel_code === "DOCS-TOUR-1");
                if (!person || person.last_name !== "Person" || !person.first_name) {
                    throw new Error(`Unexpected answer: ${JSON.stringify(answer)}`);
                }
            },
        },
        { content: "Find the backend README's sign-in", trigger: ".o_fa_docs_filter", run: "edit /api/auth/login" },
        { content: "Open it", trigger: `${LOGIN} .o_fa_docs_op_toggle`, run: "click" },
        { content: "Its form (OAuth2's password form)", trigger: `${LOGIN} input[name=username]`, run: "edit admin" },
        { content: "The password is typed in a password field", trigger: `${LOGIN} input[type=password][name=password]`, run: "edit admin" },
        { content: "Sign in", trigger: `${LOGIN} .o_fa_docs_send:not([disabled])`, run: "click" },
        { content: "A token", trigger: `${LOGIN} .o_fa_docs_status:contains(200)` },
        { content: "Use it as the key", trigger: `${LOGIN} .o_fa_docs_use_token`, run: "click" },
        {
            content: "The key field holds the token now",
            trigger: ".o_fa_docs_key",
            run() {
                const token = answerOf(LOGIN).access_token;
                if (!token || document.querySelector(".o_fa_docs_key").value !== token) {
                    throw new Error("The sign-in's token did not become the key");
                }
            },
        },
        { content: "Back to GET /api/persons", trigger: ".o_fa_docs_filter", run: "edit /api/persons" },
        // Another search than before: the answer awaited below cannot be the previous one.
        { content: "Search by personnel code", trigger: `${COMPAT_PERSONS} input[name=search]`, run: "edit DOCS-TOUR-1" },
        { content: "Send it with the token", trigger: `${COMPAT_PERSONS} .o_fa_docs_send:not([disabled])`, run: "click" },
        {
            content: "The token is accepted as the key was",
            trigger: `${COMPAT_PERSONS} .o_fa_docs_answer_head code:contains(search=DOCS-TOUR-1)`,
            run() {
                const status = document.querySelector(`${COMPAT_PERSONS} .o_fa_docs_status`).textContent;
                const answer = answerOf(COMPAT_PERSONS);
                if (!status.includes("200") || answer.length !== 1 || answer[0].personnel_code !== "DOCS-TOUR-1") {
                    throw new Error(`Unexpected answer (${status}): ${JSON.stringify(answer)}`);
                }
            },
        },
        { content: "Find the enterprise README's POST /users/", trigger: ".o_fa_docs_filter", run: "edit /users/" },
        { content: "Open it", trigger: `${USERS} .o_fa_docs_op_toggle`, run: "click" },
        { content: "Its form has a file input for the photo", trigger: `${USERS} input[type=file][data-field=file]` },
        { content: "A name", trigger: `${USERS} input[name=name]`, run: "edit Docs Upload" },
        {
            content: "A file that is no photo",
            trigger: `${USERS} input[type=file][data-field=file]`,
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(new File(["no photo here"], "note.txt", { type: "text/plain" }));
                const input = document.querySelector(`${USERS} input[type=file][data-field=file]`);
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        { content: "Send the form", trigger: `${USERS} .o_fa_docs_send:not([disabled])`, run: "click" },
        {
            content: "The server read the file and refused it, in that backend's error shape",
            trigger: `${USERS} .o_fa_docs_status:contains(422)`,
            run() {
                const answer = answerOf(USERS);
                if (answer.code !== "NOT_AN_IMAGE" || !answer.detail) {
                    throw new Error(`Unexpected answer: ${JSON.stringify(answer)}`);
                }
            },
        },
        { content: "Show the call as a curl command", trigger: `${USERS} .o_fa_docs_curl summary`, run: "click" },
        { content: "The form and the file in it", trigger: `${USERS} .o_fa_docs_curl pre:contains(-F file=@note.txt)` },
        {
            content: "Nothing was refused by the page's Content-Security-Policy",
            trigger: "body",
            run() {
                if (violations.length) {
                    throw new Error(`Content-Security-Policy violations: ${violations.join("; ")}`);
                }
            },
        },
    ],
});
