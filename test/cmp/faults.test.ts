import { MemoryStore } from "../../src/store/memory.js";
import { faultSuite } from "./faults.js";

// The Durable Object run is faults.worker.test.ts (inside workerd).
faultSuite("memory", () => new MemoryStore());
