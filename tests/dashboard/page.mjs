// Drives the dashboard in headless Chromium (Debian's /usr/bin/chromium,
// through puppeteer-core: no browser download) for
// tests/integration/test_dashboard.sh. One JSON command per stdin line, one
// JSON answer per stdout line ({"ok":true,...} or {"ok":false,"error":...}):
//   {"cmd":"open","url":U,"user":N,"password":P}  load U; sign in when N is given;
//        with "expect":"refused" until the page says so and asks again
//   {"cmd":"wait","people":[ids],"gateway":G}     until those people and G show
//   {"cmd":"wait-value","person":P,"metric":M,"value":V}
//   {"cmd":"wait-unassigned","id":ID}
//   {"cmd":"wait-points","person":P,"trend":T,"points":N} until P's trend T has N points
//   {"cmd":"wait-latest","file":F}               until every person, metric and value of F
//        (sqlite3 -json rows of person, metric, value) shows
//   {"cmd":"wait-lost"}                           until the page no longer says connected
//   {"cmd":"dump","file":F}                       what the page shows, as JSON
//   {"cmd":"keyboard-name","person":P,"name":N}   name P with the keyboard only
//   {"cmd":"phone","file":F}                      a phone-sized viewport: widths (and a screenshot)
//   {"cmd":"screenshot","file":F}
//   {"cmd":"quit"}
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const puppeteer = createRequire(join(repo, 'dashboard', 'package.json'))('puppeteer-core');
const [chromium, profile, pidFile] = process.argv.slice(2);
const TIMEOUT = Number(process.env.HV_PAGE_TIMEOUT || 30) * 1000;

const browser = await puppeteer.launch({
	executablePath: chromium,
	headless: true,
	userDataDir: profile,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
await writeFile(pidFile, `${browser.process().pid}\n`);
const page = await browser.newPage();
const consoleLines = [];
page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
await page.setViewport({ width: 1100, height: 900 });

// What a user sees, read from the DOM.
function scrape()
{
	const text = (e) => (e ? e.textContent.trim() : null);
	const people = {};
	for (const sec of document.querySelectorAll('section.person')) {
		const cells = {};
		for (const td of sec.querySelectorAll('td.value'))
			cells[td.dataset.metric] = { value: Number(td.dataset.value), text: text(td),
						     unit: td.dataset.unit };
		const figures = [...sec.querySelectorAll('figure.trend')];
		people[sec.dataset.person] = { heading: text(sec.querySelector('h3')), latest: cells,
			trends: figures.map((f) => f.dataset.trend),
			points: Object.fromEntries(figures.map((f) => [f.dataset.trend, Number(f.dataset.points)])) };
	}
	const unassigned = [...document.querySelectorAll('#unassigned-body tr')].map((tr) => ({
		id: tr.dataset.id,
		readings: Object.fromEntries([...tr.querySelectorAll('.reading')].map((r) =>
			[r.dataset.metric, { value: Number(r.dataset.value), text: text(r) }])),
	}));
	const gateways = {};
	for (const g of document.querySelectorAll('section.gateway'))
		gateways[g.dataset.gateway] = { led: g.querySelector('.led').dataset.pattern,
			text: text(g) };
	const c = document.querySelector('#connection');
	return { connection: { state: c.dataset.state, text: text(c) }, people, unassigned, gateways };
}

async function waitFor(fn, arg)
{
	await page.waitForFunction(fn, { timeout: TIMEOUT, polling: 'mutation' }, arg);
}

const commands = {
	async open(c) {
		await page.goto(c.url, { waitUntil: 'load' });
		if (c.user) {
			await page.waitForSelector('#login:not([hidden])', { timeout: TIMEOUT });
			await page.type('#username', c.user);
			await page.type('#password', c.password || '');
			await page.keyboard.press('Enter');
		}
		if (c.expect === 'refused') {
			await waitFor(() => document.querySelector('#connection').dataset.state === 'disconnected' &&
				      !document.querySelector('#login').hidden);
			return {};
		}
		await waitFor(() => document.querySelector('#connection').dataset.state === 'connected');
		return {};
	},
	async wait(c) {
		await waitFor((a) => a.people.every((p) => document.querySelector(
			`section.person[data-person="${p}"] td.value`)) &&
			(!a.gateway || document.querySelector(`section.gateway[data-gateway="${a.gateway}"] [data-backlog]`)), c);
		return {};
	},
	async 'wait-value'(c) {
		await waitFor((a) => {
			const td = document.querySelector(
				`td.value[data-person="${a.person}"][data-metric="${a.metric}"]`);
			return td && Number(td.dataset.value) === a.value;
		}, c);
		return {};
	},
	// Retained values arrive one message at a time: wait for all of them.
	async 'wait-latest'(c) {
		const rows = JSON.parse(await readFile(c.file, 'utf8'));
		await waitFor((want) => want.every((r) => {
			const td = document.querySelector(
				`td.value[data-person="${r.person}"][data-metric="${r.metric}"]`);
			return td && Math.abs(Number(td.dataset.value) - r.value) < 1e-9;
		}), rows);
		return {};
	},
	async 'wait-points'(c) {
		await waitFor((a) => {
			const f = document.querySelector(
				`section.person[data-person="${a.person}"] figure.trend[data-trend="${a.trend}"]`);
			return f && Number(f.dataset.points) === a.points;
		}, c);
		return {};
	},
	async 'wait-unassigned'(c) {
		await waitFor((a) => document.querySelector(`#unassigned-body tr[data-id="${a.id}"]`), c);
		return {};
	},
	async 'wait-lost'() {
		await waitFor(() => document.querySelector('#connection').dataset.state !== 'connected');
		return { text: await page.$eval('#connection', (e) => e.textContent.trim()) };
	},
	async dump(c) {
		await writeFile(c.file, JSON.stringify(await page.evaluate(scrape), null, 1));
		return {};
	},
	async 'keyboard-name'(c) {
		const target = `Set a display name for ${c.person}`;
		await page.evaluate(() => document.activeElement && document.activeElement.blur());
		let found = false;
		for (let i = 0; i < 100 && !found; i++) {
			await page.keyboard.press('Tab');
			found = await page.evaluate((t) =>
				document.activeElement.getAttribute('aria-label') === t, target);
		}
		if (!found)
			throw new Error(`Tab never reached "${target}"`);
		await page.keyboard.press('Enter');
		await page.keyboard.type(c.name);
		await page.keyboard.press('Enter');
		const h = await page.$eval(`section.person[data-person="${c.person}"] h3`, (e) => e.textContent);
		const focused = await page.evaluate(() => document.activeElement.className);
		return { heading: h, focused };
	},
	// (isMobile would make puppeteer reload the page: the width is what matters.)
	async phone(c) {
		await page.setViewport({ width: 360, height: 740 });
		await new Promise((r) => setTimeout(r, 300)); // let the charts take the new width
		const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth,
						       client: document.documentElement.clientWidth,
						       people: document.querySelectorAll('section.person').length }));
		if (c.file)
			await page.screenshot({ path: c.file, fullPage: true });
		await page.setViewport({ width: 1100, height: 900 });
		return w;
	},
	async screenshot(c) {
		await page.screenshot({ path: c.file, fullPage: true });
		return {};
	},
	async quit() {
		await browser.close();
		return {};
	},
};

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
	let c;
	let answer;
	try {
		c = JSON.parse(line);
		answer = { ok: true, ...(await commands[c.cmd](c)) };
	} catch (e) {
		answer = { ok: false, error: String(e && e.message || e), console: consoleLines.slice(-10) };
	}
	process.stdout.write(`${JSON.stringify(answer)}\n`);
	if (c && c.cmd === 'quit')
		break;
}
await browser.close().catch(() => {});
process.exit(0);
