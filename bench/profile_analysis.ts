/**
 * Where the Node server's main thread spends its time, from a V8 CPU
 * profile (bench/profile_node.ts): every sample is filed as the CMP engine
 * when any frame of its stack is engine code (so the WebCrypto glue and
 * Node internals the engine calls count as the engine), else as the HTTP
 * layer when any frame is (node:http, sockets, streams, undici's
 * Request/Response/Headers, @hono/node-server, hono, src/http, src/runtime),
 * else as what V8 names it (garbage collector, program, idle). An async
 * function resumed after an await has its own frame at the bottom of the
 * stack, so its continuation is filed by its own file, as it should be.
 */

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileBreakdown {
  /** Milliseconds by class: engine, http, gc, program, idle, other. */
  byClass: Record<string, number>;
  /**
   * Samples by class, each counted once whatever its interval: a sample
   * taken as the thread comes back from being descheduled carries the whole
   * wait in its interval, so on a busy machine counts are the fairer share.
   */
  samplesByClass: Record<string, number>;
  /** Within http: milliseconds by the nearest frame with a known source (node-server, hono, undici, node http/net/streams, src/http, src/runtime). */
  http: Record<string, number>;
  /** Within engine: milliseconds by the nearest frame's source (src/<dir>, a package, node internals). */
  engine: Record<string, number>;
  /** The heaviest leaf functions of the http class, ms. */
  httpTop: Array<{ frame: string; ms: number }>;
}

const ENGINE = /\/src\/(?:cmp|asn1|crypto|ca|store|config|crl|ocsp|kms|registry)\/|node_modules\/(?:@peculiar|@noble|asn1js|pvtsutils|pvutils|reflect-metadata|tslib)\//;
const HTTP = /\/src\/(?:http|runtime)\/|node_modules\/(?:hono|@hono\/node-server)\/|^node:(?:_http_\w+|http|https|net|stream|events|buffer|internal\/(?:http|streams|webstreams|deps\/undici|stream_base_commons|net|url|timers|async_hooks|process\/task_queues|event_target|abort_controller))/;

/** The name of a frame's source for the breakdowns. */
export function sourceOf(url: string): string {
  const src = /\/src\/(\w+)\//.exec(url);
  if (src) return `src/${src[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:internal/deps/undici")) return "undici (Request, Response, Headers)";
  if (/^node:(?:_http_|http|internal\/http)/.test(url)) return "node http";
  if (/^node:(?:net|internal\/net|internal\/stream_base_commons)/.test(url)) return "node net";
  if (/^node:(?:stream|internal\/streams|internal\/webstreams)/.test(url)) return "node streams";
  if (url.startsWith("node:")) return url.replace(/^node:(internal\/)?/, "node ").replace(/\/.*$/, "");
  return url || "(native)";
}

export function breakdown(profile: CpuProfile): ProfileBreakdown {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byClass: Record<string, number> = {};
  const samplesByClass: Record<string, number> = {};
  const http: Record<string, number> = {};
  const engine: Record<string, number> = {};
  const httpLeaves: Record<string, number> = {};
  const tally = (table: Record<string, number>, key: string, ms: number) => (table[key] = (table[key] ?? 0) + ms);
  const add = (table: Record<string, number>, key: string, ms: number) => {
    if (table === byClass) tally(samplesByClass, key, 1);
    tally(table, key, ms);
  };
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample lasts until the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const stack: Array<{ functionName: string; url: string }> = [];
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) stack.push(byId.get(id)!.callFrame);
    const leaf = stack[0]!;
    const nearest = stack.find((frame) => frame.url !== "");
    if (stack.some((frame) => ENGINE.test(frame.url))) {
      add(byClass, "engine", ms);
      add(engine, sourceOf(nearest?.url ?? ""), ms);
    } else if (stack.some((frame) => HTTP.test(frame.url))) {
      add(byClass, "http", ms);
      add(http, sourceOf(nearest?.url ?? ""), ms);
      add(httpLeaves, `${leaf.functionName || "(anonymous)"} ${leaf.url ? sourceOf(leaf.url) : "(native)"}`, ms);
    } else if (/^\((?:garbage collector|idle|program)\)$/.test(leaf.functionName)) {
      add(byClass, leaf.functionName.slice(1, -1).replace("garbage collector", "gc"), ms);
    } else {
      add(byClass, "other", ms);
    }
  }
  const httpTop = Object.entries(httpLeaves)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([frame, ms]) => ({ frame, ms }));
  return { byClass, samplesByClass, http, engine, httpTop };
}
