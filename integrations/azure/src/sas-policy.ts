import type { RequestPolicy, RequestPolicyFactory, WebResource } from "@azure/storage-blob";

/**
 * A request policy that authenticates with a shared access signature: it adds the SAS parameters
 * to the query of every request as it is sent. The token is a credential of the pipeline, never
 * part of a client's `url`, so it is neither glued onto a path nor printed with a URL.
 */
export function sasPolicyFactory(sasToken: string): RequestPolicyFactory {
  return {
    create: (nextPolicy: RequestPolicy): RequestPolicy => ({
      sendRequest: (request: WebResource) => {
        const url = new URL(request.url);
        if (!new URLSearchParams(url.search).has("sig")) {
          url.search = url.search === "" ? `?${sasToken}` : `${url.search}&${sasToken}`;
          request.url = url.href;
        }
        return nextPolicy.sendRequest(request);
      },
    }),
  };
}
