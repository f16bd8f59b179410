import { StartConfigError } from "./start_config_source.js";

/**
 * The bindings a configuration names as "env:NAME" (trust anchors, a CMP
 * signer's key and certificates), taken from the environment of `npm start`
 * so that `wrangler dev` binds them too. A name neither the environment nor
 * the development material (`provided`) gives stops the start, named.
 */
export function envBindings(
  config: unknown,
  env: Readonly<Record<string, string | undefined>>,
  provided: ReadonlySet<string>,
): Record<string, string> {
  const bindings: Record<string, string> = {};
  for (const [name, field] of referencedNames(config, "JELLYFISH_CONFIG")) {
    const value = env[name];
    if (value !== undefined && value !== "") bindings[name] = value;
    else if (!provided.has(name)) {
      throw new StartConfigError(`${field}: "env:${name}" names the binding ${name}, which is not set; set ${name} in the environment of npm start`);
    }
  }
  return bindings;
}

function referencedNames(value: unknown, field: string): [string, string][] {
  if (typeof value === "string") return value.startsWith("env:") && value.length > 4 ? [[value.slice(4), field]] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => referencedNames(item, `${field}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => referencedNames(item, field === "JELLYFISH_CONFIG" ? key : `${field}.${key}`));
  }
  return [];
}
