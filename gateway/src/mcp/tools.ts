/**
 * The catalog as MCP tools: every endpoint of every known service, routed over HTTP or not, is a
 * tool named `<service>.<Handler>.<Method>` whose input schema is the endpoint's request schema.
 *
 * The name keeps go-micro's form. MCP's tool-name rule (1 to 128 characters of A-Z, a-z, 0-9,
 * `_`, `-` and `.`) allows dots, and every name the registry accepts fits it; a name that did not
 * (too long) is left out rather than sent, since a client may refuse the whole list over one.
 * The name is unambiguous although service names may contain dots: an endpoint name has exactly
 * one, so the service is everything before the second-to-last dot.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { AuthRule, Endpoint } from "@gw/micro";
import { type Identity, authorize, ruleFrom } from "../auth/index.js";

/** MCP's rule for tool names (the 2025-11-25 revision of the specification). */
const TOOL_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** One tool and what calling it calls. */
export interface CatalogTool {
  readonly service: string;
  readonly endpoint: Endpoint;
  readonly tool: Tool;
}

/** Every endpoint of `catalogs` as a tool, in catalog order; those MCP cannot carry are left out. */
export function catalogTools(catalogs: Iterable<readonly [string, readonly Endpoint[]]>): CatalogTool[] {
  const tools: CatalogTool[] = [];
  for (const [service, endpoints] of catalogs) {
    for (const endpoint of endpoints) {
      const tool = toolOf(service, endpoint);
      if (tool !== undefined) tools.push({ service, endpoint, tool });
    }
  }
  return tools;
}

/** The tool named `name` in `catalogs`, if any. */
export function findTool(catalogs: ReadonlyMap<string, readonly Endpoint[]>, name: string): CatalogTool | undefined {
  const dot = name.lastIndexOf(".", name.lastIndexOf(".") - 1);
  if (dot <= 0) return undefined;
  const service = name.slice(0, dot);
  const endpoint = catalogs.get(service)?.find((e) => e.name === name.slice(dot + 1));
  if (endpoint === undefined) return undefined;
  const tool = toolOf(service, endpoint);
  return tool === undefined ? undefined : { service, endpoint, tool };
}

/**
 * Whether `identity` may call the tool with some arguments: listing a tool the caller can never
 * call would only invite a 403. An own-data rule is met by the caller's own id, so such a tool is
 * listed for every caller; the call itself is checked against its real arguments.
 */
export function mayEverCall(identity: Identity, declared: AuthRule | undefined): boolean {
  const rule = ruleFrom(declared);
  if (rule === "public") return true;
  const own = typeof declared === "object" && "self" in declared ? { [declared.self]: identity.sub } : {};
  return authorize(identity, rule, own).allowed;
}

function toolOf(service: string, endpoint: Endpoint): Tool | undefined {
  const name = `${service}.${endpoint.name}`;
  // MCP requires an object schema for a tool's input; a request that is not one has no tool form.
  if (!TOOL_NAME.test(name) || endpoint.request["type"] !== "object") return undefined;
  const { summary, description, examples, idempotent } = endpoint.metadata;
  const text = [summary, description].filter((s) => s !== undefined && s !== "").join("\n\n");
  const samples = examples?.map((e) => e.request) ?? [];
  return {
    name,
    description: text === "" ? `Calls ${endpoint.name} on the ${service} service` : text,
    // JSON Schema's own `examples` keyword, so an agent sees a valid request beside the schema.
    inputSchema: { ...endpoint.request, ...(samples.length > 0 && endpoint.request["examples"] === undefined ? { examples: samples } : {}) } as Tool["inputSchema"],
    annotations: { ...(summary === undefined ? {} : { title: summary }), ...(idempotent === true ? { idempotentHint: true } : {}) },
  };
}
