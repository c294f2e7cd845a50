/**
 * Service contracts: the TypeScript counterpart of a go-micro proto file.
 * One definition gives the server its handler type and request validation, and the client
 * its typed `call(service, endpoint, request)`, so neither side writes `any`.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type { CallContext } from "../metadata/index.js";
import type { Endpoint, EndpointCatalog } from "./catalog.js";

export * from "./catalog.js";

/** One endpoint of a contract: its schemas, and what it says about itself (catalog.ts). */
export interface EndpointSpec<Req extends TSchema = TSchema, Res extends TSchema = TSchema> extends EndpointCatalog {
  readonly request: Req;
  readonly response: Res;
}

export type EndpointSpecs = Readonly<Record<string, EndpointSpec>>;

export interface ServiceContract<
  Name extends string = string,
  Handler extends string = string,
  Endpoints extends EndpointSpecs = EndpointSpecs,
> {
  /** The registered service name, e.g. `users`. */
  readonly name: Name;
  /** The handler's name, the part before the dot in `UsersService.Get`. */
  readonly handler: Handler;
  readonly endpoints: Endpoints;
}

export function defineService<
  const Name extends string,
  const Handler extends string,
  const Endpoints extends EndpointSpecs,
>(contract: ServiceContract<Name, Handler, Endpoints>): ServiceContract<Name, Handler, Endpoints> {
  return contract;
}

/** The shape a handler class must have: one async method per endpoint. */
export type HandlerOf<C extends ServiceContract> = {
  [K in keyof C["endpoints"]]: (
    request: Static<C["endpoints"][K]["request"]>,
    context: CallContext,
  ) => Promise<Static<C["endpoints"][K]["response"]>>;
};

/** The request type of one endpoint: `RequestOf<typeof users, "Get">`. */
export type RequestOf<C extends ServiceContract, K extends keyof C["endpoints"]> = Static<C["endpoints"][K]["request"]>;

/** The response type of one endpoint. */
export type ResponseOf<C extends ServiceContract, K extends keyof C["endpoints"]> = Static<C["endpoints"][K]["response"]>;

/** `{ "UsersService.Get": { request, response } }` for one contract. */
export type EndpointsOf<C extends ServiceContract> = {
  [K in keyof C["endpoints"] & string as `${C["handler"]}.${K}`]: {
    request: Static<C["endpoints"][K]["request"]>;
    response: Static<C["endpoints"][K]["response"]>;
  };
};

/** `{ users: { "UsersService.Get": … }, orders: … }` for a list of contracts. */
export type ApiOf<Cs extends readonly ServiceContract[]> = {
  [C in Cs[number] as C["name"]]: EndpointsOf<C>;
};

export type ApiMap = Record<string, Record<string, { request: unknown; response: unknown }>>;

export function endpointName(contract: ServiceContract, method: string): string {
  return `${contract.handler}.${method}`;
}

/**
 * The endpoints of `contract` as a node registers them: schemas as plain JSON (TypeBox's own
 * markers dropped) and everything the contract says about each.
 */
export function endpointsOf(contract: ServiceContract): Endpoint[] {
  return Object.entries(contract.endpoints).map(([method, spec]) => {
    const { request, response, ...catalog } = spec;
    return { name: endpointName(contract, method), request: plain(request), response: plain(response), metadata: plain(catalog) };
  });
}

function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
