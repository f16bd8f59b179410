import { DurableObjectStore } from "../../src/store/durable_object.js";
import { testEnv } from "../store/worker_env.js";
import { faultSuite } from "./faults.js";

// Inside workerd: the engine and the client in the test isolate, the store a
// Durable Object reached over RPC as in production (a new object per run).
faultSuite("durable-object", () => new DurableObjectStore(testEnv.STORE_DO, { name: crypto.randomUUID() }));
