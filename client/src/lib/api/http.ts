/**
 * The one fetch wrapper of the client: JSON in and out, bearer token from the session, and every failure
 * turned into an ApiError with a machine code the UI can translate (no raw exceptions reach a user).
 */
import type { ErrorBody } from '$contract/errors';
import { session } from '../state/session.svelte';

/** Client-side codes added to the server's `error` codes (API.md "Errors"). */
export type ClientErrorCode = 'network_error' | 'timeout' | 'bad_response' | 'aborted';

export class ApiError extends Error {
  constructor(
    /** HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    /** Server `error` code, or a ClientErrorCode. */
    readonly code: string,
    message: string,
    readonly details?: unknown[],
    /** The whole error body, for answers that carry more than the error shape (a 409's `current`). */
    readonly body?: ErrorBody & Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** Long enough for a cold embedded database; short enough that a wall display notices a dead server. */
const TIMEOUT_MS = 20_000;

export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides TIMEOUT_MS (a photo upload on a slow phone network takes longer than a read). */
  timeoutMs?: number;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
}

/** AbortSignal.any, with a fallback for the older phone browsers the field mode must still serve. */
function anySignal(signals: AbortSignal[]): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any(signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as ErrorBody).error === 'string';
}

export function getJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return request<T>('GET', path, undefined, opts);
}

/** A JSON write (POST, PATCH, PUT, DELETE); the answer's JSON body, or an ApiError. */
export function sendJson<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
  return request<T>(method, path, { body: JSON.stringify(body), type: 'application/json' }, opts);
}

/** POST a JSON body (`{}` when none: Fastify refuses an empty body sent as JSON). */
export function postJson<T>(path: string, body: unknown = {}, opts: RequestOptions = {}): Promise<T> {
  return sendJson<T>('POST', path, body, opts);
}

export function patchJson<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
  return sendJson<T>('PATCH', path, body, opts);
}

/** POSTs raw bytes (a photo) with their content type; the answer's JSON body, or an ApiError. */
export function postBytes<T>(path: string, bytes: Blob, contentType: string, opts: RequestOptions = {}): Promise<T> {
  return request<T>('POST', path, { body: bytes, type: contentType }, opts);
}

async function request<T>(method: string, path: string, payload: { body: BodyInit; type: string } | undefined, opts: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/geo+json', ...opts.headers };
  if (payload) headers['Content-Type'] = payload.type;
  // Read the token at call time, not at import time: it changes when the user signs in.
  if (session.token) headers.Authorization = `Bearer ${session.token}`;

  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? anySignal([opts.signal, timeout]) : timeout;

  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload?.body, signal });
  } catch (e) {
    if (opts.signal?.aborted) throw new ApiError(0, 'aborted', 'request aborted');
    if (timeout.aborted) throw new ApiError(0, 'timeout', `no answer from ${path} within ${timeoutMs} ms`);
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : String(e));
  }

  let body: unknown;
  try {
    body = await res.json();
  } catch {
    if (opts.signal?.aborted) throw new ApiError(0, 'aborted', 'request aborted');
    if (timeout.aborted) throw new ApiError(0, 'timeout', `no answer from ${path} within ${timeoutMs} ms`);
    throw new ApiError(res.status, res.ok ? 'bad_response' : 'http_error', `${path} answered ${res.status} without JSON`);
  }

  if (res.status === 401) session.markUnauthorized();
  if (!res.ok) {
    if (isErrorBody(body)) throw new ApiError(res.status, body.error, body.message, body.details, body as ErrorBody & Record<string, unknown>);
    throw new ApiError(res.status, 'http_error', `${path} answered ${res.status}`);
  }
  return body as T;
}
