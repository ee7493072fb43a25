import { CoreApp } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';

import { DataSource } from './datasource';
import { FixedTemplateSrv } from './testing/templateSrv';
import { instanceSettings } from './testing/fixtures';
import { LvbQuery } from './types';

const settings = instanceSettings({ cmd: '1250000000' });

describe('DataSource', () => {
  beforeEach(() => {
    setTemplateSrv(
      new FixedTemplateSrv({
        domain: 'play.example.com',
        stream: 'live_1',
        streams: ['live_1', 'live_2', 'live_3'],
        kind: 'summary',
        metric: ['bandwidth', 'online'],
        service: 'LEB',
        gran: '1440',
        fmt: 'table',
      })
    );
  });

  it('defaults to a time series of every metric of all streams', () => {
    const ds = new DataSource(settings);
    expect(ds.getDefaultQuery(CoreApp.PanelEditor)).toEqual({
      queryType: 'timeseries',
      domain: '',
      streamId: '',
      metrics: [],
    });
  });

  it('interpolates a single-value stream and the domain', () => {
    const ds = new DataSource(settings);
    const q = ds.applyTemplateVariables({ refId: 'A', domain: '$domain', streamId: '$stream' }, {});
    expect(q.domain).toBe('play.example.com');
    expect(q.streamId).toBe('live_1');
  });

  it('turns a multi-value stream variable into a comma-separated list', () => {
    const ds = new DataSource(settings);
    const q = ds.applyTemplateVariables({ refId: 'A', streamId: '$streams' }, {});
    expect(q.streamId).toBe('live_1,live_2,live_3');
  });

  it('mixes typed streams and variables, and drops blanks', () => {
    const ds = new DataSource(settings);
    const q = ds.applyTemplateVariables({ refId: 'A', streamId: 'extra, ${streams} ,,' }, {});
    expect(q.streamId).toBe('extra,live_1,live_2,live_3');
  });

  it('prefers scoped variables, as repeated panels pass them', () => {
    const ds = new DataSource(settings);
    const q = ds.applyTemplateVariables(
      { refId: 'A', streamId: '$streams' },
      { streams: { text: 'live_9', value: 'live_9' } }
    );
    expect(q.streamId).toBe('live_9');
  });

  it('interpolates the query type and expands metric variables', () => {
    const ds = new DataSource(settings);
    const q = ds.applyTemplateVariables({ refId: 'A', queryType: '$kind', metrics: ['$metric', 'flux'] }, {});
    expect(q.queryType).toBe('summary');
    expect(q.metrics).toEqual(['bandwidth', 'online', 'flux']);
  });

  it('interpolates the service', () => {
    const ds = new DataSource(settings);
    expect(ds.applyTemplateVariables({ refId: 'A', serviceName: '$service' }, {}).serviceName).toBe('LEB');
    expect(ds.applyTemplateVariables({ refId: 'A' }, {}).serviceName).toBeUndefined();
  });

  it('interpolates the billing granularity and the regions format', () => {
    const ds = new DataSource(settings);
    const q = ds.applyTemplateVariables({ refId: 'A', granularity: '$gran', format: '$fmt' }, {});
    expect(q.granularity).toBe('1440');
    expect(q.format).toBe('table');
    expect(ds.applyTemplateVariables({ refId: 'A', granularity: 60 }, {}).granularity).toBe(60);
  });

  it('leaves unknown variables for the backend to report', () => {
    const ds = new DataSource(settings);
    expect(ds.applyTemplateVariables({ refId: 'A', streamId: '$nope' }, {}).streamId).toBe('$nope');
  });

  it('skips hidden queries only', () => {
    const ds = new DataSource(settings);
    expect(ds.filterQuery({ refId: 'A', hide: true } as LvbQuery)).toBe(false);
    expect(ds.filterQuery({ refId: 'A' })).toBe(true);
    expect(ds.filterQuery({ refId: 'A', streamId: '' })).toBe(true);
  });

  it('interpolates queries for Explore the same way', () => {
    const ds = new DataSource(settings);
    const [q] = ds.interpolateVariablesInQueries([{ refId: 'A', streamId: '$streams' }], {});
    expect(q.streamId).toBe('live_1,live_2,live_3');
    expect(q.datasource).toEqual({ type: 'lvbstat-tencent-datasource', uid: 'lvb' });
  });

  it('lists the dashboard variables for the editors', () => {
    expect(new DataSource(settings).getVariableNames()).toEqual([
      '$domain',
      '$stream',
      '$streams',
      '$kind',
      '$metric',
      '$service',
      '$gran',
      '$fmt',
    ]);
  });
});
