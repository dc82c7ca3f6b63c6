/**
 * Bundle the front end: frontend/{viewer,modeler,charts,app,simulation}.js and {app,diagram,studio}.css into
 * src/parcours_engine/web/static/dist/, minified, without source maps, with the BPMN icon font
 * in dist/fonts/, plus manifest.json (a content hash per bundle, for cache busting). The same inputs give the same bytes.
 *
 * Run by `make assets` after `npm ci`; by hand: `node frontend/build.mjs`.
 *
 * bpmnlint rules are resolved in Node at build time: the `.bpmnlintrc` plugin below turns
 * the configuration into a module that imports each enabled rule (bpmnlint's own
 * compile-config, which its webpack and rollup plugins use), the `{ config, resolver }`
 * object bpmn-js-bpmnlint expects as `linting.bpmnlint`.
 */

import { createHash } from 'node:crypto';
import { readFile, rm, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const compileConfig = require('bpmnlint/lib/support/compile-config');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'src/parcours_engine/web/static/dist');

/** esbuild plugin: `import config from './.bpmnlintrc'` gives the packed lint configuration. */
const bpmnlintConfigPlugin = {
  name: 'bpmnlint-config',
  setup(build) {
    build.onResolve({ filter: /\.bpmnlintrc$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path),
      namespace: 'bpmnlint-config',
    }));
    build.onLoad({ filter: /.*/, namespace: 'bpmnlint-config' }, async (args) => {
      const config = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: await compileConfig(config), loader: 'js', resolveDir: ROOT, watchFiles: [args.path] };
    });
  },
};

const ENTRIES = {
  viewer: 'frontend/viewer.js',
  modeler: 'frontend/modeler.js',
  charts: 'frontend/charts.js',
  app: 'frontend/app.js',
  simulation: 'frontend/simulation.js',
};

async function bundle() {
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    target: ['es2020'],
    outdir: OUT,
    logLevel: 'warning',
  };
  await esbuild.build({
    ...common,
    entryPoints: ENTRIES,
    format: 'iife',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [bpmnlintConfigPlugin],
  });
  await esbuild.build({
    ...common,
    entryPoints: { app: 'frontend/app.css', diagram: 'frontend/diagram.css', studio: 'frontend/studio.css' },
    loader: { '.png': 'dataurl', '.svg': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file' },
    assetNames: 'fonts/[name]-[hash]',
  });
}

/** Write manifest.json and print each file's size, raw and gzipped. */
async function report() {
  const names = (await readdir(OUT)).filter((name) => /\.(js|css)$/.test(name)).sort();
  const manifest = {};
  for (const name of names) {
    const bytes = await readFile(path.join(OUT, name));
    manifest[name] = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`  dist/${name.padEnd(12)} ${kib(bytes.length).padStart(11)}  (gzip ${kib(gzipSync(bytes).length)})`);
  }
  await writeFile(path.join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
await bundle();
await report();
