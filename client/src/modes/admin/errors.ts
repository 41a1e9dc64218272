import { ApiError } from '../../lib/api/http';
import { t } from '../../lib/i18n/i18n.svelte';
import { isMessageKey } from '../../lib/i18n/labels';
import { describeError } from '../../lib/ui/errors';

/**
 * A failed admin action in words: translated when the server gave a machine code we know, else the server's own
 * message (it names the field or rule), else the generic sentence.
 */
export function adminErrorText(err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.server');
  if (err.status === 0) return describeError(err);
  if (err.code === 'bad_request') return t('admin.error.bad_request', { message: err.message });
  const key = `admin.error.${err.code}`;
  if (isMessageKey(key)) return t(key);
  return err.message || describeError(err);
}
