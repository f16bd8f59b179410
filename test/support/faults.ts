import { SignerError, type Signer } from "../../src/kms/signer.js";
import { StoreError, type BatchOperation, type BatchResult, type ListOptions, type ListPage, type Store, type Versioned, type WriteOptions } from "../../src/store/store.js";

/**
 * Fault injection for the parts the engine depends on (issue 12, item 4).
 * While armed, the wrapper counts calls; the call with the armed index fails
 * in one of three ways, every other call passes through untouched:
 *
 *  - error: the call fails at once, nothing done (StoreError, or a transient SignerError);
 *  - timeout: the call fails after a delay, nothing done (a request that timed out);
 *  - lostAnswer: the call is done, then fails: "a write that happened but
 *    whose answer was lost" (for a read or a signature, the same as error).
 *
 * Disarmed, the wrappers only count, so a dry run tells how many calls a step makes.
 */
export type FaultKind = "error" | "timeout" | "lostAnswer";
export const FAULT_KINDS: readonly FaultKind[] = ["error", "timeout", "lostAnswer"];

/** The delay of a timeout. Nothing measures it; it only lets other work run meanwhile. */
const TIMEOUT_MS = 2;

export interface Armed {
  at: number;
  kind: FaultKind;
}

abstract class FaultPoint {
  calls = 0;
  /** What each call was ("put cert/…", "sign"), for failure messages. */
  readonly trace: string[] = [];
  private armed?: Armed;
  /** Whether the armed fault was hit since arm(). */
  fired = false;

  arm(fault: Armed | undefined): void {
    this.armed = fault;
    this.calls = 0;
    this.trace.length = 0;
    this.fired = false;
  }

  protected async call<R>(what: string, run: () => Promise<R>, failure: (message: string) => Error): Promise<R> {
    const index = ++this.calls;
    this.trace.push(what);
    const armed = this.armed;
    if (!armed || armed.at !== index) return run();
    this.fired = true;
    const message = `injected ${armed.kind} at call ${index} (${what})`;
    if (armed.kind === "timeout") await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS));
    if (armed.kind === "lostAnswer") await run();
    throw failure(message);
  }
}

export class FaultStore extends FaultPoint implements Store {
  readonly atomic: boolean;
  readonly kind: string;

  constructor(readonly inner: Store) {
    super();
    this.atomic = inner.atomic;
    this.kind = inner.kind;
  }

  private fail = (message: string) => new StoreError(message);

  get<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.call(`get ${key}`, () => this.inner.get<T>(key), this.fail);
  }
  create<T>(key: string, value: T, options?: WriteOptions): Promise<boolean> {
    return this.call(`create ${key}`, () => this.inner.create(key, value, options), this.fail);
  }
  compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean> {
    return this.call(`compareAndSet ${key}`, () => this.inner.compareAndSet(key, expectedVersion, value, options), this.fail);
  }
  put<T>(key: string, value: T, options?: WriteOptions): Promise<void> {
    return this.call(`put ${key}`, () => this.inner.put(key, value, options), this.fail);
  }
  delete(key: string): Promise<void> {
    return this.call(`delete ${key}`, () => this.inner.delete(key), this.fail);
  }
  list<T>(prefix: string, options?: ListOptions): Promise<ListPage<T>> {
    return this.call(`list ${prefix}`, () => this.inner.list<T>(prefix, options), this.fail);
  }
  batch(operations: readonly BatchOperation[]): Promise<BatchResult> {
    return this.call(`batch ${operations.map((operation) => operation.key).join(", ")}`, () => this.inner.batch(operations), this.fail);
  }
}

/** A signer that fails as a KMS does when it is down: transiently (SignerError transient). */
export class FaultSigner extends FaultPoint implements Signer {
  constructor(readonly inner: Signer) {
    super();
  }
  get algorithm() {
    return this.inner.algorithm;
  }
  get publicKey() {
    return this.inner.publicKey;
  }
  sign(data: Uint8Array): Promise<Uint8Array> {
    return this.call("sign", () => this.inner.sign(data), (message) => new SignerError(message, true));
  }
}
