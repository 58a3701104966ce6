// Module-customization hooks registered by forbid-aws-sdk.mjs.
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (specifier.startsWith("@aws-sdk/") || resolved.url.includes("/@aws-sdk/")) {
    throw new Error(`This process must not load the AWS SDK, but it imported ${specifier}.`);
  }
  return resolved;
}
