/** Types of programs.mjs, so the TypeScript packages read the same list the scripts do. */

export declare const ROOT: string;
export declare const SERVICE_NAME: RegExp;
export declare const GATEWAY: "gateway";

export interface ServiceInfo {
  readonly name: string;
  /** `services/<name>`, relative to the root. */
  readonly dir: string;
  /** `services/<name>/dist/main.js`, relative to the root. */
  readonly main: string;
  /** The services it calls (its package.json's `micro.calls`). */
  readonly calls: readonly string[];
}

export interface ProgramInfo extends ServiceInfo {
  readonly kind: "service" | "gateway";
}

export declare function services(root?: string): ServiceInfo[];
export declare function serviceNames(root?: string): string[];
export declare function programs(root?: string): ProgramInfo[];
export declare function programEntries(root?: string): Record<string, string>;
export declare function gatewayExpect(root?: string): string;
export declare function workspaces(root?: string): string[];
