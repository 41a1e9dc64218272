/**
 * POST /api/imports: the raw file as the body, with upload progress. fetch() cannot report upload progress, so
 * this one request goes through XMLHttpRequest; failures become the same ApiError as everywhere else, and a
 * rejected import (422) carries its report with every bad row listed.
 */
import type { ErrorBody } from '$contract/errors';
import type { ImportCrs, ImportEncoding, ImportReport, ImportTarget } from '$contract/imports';
import { session } from '../state/session.svelte';
import { ApiError } from './http';

export interface ImportRequest {
  file: File;
  target: ImportTarget;
  crs?: ImportCrs;
  encoding?: ImportEncoding;
  skipBad?: boolean;
}

export interface UploadProgress {
  /** Bytes sent so far and in all. */
  loaded: number;
  total: number;
  /** True once the whole file is sent and the server is reading and validating it. */
  processing: boolean;
}

/** A refused import: the error body, and the import report when the file had bad rows (422 import_rejected). */
export class ImportError extends ApiError {
  constructor(status: number, code: string, message: string, details?: unknown[], readonly report?: ImportReport) {
    super(status, code, message, details);
    this.name = 'ImportError';
  }
}

export function importQuery(req: Omit<ImportRequest, 'file'> & { filename: string }): string {
  const q = new URLSearchParams({ layer: req.target.layer });
  if ('level' in req.target) q.set('level', req.target.level);
  if (req.crs) q.set('crs', req.crs);
  if (req.encoding) q.set('encoding', req.encoding);
  if (req.skipBad) q.set('skipBad', 'true');
  q.set('filename', req.filename);
  return q.toString();
}

export function uploadImport(req: ImportRequest, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<ImportReport> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/imports?${importQuery({ ...req, filename: req.file.name })}`);
    if (session.token) xhr.setRequestHeader('Authorization', `Bearer ${session.token}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : req.file.size, processing: false });
    xhr.upload.onload = () => onProgress({ loaded: req.file.size, total: req.file.size, processing: true });
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'the upload failed'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'upload aborted'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        return reject(new ApiError(xhr.status, xhr.status < 400 ? 'bad_response' : 'http_error', `import answered ${xhr.status} without JSON`));
      }
      if (xhr.status === 401) session.markUnauthorized();
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as ImportReport);
      const err = body as Partial<ErrorBody> & { report?: ImportReport };
      reject(new ImportError(xhr.status, err.error ?? 'http_error', err.message ?? `import answered ${xhr.status}`, err.details, err.report));
    };
    xhr.send(req.file);
  });
}
