/** Types of development.mjs, so the CLI applies the same defaults `npm start` does. */

type Env = Readonly<Record<string, string | undefined>>;

export declare const DEVELOPMENT_DEFAULTS: Readonly<Record<"AUTH" | "RATE_LIMIT", string>>;
export declare function withDevelopmentDefaults(env: Env): Record<string, string | undefined>;
export declare function withLocalDefaults(env: Env, root: string): Record<string, string | undefined>;
export declare const CALL_SECRET_FILE: string;
