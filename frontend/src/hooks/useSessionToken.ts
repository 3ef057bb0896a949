import { useCallback, useState } from "react";

const STORAGE_KEY = "workload-generator-token";

function readToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled (private mode, policy): the token then lives for this page only
  }
}

/** The generator's bearer token, kept for this browser tab only (sessionStorage). */
export function useSessionToken() {
  const [token, setTokenState] = useState<string | null>(readToken);

  const setToken = useCallback((value: string | null) => {
    const trimmed = value?.trim() || null;
    try {
      if (trimmed) sessionStorage.setItem(STORAGE_KEY, trimmed);
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // see readToken
    }
    setTokenState(trimmed);
  }, []);

  return { token, setToken };
}
