/** @odoo-module **/
import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

/**
 * Every endpoint of the REST API, from its OpenAPI document, and a form to call one. The call goes
 * from this browser straight to /api/v1 with the key the manager pastes: the key lives in this
 * component's memory only (never stored, never sent to Odoo other than as that call's X-API-Key).
 */
export class FaceDeveloperConsole extends Component {
    static template = "face_attendance.DeveloperConsole";
    static props = ["*"];

    setup() {
        this.state = useState({
            loaded: false,
            denied: "",
            endpoints: [],
            filter: "",
            selectedId: null,
            params: {},
            body: "",
            apiKey: "",
            showKey: false,
            sending: false,
            error: "",
            answer: null,
        });
        onWillStart(() => this.load());
    }

    async load() {
        try {
            const result = await rpc("/face_attendance/developer/endpoints", {});
            this.state.endpoints = result.endpoints;
        } catch (error) {
            this.state.denied = error.data?.message || error.message || _t("The endpoints could not be loaded.");
        }
        this.state.loaded = true;
    }

    get groups() {
        const needle = this.state.filter.trim().toLowerCase();
        const groups = new Map();
        for (const endpoint of this.state.endpoints) {
            const text = `${endpoint.method} ${endpoint.path} ${endpoint.description} ${endpoint.label}`.toLowerCase();
            if (needle && !text.includes(needle)) {
                continue;
            }
            if (!groups.has(endpoint.label)) {
                groups.set(endpoint.label, []);
            }
            groups.get(endpoint.label).push(endpoint);
        }
        return [...groups.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([label, endpoints]) => ({ label, endpoints }));
    }

    get selected() {
        return this.state.endpoints.find((endpoint) => endpoint.id === this.state.selectedId);
    }

    get jsonBody() {
        const body = this.selected?.requestBody;
        return Boolean(body) && body.contentType === "application/json";
    }

    select(endpoint) {
        this.state.selectedId = endpoint.id;
        this.state.params = Object.fromEntries(endpoint.parameters.map((p) => [p.name, ""]));
        const example = endpoint.requestBody?.example;
        this.state.body = example === null || example === undefined ? "" : JSON.stringify(example, null, 2);
        this.state.error = "";
        this.state.answer = null;
    }

    scopeText(endpoint) {
        if (endpoint.public) {
            return _t("Public: no key");
        }
        return endpoint.requiredScope ? _t("Scope: %s", endpoint.requiredScope) : _t("Any valid key");
    }

    methodClass(method) {
        return (
            {
                GET: "text-bg-primary",
                POST: "text-bg-success",
                PUT: "text-bg-warning",
                PATCH: "text-bg-info",
                DELETE: "text-bg-danger",
            }[method] || "text-bg-secondary"
        );
    }

    placeholder(parameter) {
        const schema = parameter.schema || {};
        const hint = schema.default ?? schema.example;
        const parts = [parameter.description, hint === undefined ? "" : _t("e.g. %s", hint)];
        return parts.filter(Boolean).join(" · ");
    }

    parameterChoices(parameter) {
        const schema = parameter.schema || {};
        return schema.enum || (schema.type === "boolean" ? ["true", "false"] : null);
    }

    /** The URL of the call, or throws with a message for the manager. */
    buildUrl(endpoint) {
        const query = new URLSearchParams();
        let path = endpoint.path;
        for (const parameter of endpoint.parameters) {
            const value = String(this.state.params[parameter.name] ?? "").trim();
            if (parameter.in === "path") {
                if (!value) {
                    throw new Error(_t("Fill in the path parameter %s.", parameter.name));
                }
                path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
            } else if (parameter.in === "query" && value) {
                query.append(parameter.name, value);
            }
        }
        const search = query.toString();
        return search ? `${path}?${search}` : path;
    }

    async send() {
        const endpoint = this.selected;
        this.state.error = "";
        this.state.answer = null;
        let url;
        // The session cookie goes along (same origin) but grants nothing: /api/v1 knows keys only.
        const init = { method: endpoint.method, headers: {}, cache: "no-store" };
        try {
            url = this.buildUrl(endpoint);
            if (this.jsonBody && this.state.body.trim()) {
                JSON.parse(this.state.body);
                init.body = this.state.body;
                init.headers["Content-Type"] = "application/json";
            }
        } catch (error) {
            this.state.error = error instanceof SyntaxError ? _t("The body is not valid JSON: %s", error.message) : error.message;
            return;
        }
        if (this.state.apiKey.trim()) {
            init.headers["X-API-Key"] = this.state.apiKey.trim();
        }
        this.state.sending = true;
        try {
            const response = await fetch(url, init);
            const type = response.headers.get("Content-Type") || "";
            let body;
            if (/json|text|csv|xml/.test(type) || !type) {
                body = await response.text();
                try {
                    body = JSON.stringify(JSON.parse(body), null, 2);
                } catch {
                    // Not JSON (a CSV export): shown as it came.
                }
            } else {
                const blob = await response.blob();
                body = _t("(%(size)s bytes of %(type)s)", { size: blob.size, type });
            }
            this.state.answer = {
                url,
                method: endpoint.method,
                status: response.status,
                statusText: response.statusText,
                ok: response.ok,
                headers: [...response.headers.entries()],
                body,
            };
        } catch (error) {
            this.state.error = _t("The request failed: %s", error.message);
        } finally {
            this.state.sending = false;
        }
    }
}

registry.category("actions").add("face_attendance.developer_console", FaceDeveloperConsole);
