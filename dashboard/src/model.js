// What the page knows, built only from MQTT messages (docs/mqtt.md): the
// retained latest values and status, plus measurements received while the
// page is open. No DOM here, so the rules can be read in one place.

// Metric names and canonical units: docs/readings.md.
export const METRICS = {
	body_weight: { label: 'Weight', digits: 1 },
	bmi: { label: 'BMI', digits: 1 },
	body_fat_percent: { label: 'Body fat', digits: 1 },
	muscle_percent: { label: 'Muscle', digits: 1 },
	body_water_percent: { label: 'Body water', digits: 1 },
	protein_percent: { label: 'Protein', digits: 1 },
	fat_free_mass: { label: 'Fat-free mass', digits: 1 },
	soft_lean_mass: { label: 'Soft lean mass', digits: 1 },
	muscle_mass: { label: 'Muscle mass', digits: 1 },
	body_water_mass: { label: 'Body water mass', digits: 1 },
	bone_mass: { label: 'Bone mass', digits: 1 },
	visceral_fat_rating: { label: 'Visceral fat', digits: 0 },
	basal_metabolic_rate: { label: 'Basal metabolic rate', digits: 0 },
	metabolic_age: { label: 'Metabolic age', digits: 0 },
	impedance: { label: 'Impedance', digits: 0 },
	body_height: { label: 'Height', digits: 2 },
	systolic_pressure: { label: 'Systolic', digits: 0 },
	diastolic_pressure: { label: 'Diastolic', digits: 0 },
	mean_arterial_pressure: { label: 'Mean arterial', digits: 0 },
	pulse_rate: { label: 'Pulse', digits: 0 },
	heart_rate: { label: 'Heart rate', digits: 0 },
	spo2: { label: 'SpO2', digits: 0 },
	blood_glucose: { label: 'Glucose', digits: 1 },
	body_temperature: { label: 'Temperature', digits: 1 },
	step_count: { label: 'Steps', digits: 0 },
};

// The trend charts: which metrics share one chart.
export const TRENDS = [
	{ id: 'weight', title: 'Weight', metrics: ['body_weight'] },
	{ id: 'composition', title: 'Body composition',
	  metrics: ['body_fat_percent', 'muscle_percent', 'body_water_percent'] },
	{ id: 'pressure', title: 'Blood pressure',
	  metrics: ['systolic_pressure', 'diastolic_pressure'] },
	{ id: 'heart', title: 'Heart rate', metrics: ['heart_rate', 'pulse_rate'] },
	{ id: 'spo2', title: 'SpO2', metrics: ['spo2'] },
	{ id: 'glucose', title: 'Glucose', metrics: ['blood_glucose'] },
	{ id: 'steps', title: 'Steps', metrics: ['step_count'] },
];

export function metricLabel(metric)
{
	return METRICS[metric] ? METRICS[metric].label : metric.replace(/_/g, ' ');
}

// Canonical unit -> the unit a device showed (display_unit), when the two
// measure the same quantity; factors as in docs/readings.md.
const CONVERSIONS = {
	'kg>[lb_av]': (v) => v / 0.45359237,
	'kg>[jin]': (v) => v * 2,
	'Cel>[degF]': (v) => v * 9 / 5 + 32,
	'mm[Hg]>kPa': (v) => v / 7.50062,
	'mmol/L>mg/dL': (v) => v * 18.016,
};

export function toDisplay(value, unit, displayUnit)
{
	const f = displayUnit && CONVERSIONS[`${unit}>${displayUnit}`];
	return f ? { value: f(value), unit: displayUnit } : { value, unit };
}

const UNIT_LABELS = {
	'[lb_av]': 'lb', '[jin]': 'jin', 'Cel': '°C', '[degF]': '°F',
	'mm[Hg]': 'mmHg', '/min': 'bpm', '{steps}': 'steps', 'kg/m2': 'kg/m²',
	'kcal/d': 'kcal/day', 'a': 'years', '1': '',
};

export function unitLabel(ucum)
{
	return ucum in UNIT_LABELS ? UNIT_LABELS[ucum] : ucum;
}

export function formatValue(value, metric, unit)
{
	const digits = METRICS[metric] ? METRICS[metric].digits : 2;
	// A converted weight keeps one decimal; kPa needs one more than mmHg.
	return value.toFixed(unit === 'kPa' ? 1 : digits);
}

export function formatAge(seconds)
{
	if (!(seconds >= 0))
		return 'unknown';
	if (seconds < 60)
		return `${Math.floor(seconds)} s ago`;
	if (seconds < 3600)
		return `${Math.floor(seconds / 60)} min ago`;
	if (seconds < 172800)
		return `${Math.floor(seconds / 3600)} h ago`;
	return `${Math.floor(seconds / 86400)} days ago`;
}

// TOPIC = <prefix>/<gateway>/...; null for anything else.
export function parseTopic(prefix, topic)
{
	const p = topic.split('/');
	if (p[0] !== prefix || p.length < 3)
		return null;
	const gateway = p[1];
	if (p.length === 3 && (p[2] === 'status' || p[2] === 'availability'))
		return { kind: p[2], gateway };
	if (p.length === 4 && p[2] === 'unassigned' && p[3] === 'measurements')
		return { kind: 'measurement', gateway, person: null };
	if (p[2] !== 'people' || p.length < 5)
		return null;
	if (p.length === 5 && p[4] === 'measurements')
		return { kind: 'measurement', gateway, person: p[3] };
	if (p.length === 6 && p[4] === 'latest')
		return { kind: 'latest', gateway, person: p[3], metric: p[5] };
	// The answer to this page's history request (docs/mqtt.md, History on request).
	if (p.length === 7 && p[4] === 'history' && p[5] === 'response')
		return { kind: 'history', gateway, person: p[3] };
	return null;
}

// The topics of a history request for PERSON and its answer to this client.
export function historyTopics(prefix, gateway, person, clientId)
{
	const base = `${prefix}/${gateway}/people/${person}/history`;
	return { request: `${base}/request`, response: `${base}/response/${clientId}` };
}

// The status LED's meaning in words (docs/led.md: same priorities).
export function ledMeaning(gw, nowMs)
{
	if (gw.availability === 'offline')
		return { pattern: 'off', words: 'The gateway is not running or has no power.' };
	const st = gw.status;
	if (!st)
		return { pattern: 'unknown', words: 'No status received from the gateway yet.' };
	if (st.storage && st.storage !== 'ok')
		return { pattern: 'long-short',
			 words: `Storage problem (${st.storage}): new readings cannot be saved.` };
	const age = lastReadingAge(gw, nowMs);
	if (age !== null && age < 3)
		return { pattern: 'two short blinks', words: 'A reading was just received and saved.' };
	if (st.adapter && st.adapter !== 'ok')
		return { pattern: 'fast blink',
			 words: `Bluetooth problem (adapter ${st.adapter}): the gateway cannot listen for the devices.` };
	// The status arrived through the broker, so the gateway reaches it.
	return { pattern: 'steady', words: 'All is well: the gateway is listening for the devices.' };
}

// Seconds since the gateway's last reading: its status says how old it was
// when the status was sent; the page counts on from when it arrived. A
// retained status may be any age (it carries no time): then null.
export function lastReadingAge(gw, nowMs)
{
	const st = gw.status;
	if (!st || gw.statusRetained || typeof st.last_reading_age_s !== 'number')
		return null;
	return st.last_reading_age_s + Math.max(0, nowMs - gw.statusAt) / 1000;
}

export class Model {
	constructor(prefix)
	{
		this.prefix = prefix;
		this.people = new Map();   // id -> { latest: Map, series: Map }
		this.gateways = new Map(); // id -> { status, statusAt, availability }
		this.unassigned = [];      // newest first
		this.seen = new Set();     // measurement id + metric: no point twice
	}

	person(id)
	{
		let p = this.people.get(id);
		if (!p) {
			p = { latest: new Map(), series: new Map() };
			this.people.set(id, p);
		}
		return p;
	}

	gateway(id)
	{
		let g = this.gateways.get(id);
		if (!g) {
			g = { status: null, statusAt: 0, statusRetained: false, availability: null };
			this.gateways.set(id, g);
		}
		return g;
	}

	addPoint(p, metric, id, time, value)
	{
		const key = `${id}/${metric}`;
		if (this.seen.has(key))
			return;
		this.seen.add(key);
		let s = p.series.get(metric);
		if (!s) {
			s = [];
			p.series.set(metric, s);
		}
		s.push([time, value]);
		s.sort((a, b) => a[0] - b[0]);
	}

	// Returns what changed ('person', 'unassigned', 'gateway') or null.
	// RETAINED: the broker kept it (sent on subscribe), not sent just now.
	handle(topic, text, nowMs, retained = false)
	{
		const t = parseTopic(this.prefix, topic);
		if (!t || text === '')
			return null;
		if (t.kind === 'availability') {
			this.gateway(t.gateway).availability = text;
			return { what: 'gateway', id: t.gateway };
		}
		let msg;
		try {
			msg = JSON.parse(text);
		} catch {
			return null;
		}
		if (t.kind === 'status') {
			const g = this.gateway(t.gateway);
			g.status = msg;
			g.statusAt = nowMs;
			g.statusRetained = retained;
			return { what: 'gateway', id: t.gateway };
		}
		if (t.kind === 'latest')
			return this.handleLatest(t, msg);
		if (t.kind === 'history')
			return this.handleHistory(t, msg);
		return this.handleMeasurement(t, msg);
	}

	handleLatest(t, msg)
	{
		if (typeof msg.value !== 'number')
			return null;
		const p = this.person(t.person);
		const time = Date.parse(msg.time);
		const cur = p.latest.get(t.metric);
		if (!cur || !(cur.time > time))
			p.latest.set(t.metric, { value: msg.value, unit: msg.unit, time,
						 display_unit: msg.display_unit, id: msg.id });
		this.addPoint(p, t.metric, msg.id, time / 1000, msg.value);
		return { what: 'person', id: t.person };
	}

	// Readings from before the page opened: points, and a latest value only
	// where the broker had none newer.
	handleHistory(t, msg)
	{
		if (!Array.isArray(msg.readings) || msg.person !== t.person)
			return null;
		const p = this.person(t.person);
		for (const r of msg.readings) {
			if (typeof r.value !== 'number' || typeof r.metric !== 'string')
				continue;
			const time = Date.parse(r.time);
			const cur = p.latest.get(r.metric);
			if (!cur || !(cur.time >= time))
				p.latest.set(r.metric, { value: r.value, unit: r.unit, time,
							 display_unit: cur ? cur.display_unit : undefined,
							 id: r.id });
			this.addPoint(p, r.metric, r.id, time / 1000, r.value);
		}
		return { what: 'person', id: t.person };
	}

	handleMeasurement(t, msg)
	{
		const time = Date.parse(msg.time);
		const readings = (msg.readings || []).filter((r) => typeof r.value === 'number');
		if (!t.person) {
			this.unassigned = this.unassigned.filter((m) => m.id !== msg.id);
			this.unassigned.unshift({ id: msg.id, time, model: msg.device && msg.device.model,
						  display_unit: msg.display_unit, readings });
			this.unassigned.length = Math.min(this.unassigned.length, 50);
			return { what: 'unassigned' };
		}
		// Assigned now: no longer waiting for someone (a correction).
		this.unassigned = this.unassigned.filter((m) => m.id !== msg.id);
		const p = this.person(t.person);
		for (const r of readings) {
			const cur = p.latest.get(r.metric);
			// Corrections never overwrite a latest value (docs/mqtt.md).
			if (!msg.correction && (!cur || !(cur.time > time)))
				p.latest.set(r.metric, { value: r.value, unit: r.unit, time,
							 display_unit: msg.display_unit, id: msg.id });
			this.addPoint(p, r.metric, msg.id, time / 1000, r.value);
		}
		return { what: 'person', id: t.person };
	}
}
