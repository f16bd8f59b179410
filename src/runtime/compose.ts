import { randomBytes } from "../crypto/random_pool.js";
import type { Hono } from "hono/tiny";
import type { KeyAndCertificates } from "../ca/local_key_pair.js";
import type { EngineContext } from "../cmp/engine_types.js";
import { createApp } from "../http/app.js";
import type { BodyReader } from "../http/read_body.js";
import type { HeaderReader } from "../http/request_header.js";
import type { Store } from "../store/store.js";
import { consoleLog, type Log } from "./log.js";
import { textSetting, type Settings } from "./settings.js";
import { validateSettings } from "./validate_settings.js";

/**
 * The composition every runtime shares (DESIGN.md, "One engine, three thin
 * runtimes"): settings, checked and loaded by validateSettings (configuration
 * -> CA -> signers -> sealer -> store -> operators), -> EngineContext -> the
 * Hono app with its admin API. A runtime only says where the settings come
 * from and which store and CA key it has.
 */

export interface Platform {
  /** Environment variables or bindings by name (see docs/configuration.md). */
  settings: Settings;
  /**
   * The CA's signer and certificate chain, CA certificate first, already
   * checked to belong together. Throw Misconfigured (or any error, which is
   * taken as one) for wrong settings; a transient SignerError is retried by
   * the next request instead.
   */
  makeSigner(): Promise<KeyAndCertificates>;
  /** The state store, not yet connected; throw Misconfigured when the settings do not name one. */
  makeStore(): Store | Promise<Store>;
  /** Defaults to one JSON line per console line. */
  log?: Log;
  /** Tests pass a fixed clock and random source so answers are reproducible. */
  now?: () => Date;
  randomBytes?: (length: number) => Uint8Array;
  /** The runtime's own request body reader (Node: straight from the socket). */
  readBody?: BodyReader;
  /** The runtime's own request header reader (Node: from the IncomingMessage). */
  header?: HeaderReader;
}

export interface Composed {
  app: Hono;
  /** The engine's dependencies, for work outside a request (the expiry sweep). */
  context: EngineContext;
}

/** Builds everything; throws Misconfigured with a message that names the setting at fault. */
export async function compose(platform: Platform): Promise<Composed> {
  const { settings } = platform;
  const log = platform.log ?? consoleLog;
  // The same check as `npm run config:check` (scripts/check_config.ts), so the two cannot drift.
  const { config, ca, store, responseSigners, keyGenerationSigners, ocspResponder, sealer, operators } = await validateSettings({
    settings,
    log,
    now: platform.now,
    makeSigner: platform.makeSigner,
    makeStore: platform.makeStore,
  });
  const { validitySeconds } = config.publication.ocsp;
  const context: EngineContext = {
    config,
    ca,
    store,
    responseSigners,
    keyGenerationSigners,
    sealer,
    now: platform.now ?? (() => new Date()),
    randomBytes: platform.randomBytes ?? randomBytes,
    warn: (message, fields) => log({ level: "warn", message, ...fields }),
  };
  // Without an operator there is no admin API at all (docs/admin-api.md), not one that refuses everyone.
  const admin = operators
    ? {
        operators,
        registry: () => ({ config, store, sealer, now: context.now, randomBytes: context.randomBytes }),
        chain: () => ca.chain,
        crl: () => context,
        log,
      }
    : undefined;
  const publication = { context: () => context, log };
  const ocspContext = { ca, store, responder: ocspResponder, validitySeconds, now: context.now };
  const ocsp = { context: () => ocspContext };
  return { app: createApp({ config, context: () => context, log, admin, console: admin, publication, ocsp, readBody: platform.readBody, header: platform.header }), context };
}
