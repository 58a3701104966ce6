/** What a call that must fail threw, for tests that assert on the error rather than the result. */
import { TesseraError } from "@tessera/core";

/** Whatever `action` throws (or rejects with); fails the test when it succeeds. */
export async function thrownBy(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/**
 * The `TesseraError` that `action` throws, to assert on its code and fields; fails the test when
 * the call succeeds, and rethrows any error that is not a `TesseraError`.
 */
export async function errorOf(action: () => Promise<unknown>): Promise<TesseraError> {
  const error = await thrownBy(action);
  if (TesseraError.isInstance(error)) return error;
  throw error;
}
