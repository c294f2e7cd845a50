// A try-it form built from an endpoint's request schema (JSON Schema, as its nodes registered it):
// one typed field per property. Empty fields are left out of the request, so the service's own
// validation names a missing required field, exactly as it would for any other caller.

/** Creates an element with attributes and children; text is always set as text, never as HTML. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** The values a schema allows when it is a fixed list: `enum`, or `anyOf` of constants. */
function choicesOf(schema) {
  if (Array.isArray(schema.enum)) return schema.enum;
  if (Array.isArray(schema.anyOf) && schema.anyOf.every((s) => s && Object.hasOwn(s, "const"))) return schema.anyOf.map((s) => s.const);
  return undefined;
}

/** How a property is entered: its kind decides the control and how its text becomes JSON. */
function kindOf(schema) {
  if (choicesOf(schema) !== undefined) return "choice";
  switch (schema.type) {
    case "integer": return "integer";
    case "number": return "number";
    case "string": return "string";
    case "boolean": return "boolean";
    default: return "json";
  }
}

function typeLabel(schema) {
  const choices = choicesOf(schema);
  if (choices !== undefined) return choices.map((c) => JSON.stringify(c)).join(" | ");
  if (schema.format) return `${schema.type} (${schema.format})`;
  return schema.type ?? "JSON";
}

function control(name, schema, kind) {
  const common = { name, id: undefined, title: schema.description };
  switch (kind) {
    case "integer":
    case "number":
      return h("input", { ...common, type: "number", step: kind === "integer" ? "1" : "any", min: schema.minimum, max: schema.maximum });
    case "string":
      return h("input", { ...common, type: schema.format === "email" ? "email" : "text", maxlength: schema.maxLength, spellcheck: "false" });
    case "boolean":
      return h("select", common, h("option", { value: "" }, "(unset)"), h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
    case "choice":
      return h("select", common, h("option", { value: "" }, "(unset)"), ...choicesOf(schema).map((c) => h("option", { value: JSON.stringify(c) }, String(c))));
    default:
      return h("textarea", { ...common, placeholder: "JSON", spellcheck: "false" });
  }
}

/** The control's value as JSON, or undefined when empty; a JSON field that does not parse is an error. */
function valueOf(element, kind) {
  const text = element.value;
  if (text.trim() === "") return undefined;
  switch (kind) {
    case "integer":
    case "number": return Number(text);
    case "boolean": return text === "true";
    case "choice": return JSON.parse(text);
    case "string": return text;
    default:
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(`${element.name}: not valid JSON`);
      }
  }
}

function setValue(element, kind, value) {
  if (value === undefined) element.value = "";
  else if (kind === "json" || kind === "choice") element.value = JSON.stringify(value);
  else element.value = String(value);
}

/**
 * The form for one endpoint. `send(request)` makes the call and resolves with
 * `{status, requestId, body}`; the form shows the answer beneath it.
 */
export function endpointForm(endpoint, send) {
  const schema = endpoint.request ?? {};
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const fields = properties.map(([name, property]) => {
    const kind = kindOf(property);
    return { name, kind, element: control(name, property, kind), property };
  });
  const preview = h("pre", { class: "preview" });
  const result = h("div", { class: "result" });
  const request = () => {
    const out = {};
    for (const field of fields) {
      const value = valueOf(field.element, field.kind);
      if (value !== undefined) out[field.name] = value;
    }
    return out;
  };
  const update = () => {
    try {
      preview.textContent = JSON.stringify(request());
    } catch (error) {
      preview.textContent = error.message;
    }
  };
  const example = endpoint.metadata?.examples?.[0]?.request;
  const fill = () => {
    for (const field of fields) setValue(field.element, field.kind, example?.[field.name]);
    update();
  };
  const submit = async (event) => {
    event.preventDefault();
    let body;
    try {
      body = request();
    } catch (error) {
      result.replaceChildren(h("p", { class: "status-4" }, error.message));
      return;
    }
    result.replaceChildren(h("p", { class: "muted" }, "calling…"));
    try {
      const answer = await send(body);
      const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body, null, 2);
      result.replaceChildren(
        h("p", { class: "result-head" }, h("span", { class: `status-${String(answer.status)[0]}`, dataset: { testid: "status" } }, String(answer.status)), " ", h("span", { class: "muted mono" }, answer.requestId ?? "")),
        h("pre", { class: "response" }, text),
      );
    } catch (error) {
      result.replaceChildren(h("p", { class: "status-5" }, `the call failed: ${error.message}`));
    }
  };
  const form = h(
    "form",
    { class: "try", novalidate: true, onsubmit: submit, oninput: update, onchange: update },
    ...fields.flatMap(({ name, element, property }) => {
      element.id = `f-${endpoint.name}-${name}`;
      return [
        h("label", { for: element.id }, name, required.has(name) ? h("span", { class: "req", title: "required" }, "*") : "", h("span", { class: "type" }, typeLabel(property))),
        element,
      ];
    }),
    fields.length === 0 ? h("p", { class: "muted" }, "No fields.") : "",
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, `Call ${endpoint.name}`),
      example === undefined ? "" : h("button", { type: "button", onclick: fill }, "Fill the example"),
      h("span", { class: "muted" }, "sends"),
      preview,
    ),
  );
  update();
  return h("div", {}, form, result);
}
