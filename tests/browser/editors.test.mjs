// Drives the real ConfigEditor and QueryEditor in Debian's Chromium through playwright-core,
// on the harness page (harness/), and saves screenshots of both under test-results/screenshots.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..', '..');
const site = path.join(root, 'test-results', 'harness');
const shots = path.join(root, 'test-results', 'screenshots');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let server;
let browser;
let base;

before(async () => {
  assert.ok(existsSync(path.join(site, 'harness.js')), 'build the harness first: npm run test:browser does');
  assert.ok(
    existsSync(executablePath),
    `no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`
  );
  mkdirSync(shots, { recursive: true });
  server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '') || 'index.html';
    // Frames the backend produced: the golden files of pkg/plugin, without their comment header.
    if (name.startsWith('frames/')) {
      const golden = path.join(root, 'pkg', 'plugin', 'testdata', 'golden', path.basename(name));
      if (!existsSync(golden)) {
        res.writeHead(404).end();
        return;
      }
      const body = readFileSync(golden, 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith('//'))
        .join('\n');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      return;
    }
    const file = path.join(site, path.normalize(name));
    if (!file.startsWith(site) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.html')
      ? 'text/html'
      : file.endsWith('.js')
        ? 'text/javascript'
        : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type }).end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

async function open(theme = 'dark') {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${base}?theme=${theme}`);
  await page.getByTestId('query-editor').waitFor();
  return { page, errors };
}

const state = async (page) => JSON.parse(await page.getByTestId('state').textContent());

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

test('the page wears the Grafana theme', async () => {
  const { page, errors } = await open();
  const canvas = await page.locator('main').getAttribute('data-canvas');
  const body = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(body, rgb(canvas), 'GlobalStyles of @grafana/ui did not paint the page');
  assert.deepEqual(errors, []);
  await page.close();
});

test('config editor: fields, validation, secret reset, advanced settings', async () => {
  const { page, errors } = await open();
  const config = page.getByTestId('config-editor');
  // Required fields carry a " *" after their label.
  for (const label of [/^API URL$/, /^APPID( \*)?$/, /^API key( \*)?$/, /^Time zone of the API's timestamps$/]) {
    assert.ok(await config.getByText(label).isVisible(), `${label} is not shown`);
  }
  // A new data source starts with the defaults filled in.
  assert.equal(await page.locator('#lvb-apiUrl').inputValue(), 'http://statcgi.video.qcloud.com/common_access');
  assert.equal(await page.locator('#lvb-timezone').inputValue(), 'Asia/Shanghai');

  await page.locator('#lvb-apiUrl').fill('ftp://statcgi.example.com/common_access');
  await page.locator('#lvb-cmd').fill('12ab');
  await page.locator('#lvb-timezone').fill('Beijing');
  const alerts = config.getByRole('alert');
  assert.deepEqual(await alerts.allTextContents(), [
    'The URL must start with http:// or https://',
    'The APPID is a whole number such as 1250000000, written in digits',
    'Not an IANA time zone such as Asia/Shanghai',
  ]);

  await page.locator('#lvb-apiUrl').fill('https://statcgi.example.com/common_access');
  await page.locator('#lvb-cmd').fill('1250000000');
  await page.locator('#lvb-timezone').fill('Asia/Shanghai');
  assert.equal(await alerts.count(), 0);

  // The saved key shows as configured, never its value; reset, then enter a new one.
  const key = page.locator('#lvb-apiKey');
  assert.equal(await key.inputValue(), 'configured');
  assert.ok(await key.isDisabled());
  await config.getByRole('button', { name: 'Reset' }).click();
  await key.fill('4f1c0e1d2b3a');

  await config.getByText('Advanced').click();
  await page.locator('#lvb-maxConcurrency').fill('100');
  assert.deepEqual(await alerts.allTextContents(), ['A whole number from 1 to 64, in digits']);
  await page.locator('#lvb-maxConcurrency').fill('4');
  await page.locator('#lvb-maxStreams').fill('50');
  await page.locator('#lvb-timeoutSeconds').fill('60');
  assert.equal(await alerts.count(), 0);
  for (const label of ['Max concurrency', 'Max streams', 'Timeout (seconds)']) {
    assert.ok(await config.getByText(label, { exact: true }).isVisible(), `${label} is not shown`);
  }

  const s = await state(page);
  assert.deepEqual(s.jsonData, {
    apiUrl: 'https://statcgi.example.com/common_access',
    cmd: '1250000000',
    timezone: 'Asia/Shanghai',
    maxConcurrency: 4,
    maxStreams: 50,
    timeoutSeconds: 60,
  });
  assert.deepEqual(s.secureJsonData, { apiKey: '4f1c0e1d2b3a' });
  assert.equal(s.secureJsonFields.apiKey, false);

  await config.screenshot({ path: path.join(shots, 'config-editor.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

// The inputs of testdata/settings-cases.json, which the Go tests feed to the backend: the page
// marks a field exactly when the backend refuses its value.
test('config editor marks exactly what the backend refuses', async () => {
  const cases = JSON.parse(readFileSync(path.join(root, 'testdata', 'settings-cases.json'), 'utf8'));
  const { page, errors } = await open();
  const config = page.getByTestId('config-editor');
  await config.getByText('Advanced').click();
  const alerts = config.getByRole('alert');
  const valid = {
    apiUrl: 'http://127.0.0.1:8099/common_access',
    cmd: '1250000000',
    timezone: 'Asia/Shanghai',
    secretId: 'AKIDexample',
    cloudApiUrl: '',
  };
  let checked = 0;
  let upstream = 'legacy';
  for (const { field, value, ok, upstream: wanted = 'legacy' } of cases) {
    const text = String(value);
    if (text.trim() === '') {
      continue; // an empty field means the default, or for the APPID a required-field notice
    }
    if (wanted !== upstream) {
      // The other API's fields appear when it is chosen; its required SecretId is filled first.
      await config
        .getByRole('radio', { name: wanted === 'cloudapi' ? 'Cloud API 3.0' : 'Statistics interface' })
        .check();
      if (wanted === 'cloudapi') {
        await page.locator('#lvb-secretId').fill(valid.secretId);
      }
      upstream = wanted;
    }
    const input = page.locator(`#lvb-${field}`);
    await input.fill(text);
    assert.equal(
      await alerts.count(),
      ok ? 0 : 1,
      `${field} = ${JSON.stringify(value)}: marked ${!ok ? 'not ' : ''}as wrong`
    );
    await input.fill(valid[field] ?? '');
    checked++;
  }
  assert.ok(checked > 40, `only ${checked} cases checked`);
  assert.equal(await alerts.count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('query editor: type, domain, several streams with a variable, metrics', async () => {
  const { page, errors } = await open();
  const editor = page.getByTestId('query-editor');
  for (const label of ['Query type', 'Domain', 'Stream IDs', 'Metrics']) {
    assert.ok(await editor.getByText(label, { exact: true }).isVisible(), `${label} is not shown`);
  }

  await page.locator('#lvb-domain').fill('$domain');
  assert.equal((await state(page)).runs, 0, 'the query ran before the domain was committed');
  await page.locator('#lvb-domain').press('Tab');

  const streams = page.locator('#lvb-streams');
  await streams.click();
  await streams.pressSequentially('live_3');
  await streams.press('Enter');
  await streams.pressSequentially('$streams');
  await page.getByText('$streams', { exact: true }).last().click();

  const metrics = page.locator('#lvb-metrics');
  await metrics.click();
  await page.getByText('Bandwidth', { exact: true }).click();
  await metrics.click();
  await page.getByText('Online', { exact: true }).click();
  await page.keyboard.press('Escape');

  const s = await state(page);
  assert.deepEqual(
    { domain: s.query.domain, streamId: s.query.streamId, metrics: s.query.metrics, queryType: s.query.queryType },
    { domain: '$domain', streamId: 'live_3,$streams', metrics: ['bandwidth', 'online'], queryType: 'timeseries' }
  );
  // What the backend receives once the dashboard's variables are applied.
  assert.equal(s.interpolated.domain, 'play.example.com');
  assert.equal(s.interpolated.streamId, 'live_3,live_1,live_2');
  // One run for the domain, one for each stream and each metric picked.
  assert.equal(s.runs, 5);

  await editor.screenshot({ path: path.join(shots, 'query-editor.png') });

  await page.locator('#lvb-query-type').click();
  await page.getByText('Summary', { exact: true }).click();
  assert.equal((await state(page)).query.queryType, 'summary');
  assert.equal(await page.locator('#lvb-metrics').count(), 0, 'metrics are offered for a summary');
  assert.deepEqual(errors, []);
  await page.close();
});

test('both editors in the light and dark themes', async () => {
  for (const theme of ['dark', 'light']) {
    const { page, errors } = await open(theme);
    await page.getByTestId('config-editor').getByText('Advanced').click();
    await page.screenshot({ path: path.join(shots, `editors-${theme}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('a panel of the frames the backend produced', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 480 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}index.html?view=panel&frames=timeseries.jsonc&metric=bandwidth&title=Bandwidth`);
  const panel = page.getByTestId('panel');
  await panel.locator('canvas').first().waitFor();
  // The series is named as the backend named it, and drawn from its 120 minutes.
  await panel.getByText('live_1 bandwidth').waitFor();
  assert.equal(await page.getByTestId('panel-error').count(), 0);
  await panel.screenshot({ path: path.join(shots, 'panel-bandwidth.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
