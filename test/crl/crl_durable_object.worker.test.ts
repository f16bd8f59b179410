import { DurableObjectStore } from "../../src/store/durable_object.js";
import { testEnv } from "../store/worker_env.js";
import { crlStoreContract } from "./crl_store_contract.js";

// Each store its own object (a random name), so the tests share no state.
crlStoreContract("a Durable Object", () => new DurableObjectStore(testEnv.STORE_DO, { name: crypto.randomUUID() }));
