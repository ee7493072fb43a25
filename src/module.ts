import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { LvbOptions, LvbQuery, LvbSecureOptions } from './types';

export const plugin = new DataSourcePlugin<DataSource, LvbQuery, LvbOptions, LvbSecureOptions>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
