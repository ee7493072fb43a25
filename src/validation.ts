import { DEFAULTS, LIMITS } from './types';

/** Each check returns a message saying what is wrong, or undefined when the value is fine. */

export function validateApiUrl(value: string | undefined): string | undefined {
  if (!value) {
    return undefined; // the default applies
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `Not a URL. The default is ${DEFAULTS.apiUrl}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'The URL must start with http:// or https://';
  }
  if (url.search || url.hash) {
    return 'Leave out the query string: the plugin adds the parameters';
  }
  return undefined;
}

export function validateCmd(value: string | number | undefined): string | undefined {
  const s = value === undefined ? '' : String(value).trim();
  if (s === '') {
    return 'Required: the LVB APPID, a number such as 1250000000';
  }
  if (!/^\d+$/.test(s) || /^0+$/.test(s)) {
    return 'The APPID is a whole number such as 1250000000';
  }
  return undefined;
}

export function validateTimezone(value: string | undefined): string | undefined {
  if (!value) {
    return undefined;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return undefined;
  } catch {
    return `Not an IANA time zone such as ${DEFAULTS.timezone}`;
  }
}

export function validateCount(name: keyof typeof LIMITS, value: number | string | undefined): string | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const { min, max } = LIMITS[name];
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    return `A whole number from ${min} to ${max}`;
  }
  return undefined;
}
