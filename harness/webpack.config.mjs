// Bundles the editor harness with everything it needs, @grafana/ui and React included, since
// there is no Grafana page to provide them; the plugin's own build keeps them external.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

export default {
  mode: 'development',
  devtool: false,
  context: root,
  entry: './harness/index.tsx',
  output: { path: path.join(root, 'test-results', 'harness'), filename: 'harness.js', clean: true },
  resolve: { extensions: ['.tsx', '.ts', '.mjs', '.js'] },
  module: {
    rules: [
      {
        test: /\.tsx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: { jsc: { target: 'es2020', parser: { syntax: 'typescript', tsx: true } } },
        },
      },
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|ttf|eot)$/, type: 'asset/resource' },
    ],
  },
  plugins: [new CopyWebpackPlugin({ patterns: [{ from: 'harness/index.html', to: '.' }] })],
  performance: { hints: false },
  stats: 'errors-warnings',
};
