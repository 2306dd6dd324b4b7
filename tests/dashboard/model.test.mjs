// The page's rules without a browser (node --test): units, topics, the
// LED's meaning, what a retained status can tell, and which value is the
// latest. Run by tests/integration/test_dashboard.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
	Model, toDisplay, formatValue, parseTopic, ledMeaning, lastReadingAge,
} from '../../dashboard/src/model.js';

test('canonical values are shown in the unit the device showed', () => {
	const lb = toDisplay(72.4, 'kg', '[lb_av]');
	assert.equal(lb.unit, '[lb_av]');
	assert.equal(formatValue(lb.value, 'body_weight', lb.unit), '159.6');
	assert.equal(formatValue(toDisplay(120, 'mm[Hg]', 'kPa').value, 'systolic_pressure', 'kPa'), '16.0');
	assert.equal(toDisplay(5.5, 'mmol/L', 'mg/dL').value.toFixed(1), '99.1');
	assert.equal(toDisplay(37, 'Cel', '[degF]').value.toFixed(1), '98.6');
	// a display unit of another quantity changes nothing (impedance on a kg scale)
	assert.deepEqual(toDisplay(500, 'Ohm', 'kg'), { value: 500, unit: 'Ohm' });
});

test('topics of docs/mqtt.md, and nothing else', () => {
	assert.deepEqual(parseTopic('homevitals', 'homevitals/gw1/people/p1/latest/body_weight'),
			 { kind: 'latest', gateway: 'gw1', person: 'p1', metric: 'body_weight' });
	assert.deepEqual(parseTopic('homevitals', 'homevitals/gw1/unassigned/measurements'),
			 { kind: 'measurement', gateway: 'gw1', person: null });
	assert.equal(parseTopic('homevitals', 'homevitals/gw1/people/p1/measurements/fhir'), null);
	assert.equal(parseTopic('homevitals', 'other/gw1/status'), null);
});

test('the LED in words follows led.md priorities', () => {
	const now = 100000;
	const gw = (status, extra = {}) => ({ status, statusAt: now, statusRetained: false,
					      availability: 'online', ...extra });
	assert.equal(ledMeaning(gw(null, { availability: 'offline' }), now).pattern, 'off');
	assert.equal(ledMeaning(gw({ storage: 'full', adapter: 'missing', last_reading_age_s: 0 }), now).pattern,
		     'long-short');
	assert.equal(ledMeaning(gw({ storage: 'ok', adapter: 'missing', last_reading_age_s: 1 }), now).pattern,
		     'two short blinks');
	assert.equal(ledMeaning(gw({ storage: 'ok', adapter: 'missing', last_reading_age_s: 1 }), now + 5000).pattern,
		     'fast blink');
	assert.equal(ledMeaning(gw({ storage: 'ok', adapter: 'ok' }), now).pattern, 'steady');
});

test('a retained status does not say how old the last reading is now', () => {
	const st = { storage: 'ok', adapter: 'ok', last_reading_age_s: 0 };
	assert.equal(lastReadingAge({ status: st, statusAt: 0, statusRetained: true }, 5000), null);
	assert.equal(lastReadingAge({ status: st, statusAt: 0, statusRetained: false }, 5000), 5);
	assert.equal(ledMeaning({ status: st, statusAt: 0, statusRetained: true, availability: 'online' }, 0).pattern,
		     'steady');
});

test('latest values: newest wins, corrections do not overwrite, no point twice', () => {
	const m = new Model('homevitals');
	const meas = (id, time, kg, extra = {}) => JSON.stringify({ id, time, person: 'p1', display_unit: 'kg',
		readings: [{ metric: 'body_weight', value: kg, unit: 'kg' }], ...extra });
	const t = 'homevitals/gw/people/p1/measurements';
	m.handle(t, meas('b', '2024-03-15T09:00:00Z', 71), 0);
	m.handle(t, meas('a', '2024-03-15T08:00:00Z', 70), 0);
	assert.equal(m.people.get('p1').latest.get('body_weight').value, 71);
	m.handle(t, meas('c', '2024-03-15T10:00:00Z', 90, { correction: true }), 0);
	assert.equal(m.people.get('p1').latest.get('body_weight').value, 71);
	m.handle('homevitals/gw/people/p1/latest/body_weight',
		 JSON.stringify({ value: 71, unit: 'kg', time: '2024-03-15T09:00:00Z', id: 'b' }), 0);
	assert.equal(m.people.get('p1').series.get('body_weight').length, 3);
	// an unassigned measurement leaves the list once it is assigned
	m.handle('homevitals/gw/unassigned/measurements', meas('d', '2024-03-15T11:00:00Z', 80, { person: null }), 0);
	assert.equal(m.unassigned.length, 1);
	m.handle(t, meas('d', '2024-03-15T11:00:00Z', 80, { correction: true }), 0);
	assert.equal(m.unassigned.length, 0);
});

test('history answers: points from before the page, latest only where none is newer', () => {
	assert.deepEqual(parseTopic('homevitals', 'homevitals/gw1/people/p1/history/response/c1'),
			 { kind: 'history', gateway: 'gw1', person: 'p1' });
	assert.equal(parseTopic('homevitals', 'homevitals/gw1/people/p1/history/request'), null);
	const m = new Model('homevitals');
	m.handle('homevitals/gw1/people/p1/latest/body_weight',
		 JSON.stringify({ value: 70.1, unit: 'kg', time: '2026-12-05T08:00:00Z', id: 'm3' }), 0, true);
	const answer = { person: 'p1', truncated: false, readings: [
		{ id: 'm1', time: '2026-12-01T08:00:00Z', metric: 'body_weight', value: 71.0, unit: 'kg' },
		{ id: 'm2', time: '2026-12-03T08:00:00Z', metric: 'body_weight', value: 70.5, unit: 'kg' },
		{ id: 'm3', time: '2026-12-05T08:00:00Z', metric: 'body_weight', value: 70.1, unit: 'kg' },
		{ id: 'm2', time: '2026-12-03T08:00:00Z', metric: 'heart_rate', value: 61, unit: '/min' },
	] };
	assert.deepEqual(m.handle('homevitals/gw1/people/p1/history/response/c1', JSON.stringify(answer), 0),
			 { what: 'person', id: 'p1' });
	const p = m.people.get('p1');
	// m3 came retained and again in the answer: one point
	assert.deepEqual(p.series.get('body_weight').map((x) => x[1]), [71.0, 70.5, 70.1]);
	assert.equal(p.latest.get('body_weight').value, 70.1);
	assert.equal(p.latest.get('heart_rate').value, 61);
	// an answer about someone else on this person's topic is ignored
	assert.equal(m.handle('homevitals/gw1/people/p1/history/response/c1',
			      JSON.stringify({ person: 'p2', readings: [] }), 0), null);
});
