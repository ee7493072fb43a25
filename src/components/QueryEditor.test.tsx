import React, { useState } from 'react';
import { FieldType, getDefaultTimeRange, LoadingState, toDataFrame } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import { userEvent as userEventLib } from '@testing-library/user-event';

import { QueryEditor } from './QueryEditor';
import { DataSource } from '../datasource';
import { FixedTemplateSrv } from '../testing/templateSrv';
import { instanceSettings } from '../testing/fixtures';
import { LvbQuery } from '../types';

// No pause between keystrokes: pauses are timers, and timers only make a test slower on a busy machine.
const userEvent = userEventLib.setup({ delay: null });

const datasource = new DataSource(instanceSettings());

/** Hosts the editor as a panel does: it keeps the query and counts the runs. */
function renderEditor(initial: LvbQuery) {
  const seen: LvbQuery[] = [];
  let runs = 0;
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={datasource}
        onChange={(q) => {
          seen.push(q);
          setQuery(q);
        }}
        onRunQuery={() => runs++}
      />
    );
  }
  render(<Host />);
  return { last: () => seen[seen.length - 1], runs: () => runs };
}

describe('QueryEditor', () => {
  beforeEach(() => setTemplateSrv(new FixedTemplateSrv({ streams: ['a', 'b'], domain: 'play.example.com' })));

  it('shows every field with one label width', () => {
    renderEditor({ refId: 'A' });
    const labels = ['Query type', 'Domain', 'Stream IDs', 'Metrics'].map((l) => screen.getByText(l).closest('label'));
    expect(labels.every((l) => l !== null)).toBe(true);
    expect(new Set(labels.map((l) => l!.className)).size).toBe(1);
    expect(screen.getByText('Time series')).toBeInTheDocument();
    expect(screen.getByText('All streams (total)')).toBeInTheDocument();
    expect(screen.getByText('All metrics')).toBeInTheDocument();
  });

  it('commits the domain when the field is left, not on every key', async () => {
    const { last, runs } = renderEditor({ refId: 'A' });
    await userEvent.type(screen.getByLabelText('Domain'), 'play.example.com');
    expect(runs()).toBe(0);
    await userEvent.tab();
    expect(last().domain).toBe('play.example.com');
    expect(runs()).toBe(1);
    // Enter commits too; leaving an unchanged field runs nothing.
    await userEvent.type(screen.getByLabelText('Domain'), '.cn{enter}');
    expect(last().domain).toBe('play.example.com.cn');
    expect(runs()).toBe(2);
    await userEvent.click(screen.getByLabelText('Domain'));
    await userEvent.tab();
    expect(runs()).toBe(2);
  });

  it('adds several streams and a variable into one comma-separated streamId', async () => {
    const { last, runs } = renderEditor({ refId: 'A' });
    const input = screen.getByLabelText('Stream IDs');
    await userEvent.type(input, 'live_1{enter}');
    await userEvent.type(input, 'live_2{enter}');
    expect(last().streamId).toBe('live_1,live_2');
    await userEvent.type(input, '$streams');
    await userEvent.click(await screen.findByText('$streams', { selector: 'span' }));
    expect(last().streamId).toBe('live_1,live_2,$streams');
    expect(runs()).toBe(3);
  });

  it('picks metrics and the query type', async () => {
    const { last } = renderEditor({ refId: 'A', streamId: 'live_1' });
    await userEvent.click(screen.getByLabelText('Metrics'));
    await userEvent.click(await screen.findByText('Online'));
    await userEvent.click(screen.getByLabelText('Metrics'));
    await userEvent.click(await screen.findByText('Bandwidth'));
    expect(last().metrics).toEqual(['online', 'bandwidth']);
    expect(last().streamId).toBe('live_1');

    await userEvent.click(screen.getByLabelText('Query type'));
    await userEvent.click(await screen.findByText('Summary'));
    expect(last().queryType).toBe('summary');
    expect(screen.queryByLabelText('Metrics')).not.toBeInTheDocument();
  });

  it('chooses how long ranges are combined, and says what the last answer was shown in', async () => {
    const { last } = renderEditor({ refId: 'A', streamId: 'live_1' });
    expect(screen.getByText('Peak (max)')).toBeInTheDocument();
    expect(screen.getByTestId('lvb-resolution')).toHaveTextContent('every minute');
    await userEvent.click(screen.getByLabelText('Long ranges'));
    await userEvent.click(await screen.findByText('Average'));
    expect(last().aggregation).toBe('avg');

    const bucketed = toDataFrame({
      fields: [{ name: 'time', type: FieldType.time, values: [0], config: { interval: 1320000 } }],
    });
    render(
      <QueryEditor
        query={{ refId: 'B' }}
        datasource={datasource}
        onChange={() => {}}
        onRunQuery={() => {}}
        data={{ series: [bucketed], state: LoadingState.Done, timeRange: getDefaultTimeRange() }}
      />
    );
    expect(screen.getAllByTestId('lvb-resolution')[1]).toHaveTextContent('22-minute buckets');
  });

  it('shows a saved query as it was saved', () => {
    renderEditor({ refId: 'A', queryType: 'summary', domain: '$domain', streamId: 'x,$streams', metrics: ['flux'] });
    expect(screen.getByText('Summary')).toBeInTheDocument();
    expect(screen.getByLabelText('Domain')).toHaveValue('$domain');
    expect(screen.getByText('x')).toBeInTheDocument();
    expect(screen.getByText('$streams')).toBeInTheDocument();
    expect(screen.queryByText('Flux')).not.toBeInTheDocument();
  });

  it('shows saved metrics of a time series', () => {
    renderEditor({ refId: 'A', metrics: ['flux', '$m'] });
    expect(screen.getByText('Flux')).toBeInTheDocument();
    expect(screen.getByText('$m')).toBeInTheDocument();
  });
});
