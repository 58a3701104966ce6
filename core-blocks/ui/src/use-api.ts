import { useCallback, useEffect, useState } from "react";
import { type ApiResponse, api } from "./api";

/** Loads `path` from the API; `reload()` loads it again. */
export function useApi<T>(path: string | null): {
  data: ApiResponse<T> | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
} {
  const [state, setState] = useState<{ data?: ApiResponse<T>; error?: Error; loading: boolean }>({
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: generation asks for a new load
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    api<T>(path).then(
      (data) => current && setState({ data, loading: false }),
      (error: Error) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
