// Module-customization hooks registered by forbid-modules.mjs.
let description = "these modules";
let prefixes = [];

export function initialize(data) {
  description = data.description ?? description;
  prefixes = data.prefixes;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  for (const prefix of prefixes) {
    if (specifier.startsWith(prefix) || resolved.url.includes(`/${prefix}`)) {
      throw new Error(`This process must not load ${description}, but it imported ${specifier}.`);
    }
  }
  return resolved;
}
