import { STORAGE_KEYS } from '../state/storage-keys';
import { zhCN, type Catalogue, type MessageKey } from './zh-CN';
import { en } from './en';

export type { MessageKey };
export type Locale = 'zh-CN' | 'en';

const catalogues: Record<Locale, Catalogue> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = STORAGE_KEYS.locale;

function storedLocale(): Locale {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' || v === 'zh-CN' ? v : 'zh-CN';
  } catch {
    // localStorage throws in some privacy modes; Chinese is the product default anyway.
    return 'zh-CN';
  }
}

/**
 * The UI language. `t()` reads `locale`, a `$state` field, so every template expression that calls `t()`
 * re-renders when the language switches — no explicit subscription needed.
 */
class I18n {
  locale = $state<Locale>(storedLocale());

  // Formatters are cached per locale: Intl constructors are slow enough to matter in long lists.
  #numberFormat = $derived(new Intl.NumberFormat(this.locale));
  #timeFormat = $derived(new Intl.DateTimeFormat(this.locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }));

  constructor() {
    if (typeof document !== 'undefined') document.documentElement.lang = this.locale;
  }

  /** Arrow function so `const { t } = i18n` and `export const t = i18n.t` keep working. */
  t = (key: MessageKey, params?: Record<string, string | number>): string => {
    const template = catalogues[this.locale][key] ?? zhCN[key] ?? key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      return value === undefined ? whole : typeof value === 'number' ? this.#numberFormat.format(value) : value;
    });
  };

  number = (n: number): string => this.#numberFormat.format(n);
  time = (d: Date): string => this.#timeFormat.format(d);

  setLocale(locale: Locale): void {
    this.locale = locale;
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      /* not persisted; the switch still applies to this page */
    }
  }

  toggle(): void {
    this.setLocale(this.locale === 'zh-CN' ? 'en' : 'zh-CN');
  }
}

export const i18n = new I18n();
export const t = i18n.t;
