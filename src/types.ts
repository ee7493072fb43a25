import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

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
}

/** Settings stored in secureJsonData: write-only from the browser's point of view. */
export interface LvbSecureOptions {
  apiKey?: string;
}

/** Defaults and bounds, the same as the backend's. */
export const DEFAULTS = {
  apiUrl: 'http://statcgi.video.qcloud.com/common_access',
  timezone: 'Asia/Shanghai',
  maxConcurrency: 8,
  maxStreams: 20,
  timeoutSeconds: 30,
};

export const LIMITS = {
  maxConcurrency: { min: 1, max: 64 },
  maxStreams: { min: 1, max: 200 },
  timeoutSeconds: { min: 1, max: 300 },
};
