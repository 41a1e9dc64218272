/**
 * File downloads from a bearer-token API. A plain `<a href="/api/export/…">` cannot carry the Authorization
 * header (and a token in the URL would end up in logs and history), so the file is fetched with the header and
 * handed to the browser as a Blob through an object URL.
 */
import type { ErrorBody } from '$contract/errors';
import { session } from '../state/session.svelte';
import { ApiError } from './http';

/** Exports of a whole district layer are a few MB; give a cold server time to build an XLSX. */
const TIMEOUT_MS = 60_000;

export interface DownloadedFile {
  blob: Blob;
  /** From Content-Disposition when the server named the file. */
  filename: string | null;
}

/** RFC 6266 / 5987: prefers `filename*=UTF-8''…` (Chinese names) over a plain `filename=`. */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain parameter */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain ? plain[1].trim() : null;
}

export async function fetchFile(path: string, signal?: AbortSignal): Promise<DownloadedFile> {
  const headers: Record<string, string> = {};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let res: Response;
  try {
    // AbortSignal.any is missing from older Safari; without it the caller's signal wins and the timeout is lost.
    const combined = signal ? (typeof AbortSignal.any === 'function' ? AbortSignal.any([signal, timeout]) : signal) : timeout;
    res = await fetch(path, { headers, signal: combined });
  } catch (e) {
    if (signal?.aborted) throw new ApiError(0, 'aborted', 'request aborted');
    if (timeout.aborted) throw new ApiError(0, 'timeout', `no answer from ${path} within ${TIMEOUT_MS} ms`);
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) {
    if (res.status === 401) session.markUnauthorized();
    const body = (await res.json().catch(() => null)) as Partial<ErrorBody> | null;
    throw new ApiError(res.status, body?.error ?? 'http_error', body?.message ?? `${path} answered ${res.status}`);
  }
  return { blob: await res.blob(), filename: filenameFromDisposition(res.headers.get('content-disposition')) };
}

/** Hands a Blob to the browser's download manager under `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers; a minute is plenty for it to start.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
