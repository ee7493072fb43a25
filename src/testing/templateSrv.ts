import { ScopedVars, TypedVariableModel } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

/**
 * A dashboard's template variables, for tests and the browser harness, which run without a
 * Grafana server. It formats values the way Grafana does for the cases the plugin relies on:
 * a multi-value variable becomes `{a,b}` by default and `a,b` with the csv format; scoped vars
 * win over dashboard variables.
 */
export class FixedTemplateSrv implements TemplateSrv {
  constructor(private readonly values: Record<string, string | string[]>) {}

  getVariables(): TypedVariableModel[] {
    return Object.keys(this.values).map(
      (name) => ({ name, type: 'custom', multi: Array.isArray(this.values[name]) }) as unknown as TypedVariableModel
    );
  }

  containsTemplate(target?: string): boolean {
    return !!target && /\$(\w+)|\$\{(\w+)(?::\w+)?\}/.test(target);
  }

  updateTimeRange(): void {}

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(/\$(\w+)|\$\{(\w+)(?::(\w+))?\}/g, (match, plain, braced, inlineFormat) => {
      const name = plain ?? braced;
      const scoped = scopedVars?.[name]?.value;
      const value = scoped !== undefined ? scoped : this.values[name];
      if (value === undefined) {
        return match;
      }
      const fmt = inlineFormat ?? (typeof format === 'string' ? format : undefined);
      if (!Array.isArray(value)) {
        return String(value);
      }
      if (fmt === 'csv') {
        return value.join(',');
      }
      return value.length === 1 ? String(value[0]) : `{${value.join(',')}}`;
    });
  }
}
