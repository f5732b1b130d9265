import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, toApiError } from '../api/client';

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  /** Loads again, keeping the current data on screen until the new data arrives. */
  reload: () => void;
}

/**
 * Runs `load` on mount, whenever `key` changes and on `reload()`. A result that arrives after a newer
 * load started, or after unmount, is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, key = ''): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(load);
  useEffect(() => {
    latest.current = load;
  });

  useEffect(() => {
    let current = true;
    latest.current().then(
      (data) => current && setState({ data, loading: false }),
      (e) => current && setState((s) => ({ data: s.data, error: toApiError(e), loading: false }))
    );
    return () => {
      current = false;
    };
  }, [key, generation]);

  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    setGeneration((g) => g + 1);
  }, []);

  return { ...state, reload };
}
