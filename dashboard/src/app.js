// The dashboard: MQTT over WebSockets to the broker that served this page,
// rendering the Model (model.js). Settings come from the query string:
//   ?prefix=homevitals  topic prefix (mqtt.topic_prefix)
//   &gateway=gw1        one gateway (default: every gateway the user may read)
//   &broker=wss://h:p/  another broker URL (default: the page's own host)
//   &login=1            ask for a user name and password before connecting
import mqtt from 'mqtt';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
	Model, TRENDS, metricLabel, toDisplay, unitLabel, formatValue, formatAge,
	ledMeaning, lastReadingAge, parseTopic, historyTopics,
} from './model.js';

const params = new URLSearchParams(location.search);
const prefix = params.get('prefix') || 'homevitals';
const gatewayFilter = params.get('gateway') || '+';
const brokerUrl = params.get('broker') ||
	`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
const NAMES_KEY = 'homevitals.names';
const HISTORY_DAYS = Number(params.get('days')) || 90;

const model = new Model(prefix);
const charts = new Map(); // "<person>/<trend>" -> uPlot
let client = null;
let clientId = '';
const historyAsked = new Set(); // "<gateway>/<person>" asked on this connection

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children)
{
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k === 'class')
			e.className = v;
		else if (k.startsWith('on'))
			e.addEventListener(k.slice(2), v);
		else if (v !== undefined && v !== null)
			e.setAttribute(k, v);
	}
	for (const c of children)
		if (c !== null && c !== undefined)
			e.append(c);
	return e;
}

// Display names live only in this browser: MQTT carries pseudonymous ids.
function names()
{
	try {
		return JSON.parse(localStorage.getItem(NAMES_KEY)) || {};
	} catch {
		return {};
	}
}

function setName(id, name)
{
	const n = names();
	if (name)
		n[id] = name;
	else
		delete n[id];
	localStorage.setItem(NAMES_KEY, JSON.stringify(n));
}

function setConnection(state, words)
{
	const c = $('#connection');
	c.dataset.state = state;
	$('#connection-text').textContent = words;
}

// --- people ---------------------------------------------------------------

function valueCell(person, metric, v)
{
	const d = toDisplay(v.value, v.unit, v.display_unit);
	return el('td', { class: 'value', 'data-person': person, 'data-metric': metric,
			  'data-value': String(v.value), 'data-unit': d.unit },
		  formatValue(d.value, metric, d.unit));
}

function latestTable(id, p)
{
	const rows = [...p.latest.entries()].sort((a, b) =>
		metricLabel(a[0]).localeCompare(metricLabel(b[0])));
	const body = el('tbody');
	for (const [metric, v] of rows) {
		const d = toDisplay(v.value, v.unit, v.display_unit);
		body.append(el('tr', {},
			el('th', { scope: 'row' }, metricLabel(metric)),
			valueCell(id, metric, v),
			el('td', { class: 'unit' }, unitLabel(d.unit)),
			el('td', { class: 'age', 'data-time': String(v.time) },
			   formatAge((Date.now() - v.time) / 1000))));
	}
	return el('table', { class: 'latest' },
		el('caption', { class: 'visually-hidden' }, 'Latest values'),
		el('thead', {}, el('tr', {},
			el('th', { scope: 'col' }, 'Metric'), el('th', { scope: 'col' }, 'Value'),
			el('th', { scope: 'col' }, 'Unit'), el('th', { scope: 'col' }, 'Measured'))),
		body);
}

function nameForm(id, heading)
{
	const input = el('input', { type: 'text', id: `name-${id}`, autocomplete: 'off',
				    value: names()[id] || '' });
	const form = el('form', { class: 'name-form', hidden: '' },
		el('label', { for: `name-${id}` }, 'Display name (kept in this browser only)'),
		input, el('button', { type: 'submit' }, 'Save'));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		setName(id, input.value.trim());
		form.hidden = true;
		renderPerson(id);
		$(`#person-${CSS.escape(id)} .rename`).focus();
	});
	const button = el('button', { type: 'button', class: 'rename',
				      'aria-label': `Set a display name for ${heading}` }, 'Name…');
	button.addEventListener('click', () => {
		form.hidden = !form.hidden;
		if (!form.hidden)
			input.focus();
	});
	return [button, form];
}

function personTitle(id)
{
	const n = names()[id];
	return n ? `${n} (${id})` : id;
}

function trendSection(id, p, trend)
{
	const metrics = trend.metrics.filter((m) => p.series.has(m));
	if (!metrics.length)
		return null;
	const first = p.latest.get(metrics[0]) || {};
	const unit = toDisplay(0, first.unit, first.display_unit).unit;
	const times = [...new Set(metrics.flatMap((m) => p.series.get(m).map((x) => x[0])))]
		.sort((a, b) => a - b);
	const cols = metrics.map((m) => {
		const byTime = new Map(p.series.get(m).map(([t, v]) => [t, v]));
		return times.map((t) => {
			const v = byTime.get(t);
			return v === undefined ? null : toDisplay(v, first.unit, first.display_unit).value;
		});
	});
	const values = cols.flat().filter((v) => v !== null);
	const box = el('figure', { class: 'trend', 'data-trend': trend.id, 'data-points': String(times.length) });
	const caption = `${trend.title} (${unitLabel(unit)}), ${times.length} point${times.length === 1 ? '' : 's'}`;
	const chart = el('div', { class: 'chart', role: 'img', 'aria-label': caption });
	// The same numbers as a table, for screen readers and for reading exact values.
	const table = el('table', {}, el('thead', {}, el('tr', {},
		el('th', { scope: 'col' }, 'Time'),
		...metrics.map((m) => el('th', { scope: 'col' }, metricLabel(m))))),
		el('tbody', {}, ...times.map((t, i) => el('tr', {},
			el('td', {}, new Date(t * 1000).toLocaleString()),
			...cols.map((c) => el('td', {}, c[i] === null ? '–' :
					      formatValue(c[i], metrics[0], unit)))))));
	box.append(el('figcaption', {}, caption), chart,
		   el('details', {}, el('summary', {}, 'Show the values'), table));
	const colours = ['#0b5cad', '#b3261e', '#2e7d32'];
	const dashes = [[], [6, 4], [2, 3]];
	const opts = {
		width: 320, height: 160,
		scales: { x: { time: true, auto: false, range: padRange(times[0], times[times.length - 1], 43200) },
			  y: { auto: false, range: padRange(Math.min(...values), Math.max(...values), 1) } },
		legend: { show: true, live: false },
		cursor: { show: false },
		series: [{}, ...metrics.map((m, i) => ({
			label: metricLabel(m), stroke: colours[i], width: 2, dash: dashes[i],
			points: { show: true, size: 7 },
		}))],
		axes: [{}, { size: 44 }],
	};
	requestAnimationFrame(() => {
		const key = `${id}/${trend.id}`;
		if (charts.has(key))
			charts.get(key).destroy();
		opts.width = chart.clientWidth || 320;
		charts.set(key, new uPlot(opts, [times, ...cols], chart));
	});
	return box;
}

// A little room around the data; one point (a retained value alone) gets
// LEAST on each side, so its axis stays readable.
function padRange(min, max, least)
{
	const pad = min === max ? least : (max - min) * 0.08;
	return [min - pad, max + pad];
}

// Charts follow their box's width (a phone turned, a window resized).
function resizeCharts()
{
	for (const u of charts.values()) {
		const box = u.root.parentElement;
		if (box && box.isConnected && box.clientWidth && box.clientWidth !== u.width)
			u.setSize({ width: box.clientWidth, height: u.height });
	}
}

function renderPerson(id)
{
	const p = model.people.get(id);
	const list = $('#people-list');
	let sec = document.getElementById(`person-${id}`);
	if (!sec) {
		sec = el('section', { id: `person-${id}`, class: 'person', 'data-person': id,
				      'aria-labelledby': `person-h-${id}` });
		list.append(sec);
		[...list.children].sort((a, b) => a.dataset.person.localeCompare(b.dataset.person))
			.forEach((c) => list.append(c));
	}
	const title = personTitle(id);
	const [button, form] = nameForm(id, title);
	sec.replaceChildren(
		el('header', {}, el('h3', { id: `person-h-${id}`, tabindex: '-1' }, title), button),
		form, latestTable(id, p),
		el('div', { class: 'trends' },
		   ...TRENDS.map((t) => trendSection(id, p, t)).filter(Boolean)));
	$('#people-empty').hidden = model.people.size > 0;
}

// --- unassigned -----------------------------------------------------------

function renderUnassigned()
{
	const body = $('#unassigned-body');
	body.replaceChildren(...model.unassigned.map((m) => el('tr', { 'data-id': m.id },
		el('td', {}, new Date(m.time).toLocaleString()),
		el('td', {}, m.model || ''),
		el('td', {}, ...m.readings.map((r) => {
			const d = toDisplay(r.value, r.unit, m.display_unit);
			return el('span', { class: 'reading', 'data-metric': r.metric,
					    'data-value': String(r.value) },
				  `${metricLabel(r.metric)} ${formatValue(d.value, r.metric, d.unit)} ${unitLabel(d.unit)}`);
		})))));
	$('#unassigned-empty').hidden = model.unassigned.length > 0;
	$('#unassigned-table').hidden = model.unassigned.length === 0;
}

// --- gateways -------------------------------------------------------------

function renderGateway(id)
{
	const g = model.gateway(id);
	let sec = document.getElementById(`gateway-${id}`);
	if (!sec) {
		sec = el('section', { id: `gateway-${id}`, class: 'gateway', 'data-gateway': id });
		$('#gateway-list').append(sec);
	}
	const led = ledMeaning(g, Date.now());
	const st = g.status || {};
	const age = lastReadingAge(g, Date.now());
	const row = (k, v, attrs = {}) => el('div', {}, el('dt', {}, k), el('dd', attrs, v));
	sec.replaceChildren(el('h3', {}, `Gateway ${id}`), el('dl', {},
		row('Light', `${led.pattern}: ${led.words}`, { class: 'led', 'data-pattern': led.pattern }),
		row('Running', g.availability === 'online' ? 'yes' :
		    g.availability === 'offline' ? 'no (offline)' : 'unknown'),
		row('Backlog', st.backlog === undefined ? 'unknown' :
		    `${st.backlog} measurement${st.backlog === 1 ? '' : 's'} waiting to be sent`,
		    { 'data-backlog': String(st.backlog) }),
		row('Bluetooth adapter', st.adapter ? `${st.adapter_name || ''} ${st.adapter}`.trim() : 'unknown'),
		row('Storage', st.storage || 'unknown'),
		row('Last reading', lastReadingWords(g, age)),
		row('Version', st.version || 'unknown')));
	$('#gateway-empty').hidden = true;
}

function lastReadingWords(g, age)
{
	const st = g.status || {};
	if (typeof st.last_reading_age_s !== 'number')
		return 'none since the gateway started';
	if (age === null)
		return `${formatAge(st.last_reading_age_s).replace(' ago', '')} before the gateway's last status report`;
	return formatAge(age);
}

// Ages move on without new messages.
function tick()
{
	const now = Date.now();
	for (const td of document.querySelectorAll('td.age'))
		td.textContent = formatAge((now - Number(td.dataset.time)) / 1000);
	for (const id of model.gateways.keys())
		renderGateway(id);
}

// --- MQTT -------------------------------------------------------------------

// Ask once per person for the days before the page opened.
function askHistory(gateway, person)
{
	const key = `${gateway}/${person}`;
	if (historyAsked.has(key) || !client)
		return;
	historyAsked.add(key);
	const t = historyTopics(prefix, gateway, person, clientId);
	client.publish(t.request, JSON.stringify({ days: HISTORY_DAYS }),
		       { qos: 1, properties: { responseTopic: t.response } });
}

function onMessage(topic, payload, packet)
{
	const change = model.handle(topic, payload.toString(), Date.now(), packet.retain);
	if (!change)
		return;
	const t = parseTopic(prefix, topic);
	if (t && t.person && t.kind !== 'history')
		askHistory(t.gateway, t.person);
	if (change.what === 'person')
		renderPerson(change.id);
	else if (change.what === 'unassigned')
		renderUnassigned();
	else if (change.what === 'gateway')
		renderGateway(change.id);
	$('#last-message').textContent = new Date().toLocaleTimeString();
}

function connect(username, password)
{
	if (client)
		client.end(true);
	setConnection('connecting', 'Connecting…');
	clientId = `homevitals-dashboard-${Math.random().toString(16).slice(2, 10)}`;
	historyAsked.clear();
	// MQTT 5: the history request carries a response topic.
	client = mqtt.connect(brokerUrl, {
		username: username || undefined,
		password: password || undefined,
		protocolVersion: 5,
		clean: true,
		reconnectPeriod: 5000,
		connectTimeout: 10000,
		clientId,
	});
	const base = `${prefix}/${gatewayFilter}`;
	client.on('connect', () => {
		setConnection('connected', `Connected to ${brokerUrl}`);
		client.subscribe([`${base}/status`, `${base}/availability`,
				  `${base}/people/+/latest/+`, `${base}/people/+/measurements`,
				  `${base}/unassigned/measurements`,
				  `${base}/people/+/history/response/${clientId}`], { qos: 1 });
	});
	client.on('message', onMessage);
	client.on('reconnect', () => setConnection('connecting', 'Reconnecting…'));
	const lost = () => setConnection('disconnected', 'Disconnected: readings may be out of date');
	client.on('close', lost);
	client.on('offline', lost);
	client.on('error', (err) => {
		setConnection('disconnected', `Not connected: ${err.message}`);
		// Refused credentials will not get better by retrying.
		if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) {
			client.end(true);
			$('#login').hidden = false;
			$('#username').focus();
		}
	});
}

function init()
{
	$('#login').addEventListener('submit', (ev) => {
		ev.preventDefault();
		$('#login').hidden = true;
		connect($('#username').value, $('#password').value);
		$('#password').value = '';
	});
	$('#prefix').textContent = prefix;
	setInterval(tick, 10000);
	window.addEventListener('resize', resizeCharts);
	if (params.get('login') === '1') {
		$('#login').hidden = false;
		setConnection('disconnected', 'Not connected: sign in');
	} else {
		connect();
	}
}

init();
