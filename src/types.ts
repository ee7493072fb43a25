import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

import limits from './limits.json';

/** The query types the backend answers. */
export type QueryType =
  'timeseries' | 'summary' | 'live' | 'streams' | 'billing' | 'billingTotals' | 'errors' | 'regions' | 'events';

/** The metrics of a time-series query; they are also the value field names of its frames. */
export type Metric = 'bandwidth' | 'online' | 'flux' | 'requests';

/** The metrics of the legacy interface; Cloud API 3.0 adds requests. */
export const ALL_METRICS: Metric[] = ['bandwidth', 'online', 'flux'];
export const CLOUD_API_METRICS: Metric[] = limits.cloudApiMetrics as Metric[];

/** The upstreams a data source can read from. */
export type Upstream = 'legacy' | 'cloudapi';
export const UPSTREAMS: Upstream[] = limits.upstreams as Upstream[];

export function metricsOf(upstream: string | undefined): Metric[] {
  return upstream === 'cloudapi' ? CLOUD_API_METRICS : ALL_METRICS;
}

/**
 * A query as the backend reads it (pkg/models/query.go). `streamId` holds one stream or several
 * separated by commas; empty means the total of all streams.
 */
export interface LvbQuery extends DataQuery {
  /** A QueryType, or a template variable that becomes one. */
  queryType?: string;
  domain?: string;
  streamId?: string;
  /** Metric names, or template variables that become them. */
  metrics?: string[];
  /** How bandwidth and viewers are combined in buckets of a long range: 'max' (default) or 'avg'. */
  aggregation?: string;
  /** A summary narrowed to one statistic (for alerting in Grafana versions that take one number per row). */
  statistic?: string;
  /** A summary over each stream's newest N minutes that have arrived, whatever the API's delay (alert rules). */
  newest?: number;
  /** Stream lists (live, streams): an RE2 regular expression the stream IDs must match. */
  filter?: string;
  /** A stream list's order: 'name' (default) or 'viewers', the most watched first. */
  orderBy?: string;
  /** Cloud API 3.0: 'LVB' (standard live) or 'LEB' (fast live) only; empty for both. */
  serviceName?: string;
  /** Billing: the points' width in minutes (5, 60 or 1440); empty for the finest the panel shows. */
  granularity?: number | string;
  /** Errors: the HTTP error classes counted ('4xx', '5xx'); empty for both. */
  codes?: string[];
  /** Regions: Tencent's province and ISP names (广东省, 电信); empty for all. */
  provinces?: string[];
  isps?: string[];
  /** Regions: keep the busiest N province and ISP pairs. */
  top?: number;
  /** Regions: 'timeseries' (a series per pair, default) or 'table' (a row per pair). */
  format?: string;
}

/** A dashboard variable's query: the streams playing now on a domain. */
export interface StreamsVariableQuery extends DataQuery {
  domain?: string;
  filter?: string;
  orderBy?: string;
  /** The first streams kept, after the order: with order by viewers, the busiest. */
  limit?: number;
}

/** One entry of the backend's `streams` resource. */
export interface StreamSuggestion {
  streamId: string;
  online: number | null;
  bandwidth: number | null;
}

export const QUERY_TYPES: Array<{ value: QueryType; label: string; description: string }> = [
  {
    value: 'timeseries',
    label: 'Time series',
    description: 'Bandwidth, viewers and flux per minute, one series per stream',
  },
  {
    value: 'summary',
    label: 'Summary',
    description: 'One row per stream: total flux, peak and 95th-percentile bandwidth, viewers',
  },
  {
    value: 'live',
    label: 'Live now',
    description: 'The streams playing now, the busiest first: bandwidth and viewers at this minute',
  },
  {
    value: 'billing',
    label: 'Billing',
    description: "Tencent's billing data: billable bandwidth and traffic every 5 minutes, hour or day (Cloud API 3.0)",
  },
  {
    value: 'billingTotals',
    label: 'Billing totals',
    description: 'What Tencent bills the range by: peak and 95th-percentile bandwidth, total traffic (Cloud API 3.0)',
  },
  {
    value: 'errors',
    label: 'Errors',
    description: 'Playback requests answered 4xx or 5xx, per minute, over the last day (Cloud API 3.0)',
  },
  {
    value: 'regions',
    label: 'Regions',
    description: 'Playback by province and ISP, per minute, the busiest first (Cloud API 3.0)',
  },
  {
    value: 'events',
    label: 'Push events',
    description: "Streams' push sessions, when they started and stopped and why: dashboard annotations (Cloud API 3.0)",
  },
];

export const REGION_FORMATS: Array<{ value: string; label: string; description: string }> = [
  { value: 'timeseries', label: 'Series', description: 'A series per province and ISP' },
  { value: 'table', label: 'Table', description: 'A row per province and ISP: peaks and totals over the range' },
];

/** The HTTP error classes an errors query counts. */
export const ERROR_CLASSES: string[] = limits.errorClasses;

/** The query types only Cloud API 3.0 answers. */
export const CLOUD_API_QUERY_TYPES: string[] = limits.cloudApiQueryTypes;

/** The billing query types. */
export const BILLING_QUERY_TYPES = ['billing', 'billingTotals'];

/** The query types that are per domain or account, never per stream. */
export const DOMAIN_QUERY_TYPES = [...BILLING_QUERY_TYPES, 'errors', 'regions'];

/** The billing points' widths, in minutes; empty: the finest the panel shows. */
const GRANULARITY_LABELS: Record<number, string> = { 5: '5 minutes', 60: '1 hour', 1440: '1 day' };
export const GRANULARITIES: Array<{ value: number | string; label: string }> = [
  { value: 0, label: 'Auto' },
  ...(limits.billingGranularities as number[]).map((g) => ({
    value: g,
    label: GRANULARITY_LABELS[g] ?? `${g} minutes`,
  })),
];

/** The metrics of the billing data. */
export const BILLING_METRICS: Metric[] = ['bandwidth', 'flux'];

/** The actions a Cloud API key's CAM policy must allow. */
export const CLOUD_API_ACTIONS: string[] = limits.cloudApiActions;

export const STATISTICS: Array<{ value: string; label: string; description: string }> = [
  { value: '', label: 'All', description: 'Every statistic, one column each' },
  { value: 'sum_flux', label: 'Total flux', description: 'MB over the range' },
  { value: 'peak_bandwidth', label: 'Peak bandwidth', description: 'The highest minute, Mbps' },
  { value: 'p95_bandwidth', label: 'P95 bandwidth', description: '95th percentile of 5-minute peaks, Mbps' },
  { value: 'peak_online', label: 'Peak viewers', description: 'The most viewers in a minute' },
  { value: 'avg_online', label: 'Average viewers', description: 'Mean viewers over the minutes with data' },
  { value: 'min_bandwidth', label: 'Lowest bandwidth', description: 'The lowest minute, Mbps: "every minute above"' },
];

/** The most streams a stream list's limit keeps. */
export const MAX_LIVE_LIMIT: number = limits.maxLiveLimit;

/** The most minutes a summary over the newest minutes takes. */
export const MAX_NEWEST: number = limits.maxNewest;

export const ORDERS: Array<{ value: string; label: string; description: string }> = [
  { value: 'name', label: 'By name', description: 'Alphabetical' },
  { value: 'viewers', label: 'By viewers', description: 'The most watched first' },
];

export const AGGREGATIONS: Array<{ value: string; label: string; description: string }> = [
  {
    value: 'max',
    label: 'Peak (max)',
    description: 'The highest minute of each bucket: the peaks that billing and capacity follow',
  },
  { value: 'avg', label: 'Average', description: 'The mean of the minutes of each bucket' },
];

export const METRIC_LABELS: Record<Metric, { label: string; description: string }> = {
  bandwidth: { label: 'Bandwidth', description: 'Playback bandwidth in Mbps' },
  online: { label: 'Online', description: 'Viewers online' },
  flux: { label: 'Flux', description: 'Traffic in MB per minute' },
  requests: { label: 'Requests', description: 'Playback requests per minute (Cloud API 3.0 only)' },
};

export const DEFAULT_QUERY: Partial<LvbQuery> = {
  queryType: 'timeseries',
  domain: '',
  streamId: '',
  metrics: [],
};

/** Settings stored in jsonData (pkg/models/settings.go). */
export interface LvbOptions extends DataSourceJsonData {
  /** 'legacy' (default: Get_LivePlayStatHistory) or 'cloudapi' (Tencent Cloud API 3.0). */
  upstream?: string;
  apiUrl?: string;
  /** The LVB APPID; older provisioning files may hold a number. */
  cmd?: string | number;
  timezone?: string;
  // Numbers, or the text a user typed while it is not yet a valid number.
  maxConcurrency?: number | string;
  maxStreams?: number | string;
  timeoutSeconds?: number | string;
  maxRequestsPerSecond?: number | string;
  cacheMegabytes?: number | string;
  settleMinutes?: number | string;
  /** Cloud API 3.0: the SecretId (not secret; the SecretKey is). */
  secretId?: string;
  cloudApiUrl?: string;
}

/** Settings stored in secureJsonData: write-only from the browser's point of view. */
export interface LvbSecureOptions {
  apiKey?: string;
  /** Cloud API 3.0. */
  secretKey?: string;
}

/**
 * Defaults and bounds. They come from src/limits.json, which `go generate ./pkg/models` writes from the
 * Go code that enforces them, so that the page marks exactly what the backend refuses.
 */
export const DEFAULTS = {
  apiUrl: limits.apiUrl,
  cloudApiUrl: limits.cloudApiUrl,
  timezone: limits.timezone,
  maxConcurrency: limits.counts.maxConcurrency.default,
  maxStreams: limits.counts.maxStreams.default,
  timeoutSeconds: limits.counts.timeoutSeconds.default,
  maxRequestsPerSecond: limits.counts.maxRequestsPerSecond.default,
  cacheMegabytes: limits.counts.cacheMegabytes.default,
  settleMinutes: limits.counts.settleMinutes.default,
};

export const LIMITS = {
  maxConcurrency: limits.counts.maxConcurrency,
  maxStreams: limits.counts.maxStreams,
  timeoutSeconds: limits.counts.timeoutSeconds,
  maxRequestsPerSecond: limits.counts.maxRequestsPerSecond,
  cacheMegabytes: limits.counts.cacheMegabytes,
  settleMinutes: limits.counts.settleMinutes,
};

/** The settle time the backend uses at the least, per API: a minute past the API's own delay. */
export const MIN_SETTLE_MINUTES: Record<Upstream, number> = limits.minSettleMinutes;

/** Where an account finds its keys, per API: the wording every message and page uses. */
export const WHERE_KEYS: Record<Upstream, string> = limits.whereKeys;

/** What the config page and Save & test say of an http:// statistics API URL. */
export const PLAIN_HTTP_WARNING: string = limits.plainHttpWarning;

/** How the backend reads a count and an APPID: digits only (no 1e1, 10.0, 0x10 or +10). */
export const COUNT_PATTERN = new RegExp(limits.countPattern);
export const CMD_PATTERN = new RegExp(limits.cmdPattern);
export const MAX_SECRET_ID_LENGTH = limits.maxSecretIdLength;

/** Cloud API 3.0's services, which Tencent bills apart; a query without one has both. */
const SERVICE_LABELS: Record<string, { label: string; description: string }> = {
  LVB: { label: 'Standard live (LVB)', description: 'RTMP, FLV and HLS playback' },
  LEB: { label: 'Fast live (LEB)', description: 'WebRTC playback, billed apart' },
};
export const SERVICES: Array<{ value: string; label: string; description: string }> = [
  { value: '', label: 'Both', description: 'Standard and fast live together' },
  ...(limits.services as string[]).map((s) => ({ value: s, ...(SERVICE_LABELS[s] ?? { label: s, description: '' }) })),
];

/** The query types a service narrows (Cloud API 3.0 only). */
export const SERVICE_QUERY_TYPES: string[] = limits.serviceQueryTypes;
