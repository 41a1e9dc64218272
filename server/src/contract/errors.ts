/** The one error body of every 4xx/5xx answer (API.md). */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown[];
}
