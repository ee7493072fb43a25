import React, { ChangeEvent, useState } from 'react';
import { InlineField, Input } from '@grafana/ui';

interface Props {
  id: string;
  label: string;
  tooltip: string;
  labelWidth?: number;
  value: number | undefined;
  min: number;
  max: number;
  /** What an empty field means, for the placeholder and the error. */
  empty: string;
  /** Called with the number, or undefined for an empty field, when the field is left holding a valid value. */
  onCommit: (value: number | undefined) => void;
}

/** What is wrong with a typed whole number, or undefined; empty is fine. */
export function countError(text: string, min: number, max: number, empty: string): string | undefined {
  const t = text.trim();
  if (t === '' || (/^[0-9]+$/.test(t) && Number(t) >= min && Number(t) <= max)) {
    return undefined;
  }
  return `A whole number from ${min} to ${max}, or empty for ${empty}`;
}

/** A whole number typed freely and committed when the field is left, only when it is one the backend takes. */
export function CountField({ id, label, tooltip, labelWidth, value, min, max, empty, onCommit }: Props) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  const error = countError(text, min, max, empty);
  return (
    <InlineField label={label} labelWidth={labelWidth} tooltip={tooltip} invalid={error !== undefined} error={error}>
      <Input
        id={id}
        width={12}
        inputMode="numeric"
        placeholder={empty}
        value={text}
        onChange={(e: ChangeEvent<HTMLInputElement>) => setText(e.currentTarget.value)}
        onBlur={() => {
          const next = text.trim() === '' ? undefined : Number(text.trim());
          if (error === undefined && next !== value) {
            onCommit(next);
          }
        }}
      />
    </InlineField>
  );
}
