/**
 * A page that mounts the plugin's real ConfigEditor and QueryEditor with the real @grafana/ui
 * theme, as Grafana would, for the browser test (tests/browser). It shows the options and query
 * objects the editors produce, so the test reads the same state a person sees.
 */
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme } from '@grafana/data';
import { setTemplateSrv } from '@grafana/runtime';
import { GlobalStyles, ThemeContext } from '@grafana/ui';

import { ConfigEditor } from '../src/components/ConfigEditor';
import { QueryEditor } from '../src/components/QueryEditor';
import { DataSource } from '../src/datasource';
import { dataSourceSettings, instanceSettings, Settings } from '../src/testing/fixtures';
import { FixedTemplateSrv } from '../src/testing/templateSrv';
import { DEFAULT_QUERY, LvbQuery, StreamSuggestion } from '../src/types';
import { PanelView } from './panel';

setTemplateSrv(new FixedTemplateSrv({ streams: ['live_1', 'live_2'], domain: 'play.example.com' }));

const params = new URLSearchParams(window.location.search);
const theme = createTheme({ colors: { mode: params.get('theme') === 'light' ? 'light' : 'dark' } });

// A data source saved earlier: its key is stored, so the page shows it as configured.
const saved = dataSourceSettings({}, { apiKey: true });
const datasource = new DataSource(instanceSettings());
// What the backend's streams resource answers for the simulator's streams: there is no backend
// behind this page.
const playing: StreamSuggestion[] = [
  { streamId: 'live_3', online: 1528, bandwidth: 127.385 },
  { streamId: 'live_1', online: 1303, bandwidth: 108.606 },
  { streamId: 'live_2', online: 809, bandwidth: 67.457 },
];
datasource.getStreams = async () => playing;

function App() {
  const [options, setOptions] = useState<Settings>(saved);
  const [query, setQuery] = useState<LvbQuery>({ refId: 'A', ...DEFAULT_QUERY });
  const [runs, setRuns] = useState(0);
  const state = {
    jsonData: options.jsonData,
    secureJsonData: options.secureJsonData,
    secureJsonFields: options.secureJsonFields,
    query,
    interpolated: datasource.applyTemplateVariables(query, {}),
    runs,
  };
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ padding: theme.spacing(3), maxWidth: 1000 }} data-canvas={theme.colors.background.canvas}>
        <section data-testid="config-editor" style={{ marginBottom: theme.spacing(4) }}>
          <h2>Settings</h2>
          <ConfigEditor options={options} onOptionsChange={setOptions} />
        </section>
        <section data-testid="query-editor" style={{ marginBottom: theme.spacing(4) }}>
          <h2>Query</h2>
          <QueryEditor
            datasource={datasource}
            query={query}
            onChange={setQuery}
            onRunQuery={() => setRuns((n) => n + 1)}
          />
        </section>
        <pre data-testid="state" style={{ fontSize: 11 }}>
          {JSON.stringify(state, null, 1)}
        </pre>
      </main>
    </ThemeContext.Provider>
  );
}

// ?view=panel shows a panel of frames the backend produced instead of the editors.
const view =
  params.get('view') === 'panel' ? (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ padding: theme.spacing(3) }}>
        <PanelView
          theme={theme}
          source={params.get('frames') ?? 'timeseries.jsonc'}
          metric={params.get('metric') ?? 'bandwidth'}
          title={params.get('title') ?? 'Bandwidth'}
        />
      </main>
    </ThemeContext.Provider>
  ) : (
    <App />
  );

createRoot(document.getElementById('root')!).render(view);
