/**
 * A seeded pseudo-random source, so `--seed` reproduces the same sequence of requests (which
 * user, which product, what amount, GET or POST). Quality needs are modest: spread, not secrecy.
 */

/** mulberry32: 32 bits of state, a full period of 2^32, and a few lines with no dependency. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer from `min` to `max`, both included. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
