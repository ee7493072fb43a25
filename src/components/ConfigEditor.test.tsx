import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import { userEvent as userEventLib } from '@testing-library/user-event';

import { PLAIN_HTTP_WARNING, WHERE_KEYS } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { dataSourceSettings as settings, Settings } from '../testing/fixtures';

// No pause between keystrokes: pauses are timers, and timers only make a test slower on a busy machine.
const userEvent = userEventLib.setup({ delay: null });

/** Renders the editor the way Grafana does: it owns the options and feeds changes back. */
function renderEditor(initial: Settings) {
  const changes: Settings[] = [];
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          changes.push(o);
          setOptions(o);
        }}
      />
    );
  }
  render(<Host />);
  return { changes, last: () => changes[changes.length - 1] };
}

describe('ConfigEditor', () => {
  it('fills in the defaults and says where to find each value', () => {
    const { last } = renderEditor(settings());
    expect(screen.getByLabelText(/API URL/)).toHaveValue('http://statcgi.video.qcloud.com/common_access');
    expect(screen.getByLabelText(/Time zone/)).toHaveValue('Asia/Shanghai');
    expect(last().jsonData).toEqual({
      apiUrl: 'http://statcgi.video.qcloud.com/common_access',
      timezone: 'Asia/Shanghai',
    });
    // Both fields say where their value is, in the one wording the backend's messages use too.
    expect(screen.getAllByText(new RegExp(WHERE_KEYS.legacy.replace(/[()]/g, '\\$&')))).toHaveLength(2);
    expect(screen.getByText(/API鉴权Key/)).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('stores what is typed in jsonData and the key in secureJsonData', async () => {
    const { last } = renderEditor(settings());
    await userEvent.type(screen.getByLabelText(/APPID/), '1250000000');
    await userEvent.type(screen.getByLabelText(/API key/), 'secret-key');
    await userEvent.clear(screen.getByLabelText(/Time zone/));
    await userEvent.type(screen.getByLabelText(/Time zone/), 'UTC');
    expect(last().jsonData).toEqual({
      apiUrl: 'http://statcgi.video.qcloud.com/common_access',
      cmd: '1250000000',
      timezone: 'UTC',
    });
    expect(last().secureJsonData).toEqual({ apiKey: 'secret-key' });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('flags invalid values in place', async () => {
    renderEditor(settings());
    await userEvent.clear(screen.getByLabelText(/API URL/));
    await userEvent.type(screen.getByLabelText(/API URL/), 'ftp://example.com/x');
    expect(await screen.findByText('The URL must start with http:// or https://')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/APPID/), '12ab');
    expect(screen.getByText('The APPID is a whole number such as 1250000000, written in digits')).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText(/Time zone/));
    await userEvent.type(screen.getByLabelText(/Time zone/), 'Mars/Olympus');
    expect(screen.getByText('Not an IANA time zone such as Asia/Shanghai')).toBeInTheDocument();
    expect(screen.getAllByRole('alert')).toHaveLength(3);
  });

  it('warns of a plain http API URL, and only of one', async () => {
    renderEditor(settings());
    expect(screen.getByText(PLAIN_HTTP_WARNING)).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText(/API URL/));
    await userEvent.type(screen.getByLabelText(/API URL/), 'https://proxy.example.com/common_access');
    expect(screen.queryByText(PLAIN_HTTP_WARNING)).not.toBeInTheDocument();
  });

  it('flags an empty required APPID once the field is left', async () => {
    renderEditor(settings());
    expect(screen.queryByText(/Required: the LVB APPID/)).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText(/APPID/));
    await userEvent.tab();
    expect(screen.getByText(/Required: the LVB APPID/)).toBeInTheDocument();
  });

  it('keeps saved settings as they are, an APPID stored as a number included', () => {
    const { changes } = renderEditor(settings({ cmd: 1250000000, apiUrl: '', timezone: 'UTC' }));
    expect(changes).toHaveLength(0);
    expect(screen.getByLabelText(/API URL/)).toHaveValue('');
    expect(screen.getByLabelText(/APPID/)).toHaveValue('1250000000');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('keeps advanced settings behind a section and checks their ranges', async () => {
    const { last } = renderEditor(settings());
    expect(screen.queryByLabelText(/Max concurrency/)).not.toBeInTheDocument();
    await userEvent.click(screen.getByText('Advanced'));
    const concurrency = screen.getByLabelText(/Max concurrency/);
    expect(concurrency).toHaveAttribute('placeholder', '8');
    expect(screen.getByLabelText(/Max streams/)).toHaveAttribute('placeholder', '20');
    expect(screen.getByLabelText(/Timeout/)).toHaveAttribute('placeholder', '30');
    await userEvent.type(concurrency, '100');
    expect(screen.getByText('A whole number from 1 to 64, in digits')).toBeInTheDocument();
    await userEvent.clear(concurrency);
    await userEvent.type(concurrency, '4');
    expect(screen.queryByText('A whole number from 1 to 64, in digits')).not.toBeInTheDocument();
    expect(last().jsonData.maxConcurrency).toBe(4);
    await userEvent.type(screen.getByLabelText(/Timeout/), 'x');
    expect(last().jsonData.timeoutSeconds).toBe('x');
    expect(screen.getByText('A whole number from 1 to 300, in digits')).toBeInTheDocument();
  });

  it('never shows a saved key and can reset it', async () => {
    const { last } = renderEditor(settings({ cmd: '1250000000' }, { apiKey: true }));
    const key = screen.getByLabelText(/API key/);
    expect(key).toBeDisabled();
    expect(key).toHaveValue('configured');
    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.apiKey).toBe(false);
    expect(last().secureJsonData).toEqual({ apiKey: '' });
    expect(screen.getByLabelText(/API key/)).toBeEnabled();
    expect(screen.getByLabelText(/API key/)).toHaveValue('');
  });

  it("shows only the chosen API's fields: Cloud API 3.0 takes a SecretId, a SecretKey and a CAM policy", async () => {
    const { last } = renderEditor(settings());
    await userEvent.click(screen.getByText('Cloud API 3.0'));
    expect(last().jsonData.upstream).toBe('cloudapi');
    expect(screen.queryByLabelText(/APPID/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/Time zone/)).not.toBeInTheDocument();
    expect(screen.getByTestId('lvb-cam-policy')).toHaveTextContent('live:DescribeStreamPlayInfoList');
    expect(screen.getByTestId('lvb-cam-policy')).toHaveTextContent('live:DescribeAllStreamPlayInfoList');
    expect(screen.getByTestId('lvb-cam-policy')).toHaveTextContent('live:DescribeBillBandwidthAndFluxList');
    expect(screen.getByText(/Cloud Access Management \(CAM\) → API keys/)).toBeInTheDocument();

    await userEvent.click(screen.getByPlaceholderText('AKID…'));
    await userEvent.tab();
    expect(screen.getByText(/Required: the SecretId/)).toBeInTheDocument();
    await userEvent.type(screen.getByPlaceholderText('AKID…'), 'AKIDé');
    expect(screen.getByText(/no spaces/)).toBeInTheDocument();
    await userEvent.clear(screen.getByPlaceholderText('AKID…'));
    await userEvent.type(screen.getByPlaceholderText('AKID…'), 'AKIDexample');
    await userEvent.type(screen.getByPlaceholderText('SecretKey'), 'the-secret');
    await userEvent.type(
      screen.getByPlaceholderText('https://live.tencentcloudapi.com'),
      'https://live.tencentcloudapi.com/v3'
    );
    expect(screen.getByText(/Only the scheme and host/)).toBeInTheDocument();
    await userEvent.clear(screen.getByPlaceholderText('https://live.tencentcloudapi.com'));
    expect(last().jsonData).toMatchObject({ upstream: 'cloudapi', secretId: 'AKIDexample', cloudApiUrl: '' });
    expect(last().secureJsonData).toEqual({ secretKey: 'the-secret' });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    // Back to the statistics interface: its fields again, the Cloud API's kept but unused.
    await userEvent.click(screen.getByText('Statistics interface'));
    expect(screen.getByLabelText(/APPID/)).toBeInTheDocument();
    expect(screen.queryByPlaceholderText('AKID…')).not.toBeInTheDocument();
  });

  it('shows a stored SecretKey as configured and resets it', async () => {
    const { last } = renderEditor(settings({ upstream: 'cloudapi', secretId: 'AKIDexample' }, { secretKey: true }));
    expect(screen.getByPlaceholderText('SecretKey')).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.secretKey).toBe(false);
    expect(last().secureJsonData).toEqual({ secretKey: '' });
  });
});
