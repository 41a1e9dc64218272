import type { ApiError } from '../api/http';
import { t } from '../i18n/i18n.svelte';

/** A user-facing sentence for an API failure. Server messages are for logs; users get a translated one. */
export function describeError(err: ApiError, regionCode?: string | null): string {
  if (err.code === 'network_error') return t('error.network');
  if (err.code === 'timeout') return t('error.timeout');
  if (err.code === 'bad_response') return t('error.badResponse');
  if (err.status === 404 || (err.status === 400 && regionCode)) return t('error.notFound', { code: regionCode ?? '' });
  if (err.status === 401) return t('auth.required.body');
  if (err.status === 403) return t('error.forbidden');
  return t('error.server');
}
