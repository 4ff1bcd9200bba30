/** @odoo-module **/
// /api/v1/docs: every operation of the OpenAPI document, and a form to call each one from this
// browser. The API key lives in this page's memory, or in this tab's sessionStorage when the reader
// asks for it; it is sent only as the Authorization header of the API calls made here.
import { App, Component, onMounted, onWillStart, onWillUnmount, useRef, useState, whenReady } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { getTemplate } from "@web/core/templates";
import { makeEnv, startServices } from "@web/env";
import { FORM_TYPES, operations, segments, shellQuote, slug } from "./openapi";

const KEY_STORAGE = "face_attendance.api_docs.key";
const MAX_SHOWN_BODY = 200000; // characters of an answer shown: a large export would freeze the page

function storage() {
    try {
        return window.sessionStorage;
    } catch {
        return null; // storage disabled by the browser: the key stays in memory
    }
}

/** The access token a sign-in answered, if any: /api/v1/auth/login's (in the envelope, camelCase)
 * or the backend README's (bare, OAuth2's name). */
function accessToken(answer) {
    const data = answer && typeof answer === "object" && "data" in answer ? answer.data : answer;
    const token = data && typeof data === "object" ? data.accessToken || data.access_token : null;
    return typeof token === "string" && token ? token : null;
}

export function methodClass(method) {
    return `o_fa_api_method o_fa_api_method_${method.toLowerCase()}`;
}

/** Text of the document: its pieces marked as code (backticks) are shown as code. */
export class ApiText extends Component {
    static template = "face_attendance.ApiText";
    static props = { text: Array };
}

/** A schema's type and fields, as a table (the reference page renders the same server-side). */
export class ApiSchema extends Component {
    static template = "face_attendance.ApiSchema";
    static components = { ApiText };
    static props = { view: Object };
}

export class ApiOperation extends Component {
    static template = "face_attendance.ApiOperation";
    static components = { ApiSchema, ApiText };
    static props = { op: Object, auth: Object, open: Boolean, toggle: Function, keep: Function };

    setup() {
        const op = this.props.op;
        const firstBody = op.body && op.body.contents[0];
        this.state = useState({
            params: Object.fromEntries(op.parameters.map((p) => [p.key, ""])),
            contentType: firstBody ? firstBody.type : "",
            bodyText: firstBody && firstBody.skeleton !== null ? firstBody.skeleton : "",
            form: {},
            files: {}, // field name -> [File] chosen in its file input
            sending: false,
            error: "",
            answer: null,
        });
        // The key is the page's: this operation re-renders (its curl line) when it changes.
        this.auth = useState(this.props.auth);
        this.root = useRef("root");
        this.methodClass = methodClass;
        this.imageUrl = null; // the object URL of an image answered, released with the next call
        onMounted(() => {
            if (this.props.open && window.location.hash === `#${op.id}`) {
                this.root.el.scrollIntoView();
            }
        });
        onWillUnmount(() => this.forgetImage());
    }

    /** The body's content of the chosen type, or null. (Not named "content": the template's loops
     * use that name, and a getter on the component cannot be shadowed by a loop variable.) */
    get chosenContent() {
        const body = this.props.op.body;
        return body && body.contents.find((content) => content.type === this.state.contentType);
    }

    get isJson() {
        return Boolean(this.chosenContent) && this.chosenContent.type.includes("json");
    }

    get isForm() {
        return Boolean(this.chosenContent) && FORM_TYPES.includes(this.chosenContent.type);
    }

    get accessText() {
        const op = this.props.op;
        if (op.public) {
            return _t("Public: no key");
        }
        return op.scope ? _t("Scope: %s", op.scope) : _t("Any valid key");
    }

    placeholder(parameter) {
        return parameter.hint === undefined || parameter.hint === null ? "" : _t("e.g. %s", parameter.hint);
    }

    chooseFiles(field, ev) {
        this.state.files[field.name] = [...ev.target.files];
    }

    chooseContentType(type) {
        const content = this.props.op.body.contents.find((c) => c.type === type);
        this.state.contentType = type;
        this.state.bodyText = content && content.skeleton !== null ? content.skeleton : "";
    }

    /**
     * The URL of the call (same origin as the page). `strict`: throws with a message for the reader
     * when a required parameter is empty; else such a path parameter stays as {name} (the curl line).
     */
    url(strict) {
        const op = this.props.op;
        let path = op.path;
        const query = new URLSearchParams();
        for (const parameter of op.parameters) {
            const value = String(this.state.params[parameter.key] ?? "").trim();
            if (strict && parameter.required && !value) {
                throw new Error(_t("Fill in the parameter %s.", parameter.name));
            }
            if (parameter.in === "path" && value) {
                path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
            } else if (parameter.in === "query" && value) {
                query.append(parameter.name, value);
            }
        }
        const search = query.toString();
        return search ? `${path}?${search}` : path;
    }

    headerParameters() {
        return this.props.op.parameters
            .filter((p) => p.in === "header" && String(this.state.params[p.key] ?? "").trim())
            .map((p) => [p.name, String(this.state.params[p.key]).trim()]);
    }

    /** [body, curl words] of the form's fields filled in: FormData (multipart) or URLSearchParams. */
    formData() {
        const multipart = this.chosenContent.type === "multipart/form-data";
        const data = multipart ? new FormData() : new URLSearchParams();
        const option = multipart ? "-F" : "--data-urlencode";
        const words = [];
        for (const field of this.chosenContent.fields) {
            if (field.file && multipart) {
                for (const file of this.state.files[field.name] || []) {
                    data.append(field.name, file, file.name);
                    words.push(option, shellQuote(`${field.name}=@${file.name}`));
                }
            } else {
                const value = String(this.state.form[field.name] ?? "");
                if (value !== "") {
                    data.append(field.name, value);
                    // A password stays out of the command line shown, as the key does.
                    words.push(option, field.secret ? `"${field.name}=$PASSWORD"` : shellQuote(`${field.name}=${value}`));
                }
            }
        }
        return [data, words];
    }

    /** The fetch() arguments and the equivalent curl command (the key as $API_KEY, never itself). */
    request(strict = true) {
        const op = this.props.op;
        const url = this.url(strict);
        const headers = new Headers(this.headerParameters());
        const words = ["curl", "-X", op.method, shellQuote(new URL(url, window.location.origin).href)];
        for (const [name, value] of this.headerParameters()) {
            words.push("-H", shellQuote(`${name}: ${value}`));
        }
        const key = this.auth.key.trim();
        if (!op.public && key) {
            headers.set("Authorization", `Bearer ${key}`);
            words.push("-H", '"Authorization: Bearer $API_KEY"');
        }
        const init = {
            method: op.method,
            headers,
            cache: "no-store",
            // Odoo's session cookie goes along (same origin) but grants nothing: the API knows keys only.
            referrerPolicy: "no-referrer",
        };
        if (this.chosenContent) {
            if (this.isForm) {
                const [data, formWords] = this.formData();
                init.body = data;
                words.push(...formWords);
            } else if (this.state.bodyText.trim()) {
                if (strict && this.isJson) {
                    try {
                        JSON.parse(this.state.bodyText);
                    } catch (error) {
                        throw new Error(_t("The body is not valid JSON: %s", error.message));
                    }
                }
                init.body = this.state.bodyText;
                headers.set("Content-Type", this.chosenContent.type);
                words.push("-H", shellQuote(`Content-Type: ${this.chosenContent.type}`));
                words.push("--data-binary", shellQuote(this.state.bodyText));
            }
        }
        return { url, init, curl: words.join(" ") };
    }

    get curl() {
        return this.request(false).curl;
    }

    /** A sign-in's token becomes the page's key, for the next calls (kept as a pasted key is). */
    useToken() {
        this.auth.key = this.state.answer.token;
        this.props.keep();
    }

    forgetImage() {
        if (this.imageUrl) {
            URL.revokeObjectURL(this.imageUrl);
            this.imageUrl = null;
        }
    }

    async send() {
        this.state.error = "";
        this.state.answer = null;
        this.forgetImage();
        let call;
        try {
            call = this.request();
        } catch (error) {
            this.state.error = error.message;
            return;
        }
        this.state.sending = true;
        try {
            const response = await fetch(call.url, call.init);
            const type = response.headers.get("Content-Type") || "";
            let body = "";
            let image = null;
            let token = null;
            if (!type || /json|text|csv|xml|html/.test(type)) {
                body = await response.text();
                if (/json/.test(type)) {
                    try {
                        const parsed = JSON.parse(body);
                        body = JSON.stringify(parsed, null, 2);
                        token = accessToken(parsed);
                    } catch {
                        // Not JSON after all: shown as it came.
                    }
                }
                if (body.length > MAX_SHOWN_BODY) {
                    body = body.slice(0, MAX_SHOWN_BODY) + "\n" + _t("… (%s characters in all)", body.length);
                }
            } else {
                const blob = await response.blob();
                body = _t("(%(size)s bytes of %(type)s)", { size: blob.size, type });
                if (type.startsWith("image/")) {
                    image = this.imageUrl = URL.createObjectURL(blob);
                }
            }
            this.state.answer = {
                url: call.url,
                method: this.props.op.method,
                status: response.status,
                statusText: response.statusText,
                ok: response.ok,
                headers: [...response.headers.entries()],
                body,
                image,
                token,
            };
        } catch (error) {
            this.state.error = _t("The request failed: %s", error.message);
        } finally {
            this.state.sending = false;
        }
    }
}

export class ApiDocs extends Component {
    static template = "face_attendance.ApiDocs";
    static components = { ApiOperation, ApiText };
    static props = { openapiUrl: String };

    setup() {
        const stored = storage()?.getItem(KEY_STORAGE) || "";
        this.auth = useState({ key: stored, remember: Boolean(stored), show: false });
        this.state = useState({ loaded: false, error: "", info: {}, servers: [], operations: [], filter: "", open: {} });
        this.methodClass = methodClass;
        onWillStart(() => this.load());
    }

    async load() {
        try {
            const response = await fetch(this.props.openapiUrl, { cache: "no-store" });
            if (!response.ok) {
                throw new Error(`${response.status} ${response.statusText}`);
            }
            const spec = await response.json();
            this.state.info = spec.info || {};
            this.state.servers = (spec.servers || []).map((server) => server.url);
            this.state.operations = operations(spec);
            const wanted = window.location.hash.slice(1);
            if (this.state.operations.some((op) => op.id === wanted)) {
                this.state.open[wanted] = true;
            }
        } catch (error) {
            this.state.error = _t("The OpenAPI document could not be loaded: %s", error.message);
        }
        this.state.loaded = true;
    }

    get description() {
        return segments(this.state.info.description);
    }

    /** Tags in order: the addon's own, then the compatibility APIs of the older backends. */
    get groups() {
        const needle = this.state.filter.trim().toLowerCase();
        const groups = new Map();
        for (const op of this.state.operations) {
            const text = `${op.method} ${op.path} ${op.summary} ${op.tag}`.toLowerCase();
            if (needle && !text.includes(needle)) {
                continue;
            }
            if (!groups.has(op.tag)) {
                groups.set(op.tag, { tag: op.tag, compat: op.compat, id: slug("tag", op.tag), operations: [] });
            }
            groups.get(op.tag).operations.push(op);
        }
        return [...groups.values()].sort(
            (a, b) => Boolean(a.compat) - Boolean(b.compat) || a.tag.toLowerCase().localeCompare(b.tag.toLowerCase())
        );
    }

    toggle(op) {
        this.state.open[op.id] = !this.state.open[op.id];
    }

    onKeyInput(ev) {
        this.auth.key = ev.target.value;
        this.keep();
    }

    onRememberChange(ev) {
        this.auth.remember = ev.target.checked;
        this.keep();
    }

    keep() {
        const store = storage();
        if (!store) {
            return;
        }
        if (this.auth.remember && this.auth.key.trim()) {
            store.setItem(KEY_STORAGE, this.auth.key.trim());
        } else {
            store.removeItem(KEY_STORAGE);
        }
    }

    forget() {
        this.auth.key = "";
        this.auth.remember = false;
        this.keep();
    }
}

export async function startApiDocs(root) {
    await whenReady();
    // The page has no inline script to set it (its policy allows none); Odoo's core reads it.
    odoo.debug = odoo.debug || "";
    const env = makeEnv();
    await startServices(env);
    const app = new App(ApiDocs, {
        env,
        getTemplate,
        props: { openapiUrl: root.dataset.openapiUrl },
        translateFn: _t,
        dev: Boolean(env.debug),
    });
    root.replaceChildren();
    return app.mount(root);
}

whenReady(() => {
    const root = document.querySelector(".o_fa_api_docs_root");
    if (root) {
        startApiDocs(root);
    }
});
