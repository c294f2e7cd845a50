/**
 * One HTTP route of the live catalog: an endpoint that a registered service declared an HTTP
 * binding for. The gateway's router, its authorization, `/openapi.json` and `/docs` all read
 * routes of this shape, built from the registry (see route-table.ts).
 */
import type { Endpoint, HttpBinding } from "@gw/micro";

export interface Route {
  /** The registered service, e.g. `users`. */
  readonly service: string;
  /** The endpoint as the service's nodes registered it: name, schemas, metadata. */
  readonly endpoint: Endpoint;
  /** The binding of `endpoint.metadata.http` this route serves. */
  readonly binding: HttpBinding;
}
