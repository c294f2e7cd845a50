/**
 * The load generator: closed-loop connections to the gateway, each one keep-alive socket (an
 * undici Client) that sends its next request when the previous one is answered. Every request is
 * recorded: when it was sent and answered, the status (0 when none came), and for an order the id
 * in the body, so the checker can hold each acknowledgement against the database.
 */
import { Client } from "undici";
import type { Mix, Request } from "./mix.js";
import { type Clock, sleep } from "./timeline.js";

/** Why a request counts as failed besides its status: no answer in time, no connection, or a 2xx that says the wrong thing. */
export type Trouble = "timeout" | "connection" | "wrong-body";

export interface Sample {
  readonly request: Request;
  readonly sentMs: number;
  readonly answeredMs: number;
  /** The HTTP status; 0 when no response came. */
  readonly status: number;
  /** A 200 naming the user asked for, or a 201 carrying an order with the fields sent. */
  readonly ok: boolean;
  readonly trouble?: Trouble;
  /** The order id of a 201. */
  readonly orderId?: number;
  /** An error answer's `detail`, which says what failed ("circuit open", "did not answer in time"). */
  readonly detail?: string;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly mix: Mix;
  readonly clock: Clock;
  /** Past this without a response the request is a timeout: the gateway owes an answer sooner. */
  readonly requestTimeoutMs: number;
}

/** After a refused or broken connection, a pause, so a gateway that is away is not hammered in a tight loop. */
const CONNECTION_ERROR_PAUSE_MS = 20;

export class Load {
  private stopping = false;
  private readonly samples: Sample[] = [];
  private readonly clients: Client[];
  private readonly workers: Promise<void>[];

  private constructor(private readonly options: LoadOptions) {
    const timeouts = { headersTimeout: options.requestTimeoutMs, bodyTimeout: options.requestTimeoutMs };
    this.clients = Array.from({ length: options.connections }, () => new Client(options.url, { pipelining: 1, ...timeouts }));
    this.workers = this.clients.map((client) => this.loop(client));
  }

  static start(options: LoadOptions): Load {
    return new Load(options);
  }

  /** The answers recorded so far, while the load runs. */
  get recorded(): readonly Sample[] {
    return this.samples;
  }

  /** Sends nothing new, waits for the requests in flight, closes the sockets; every sample, in answer order. */
  async stop(): Promise<Sample[]> {
    this.stopping = true;
    await Promise.all(this.workers);
    await Promise.all(this.clients.map((c) => c.close()));
    return [...this.samples];
  }

  private async loop(client: Client): Promise<void> {
    const { mix, clock } = this.options;
    while (!this.stopping) {
      const request = mix.next();
      const sentMs = clock.now();
      const outcome = await exchange(client, request);
      this.samples.push({ request, sentMs, answeredMs: clock.now(), ...outcome });
      if (outcome.trouble === "connection") await sleep(CONNECTION_ERROR_PAUSE_MS);
    }
  }
}

type Outcome = Pick<Sample, "status" | "ok" | "trouble" | "orderId" | "detail">;

async function exchange(client: Client, request: Request): Promise<Outcome> {
  try {
    const response =
      request.kind === "get-user"
        ? await client.request({ method: "GET", path: `/users?id=${request.userId}` })
        : await client.request({
            method: "POST",
            path: "/orders",
            headers: { "content-type": "application/json", "idempotency-key": request.key },
            body: JSON.stringify(request.body),
          });
    return judge(request, response.statusCode, await response.body.text());
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { status: 0, ok: false, trouble: typeof code === "string" && code.endsWith("TIMEOUT") ? "timeout" : "connection" };
  }
}

/** Whether a response is the right answer to `request`, not just a 2xx. */
export function judge(request: Request, status: number, text: string): Outcome {
  const body = parse(text);
  if (status < 200 || status >= 300) return typeof body?.detail === "string" ? { status, ok: false, detail: body.detail } : { status, ok: false };
  if (request.kind === "get-user") {
    const user = body?.user as Record<string, unknown> | undefined;
    return status === 200 && user?.id === request.userId ? { status, ok: true } : { status, ok: false, trouble: "wrong-body" };
  }
  const order = body?.order as Record<string, unknown> | undefined;
  const { user_id, product_id, amount } = request.body;
  const right = status === 201 && typeof order?.id === "number" && order.user_id === user_id && order.product_id === product_id && order.amount === amount;
  return right ? { status, ok: true, orderId: order.id as number } : { status, ok: false, trouble: "wrong-body" };
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
