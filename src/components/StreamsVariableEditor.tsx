/* eslint-disable @typescript-eslint/no-deprecated --
 * Select is deprecated in favour of Combobox, which not every Grafana 11 release ships. */
import React, { ChangeEvent, useState } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, Select } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { CountField } from './CountField';
import { LvbOptions, LvbQuery, MAX_LIVE_LIMIT, ORDERS, StreamsVariableQuery } from '../types';

type Props = QueryEditorProps<DataSource, LvbQuery, LvbOptions, StreamsVariableQuery>;

const LABEL_WIDTH = 14;

/**
 * The editor of a stream-ID variable: which domain, which streams (a regular expression), in which
 * order. Text is committed when a field is left, so that the preview does not list the streams for
 * every keystroke.
 */
export function StreamsVariableEditor({ query, onChange }: Props) {
  const [domain, setDomain] = useState(query.domain ?? '');
  const [filter, setFilter] = useState(query.filter ?? '');
  const [filterError, setFilterError] = useState<string | undefined>(undefined);

  const commit = (next: Partial<StreamsVariableQuery>) =>
    onChange({ ...query, refId: query.refId || 'streams', ...next });

  return (
    <>
      <InlineFieldRow>
        <InlineField
          label="Domain"
          labelWidth={LABEL_WIDTH}
          tooltip="The playback domain whose streams to list. Empty: every stream of the APPID. Template variables allowed."
        >
          <Input
            id="lvb-var-domain"
            width={36}
            value={domain}
            placeholder="All domains"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setDomain(e.target.value)}
            onBlur={() => domain.trim() !== (query.domain ?? '') && commit({ domain: domain.trim() })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Filter"
          labelWidth={LABEL_WIDTH}
          invalid={filterError !== undefined}
          error={filterError}
          tooltip="Keep the stream IDs that match this regular expression (RE2 syntax), such as ^live_. Empty: all."
        >
          <Input
            id="lvb-var-filter"
            width={36}
            value={filter}
            placeholder="All streams"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setFilter(e.target.value)}
            onBlur={() => {
              const next = filter.trim();
              const problem = checkPattern(next);
              setFilterError(problem);
              if (problem === undefined && next !== (query.filter ?? '')) {
                commit({ filter: next });
              }
            }}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Order" labelWidth={LABEL_WIDTH} tooltip="By name, or the most watched first">
          <Select
            inputId="lvb-var-order"
            width={24}
            options={ORDERS}
            value={query.orderBy || 'name'}
            onChange={(v: SelectableValue<string>) => commit({ orderBy: v.value })}
          />
        </InlineField>
        <CountField
          id="lvb-var-limit"
          label="Keep"
          tooltip="Only the first streams of the list, after its order: by viewers, the busiest. Then the variable's All means the top streams. Empty: every stream."
          value={query.limit}
          min={1}
          max={MAX_LIVE_LIMIT}
          empty="every stream"
          onCommit={(limit) => commit({ limit })}
        />
      </InlineFieldRow>
    </>
  );
}

/**
 * A first check in the browser; the backend's RE2 has the last word (it refuses, for example,
 * look-ahead, which JavaScript accepts) and says why in the preview's error.
 */
function checkPattern(pattern: string): string | undefined {
  if (pattern === '' || /\$(\{|[A-Za-z_])/.test(pattern)) {
    return undefined;
  }
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return `Not a regular expression: ${e instanceof Error ? e.message : String(e)}`;
  }
}
