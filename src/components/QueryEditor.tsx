/* eslint-disable @typescript-eslint/no-deprecated --
 * Select and MultiSelect are deprecated in favour of Combobox, which not every Grafana 11 release
 * ships; the plugin supports Grafana 11 to 13, and these two work in all of them. */
import React, { ChangeEvent, KeyboardEvent, useCallback, useState } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, MultiSelect, Select } from '@grafana/ui';

import { DataSource } from '../datasource';
import { CountField } from './CountField';
import {
  AGGREGATIONS,
  BILLING_METRICS,
  BILLING_QUERY_TYPES,
  CLOUD_API_QUERY_TYPES,
  DOMAIN_QUERY_TYPES,
  ERROR_CLASSES,
  GRANULARITIES,
  LvbOptions,
  LvbQuery,
  METRIC_LABELS,
  metricsOf,
  MAX_LIVE_LIMIT,
  MAX_NEWEST,
  QUERY_TYPES,
  REGION_FORMATS,
  SERVICE_QUERY_TYPES,
  SERVICES,
  STATISTICS,
  StreamSuggestion,
} from '../types';

type Props = QueryEditorProps<DataSource, LvbQuery, LvbOptions>;

/** One label width for every field, as Grafana's own editors keep them. */
const LABEL_WIDTH = 14;

function splitStreams(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function QueryEditor({ query, onChange, onRunQuery, datasource, data }: Props) {
  const variables = safeVariableNames(datasource);
  const variableOptions: Array<SelectableValue<string>> = variables.map((v) => ({
    label: v,
    value: v,
    description: 'Template variable',
  }));

  // The domain is typed freely and committed when the field is left, so that a query does not
  // run for every keystroke; while not being edited, the field shows the query's value.
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const domain = draft ?? query.domain ?? '';

  const commit = (next: LvbQuery) => {
    onChange(next);
    onRunQuery();
  };

  const queryType = query.queryType || 'timeseries';
  const cloud = datasource.upstream === 'cloudapi';
  const billing = BILLING_QUERY_TYPES.includes(queryType);
  const perDomain = DOMAIN_QUERY_TYPES.includes(queryType);
  const codes = query.codes ?? [];
  const typeOptions: Array<SelectableValue<string>> = [
    ...QUERY_TYPES.filter((t) => cloud || !CLOUD_API_QUERY_TYPES.includes(t.value)),
    ...variableOptions,
  ];
  if (!typeOptions.some((o) => o.value === queryType)) {
    typeOptions.push({ label: queryType, value: queryType });
  }

  const streams = splitStreams(query.streamId);
  const suggestions = useStreamSuggestions(datasource, query.domain ?? '');
  const streamOptions: Array<SelectableValue<string>> = [
    ...streams
      .filter((s) => !variables.includes(s) && !suggestions.list.some((x) => x.streamId === s))
      .map((s) => ({ label: s, value: s })),
    ...suggestions.list.map((x) => ({
      label: x.streamId,
      value: x.streamId,
      description: x.online === null ? 'Playing now' : `${x.online} viewers now`,
    })),
    ...variableOptions,
  ];

  // Only Cloud API 3.0 tells the services apart.
  const showService = cloud && SERVICE_QUERY_TYPES.includes(queryType);
  const serviceOptions: Array<SelectableValue<string>> = [...SERVICES, ...variableOptions];
  if (query.serviceName && !serviceOptions.some((o) => o.value === query.serviceName)) {
    serviceOptions.push({ label: query.serviceName, value: query.serviceName });
  }

  const metrics = query.metrics ?? [];
  const metricOptions: Array<SelectableValue<string>> = [
    ...(billing ? BILLING_METRICS : metricsOf(datasource.upstream)).map((m) => ({ value: m, ...METRIC_LABELS[m] })),
    ...variableOptions,
  ];
  for (const m of metrics) {
    if (!metricOptions.some((o) => o.value === m)) {
      metricOptions.push({ label: m, value: m });
    }
  }

  return (
    <>
      <InlineFieldRow>
        <InlineField
          label="Query type"
          labelWidth={LABEL_WIDTH}
          tooltip="Time series per minute, one summary row per stream, or the streams playing now"
        >
          <Select
            inputId="lvb-query-type"
            width={24}
            options={typeOptions}
            value={queryType}
            allowCustomValue
            onChange={(v: SelectableValue<string>) => commit({ ...query, queryType: v.value })}
          />
        </InlineField>
        <InlineField
          label="Domain"
          labelWidth={LABEL_WIDTH}
          tooltip={
            queryType === 'events'
              ? 'The push domain. Empty: every push domain of the account. Template variables allowed.'
              : 'The original playback domain, not its CNAME target. Empty: every domain of the APPID. Template variables allowed.'
          }
        >
          <Input
            id="lvb-domain"
            width={36}
            value={domain}
            placeholder="All domains"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setDraft(e.target.value)}
            onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => e.key === 'Enter' && e.currentTarget.blur()}
            onBlur={() => {
              setDraft(undefined);
              if (domain.trim() !== (query.domain ?? '')) {
                commit({ ...query, domain: domain.trim() });
              }
            }}
          />
        </InlineField>
        {showService && (
          <InlineField
            label="Service"
            labelWidth={LABEL_WIDTH}
            tooltip="Standard live (LVB) or fast live (LEB, WebRTC), which Tencent bills apart; Both: their figures together. Template variables allowed."
          >
            <Select
              inputId="lvb-service"
              width={24}
              options={serviceOptions}
              value={query.serviceName ?? ''}
              allowCustomValue
              onChange={(v: SelectableValue<string>) => commit({ ...query, serviceName: v.value || undefined })}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      {queryType === 'errors' && (
        <InlineFieldRow>
          <InlineField
            label="Codes"
            labelWidth={LABEL_WIDTH}
            grow
            tooltip="Which HTTP error classes to count, a series each. None selected: both. Tencent keeps the last day of them."
          >
            <MultiSelect
              inputId="lvb-codes"
              options={[...ERROR_CLASSES.map((c) => ({ label: c, value: c })), ...variableOptions]}
              value={codes}
              allowCustomValue
              placeholder="4xx and 5xx"
              onChange={(v: Array<SelectableValue<string>>) =>
                commit({ ...query, codes: v.map((o) => o.value ?? '').filter((s) => s !== '') })
              }
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {queryType === 'regions' && (
        <>
          <InlineFieldRow>
            <InlineField
              label="Provinces"
              labelWidth={LABEL_WIDTH}
              grow
              tooltip="Tencent's province names, such as 广东省; type one and press Enter. Empty: every province."
            >
              <MultiSelect
                inputId="lvb-provinces"
                options={[...(query.provinces ?? []).map((p) => ({ label: p, value: p })), ...variableOptions]}
                value={query.provinces ?? []}
                allowCustomValue
                placeholder="All provinces"
                onChange={(v: Array<SelectableValue<string>>) =>
                  commit({ ...query, provinces: v.map((o) => o.value ?? '').filter((s) => s !== '') })
                }
              />
            </InlineField>
            <InlineField
              label="ISPs"
              labelWidth={LABEL_WIDTH}
              grow
              tooltip="Tencent's ISP names, such as 电信, 联通, 移动; type one and press Enter. Empty: every ISP."
            >
              <MultiSelect
                inputId="lvb-isps"
                options={[...(query.isps ?? []).map((p) => ({ label: p, value: p })), ...variableOptions]}
                value={query.isps ?? []}
                allowCustomValue
                placeholder="All ISPs"
                onChange={(v: Array<SelectableValue<string>>) =>
                  commit({ ...query, isps: v.map((o) => o.value ?? '').filter((s) => s !== '') })
                }
              />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField
              label="Format"
              labelWidth={LABEL_WIDTH}
              tooltip="A series per province and ISP, or a row each (for a bar gauge or a table)"
            >
              <Select
                inputId="lvb-format"
                width={24}
                options={[...REGION_FORMATS, ...variableOptions]}
                value={query.format || 'timeseries'}
                allowCustomValue
                onChange={(v: SelectableValue<string>) => commit({ ...query, format: v.value })}
              />
            </InlineField>
            <CountField
              id="lvb-top"
              label="Top"
              labelWidth={LABEL_WIDTH}
              tooltip={`Keep the busiest N province and ISP pairs (1 to ${MAX_LIVE_LIMIT}). Empty: all of them.`}
              value={query.top}
              min={1}
              max={MAX_LIVE_LIMIT}
              empty="all of them"
              onCommit={(top) => commit({ ...query, top })}
            />
          </InlineFieldRow>
        </>
      )}
      {queryType === 'billing' && (
        <InlineFieldRow>
          <InlineField
            label="Granularity"
            labelWidth={LABEL_WIDTH}
            tooltip="The billing points' width. Auto: the finest the panel can show (5 minutes for a day, an hour for a month, a day beyond). An hour's or a day's bandwidth is the peak of its 5-minute points, as Tencent bills it."
          >
            <Select
              inputId="lvb-granularity"
              width={24}
              options={[...GRANULARITIES, ...variableOptions]}
              value={query.granularity ?? 0}
              allowCustomValue
              onChange={(v: SelectableValue<number | string>) =>
                commit({ ...query, granularity: v.value || undefined })
              }
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {/* Billing, errors and regions are per domain or account; push events are per stream. */}
      {!perDomain && (
        <InlineFieldRow>
          <InlineField
            label="Stream IDs"
            labelWidth={LABEL_WIDTH}
            grow
            tooltip="Pick a stream playing now or type any stream ID and press Enter; add several to get a series each. Empty: the total of all streams. A multi-value template variable gives a series per value."
            invalid={suggestions.error !== undefined}
            error={suggestions.error}
          >
            <MultiSelect
              inputId="lvb-streams"
              options={streamOptions}
              value={streams}
              allowCustomValue
              isLoading={suggestions.loading}
              onOpenMenu={suggestions.load}
              placeholder={queryType === 'live' ? 'All streams playing' : 'All streams (total)'}
              onChange={(v: Array<SelectableValue<string>>) =>
                commit({
                  ...query,
                  streamId: v
                    .map((o) => o.value ?? '')
                    .filter((s) => s !== '')
                    .join(','),
                })
              }
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {queryType === 'summary' && (
        <InlineFieldRow>
          <InlineField
            label="Statistic"
            labelWidth={LABEL_WIDTH}
            tooltip="All statistics, one column each, or one of them: alert rules in older Grafana versions take one number per stream."
          >
            <Select
              inputId="lvb-statistic"
              width={24}
              options={STATISTICS}
              value={query.statistic ?? ''}
              onChange={(v: SelectableValue<string>) => commit({ ...query, statistic: v.value || undefined })}
            />
          </InlineField>
          <CountField
            id="lvb-newest"
            label="Newest minutes"
            labelWidth={LABEL_WIDTH}
            tooltip={`Sum up each stream's newest N minutes that have arrived (1 to ${MAX_NEWEST}) instead of the whole range: "the last five minutes" in an alert rule, whatever the API's delay. A stream with fewer minutes in the range has no value (No Data). Empty: the whole range.`}
            value={query.newest}
            min={1}
            max={MAX_NEWEST}
            empty="the whole range"
            onCommit={(newest) => commit({ ...query, newest })}
          />
        </InlineFieldRow>
      )}
      {/* A summary and the live list have fixed columns; metrics only choose a time series' frames. */}
      {!['summary', 'live', 'billingTotals', 'errors', 'events'].includes(queryType) && (
        <InlineFieldRow>
          <InlineField
            label="Metrics"
            labelWidth={LABEL_WIDTH}
            grow
            tooltip="Which figures a time-series query answers. None selected: all of them (requests only on Cloud API 3.0)."
          >
            <MultiSelect
              inputId="lvb-metrics"
              options={metricOptions}
              value={metrics}
              allowCustomValue
              placeholder="All metrics"
              onChange={(v: Array<SelectableValue<string>>) =>
                commit({ ...query, metrics: v.map((o) => o.value ?? '').filter((s) => s !== '') })
              }
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {!['summary', 'live', 'events'].includes(queryType) && !perDomain && (
        <InlineFieldRow>
          <InlineField
            label="Long ranges"
            labelWidth={LABEL_WIDTH}
            tooltip="When a range has more minutes than the panel can draw, minutes are combined into buckets of the panel's interval. Flux is always summed; this chooses how bandwidth and viewers are combined. Alert rules and summaries always use every minute."
          >
            <Select
              inputId="lvb-aggregation"
              width={24}
              options={AGGREGATIONS}
              value={query.aggregation || 'max'}
              onChange={(v: SelectableValue<string>) => commit({ ...query, aggregation: v.value })}
            />
          </InlineField>
          <InlineField label="Resolution" labelWidth={LABEL_WIDTH} tooltip="What the last answer was shown in">
            <span className="gf-form-label" data-testid="lvb-resolution">
              {resolution(data?.series?.[0]?.fields?.[0]?.config?.interval)}
            </span>
          </InlineField>
        </InlineFieldRow>
      )}
    </>
  );
}

/**
 * The streams playing now, listed when the stream menu first opens (and again when the domain
 * changes), so that an editor that is only looked at costs nothing. A failure is shown under the
 * field; typing a stream ID still works.
 */
function useStreamSuggestions(datasource: DataSource, domain: string) {
  const [state, setState] = useState<{
    domain?: string;
    list: StreamSuggestion[];
    loading: boolean;
    error?: string;
  }>({ list: [], loading: false });
  const load = useCallback(() => {
    if (state.loading || (state.domain === domain && state.error === undefined)) {
      return;
    }
    setState({ domain, list: [], loading: true });
    datasource.getStreams(domain).then(
      (list) => setState({ domain, list, loading: false }),
      (e: unknown) =>
        setState({ domain, list: [], loading: false, error: `Could not list the streams playing now: ${message(e)}` })
    );
  }, [datasource, domain, state]);
  const current = state.domain === domain ? state : { list: [], loading: false, error: undefined };
  return { ...current, load };
}

/** The backend's JSON error, a fetch error's message, or whatever was thrown. */
function message(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const data = (e as { data?: { error?: string; message?: string } }).data;
    if (data?.error || data?.message) {
      return String(data.error ?? data.message);
    }
    if (e instanceof Error) {
      return e.message;
    }
  }
  return String(e);
}

/** Says what the time field's interval (milliseconds) means for the panel. */
function resolution(intervalMs: number | null | undefined): string {
  if (!intervalMs || intervalMs <= 60000) {
    return 'every minute';
  }
  const minutes = Math.round(intervalMs / 60000);
  if (minutes % 1440 === 0) {
    return `${minutes / 1440}-day buckets`;
  }
  if (minutes % 60 === 0) {
    return `${minutes / 60}-hour buckets`;
  }
  return `${minutes}-minute buckets`;
}

/** Outside a dashboard (a bare test page, say) there may be no template service. */
function safeVariableNames(datasource: DataSource): string[] {
  try {
    return datasource.getVariableNames();
  } catch {
    return [];
  }
}
