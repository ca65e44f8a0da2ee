// REST client and the stored credential.
// The token arrives in a link (…/#/mix/2?token=…); it is kept in localStorage so the page works after a
// reload or when opened again from the home screen, and sent as a Bearer header (the WebSocket takes it
// as ?token=). An admin login also sets an HttpOnly cookie, which same-origin requests carry anyway.

const TOKEN_KEY = "mixerd_token";
const KIND_KEY = "mixerd_token_kind"; // "link" (from a mix/viewer link) or "session" (admin login)
export const API_BASE = new URL("api/v1/", document.baseURI);

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY) || ""; } catch { return ""; }
}

export function getTokenKind() {
  try { return localStorage.getItem(KIND_KEY) || ""; } catch { return ""; }
}

export function setToken(token, kind = "session") {
  try {
    if (token) {
      localStorage.setItem(TOKEN_KEY, token);
      localStorage.setItem(KIND_KEY, kind);
    } else {
      localStorage.removeItem(TOKEN_KEY);
      localStorage.removeItem(KIND_KEY);
    }
  } catch { /* private mode: the token lives as long as the page */ }
}

/** Takes `token=` out of the address (hash query or search), stores it, and returns the clean hash. */
export function adoptTokenFromUrl() {
  const url = new URL(location.href);
  let hash = url.hash;
  let token = url.searchParams.get("token");
  const q = hash.indexOf("?");
  if (q >= 0) {
    const params = new URLSearchParams(hash.slice(q + 1));
    token = params.get("token") || token;
    params.delete("token");
    hash = hash.slice(0, q) + (params.toString() ? `?${params}` : "");
  }
  if (!token) return false;
  setToken(token, "link");
  url.searchParams.delete("token");
  url.hash = hash;
  // The token should not stay visible in the address bar (screenshots, shoulder surfing).
  history.replaceState(null, "", url.pathname + url.search + hash);
  return true;
}

/** An error answer of the API: `status` (HTTP; 0 when the request never got an answer) and the
 *  common error body's `code`, `message`, `address`, `allowed`. */
export class ApiError extends Error {
  constructor(status, error = {}, retryAfter = null) {
    super(error.message || (status ? `HTTP ${status}` : "no answer from the mixer"));
    this.status = status;
    this.code = error.code || (status ? "http_error" : "offline");
    this.address = error.address || null;
    this.allowed = error.allowed || null;
    this.retryAfter = retryAfter;
  }
}

/** `await api("GET", "scenes")`; throws ApiError. */
export async function api(method, path, body, { signal } = {}) {
  const headers = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(new URL(path, API_BASE), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store", credentials: "same-origin", signal,
    });
  } catch (exc) {
    if (exc.name === "AbortError") throw exc;
    throw new ApiError(0, { message: "the mixer cannot be reached" });
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const retry = Number(response.headers.get("Retry-After")) || null;
    throw new ApiError(response.status, (data && data.error) || { message: `HTTP ${response.status}` }, retry);
  }
  return data;
}

/** `{enabled, password_set, role, bus, label}`; an API without auth (or before it existed) is open. */
export async function authStatus() {
  try {
    return await api("GET", "auth/status");
  } catch (exc) {
    if (exc.status === 404) return { enabled: false, password_set: false, role: "admin", bus: null, label: null };
    throw exc;
  }
}

/** A short human line for an error, with the HTTP status when there is one ("Refused (403): …"). */
export function describeError(exc) {
  if (!(exc instanceof ApiError)) return String(exc && exc.message ? exc.message : exc);
  const lead = {
    401: "Not signed in", 403: "Refused", 404: "Not found", 409: "Not possible", 422: "Not accepted",
    429: "Too many attempts",
  }[exc.status] || (exc.status ? "Error" : "Offline");
  // A refusal's message goes on to list everything the token may change: the first clause says enough.
  const message = exc.status === 403 ? exc.message.split("; ")[0] : exc.message;
  return exc.status ? `${lead} (${exc.status}): ${message}` : `${lead}: ${message}`;
}
