import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

import limits from './limits.json';

/** The query types the backend answers. */
export type QueryType = 'timeseries' | 'summary';

/** The metrics of a time-series query; they are also the value field names of its frames. */
export type Metric = 'bandwidth' | 'online' | 'flux';

export const ALL_METRICS: Metric[] = ['bandwidth', 'online', 'flux'];

/**
 * A query as the backend reads it (pkg/plugin/query.go). `streamId` holds one stream or several
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
};

export const DEFAULT_QUERY: Partial<LvbQuery> = {
  queryType: 'timeseries',
  domain: '',
  streamId: '',
  metrics: [],
};

/** Settings stored in jsonData (pkg/plugin/settings.go). */
export interface LvbOptions extends DataSourceJsonData {
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
}

/** Settings stored in secureJsonData: write-only from the browser's point of view. */
export interface LvbSecureOptions {
  apiKey?: string;
}

/**
 * Defaults and bounds. They come from src/limits.json, which `go generate ./pkg/plugin` writes from the
 * Go code that enforces them, so that the page marks exactly what the backend refuses.
 */
export const DEFAULTS = {
  apiUrl: limits.apiUrl,
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

/** How the backend reads a count and an APPID: digits only (no 1e1, 10.0, 0x10 or +10). */
export const COUNT_PATTERN = new RegExp(limits.countPattern);
export const CMD_PATTERN = new RegExp(limits.cmdPattern);
