// Entry of the test-only Worker (test/store/wrangler.test.toml): it exports the
// Durable Object class so workerd can run it next to the tests.
export { StoreObject } from "../../src/store/durable_object.js";

export default {
  fetch(): Response {
    return new Response("jellyfish store tests", { status: 404 });
  },
};
