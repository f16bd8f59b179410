import { DurableObjectStore } from "../../src/store/durable_object.js";
import { testEnv } from "../store/worker_env.js";
import { kurRaceSuite } from "./kur_race.js";

// Inside workerd: the engine and the client in the test isolate, the store in
// a Durable Object (its own object per test, so tests share no state).
kurRaceSuite("durable-object", () => new DurableObjectStore(testEnv.STORE_DO, { name: crypto.randomUUID() }));
