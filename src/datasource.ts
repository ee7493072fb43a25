import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { DEFAULT_QUERY, LvbOptions, LvbQuery, StreamSuggestion, Upstream } from './types';
import { StreamsVariableSupport } from './variables';

/**
 * The data source's browser half. Everything that decides an answer happens in the backend, so
 * that alert rules, which never run this code, get what panels get; this class only fills in
 * template variables and skips hidden queries.
 */
export class DataSource extends DataSourceWithBackend<LvbQuery, LvbOptions> {
  /** Which of Tencent's interfaces this data source reads; it decides the metrics offered. */
  readonly upstream: Upstream;

  constructor(instanceSettings: DataSourceInstanceSettings<LvbOptions>) {
    super(instanceSettings);
    this.upstream = instanceSettings.jsonData.upstream === 'cloudapi' ? 'cloudapi' : 'legacy';
    this.variables = new StreamsVariableSupport(this);
    // Annotation queries use the query editor; the events query's frame has the fields
    // Grafana reads by name (time, timeEnd, text, tags).
    this.annotations = {};
  }

  /**
   * The streams playing now on a domain, the most watched first: the query editor's suggestions.
   * The backend lists them at most once a minute, under the data source's upstream budget.
   */
  async getStreams(domain: string): Promise<StreamSuggestion[]> {
    const resolved = getTemplateSrv()
      .replace(domain ?? '')
      .trim();
    return this.getResource<StreamSuggestion[]>('streams', resolved ? { domain: resolved } : {});
  }

  getDefaultQuery(_: CoreApp): Partial<LvbQuery> {
    return DEFAULT_QUERY;
  }

  /**
   * Domain and query type take one value; stream IDs and metrics become comma-separated lists,
   * which is how the backend reads several of them.
   */
  applyTemplateVariables(query: LvbQuery, scopedVars: ScopedVars): LvbQuery {
    const srv = getTemplateSrv();
    const list = (value: string) =>
      srv
        .replace(value, scopedVars, 'csv')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    return {
      ...query,
      queryType: query.queryType ? srv.replace(query.queryType, scopedVars) : query.queryType,
      domain: srv.replace(query.domain ?? '', scopedVars).trim(),
      streamId: list(query.streamId ?? '').join(','),
      metrics: (query.metrics ?? []).flatMap(list),
      filter: query.filter ? srv.replace(query.filter, scopedVars, 'regex') : query.filter,
      serviceName: query.serviceName ? srv.replace(query.serviceName, scopedVars).trim() : query.serviceName,
      codes: query.codes ? query.codes.flatMap(list) : query.codes,
      format: query.format ? srv.replace(query.format, scopedVars).trim() : query.format,
      // A variable's value arrives as text, which the backend reads as the number it spells.
      granularity:
        typeof query.granularity === 'string' ? srv.replace(query.granularity, scopedVars).trim() : query.granularity,
      provinces: query.provinces ? query.provinces.flatMap(list) : query.provinces,
      isps: query.isps ? query.isps.flatMap(list) : query.isps,
    };
  }

  /** Explore and "open in Explore" need the variables resolved the same way. */
  interpolateVariablesInQueries(queries: LvbQuery[], scopedVars: ScopedVars): LvbQuery[] {
    return queries.map((q) => ({ ...this.applyTemplateVariables(q, scopedVars), datasource: this.getRef() }));
  }

  filterQuery(query: LvbQuery): boolean {
    return !query.hide;
  }

  /** Names of the dashboard's variables, as the editors offer them. */
  getVariableNames(): string[] {
    return getTemplateSrv()
      .getVariables()
      .map((v) => `$${v.name}`);
  }
}
