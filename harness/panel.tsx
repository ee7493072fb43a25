/**
 * Renders frames the backend produced (a golden file of pkg/plugin, served by the browser test at
 * /frames/<name>) in @grafana/ui's time-series graph inside a panel frame, as a dashboard panel
 * shows them: the picture of a panel for the plugin's catalogue page, from real plugin output.
 */
import React, { useEffect, useState } from 'react';
import {
  applyFieldOverrides,
  DataFrame,
  dataFrameFromJSON,
  DataFrameJSON,
  FieldColorModeId,
  dateTime,
  GrafanaTheme2,
  TimeRange,
} from '@grafana/data';
import { LegendDisplayMode } from '@grafana/schema';
import { PanelChrome, TimeSeries } from '@grafana/ui';

const WIDTH = 1000;
const HEIGHT = 360;

export function PanelView({
  theme,
  source,
  metric,
  title,
}: {
  theme: GrafanaTheme2;
  source: string;
  metric: string;
  title: string;
}) {
  const [frames, setFrames] = useState<DataFrame[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    fetch(`frames/${source}`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`${r.status} for ${source}`))))
      .then((body: { frames: DataFrameJSON[] }) => {
        const raw = body.frames.map((f) => dataFrameFromJSON(f)).filter((f) => f.name === metric);
        // A dashboard's time-series look (outside Grafana no registry supplies the defaults).
        raw.forEach((frame, i) =>
          frame.fields.slice(1).forEach((field) => {
            field.config = {
              ...field.config,
              color: { mode: FieldColorModeId.Fixed, fixedColor: ['green', 'yellow', 'blue', 'orange'][i % 4] },
              custom: { fillOpacity: 12, lineWidth: 1 },
            };
          })
        );
        setFrames(
          applyFieldOverrides({
            data: raw,
            fieldConfig: { defaults: {}, overrides: [] },
            replaceVariables: (s) => s,
            theme,
            timeZone: 'browser',
          })
        );
      })
      .catch((e: unknown) => setError(String(e)));
  }, [source, metric, theme]);

  if (error) {
    return <pre data-testid="panel-error">{error}</pre>;
  }
  if (!frames) {
    return null;
  }
  const times = frames.flatMap((f) => f.fields[0].values as number[]);
  const range: TimeRange = {
    from: dateTime(Math.min(...times)),
    to: dateTime(Math.max(...times)),
    raw: { from: 'now-2h', to: 'now' },
  };
  return (
    <div data-testid="panel" style={{ width: WIDTH }}>
      <PanelChrome title={title} width={WIDTH} height={HEIGHT}>
        {(innerWidth, innerHeight) => (
          <TimeSeries
            frames={frames}
            width={innerWidth}
            height={innerHeight}
            timeRange={range}
            timeZone="browser"
            legend={{ displayMode: LegendDisplayMode.List, placement: 'bottom', showLegend: true, calcs: [] }}
          />
        )}
      </PanelChrome>
    </div>
  );
}
