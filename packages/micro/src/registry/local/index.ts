/**
 * The local registry: serverless discovery between processes on one machine, through a shared
 * folder. Each node is one JSON file that its process rewrites on every refresh; a process that dies
 * stops refreshing, and its node expires for everyone. No daemon, no network, no multicast, so it
 * also works in containers and sandboxes where mDNS hears nothing. Only its owner may write the
 * folder: on first use a folder other users could write to is refused (permissions.ts).
 */
import * as fsp from "node:fs/promises";
import { resolve } from "node:path";
import {
  type Registry,
  type RegisterOptions,
  type RegisteredService,
  type WatchEvent,
  type Watcher,
  RegistryError,
  checkName,
  checkRegistration,
  RegistryRefusedError,
  recordsOf,
  servicesOf,
} from "../index.js";
import { Watchers } from "../watchers.js";
import { folderProblem } from "./permissions.js";
import { readRecords, recordPath, writeRecord } from "./records.js";
import { DirectoryTail } from "./tail.js";

export interface LocalRegistryOptions {
  /**
   * The folder every process that should see each other shares, e.g. `/tmp/gw-registry`.
   * Created (with its parents, mode 0700) when missing; refused when another user owns it or
   * could write to it.
   */
  readonly directory: string;
}

export class LocalRegistry implements Registry {
  readonly name = "local";
  private readonly directory: string;
  private readonly watchers = new Watchers();
  private readonly tail: DirectoryTail;
  /** Set once the folder passed the ownership check; it is not repeated on every call. */
  private trusted = false;

  constructor(options: LocalRegistryOptions) {
    if (typeof options?.directory !== "string" || options.directory === "") {
      throw new Error("local registry: options.directory must be a folder path");
    }
    this.directory = resolve(options.directory);
    this.tail = new DirectoryTail(this.directory, (event) => this.watchers.emit(event));
  }

  async register(service: RegisteredService, options: RegisterOptions): Promise<void> {
    checkRegistration(this.name, service);
    this.checkFolder();
    if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0) {
      throw new Error(`local registry: ttlMs must be a positive number of milliseconds, got ${options.ttlMs}`);
    }
    const records = recordsOf(service, options.ttlMs);
    try {
      await Promise.all(records.map((record) => writeRecord(this.directory, record)));
    } catch (err) {
      throw new RegistryError(`local registry: cannot register ${service.name} in ${this.directory}`, { cause: err });
    } finally {
      // Our own change is reported without waiting for fs.watch, which some file systems lack.
      this.tail.nudge();
    }
  }

  async deregister(service: RegisteredService): Promise<void> {
    checkRegistration(this.name, service);
    this.checkFolder();
    const paths = service.nodes.map((node) => recordPath(this.directory, service.name, node.id));
    try {
      await Promise.all(paths.map((path) => fsp.rm(path, { force: true })));
    } catch (err) {
      throw new RegistryError(`local registry: cannot deregister ${service.name} in ${this.directory}`, { cause: err });
    } finally {
      this.tail.nudge();
    }
  }

  async getService(name: string): Promise<RegisteredService[]> {
    checkName(this.name, "service name", name);
    this.checkFolder();
    return this.read(name);
  }

  async listServices(): Promise<RegisteredService[]> {
    this.checkFolder();
    return this.read();
  }

  watch(listener: (event: WatchEvent) => void, options?: { service?: string }): Watcher {
    if (options?.service !== undefined) checkName(this.name, "service name", options.service);
    this.checkFolder();
    // The first watcher takes the baseline; later ones first flush what is pending to the others.
    return this.watchers.watchFrom(this.tail, listener, options?.service);
  }

  async ping(): Promise<void> {
    this.checkFolder();
    try {
      await fsp.mkdir(this.directory, { recursive: true });
      await fsp.access(this.directory, fsp.constants.R_OK | fsp.constants.W_OK | fsp.constants.X_OK);
    } catch (err) {
      throw new RegistryError(`local registry: folder ${this.directory} is not usable`, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.tail.stop();
    this.watchers.clear();
  }

  /**
   * On first use: creates the folder when missing and refuses it when another user owns it or could
   * write to it, since what it holds decides where callers send their calls.
   */
  private checkFolder(): void {
    if (this.trusted) return;
    let problem: string | undefined;
    try {
      problem = folderProblem(this.directory);
    } catch (err) {
      throw new RegistryError(`local registry: folder ${this.directory} is not usable`, { cause: err });
    }
    if (problem !== undefined) throw new RegistryRefusedError(`local registry: ${problem}`);
    this.trusted = true;
  }

  /** One clock reading for both steps: a node is either live and returned, or expired and deleted. */
  private async read(service?: string): Promise<RegisteredService[]> {
    const now = Date.now();
    try {
      return servicesOf(await readRecords(this.directory, service, now), now);
    } catch (err) {
      throw new RegistryError(`local registry: cannot read ${this.directory}`, { cause: err });
    }
  }
}


