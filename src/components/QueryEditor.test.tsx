import React, { useState } from 'react';
import { FieldType, getDefaultTimeRange, LoadingState, toDataFrame } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';
import { cleanup, render, screen } from '@testing-library/react';
import { userEvent as userEventLib } from '@testing-library/user-event';

import { QueryEditor } from './QueryEditor';
import { DataSource } from '../datasource';
import { FixedTemplateSrv } from '../testing/templateSrv';
import { instanceSettings } from '../testing/fixtures';
import { LvbQuery, StreamSuggestion } from '../types';

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

// The backend's streams resource, as the editor sees it: what getStreams resolves to, per domain.
let listed: Record<string, StreamSuggestion[] | Error> = {};
const asked: string[] = [];
jest.spyOn(datasource, 'getStreams').mockImplementation(async (domain: string) => {
  asked.push(domain);
  const answer = listed[domain] ?? [];
  if (answer instanceof Error) {
    throw answer;
  }
  return answer;
});

describe('QueryEditor', () => {
  beforeEach(() => {
    setTemplateSrv(new FixedTemplateSrv({ streams: ['a', 'b'], domain: 'play.example.com' }));
    listed = {};
    asked.length = 0;
  });

  it('suggests the streams playing now, most watched first, when the stream menu opens', async () => {
    listed = {
      'play.example.com': [
        { streamId: 'room_9', online: 120, bandwidth: 10 },
        { streamId: 'room_2', online: 7, bandwidth: 1 },
      ],
    };
    const { last } = renderEditor({ refId: 'A', domain: 'play.example.com' });
    expect(asked).toEqual([]); // nothing is listed for an editor that is only looked at
    await userEvent.click(screen.getByLabelText('Stream IDs'));
    expect(await screen.findByText('120 viewers now')).toBeInTheDocument();
    expect(asked).toEqual(['play.example.com']);
    await userEvent.click(screen.getByText('room_2'));
    expect(last().streamId).toBe('room_2');
    // Free text still works beside the suggestions.
    await userEvent.type(screen.getByLabelText('Stream IDs'), 'not_live{enter}');
    expect(last().streamId).toBe('room_2,not_live');
  });

  it('says why it cannot suggest streams, and still takes typed ones', async () => {
    listed = { '': Object.assign(new Error('x'), { data: { error: 'the API key is wrong' } }) };
    const { last } = renderEditor({ refId: 'A' });
    await userEvent.click(screen.getByLabelText('Stream IDs'));
    expect(await screen.findByText(/Could not list the streams playing now: the API key is wrong/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Stream IDs'), 'live_1{enter}');
    expect(last().streamId).toBe('live_1');
  });

  it('sums up the newest minutes for alert rules, only when the number is one the backend takes', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'summary' });
    const newest = screen.getByLabelText('Newest minutes');
    await userEvent.type(newest, '0');
    await userEvent.tab();
    expect(screen.getByText(/A whole number from 1 to 60, or empty for the whole range/)).toBeInTheDocument();
    expect(last()).toBeUndefined();
    await userEvent.clear(newest);
    await userEvent.type(newest, '5');
    await userEvent.tab();
    expect(last().newest).toBe(5);
    expect(screen.queryByText(/A whole number from 1 to/)).not.toBeInTheDocument();
    await userEvent.clear(newest);
    await userEvent.tab();
    expect(last().newest).toBeUndefined();
  });

  it('offers the live list and a summary statistic', async () => {
    const { last } = renderEditor({ refId: 'A', queryType: 'summary' });
    await userEvent.click(screen.getByLabelText('Statistic'));
    await userEvent.click(await screen.findByText('P95 bandwidth'));
    expect(last().statistic).toBe('p95_bandwidth');
    await userEvent.click(screen.getByLabelText('Query type'));
    await userEvent.click(await screen.findByText('Live now'));
    expect(last().queryType).toBe('live');
    expect(screen.queryByLabelText('Metrics')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Statistic')).not.toBeInTheDocument();
    expect(screen.getByText('All streams playing')).toBeInTheDocument();
  });

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
      fields: [{ name: 'time', type: FieldType.time, values: [0], config: { interval: 1800000 } }],
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
    expect(screen.getAllByTestId('lvb-resolution')[1]).toHaveTextContent('30-minute buckets');
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

  it('offers no requests metric on the statistics interface', async () => {
    renderEditor({ refId: 'A' });
    await userEvent.click(screen.getByLabelText('Metrics'));
    expect(await screen.findByText('Online')).toBeInTheDocument();
    expect(screen.queryByText('Requests')).not.toBeInTheDocument();
  });

  it('offers the requests metric on Cloud API 3.0', async () => {
    const cloud = new DataSource(instanceSettings({ upstream: 'cloudapi' }));
    expect(cloud.upstream).toBe('cloudapi');
    render(<QueryEditor query={{ refId: 'B' }} datasource={cloud} onChange={() => {}} onRunQuery={() => {}} />);
    await userEvent.click(screen.getByLabelText('Metrics'));
    expect(await screen.findByText('Requests')).toBeInTheDocument();
  });

  it('offers the service on Cloud API 3.0 only, for time series and summaries', async () => {
    const cloud = new DataSource(instanceSettings({ upstream: 'cloudapi' }));
    let saved: LvbQuery | undefined;
    const { rerender } = render(
      <QueryEditor query={{ refId: 'B' }} datasource={cloud} onChange={(q) => (saved = q)} onRunQuery={() => {}} />
    );
    await userEvent.click(screen.getByLabelText('Service'));
    await userEvent.click(await screen.findByText('Fast live (LEB)'));
    expect(saved?.serviceName).toBe('LEB');
    rerender(
      <QueryEditor
        query={{ refId: 'B', queryType: 'live' }}
        datasource={cloud}
        onChange={() => {}}
        onRunQuery={() => {}}
      />
    );
    expect(screen.queryByLabelText('Service')).not.toBeInTheDocument();
  });

  it('offers no service on the statistics interface', () => {
    renderEditor({ refId: 'A', queryType: 'summary' });
    expect(screen.queryByLabelText('Service')).not.toBeInTheDocument();
  });

  it('offers billing on Cloud API 3.0 only, per domain, with its granularity', async () => {
    renderEditor({ refId: 'A' });
    await userEvent.click(screen.getByLabelText('Query type'));
    expect(await screen.findByText('Summary')).toBeInTheDocument();
    expect(screen.queryByText('Billing')).not.toBeInTheDocument();
    cleanup();

    const cloud = new DataSource(instanceSettings({ upstream: 'cloudapi' }));
    let saved: LvbQuery | undefined;
    render(
      <QueryEditor
        query={{ refId: 'B', queryType: 'billing' }}
        datasource={cloud}
        onChange={(q) => (saved = q)}
        onRunQuery={() => {}}
      />
    );
    expect(screen.queryByLabelText('Stream IDs')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Granularity'));
    await userEvent.click(await screen.findByText('1 day'));
    expect(saved?.granularity).toBe(1440);
  });

  it('counts errors per class on Cloud API 3.0, per domain', async () => {
    const cloud = new DataSource(instanceSettings({ upstream: 'cloudapi' }));
    let saved: LvbQuery | undefined;
    render(
      <QueryEditor
        query={{ refId: 'C', queryType: 'errors' }}
        datasource={cloud}
        onChange={(q) => (saved = q)}
        onRunQuery={() => {}}
      />
    );
    expect(screen.queryByLabelText('Stream IDs')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Metrics')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Codes'));
    await userEvent.click(await screen.findByText('5xx'));
    expect(saved?.codes).toEqual(['5xx']);
  });

  it('narrows regions to typed provinces and ISPs, the busiest N, as a table', async () => {
    const cloud = new DataSource(instanceSettings({ upstream: 'cloudapi' }));
    let saved: LvbQuery = { refId: 'R', queryType: 'regions' };
    const { rerender } = render(
      <QueryEditor query={saved} datasource={cloud} onChange={(q) => (saved = q)} onRunQuery={() => {}} />
    );
    expect(screen.queryByLabelText('Stream IDs')).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('ISPs'), '电信{enter}');
    expect(saved.isps).toEqual(['电信']);
    rerender(<QueryEditor query={saved} datasource={cloud} onChange={(q) => (saved = q)} onRunQuery={() => {}} />);
    await userEvent.type(screen.getByLabelText('Top'), '3');
    await userEvent.tab();
    expect(saved.top).toBe(3);
    rerender(<QueryEditor query={saved} datasource={cloud} onChange={(q) => (saved = q)} onRunQuery={() => {}} />);
    await userEvent.click(screen.getByLabelText('Format'));
    await userEvent.click(await screen.findByText('Table'));
    expect(saved).toMatchObject({ isps: ['电信'], top: 3, format: 'table' });
  });

  it('lists push events per stream, with no metrics, on Cloud API 3.0', async () => {
    const cloud = new DataSource(instanceSettings({ upstream: 'cloudapi' }));
    expect(cloud.annotations).toEqual({});
    render(
      <QueryEditor
        query={{ refId: 'E', queryType: 'events' }}
        datasource={cloud}
        onChange={() => {}}
        onRunQuery={() => {}}
      />
    );
    expect(screen.getByLabelText('Stream IDs')).toBeInTheDocument();
    expect(screen.queryByLabelText('Metrics')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Long ranges')).not.toBeInTheDocument();
  });
});
