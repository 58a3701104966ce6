/** What a call that must fail threw: the helpers of `@tessera/test-servers`. */
export { errorOf, thrownBy } from "@tessera/test-servers";
