/**
 * The HTTP/1.1 keep-alive transport: the default between programs on one machine.
 */
import type { Listener, Transport, TransportClient, TransportHandler } from "../transport/index.js";
import { type HttpClientOptions, HttpTransportClient } from "./client.js";
import { listenHttp } from "./server.js";

export type { HttpClientOptions } from "./client.js";

export class HttpTransport implements Transport {
  readonly name = "http";

  constructor(private readonly options: HttpClientOptions = {}) {}

  client(): TransportClient {
    return new HttpTransportClient(this.options);
  }

  listen(address: string, handler: TransportHandler): Promise<Listener> {
    return listenHttp(address, handler);
  }
}
