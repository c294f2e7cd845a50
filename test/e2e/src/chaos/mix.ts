/**
 * What the load sends: `GET /users?id=N` for a demo user and `POST /orders` for a demo user and
 * product, each order with an `Idempotency-Key` of its own, so every order the suite ever asked
 * for can be found again by its key, and retried with it.
 */
import { between, seededRandom } from "./random.js";

/** The demo data every service seeds on its first start. */
const DEMO_USER_IDS = { min: 1, max: 3 } as const;
const DEMO_PRODUCT_IDS = { min: 100, max: 102 } as const;
/** Amounts in cents, 1.00 to 99.99: two decimals, as the contract requires. */
const AMOUNT_CENTS = { min: 100, max: 9999 } as const;
/** The share of requests that create an order; the rest read a user. */
export const ORDER_SHARE = 0.5;

export interface OrderBody {
  readonly user_id: number;
  readonly product_id: number;
  readonly amount: number;
}

export type Request =
  | { readonly kind: "get-user"; readonly userId: number }
  | { readonly kind: "create-order"; readonly key: string; readonly body: OrderBody };

/** The seeded sequence of requests; keys are `<prefix>-<n>`, unique within a run. */
export class Mix {
  private readonly random: () => number;
  private sent = 0;

  constructor(
    seed: number,
    private readonly keyPrefix: string,
  ) {
    this.random = seededRandom(seed);
  }

  next(): Request {
    this.sent++;
    const userId = between(this.random, DEMO_USER_IDS.min, DEMO_USER_IDS.max);
    if (this.random() >= ORDER_SHARE) return { kind: "get-user", userId };
    const body = {
      user_id: userId,
      product_id: between(this.random, DEMO_PRODUCT_IDS.min, DEMO_PRODUCT_IDS.max),
      amount: between(this.random, AMOUNT_CENTS.min, AMOUNT_CENTS.max) / 100,
    };
    return { kind: "create-order", key: `${this.keyPrefix}-${this.sent}`, body };
  }
}
