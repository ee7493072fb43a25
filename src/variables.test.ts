import { DataQueryRequest, DataQueryResponse, getDefaultTimeRange } from '@grafana/data';
import { lastValueFrom, of } from 'rxjs';

import { DataSource } from './datasource';
import { instanceSettings } from './testing/fixtures';
import limits from './limits.json';
import { LvbQuery, ORDERS, QUERY_TYPES, STATISTICS, StreamsVariableQuery } from './types';
import { StreamsVariableSupport } from './variables';

describe('StreamsVariableSupport', () => {
  it('asks the backend for a streams query with the editor’s domain, filter and order', async () => {
    const ds = new DataSource(instanceSettings());
    const sent: LvbQuery[][] = [];
    jest.spyOn(ds, 'query').mockImplementation((req: DataQueryRequest<LvbQuery>) => {
      sent.push(req.targets);
      return of({ data: [] } as DataQueryResponse);
    });
    const request = {
      targets: [{ refId: '', domain: 'play.example.com', filter: '^live_', orderBy: 'viewers' }],
      range: getDefaultTimeRange(),
    } as unknown as DataQueryRequest<StreamsVariableQuery>;
    await lastValueFrom((ds.variables as StreamsVariableSupport).query(request));
    expect(sent).toEqual([
      [{ refId: 'streams', queryType: 'streams', domain: 'play.example.com', filter: '^live_', orderBy: 'viewers' }],
    ]);
  });
});

// The editors' choices are the backend's, as go generate wrote them to limits.json.
describe('choices agree with the backend', () => {
  it('query types, statistics and orders', () => {
    for (const t of QUERY_TYPES) {
      expect(limits.queryTypes).toContain(t.value);
    }
    expect(STATISTICS.map((s) => s.value).filter((v) => v !== '')).toEqual(limits.statistics);
    expect(ORDERS.map((o) => o.value)).toEqual(limits.orderBy);
  });
});
