import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import { userEvent as userEventLib } from '@testing-library/user-event';

import { StreamsVariableEditor } from './StreamsVariableEditor';
import { DataSource } from '../datasource';
import { instanceSettings } from '../testing/fixtures';
import { StreamsVariableQuery } from '../types';

const userEvent = userEventLib.setup({ delay: null });
const datasource = new DataSource(instanceSettings());

function renderEditor(initial: StreamsVariableQuery) {
  const seen: StreamsVariableQuery[] = [];
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <StreamsVariableEditor
        query={query}
        datasource={datasource}
        onChange={(q) => {
          seen.push(q);
          setQuery(q);
        }}
        onRunQuery={() => {}}
      />
    );
  }
  render(<Host />);
  return { seen, last: () => seen[seen.length - 1] };
}

describe('StreamsVariableEditor', () => {
  it('sets the domain, a filter and the order, each when its field is left', async () => {
    const { seen, last } = renderEditor({ refId: 'V' });
    await userEvent.type(screen.getByLabelText('Domain'), 'play.example.com');
    expect(seen).toHaveLength(0);
    await userEvent.tab();
    expect(last()).toMatchObject({ refId: 'V', domain: 'play.example.com' });
    await userEvent.type(screen.getByLabelText('Filter'), '^live_');
    await userEvent.tab();
    expect(last().filter).toBe('^live_');
    await userEvent.click(screen.getByLabelText('Order'));
    await userEvent.click(await screen.findByText('By viewers'));
    expect(last()).toMatchObject({ domain: 'play.example.com', filter: '^live_', orderBy: 'viewers' });
  });

  it('keeps the top streams, only as many as the backend takes', async () => {
    const { seen, last } = renderEditor({ refId: 'V', orderBy: 'viewers' });
    await userEvent.type(screen.getByLabelText('Keep'), '0');
    await userEvent.tab();
    expect(seen).toHaveLength(0);
    expect(screen.getByText(/A whole number from 1 to 200/)).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText('Keep'));
    await userEvent.type(screen.getByLabelText('Keep'), '5');
    await userEvent.tab();
    expect(last()).toMatchObject({ orderBy: 'viewers', limit: 5 });
  });

  it('refuses a filter that is not a regular expression, and says why', async () => {
    const { seen } = renderEditor({ refId: 'V' });
    await userEvent.type(screen.getByLabelText('Filter'), 'live_([[');
    await userEvent.tab();
    expect(seen).toHaveLength(0);
    expect(screen.getByText(/Not a regular expression/)).toBeInTheDocument();
  });

  it('lets a variable through for the backend to resolve', async () => {
    const { last } = renderEditor({ refId: 'V' });
    await userEvent.type(screen.getByLabelText('Filter'), '^${{prefix}');
    await userEvent.tab();
    expect(last().filter).toBe('^${prefix}');
  });
});
