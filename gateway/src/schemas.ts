/**
 * The gateway's HTTP schemas. Bodies reuse the service contracts' field rules; path and query
 * values arrive as strings and are checked with the strict numeric formats, then converted.
 */
import { Type } from "@sinclair/typebox";
import { Email, Id, Money, ProductName, Stock, UserName } from "@gw/proto";

const strict = { additionalProperties: false } as const;

export const IdString = Type.String({ format: "id" });
export const IdParams = Type.Object({ id: IdString }, strict);

export const Paging = {
  limit: Type.Optional(Type.String({ format: "limit" })),
  offset: Type.Optional(Type.String({ format: "count" })),
};

export const ByIdOrPage = Type.Object({ id: Type.Optional(IdString), ...Paging }, strict);
export const OrdersQuery = Type.Object({ user_id: Type.Optional(IdString), ...Paging }, strict);

export const CreateUserBody = Type.Object({ email: Email, name: UserName }, strict);
export const PatchUserBody = Type.Object(
  { email: Type.Optional(Email), name: Type.Optional(UserName) },
  { ...strict, minProperties: 1 },
);

export const CreateProductBody = Type.Object({ name: ProductName, price: Money, stock: Type.Optional(Stock) }, strict);
export const PatchProductBody = Type.Object(
  { name: Type.Optional(ProductName), price: Type.Optional(Money), stock: Type.Optional(Stock) },
  { ...strict, minProperties: 1 },
);

export const CreateOrderBody = Type.Object(
  { user_id: Id, product_id: Id, amount: Money },
  strict,
);

export const RpcBody = Type.Object(
  {
    service: Type.String({ pattern: "^[a-z][a-z0-9.-]{0,62}$" }),
    endpoint: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*$" }),
    request: Type.Optional(Type.Object({})),
  },
  strict,
);

/** Query and path numbers were checked by their format; this only converts them. */
export function num(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
