import { CMD_PATTERN, COUNT_PATTERN, DEFAULTS, LIMITS, MAX_SECRET_ID_LENGTH, WHERE_KEYS } from './types';

/** Each check returns a message saying what is wrong, or undefined when the value is fine. */

/** The checks both API URLs share; undefined when the value is a usable URL. */
function checkUrl(value: string, defaultUrl: string): { url?: URL; problem?: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `Not a URL. The default is ${defaultUrl}` };
  }
  // Browsers differ in what they forgive in a host name (Chromium escapes a space); the backend
  // forgives neither a space nor an escape there.
  if (/\s/.test(value) || url.hostname.includes('%')) {
    return { problem: 'The host name has a space or an escape (%) in it' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: 'The URL must start with http:// or https://' };
  }
  return { url };
}

export function validateApiUrl(value: string | undefined): string | undefined {
  if (!value) {
    return undefined; // the default applies
  }
  const { url, problem } = checkUrl(value, DEFAULTS.apiUrl);
  if (problem || !url) {
    return problem;
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
  if (!CMD_PATTERN.test(s)) {
    return 'The APPID is a whole number such as 1250000000, written in digits';
  }
  return undefined;
}

export function validateTimezone(value: string | undefined): string | undefined {
  if (!value) {
    return undefined;
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return `Not an IANA time zone such as ${DEFAULTS.timezone}`;
  }
  // The browser forgives case and offsets such as +08:00; the backend reads zone names as written.
  if (resolved.toLowerCase() === value.toLowerCase() && resolved !== value) {
    return `Zone names are case-sensitive: ${resolved}`;
  }
  if (!/^[A-Za-z]/.test(value)) {
    return `Not an IANA time zone name such as ${DEFAULTS.timezone}`;
  }
  return undefined;
}

export function validateCount(name: keyof typeof LIMITS, value: number | string | undefined): string | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const { min, max } = LIMITS[name];
  const text = String(value).trim();
  if (text === '') {
    return undefined;
  }
  const n = Number(text);
  if (!COUNT_PATTERN.test(text) || n < min || n > max) {
    return `A whole number from ${min} to ${max}, in digits`;
  }
  return undefined;
}

/** The Cloud API URL: a scheme and a host, nothing after them (the SDK adds the rest). */
export function validateCloudApiUrl(value: string | undefined): string | undefined {
  if (!value) {
    return undefined; // the default applies
  }
  const { url, problem } = checkUrl(value, DEFAULTS.cloudApiUrl);
  if (problem || !url) {
    return problem;
  }
  if (url.search || url.hash || (url.pathname !== '' && url.pathname !== '/')) {
    return `Only the scheme and host, such as ${DEFAULTS.cloudApiUrl}`;
  }
  return undefined;
}

export function validateSecretId(value: string | undefined): string | undefined {
  const s = (value ?? '').trim();
  if (s === '') {
    return `Required: the SecretId of an API key, in the ${WHERE_KEYS.cloudapi}`;
  }
  if (s.length > MAX_SECRET_ID_LENGTH || /[^\x21-\x7e]/.test(s)) {
    return 'A SecretId is letters and digits, such as AKID…, with no spaces';
  }
  return undefined;
}
