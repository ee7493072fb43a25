import { DataSourceInstanceSettings, DataSourceSettings } from '@grafana/data';

import { LvbOptions, LvbSecureOptions } from '../types';

export type Settings = DataSourceSettings<LvbOptions, LvbSecureOptions>;

/** A data source as Grafana hands it to the config page. */
export function dataSourceSettings(
  jsonData: LvbOptions = {},
  secureJsonFields: Record<string, boolean> = {}
): Settings {
  return {
    id: 1,
    uid: 'lvb',
    orgId: 1,
    name: 'Tencent Cloud Live',
    type: 'lvbstat-tencent-datasource',
    typeName: 'Tencent Cloud Live Play Statistics',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData,
    secureJsonFields,
    secureJsonData: {},
  } as unknown as Settings;
}

/** The same data source as the DataSource class receives it. */
export function instanceSettings(jsonData: LvbOptions = {}): DataSourceInstanceSettings<LvbOptions> {
  return {
    id: 1,
    uid: 'lvb',
    type: 'lvbstat-tencent-datasource',
    name: 'Tencent Cloud Live',
    jsonData,
    meta: { id: 'lvbstat-tencent-datasource' },
    access: 'proxy',
    readOnly: false,
  } as unknown as DataSourceInstanceSettings<LvbOptions>;
}
