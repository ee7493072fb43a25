import { CustomVariableSupport, DataQueryRequest, DataQueryResponse } from '@grafana/data';
import { Observable } from 'rxjs';

import { StreamsVariableEditor } from './components/StreamsVariableEditor';
import type { DataSource } from './datasource';
import { LvbQuery, StreamsVariableQuery } from './types';

/**
 * Dashboard variables of stream IDs: the backend's `streams` query, which lists the streams playing
 * now on a domain (every page), filters them by a regular expression and orders them by name or by
 * viewers. Its frame has `text` and `value` fields, which Grafana reads as the variable's options.
 */
export class StreamsVariableSupport extends CustomVariableSupport<DataSource, StreamsVariableQuery, LvbQuery> {
  editor = StreamsVariableEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<StreamsVariableQuery>): Observable<DataQueryResponse> {
    const targets: LvbQuery[] = request.targets.map((t) => ({
      refId: t.refId || 'streams',
      queryType: 'streams',
      domain: t.domain ?? '',
      filter: t.filter ?? '',
      orderBy: t.orderBy || 'name',
    }));
    return this.datasource.query({ ...request, targets });
  }
}
