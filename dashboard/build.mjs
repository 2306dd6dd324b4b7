// Bundles the page into one self-contained index.html for mosquitto's
// http_dir: mosquitto 2.0 sends no Content-Type header, and browsers refuse
// a module script (and may refuse a stylesheet) without one, so the bundled
// script and styles are inlined. licenses.txt beside it carries the
// licences of the bundled npm packages.
//   node build.mjs [OUT_DIR]   (default ../build/dashboard)
import { build } from 'esbuild';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, '..', 'build', 'dashboard'));

const result = await build({
	entryPoints: { app: join(here, 'src', 'app.js') },
	bundle: true,
	minify: true,
	format: 'iife',
	target: ['es2020'],
	outdir: out,
	write: false,
	metafile: true,
	legalComments: 'none',
	logLevel: 'warning',
});
const file = (ext) => result.outputFiles.find((f) => f.path.endsWith(ext)).text;
const js = file('.js');
const css = file('.css') + await readFile(join(here, 'src', 'style.css'), 'utf8');
if (/<\/script/i.test(js) || /<\/style/i.test(css))
	throw new Error('bundle holds a closing tag: it cannot be inlined');

const html = (await readFile(join(here, 'src', 'index.html'), 'utf8'))
	.replace('<link rel="stylesheet" href="app.css">', () => `<style>${css}</style>`)
	.replace('<script src="app.js" defer></script>', () => `<script>${js}</script>`);
if (html.includes('app.js') || html.includes('app.css'))
	throw new Error('src/index.html: the script or stylesheet tag was not found');

// Every npm package that ended up in the bundle, with its licence text.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
	const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
	if (m)
		packages.add(m[m.length - 1].slice('node_modules/'.length, -1));
}
let licenses = '';
for (const name of [...packages].sort()) {
	const dir = join(here, 'node_modules', name);
	const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
	const lic = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
	licenses += `${name} ${pkg.version} (${pkg.license || 'see below'})\n` +
		(lic ? await readFile(join(dir, lic), 'utf8') : '') + '\n\n';
}

await mkdir(out, { recursive: true });
await writeFile(join(out, 'index.html'), html);
await writeFile(join(out, 'licenses.txt'), licenses);
console.log(`dashboard: ${join(out, 'index.html')} (${Math.round(html.length / 1024)} KiB), ` +
	    `${packages.size} npm packages bundled`);
