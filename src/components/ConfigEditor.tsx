import React, { ChangeEvent, useEffect, useState } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Alert, Collapse, Field, FieldSet, Input, RadioButtonGroup, SecretInput, Stack, TextLink } from '@grafana/ui';

import {
  CLOUD_API_ACTIONS,
  COUNT_PATTERN,
  DEFAULTS,
  LIMITS,
  LvbOptions,
  LvbSecureOptions,
  MIN_SETTLE_MINUTES,
  PLAIN_HTTP_WARNING,
  Upstream,
  WHERE_KEYS,
} from '../types';
import {
  validateApiUrl,
  validateCloudApiUrl,
  validateCmd,
  validateCount,
  validateSecretId,
  validateTimezone,
} from '../validation';

type Props = DataSourcePluginOptionsEditorProps<LvbOptions, LvbSecureOptions>;

type CountKey = keyof typeof LIMITS;

const WIDTH = 60;

const UPSTREAM_OPTIONS: Array<{ value: Upstream; label: string; description: string }> = [
  {
    value: 'legacy',
    label: 'Statistics interface',
    description: 'Get_LivePlayStatHistory on common_access, with the APPID and API key; Tencent enables it on request',
  },
  {
    value: 'cloudapi',
    label: 'Cloud API 3.0',
    description: 'DescribeStreamPlayInfoList, with a SecretId and SecretKey; open to every Live customer',
  },
];

/** The least a CAM policy must allow for this data source. */
const CAM_POLICY = JSON.stringify({
  version: '2.0',
  statement: [
    {
      effect: 'allow',
      action: CLOUD_API_ACTIONS.map((a) => `live:${a}`),
      resource: ['*'],
    },
  ],
});

/** Keeps what was typed when it is not a whole number, so the field can say so; the backend refuses it too. */
function asCount(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') {
    return undefined;
  }
  return COUNT_PATTERN.test(t) ? Number(t) : t;
}

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secureJsonData = options.secureJsonData ?? {};
  // An empty required field is flagged once the user has left it, not on a fresh page.
  const [cmdTouched, setCmdTouched] = useState(false);
  const [keyTouched, setKeyTouched] = useState(false);
  const [secretIdTouched, setSecretIdTouched] = useState(false);
  const [secretKeyTouched, setSecretKeyTouched] = useState(false);
  const upstream: Upstream = jsonData.upstream === 'cloudapi' ? 'cloudapi' : 'legacy';
  const [advancedOpen, setAdvancedOpen] = useState(false);

  // A new data source starts with the defaults filled in, so that what the page shows is what
  // gets saved. Clearing a field later leaves it empty, and the backend uses the default.
  useEffect(() => {
    if (jsonData.apiUrl === undefined || jsonData.timezone === undefined) {
      onOptionsChange({
        ...options,
        jsonData: {
          ...jsonData,
          apiUrl: jsonData.apiUrl ?? DEFAULTS.apiUrl,
          timezone: jsonData.timezone ?? DEFAULTS.timezone,
        },
      });
    }
    // Only once, for the settings the page opened with.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const setJson = <K extends keyof LvbOptions>(key: K, value: LvbOptions[K]) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, [key]: value } });

  const onApiKeyChange = (event: ChangeEvent<HTMLInputElement>) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, apiKey: event.target.value } });

  const onApiKeyReset = () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, apiKey: false },
      secureJsonData: { ...secureJsonData, apiKey: '' },
    });

  const onSecretKeyChange = (event: ChangeEvent<HTMLInputElement>) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, secretKey: event.target.value } });

  const onSecretKeyReset = () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, secretKey: false },
      secureJsonData: { ...secureJsonData, secretKey: '' },
    });

  const apiUrlError = validateApiUrl(jsonData.apiUrl);
  const plainHttp = !apiUrlError && (jsonData.apiUrl || DEFAULTS.apiUrl).toLowerCase().startsWith('http://');
  const cmdValue = jsonData.cmd === undefined ? '' : String(jsonData.cmd);
  const cmdError = cmdValue !== '' || cmdTouched ? validateCmd(cmdValue) : undefined;
  const timezoneError = validateTimezone(jsonData.timezone);
  const keyMissing = !secureJsonFields?.apiKey && !secureJsonData.apiKey;
  const cloudApiUrlError = validateCloudApiUrl(jsonData.cloudApiUrl);
  const secretIdError =
    (jsonData.secretId ?? '') !== '' || secretIdTouched ? validateSecretId(jsonData.secretId) : undefined;
  const secretKeyMissing = !secureJsonFields?.secretKey && !secureJsonData.secretKey;

  const textField = (
    key: 'apiUrl' | 'timezone' | 'cloudApiUrl',
    label: string,
    description: string,
    error?: string
  ) => (
    <Field label={label} description={description} invalid={!!error} error={error}>
      <Input
        id={`lvb-${key}`}
        width={WIDTH}
        value={jsonData[key] ?? ''}
        placeholder={DEFAULTS[key]}
        onChange={(e: ChangeEvent<HTMLInputElement>) => setJson(key, e.target.value.trim())}
      />
    </Field>
  );

  const countField = (key: CountKey, label: string, description: string) => {
    const value = jsonData[key];
    const error = validateCount(key, value);
    return (
      <Field label={label} description={description} invalid={!!error} error={error}>
        <Input
          id={`lvb-${key}`}
          width={20}
          inputMode="numeric"
          value={value === undefined ? '' : String(value)}
          placeholder={String(DEFAULTS[key])}
          onChange={(e: ChangeEvent<HTMLInputElement>) => setJson(key, asCount(e.target.value))}
        />
      </Field>
    );
  };

  return (
    <Stack direction="column" gap={2}>
      <FieldSet label="Tencent Cloud Live statistics">
        <Field
          label="API"
          description="Which of Tencent's interfaces to read. Both give the same figures per minute; Cloud API 3.0 also gives requests, keeps a month instead of 15 days and answers a day a request."
        >
          <RadioButtonGroup
            id="lvb-upstream"
            options={UPSTREAM_OPTIONS}
            value={upstream}
            onChange={(v: Upstream) => setJson('upstream', v)}
          />
        </Field>
        {upstream === 'legacy' ? (
          <>
            {textField(
              'apiUrl',
              'API URL',
              `The common_access endpoint of the statistics API. Keep the default unless Tencent gave you another address or you go through a proxy. Default: ${DEFAULTS.apiUrl}`,
              apiUrlError
            )}
            {plainHttp && (
              <Alert severity="warning" title="Signatures travel readable" role="status">
                {PLAIN_HTTP_WARNING}
              </Alert>
            )}
            <Field
              label="APPID"
              description={`Your LVB APPID (cmd), a number such as 1250000000, shown in the ${WHERE_KEYS.legacy}. Required.`}
              required
              invalid={!!cmdError}
              error={cmdError}
            >
              <Input
                id="lvb-cmd"
                width={WIDTH}
                inputMode="numeric"
                value={cmdValue}
                placeholder="1250000000"
                onBlur={() => setCmdTouched(true)}
                onChange={(e: ChangeEvent<HTMLInputElement>) => setJson('cmd', e.target.value.trim())}
              />
            </Field>
            <Field
              label="API key"
              description={`The API key (API鉴权Key), shown in the ${WHERE_KEYS.legacy}. Grafana stores it encrypted and never sends it back to the browser. Required.`}
              required
              invalid={keyMissing && keyTouched}
              error={keyMissing && keyTouched ? 'Required: the API key of the Live console' : undefined}
            >
              <SecretInput
                id="lvb-apiKey"
                width={WIDTH}
                isConfigured={!!secureJsonFields?.apiKey}
                value={secureJsonData.apiKey ?? ''}
                placeholder="API key"
                onBlur={() => setKeyTouched(true)}
                onChange={onApiKeyChange}
                onReset={onApiKeyReset}
              />
            </Field>
            {textField(
              'timezone',
              "Time zone of the API's timestamps",
              `The IANA zone in which Tencent writes the statistics' times (Beijing time unless Tencent says otherwise). Default: ${DEFAULTS.timezone}`,
              timezoneError
            )}
          </>
        ) : (
          <>
            {textField(
              'cloudApiUrl',
              'Cloud API URL',
              `The Live endpoint of Tencent Cloud API 3.0. Keep the default unless you use a private endpoint or a proxy. Default: ${DEFAULTS.cloudApiUrl}`,
              cloudApiUrlError
            )}
            <Field
              label="SecretId"
              description={`The SecretId of an API key, in the ${WHERE_KEYS.cloudapi}. Prefer a sub-user's key whose policy allows only the two actions below. Required.`}
              required
              invalid={!!secretIdError}
              error={secretIdError}
            >
              <Input
                id="lvb-secretId"
                width={WIDTH}
                value={jsonData.secretId ?? ''}
                placeholder="AKID…"
                onBlur={() => setSecretIdTouched(true)}
                onChange={(e: ChangeEvent<HTMLInputElement>) => setJson('secretId', e.target.value.trim())}
              />
            </Field>
            <Field
              label="SecretKey"
              description="The SecretKey shown with the SecretId. Grafana stores it encrypted and never sends it back to the browser. Required."
              required
              invalid={secretKeyMissing && secretKeyTouched}
              error={secretKeyMissing && secretKeyTouched ? 'Required: the SecretKey of the API key' : undefined}
            >
              <SecretInput
                id="lvb-secretKey"
                width={WIDTH}
                isConfigured={!!secureJsonFields?.secretKey}
                value={secureJsonData.secretKey ?? ''}
                placeholder="SecretKey"
                onBlur={() => setSecretKeyTouched(true)}
                onChange={onSecretKeyChange}
                onReset={onSecretKeyReset}
              />
            </Field>
            <Field
              label="Minimum CAM policy"
              description="Attach a custom policy like this one to the key's sub-user (CAM → Policies → Create custom policy → Create by policy syntax)."
            >
              <pre data-testid="lvb-cam-policy" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
                {CAM_POLICY}
              </pre>
            </Field>
            <TextLink href="https://console.cloud.tencent.com/cam/capi" external>
              Open API keys in the Tencent Cloud console
            </TextLink>
          </>
        )}
      </FieldSet>

      <Collapse label="Advanced" isOpen={advancedOpen} onToggle={() => setAdvancedOpen(!advancedOpen)}>
        {countField(
          'maxConcurrency',
          'Max concurrency',
          `Requests to Tencent in flight at once for this data source, all panels together, at most. When Tencent answers "too frequent", the plugin halves its own pace and raises it again as answers come through. Default: ${DEFAULTS.maxConcurrency}, from ${LIMITS.maxConcurrency.min} to ${LIMITS.maxConcurrency.max}.`
        )}
        {countField(
          'maxStreams',
          'Max streams',
          `The most streams one query may name. Default: ${DEFAULTS.maxStreams}, from ${LIMITS.maxStreams.min} to ${LIMITS.maxStreams.max}.`
        )}
        {countField(
          'timeoutSeconds',
          'Timeout (seconds)',
          `How long to wait for one answer from Tencent. Default: ${DEFAULTS.timeoutSeconds}, from ${LIMITS.timeoutSeconds.min} to ${LIMITS.timeoutSeconds.max}.`
        )}
        {countField(
          'maxRequestsPerSecond',
          'Max requests per second',
          `Requests to Tencent per second for this data source, all panels together, for accounts with a lower rate limit. Default: ${DEFAULTS.maxRequestsPerSecond} (no limit but the concurrency above), up to ${LIMITS.maxRequestsPerSecond.max}.`
        )}
        {countField(
          'cacheMegabytes',
          'Memory for statistics (MB)',
          `Minutes already fetched are kept in memory, per data source, so that refreshes ask Tencent only for what is new; the least recently used streams go first. Default: ${DEFAULTS.cacheMegabytes}, from ${LIMITS.cacheMegabytes.min} to ${LIMITS.cacheMegabytes.max}.`
        )}
        {countField(
          'settleMinutes',
          'Settle time (minutes)',
          `Tencent may still revise the newest minutes; minutes younger than this are fetched again, at most once a minute. This API's newest minutes arrive late, so at least ${MIN_SETTLE_MINUTES[upstream]} is used. Default: ${DEFAULTS.settleMinutes}, from ${LIMITS.settleMinutes.min} to ${LIMITS.settleMinutes.max}.`
        )}
      </Collapse>
    </Stack>
  );
}
