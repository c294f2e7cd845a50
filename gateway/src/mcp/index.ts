/**
 * `POST /mcp`: the Model Context Protocol over Streamable HTTP (JSON-RPC 2.0), so an agent can
 * discover and call every service behind the gateway, as go-micro's MCP gateway does. The tools
 * are the live catalog's endpoints (tools.ts).
 *
 * Stateless: each request gets a new MCP server and transport, as the SDK prescribes for
 * stateless HTTP, so any gateway instance can answer any request and nothing is kept between
 * them. The price is that the server cannot push: there is no session and no standing stream to
 * send `notifications/tools/list_changed` on, so the server says `listChanged: false` and
 * `tools/list` simply reads the catalog afresh on every call. Answers are JSON rather than an
 * SSE stream, since a tool call sends nothing before its result. `GET /mcp` (the stream a
 * stateful server would offer) is therefore a 405, which the protocol allows.
 *
 * The request is an ordinary Fastify route, not a hijacked socket: request ids, spans,
 * authentication (a token is needed for the route when auth is on), rate limits, metrics and the
 * request's log line apply as to any route. Each tool call then runs the endpoint's own rule on
 * the tool's arguments, as the HTTP route would on its fields, and goes through the gateway's
 * client with the request's id, trace and account, so deadlines and breakers apply too.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Endpoint, type RegisteredService, type WireError, MicroError, badRequest, forbidden, isMicroError, nodesOf } from "@gw/micro";
import { type App, type GatewayDeps, callOptions } from "../context.js";
import { GATEWAY_ID, toWireError } from "../errors.js";
import { authorize, ruleFrom } from "../auth/index.js";
import { type CatalogTool, catalogTools, findTool, mayEverCall } from "./tools.js";

export const MCP_PATH = "/mcp";

/**
 * The SDK, loaded on the first request to `/mcp` rather than with the gateway: loading it costs
 * about half a second of CPU (measured on this project's machine), which every start of a gateway
 * would pay whether or not an agent ever comes.
 */
type Sdk = Awaited<ReturnType<typeof importSdk>>;
let sdk: Promise<Sdk> | undefined;

async function importSdk() {
  const [server, transport, types] = await Promise.all([
    import("@modelcontextprotocol/sdk/server/index.js"),
    import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"),
    import("@modelcontextprotocol/sdk/types.js"),
  ]);
  return { ...server, ...transport, ...types };
}

function loadSdk(): Promise<Sdk> {
  sdk ??= importSdk().catch((error: unknown) => {
    sdk = undefined;
    throw error;
  });
  return sdk;
}

export interface McpOptions extends GatewayDeps {
  /** The live catalog's endpoints by service (`LiveCatalog.endpoints`). */
  readonly catalogs: () => ReadonlyMap<string, readonly Endpoint[]>;
  /** Whether the gateway authenticates; when it does, each call is authorized like its HTTP route. */
  readonly auth: boolean;
  /** What the server calls itself in `initialize`. */
  readonly name: string;
  readonly version: string;
}

const INSTRUCTIONS =
  "Each tool calls one endpoint of a service behind this gateway; its name is <service>.<Handler>.<Method> " +
  "and its input schema is the endpoint's request. A failed call is a tool error whose text is the error " +
  '{"id","code","detail","status"}: code is an HTTP status (400 bad arguments, 403 not allowed, 404 not found, 503 service away).';

/** Adds `POST /mcp` to `app`. */
export function mcpEndpoint(app: App, options: McpOptions): void {
  // Authenticated: with auth on, only a caller with a valid token gets in; each tool call then
  // applies its endpoint's own rule.
  app.post(MCP_PATH, { config: { auth: "authenticated" } }, (request, reply) => serve(options, request, reply));
}

async function serve(options: McpOptions, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // Fastify parses text bodies too; the protocol is JSON only, and a wrong type is the gateway's 415.
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new MicroError(GATEWAY_ID, 415, "content-type: must be application/json", { reason: "unsupported_media_type" });
  // A batch would put up to a hundred tool calls behind one request of the rate limiter's count.
  // The protocol dropped batches in its 2025-06-18 revision, and the SDK's client never sends one.
  if (Array.isArray(request.body)) throw badRequest(GATEWAY_ID, "body: a JSON-RPC batch is not accepted; send one message per request", { reason: "batch_not_accepted" });
  const mcp = await loadSdk();
  const server = mcpServer(mcp, options, request);
  const transport = new mcp.WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(webRequest(request), { parsedBody: request.body });
    void reply.code(response.status);
    response.headers.forEach((value, name) => void reply.header(name, value));
    // 202 (the client sent only notifications) has no body.
    return await (response.body === null ? reply.send() : reply.send(await response.text()));
  } finally {
    await server.close();
  }
}

/**
 * The SDK's low-level server: its high-level `McpServer` takes tools with zod schemas, known when
 * it is written, while these tools are JSON Schemas learned from the registry while it runs,
 * which is the case the low-level server is kept for.
 */
function mcpServer(mcp: Sdk, options: McpOptions, request: FastifyRequest): Server {
  const server = new mcp.Server({ name: options.name, version: options.version }, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });
  server.setRequestHandler(mcp.ListToolsRequestSchema, async () => ({ tools: (await listTools(options, request)).map((t) => t.tool) }));
  server.setRequestHandler(mcp.CallToolRequestSchema, async ({ params }) => callTool(mcp, options, request, params.name, params.arguments ?? {}));
  return server;
}

/**
 * The tools of services that have a node now, which this caller could call. The catalog keeps a
 * service that left (its HTTP routes answer 503), but a tool that cannot run is no use to an
 * agent, so the registry is asked which services are up; it answers from the client's cache.
 */
async function listTools(options: McpOptions, request: FastifyRequest): Promise<CatalogTool[]> {
  const catalogs = options.catalogs();
  const up = await Promise.all(
    [...catalogs.keys()].map((service) =>
      options.registry.getService(service).then(
        (found: RegisteredService[]) => nodesOf(found).length > 0,
        // A registry that is away leaves the services listed, as the routes stay served.
        () => true,
      ),
    ),
  );
  const live = [...catalogs].filter((_, i) => up[i]);
  const identity = request.identity;
  return catalogTools(live).filter((t) => !options.auth || (identity !== undefined && mayEverCall(identity, t.endpoint.metadata.auth)));
}

async function callTool(mcp: Sdk, options: McpOptions, request: FastifyRequest, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const start = performance.now();
  const caller = request.identity?.sub ?? "anonymous";
  const found = findTool(options.catalogs(), name);
  if (found === undefined) {
    request.log.info({ tool: name, caller, outcome: "unknown tool" }, `mcp ${name} unknown tool`);
    // A protocol error (the specification's "Invalid params"), not a tool's failure.
    throw new mcp.McpError(mcp.ErrorCode.InvalidParams, `Tool ${name} not found`);
  }
  const done = (outcome: string, result: CallToolResult): CallToolResult => {
    const durationMs = Math.round((performance.now() - start) * 100) / 100;
    request.log.info({ tool: name, caller, outcome, durationMs }, `mcp ${name} ${outcome} ${durationMs} ms`);
    return result;
  };
  if (options.auth) {
    const identity = request.identity;
    const rule = ruleFrom(found.endpoint.metadata.auth);
    const verdict = rule === "public" ? { allowed: true as const } : identity === undefined ? { allowed: false as const, reason: "a Bearer token is required" } : authorize(identity, rule, args);
    if (!verdict.allowed) return done("error 403", failure(forbidden(GATEWAY_ID, verdict.reason, { reason: "forbidden" }).toJSON()));
  }
  try {
    const body = await options.client.forward(found.service, found.endpoint.name, args, callOptions(request));
    return done("ok", { content: [{ type: "text", text: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8") }] });
  } catch (error) {
    const wire = toWireError(error as Error);
    // As for any route: a backend's expected failure (away, slow) is a warning; anything else a bug.
    if (!isMicroError(error)) request.log.error({ err: error, tool: name }, "mcp tool call failed");
    else if (wire.code > 500) request.log.warn({ code: wire.code, id: wire.id, tool: name }, wire.detail);
    return done(`error ${wire.code}`, failure(wire.toJSON()));
  }
}

/** A failed call as MCP has it: a result with `isError`, its text the error in go-micro's shape. */
function failure(error: WireError): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(error) }], isError: true };
}

/**
 * The Fetch API request the SDK's transport reads: method, path and headers; the body is already
 * parsed. The origin is fixed: the transport only reports the URL, and a Host header that is no
 * URL's host must not make the request fail.
 */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return new Request(new URL(request.url, "http://gateway"), { method: request.method, headers });
}
