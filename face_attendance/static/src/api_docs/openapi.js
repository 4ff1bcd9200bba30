/** @odoo-module **/
// Reading the OpenAPI document in the browser: the same rules as controllers/api_docs.py follows
// for the reference page (full paths from path-level servers, $ref and allOf, field rows, skeletons).

export const METHODS = ["get", "post", "put", "patch", "delete", "head", "options", "trace"];
const MAX_DEPTH = 6; // bounds the walk through nested (and possibly self-referring) schemas
const CONSTRAINT_KEYS = [
    "format",
    "default",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "example",
];
export const COMPAT_TAG_PREFIX = "Compatibility: ";
// Bodies the try-it-out form fills field by field (the others are typed as text: JSON, ...).
export const FORM_TYPES = ["multipart/form-data", "application/x-www-form-urlencoded"];

/** Text of the document as [{text, code}] pieces: backticks mark code, as in Markdown. */
export function segments(text) {
    return String(text || "")
        .split("`")
        .map((piece, index) => ({ text: piece, code: index % 2 === 1 }))
        .filter((piece) => piece.text);
}

export function slug(...parts) {
    return parts
        .join("-")
        .replace(/[^A-Za-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .toLowerCase();
}

/** {name, schema}: the component name a $ref pointed to (or null) and the schema, allOf merged. */
export function deref(schema, components, depth = 0) {
    let name = null;
    for (let hops = 0; hops < MAX_DEPTH && schema && schema.$ref; hops++) {
        name = schema.$ref.split("/").pop();
        schema = components[name] || {};
    }
    if (!schema || typeof schema !== "object") {
        return { name, schema: {} };
    }
    if (schema.allOf && depth < MAX_DEPTH) {
        const merged = { ...schema, type: schema.type || "object", properties: {}, required: [] };
        delete merged.allOf;
        for (const part of schema.allOf) {
            const resolved = deref(part, components, depth + 1).schema;
            Object.assign(merged.properties, resolved.properties || {});
            merged.required.push(...(resolved.required || []));
        }
        schema = merged;
    }
    return { name, schema };
}

export function typeLabel(schema, components, name = null, depth = 0) {
    const kind = schema.type;
    let label;
    if (kind === "array" && depth < MAX_DEPTH) {
        const items = deref(schema.items || {}, components);
        return `${items.name || typeLabel(items.schema, components, null, depth + 1)}[]`;
    }
    if (kind) {
        label = schema.format ? `${kind} (${schema.format})` : kind;
    } else if (schema.oneOf || schema.anyOf) {
        label = (schema.oneOf || schema.anyOf)
            .map((member) => deref(member, components))
            .map((member) => member.name || typeLabel(member.schema, components, null, depth + 1))
            .join(" | ");
    } else {
        label = schema.properties ? "object" : "any";
    }
    return name && kind === "object" ? `${label} (${name})` : label;
}

export function constraints(schema) {
    const found = [];
    if (schema.enum) {
        found.push(`enum: ${schema.enum.map((value) => JSON.stringify(value)).join(", ")}`);
    }
    for (const key of CONSTRAINT_KEYS) {
        if (key in schema && !(key === "format" && schema.type)) {
            // A pattern is shown as written, not with JSON's escaped backslashes.
            const value = key === "pattern" ? schema[key] : JSON.stringify(schema[key]);
            found.push(`${key}: ${value}`);
        }
    }
    if (schema.additionalProperties === false) {
        found.push("additionalProperties: false");
    }
    return found;
}

function nested(schema, components, depth = 0) {
    if (depth > MAX_DEPTH) {
        return [];
    }
    if (schema.type === "array") {
        return nested(deref(schema.items || {}, components).schema, components, depth + 1);
    }
    if (schema.properties || (schema.additionalProperties && typeof schema.additionalProperties === "object")) {
        return [schema];
    }
    return (schema.oneOf || schema.anyOf || []).flatMap((member) =>
        nested(deref(member, components).schema, components, depth + 1)
    );
}

function fieldRows(schema, components, depth, seen) {
    const rows = [];
    const required = new Set(schema.required || []);
    const fields = Object.entries(schema.properties || {});
    const extra = schema.additionalProperties;
    if (extra && typeof extra === "object" && Object.keys(extra).length) {
        fields.push(["*", extra]);
    }
    for (const [fieldName, field] of fields) {
        const { name, schema: resolved } = deref(field, components);
        rows.push({
            depth: Math.min(depth, MAX_DEPTH),
            name: fieldName,
            type: typeLabel(resolved, components, name),
            required: required.has(fieldName),
            nullable: Boolean(resolved.nullable),
            readOnly: Boolean(resolved.readOnly),
            description: segments(field.description || resolved.description),
            constraints: constraints(resolved),
        });
        if (depth < MAX_DEPTH && !(name && seen.has(name))) {
            for (const inner of nested(resolved, components)) {
                rows.push(...fieldRows(inner, components, depth + 1, new Set([...seen, name])));
            }
        }
    }
    return rows;
}

/** What the page shows of a schema: its type, description, constraints and (nested) fields. */
export function schemaView(schema, components) {
    const { name, schema: resolved } = deref(schema || {}, components);
    const fields = nested(resolved, components)
        .flatMap((inner) => fieldRows(inner, components, 0, new Set([name])))
        .map((row, index) => ({ ...row, key: index }));
    return {
        type: typeLabel(resolved, components, name),
        description: segments(resolved.description),
        constraints: constraints(resolved),
        fields,
    };
}

/** A value of `schema` to start from: its example or default, else the simplest valid one. */
export function example(schema, components, depth = 0) {
    schema = deref(schema, components).schema;
    if (depth > MAX_DEPTH) {
        return null;
    }
    for (const key of ["example", "default"]) {
        if (key in schema) {
            return schema[key];
        }
    }
    if (schema.enum && schema.enum.length) {
        return schema.enum[0];
    }
    for (const key of ["oneOf", "anyOf"]) {
        if (schema[key] && schema[key].length) {
            return example(schema[key][0], components, depth + 1);
        }
    }
    const kind = schema.type;
    if (kind === "object" || schema.properties) {
        const properties = schema.properties || {};
        const required = new Set(schema.required || []);
        // Required fields and optional ones whose schema suggests a value; all of them when that
        // leaves nothing, so that the skeleton still shows the shape of the body.
        let chosen = Object.keys(properties).filter(
            (name) => required.has(name) || "example" in properties[name] || "default" in properties[name]
        );
        if (!chosen.length) {
            chosen = Object.keys(properties);
        }
        return Object.fromEntries(chosen.map((name) => [name, example(properties[name], components, depth + 1)]));
    }
    if (kind === "array") {
        return schema.items ? [example(schema.items, components, depth + 1)] : [];
    }
    if (kind === "integer") {
        return schema.minimum ?? 1;
    }
    if (kind === "number") {
        return schema.minimum ?? 0;
    }
    if (kind === "boolean") {
        return false;
    }
    if (kind === "string") {
        return schema.format === "date" ? "2026-11-21" : "";
    }
    return null;
}

/**
 * The path from the host's root at which `path` is served. Compatibility routes live outside
 * /api/v1: their path item has its own `servers` (OpenAPI 3 lets it override the document's).
 * Only the server's path is kept: calls go to the origin that served the page, the only one its
 * Content-Security-Policy lets it reach.
 */
export function fullPath(document, path) {
    const servers = document.paths[path].servers || document.servers || [{ url: "" }];
    const url = new URL(servers[0].url || "/", window.location.href);
    return url.pathname.replace(/\/+$/, "") + path;
}

function response(status, answer, components, responses) {
    if (answer.$ref) {
        answer = responses[answer.$ref.split("/").pop()] || {};
    }
    return {
        status,
        kind: status.startsWith("2") ? "success" : status.startsWith("3") ? "redirect" : "error",
        description: segments(answer.description),
        contents: Object.entries(answer.content || {}).map(([type, media]) => ({
            type,
            schema: schemaView(media.schema, components),
        })),
        headers: Object.entries(answer.headers || {}).map(([name, header]) => ({
            name,
            type: typeLabel(deref(header.schema || {}, components).schema, components),
            description: segments(header.description),
        })),
    };
}

/** The fields of a form body (multipart or URL-encoded), as the try-it-out form needs them. */
function formFields(schema, components) {
    const resolved = deref(schema || {}, components).schema;
    const required = new Set(resolved.required || []);
    return Object.entries(resolved.properties || {}).map(([name, field]) => {
        const fieldSchema = deref(field, components).schema;
        const items = deref(fieldSchema.items || {}, components).schema;
        const binary = fieldSchema.format === "binary" || items.format === "binary";
        return {
            name,
            required: required.has(name),
            secret: fieldSchema.format === "password" || name === "password",
            file: binary,
            multiple: binary && fieldSchema.type === "array",
            type: typeLabel(fieldSchema, components),
            choices: fieldSchema.enum || null,
        };
    });
}

/** Every operation of the document, in the order of their full paths, then methods. */
export function operations(document) {
    const components = (document.components && document.components.schemas) || {};
    const responses = (document.components && document.components.responses) || {};
    const found = [];
    const paths = Object.keys(document.paths).sort((a, b) => {
        const [left, right] = [fullPath(document, a), fullPath(document, b)];
        return left < right ? -1 : left > right ? 1 : 0;
    });
    for (const path of paths) {
        const item = document.paths[path];
        const route = fullPath(document, path);
        for (const method of METHODS.filter((m) => item[m])) {
            const op = item[method];
            const tag = (op.tags && op.tags[0]) || "Other";
            const body = op.requestBody;
            found.push({
                id: slug("operation", method, route),
                method: method.toUpperCase(),
                path: route,
                tag,
                compat: op["x-compat"] || (tag.startsWith(COMPAT_TAG_PREFIX) ? tag.slice(COMPAT_TAG_PREFIX.length) : null),
                summary: op.summary || `${method.toUpperCase()} ${route}`,
                description: segments(op.description),
                public: Array.isArray(op.security) && op.security.length === 0,
                scope: op["x-required-scope"] || null,
                deprecated: Boolean(op.deprecated),
                parameters: [...(item.parameters || []), ...(op.parameters || [])].map((parameter) => {
                    const { name, schema } = deref(parameter.schema || {}, components);
                    return {
                        key: `${parameter.in}:${parameter.name}`,
                        name: parameter.name,
                        in: parameter.in,
                        required: Boolean(parameter.required),
                        type: typeLabel(schema, components, name),
                        description: segments(parameter.description || schema.description),
                        constraints: constraints(schema),
                        choices: schema.enum || (schema.type === "boolean" ? ["true", "false"] : null),
                        hint: schema.default ?? schema.example,
                    };
                }),
                body: body
                    ? {
                          required: Boolean(body.required),
                          contents: Object.entries(body.content || {}).map(([type, media]) => ({
                              type,
                              schema: schemaView(media.schema, components),
                              skeleton: type.includes("json")
                                  ? JSON.stringify(example(media.schema || {}, components), null, 2)
                                  : null,
                              fields: FORM_TYPES.includes(type) ? formFields(media.schema, components) : [],
                          })),
                      }
                    : null,
                responses: Object.keys(op.responses || {})
                    .sort()
                    .map((status) => response(status, op.responses[status], components, responses)),
            });
        }
    }
    return found;
}

/** Words of a shell command, quoted for a POSIX shell. */
export function shellQuote(word) {
    return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
