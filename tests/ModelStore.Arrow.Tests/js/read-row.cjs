// Reads an Arrow IPC file with apache-arrow (an independent Arrow implementation) and prints, as JSON, the
// schema metadata, every field (type, nullability, field metadata, recursively) and every value of every row.
// Int64 values print as strings, floats as the shortest text that round-trips.
'use strict';
const fs = require('fs');
const { tableFromIPC } = require('apache-arrow');

function describeField(field) {
  return {
    name: field.name,
    type: String(field.type),
    nullable: field.nullable,
    metadata: Object.fromEntries(field.metadata),
    children: (field.type.children || []).map(describeField),
  };
}

function plain(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  // A Binary value.
  if (value instanceof Uint8Array) return { binary: Array.from(value) };
  // A List value is a Vector.
  if (typeof value.get === 'function' && typeof value.length === 'number' && value.type) {
    return Array.from({ length: value.length }, (_, i) => plain(value.get(i)));
  }
  // A Struct value is a StructRow.
  if (typeof value.toJSON === 'function') {
    return Object.fromEntries(Object.entries(value.toJSON()).map(([key, inner]) => [key, plain(inner)]));
  }
  throw new Error(`unexpected value ${value}`);
}

const table = tableFromIPC(fs.readFileSync(process.argv[2]));
const rows = [];
for (let i = 0; i < table.numRows; i++) {
  const row = table.get(i);
  rows.push(Object.fromEntries(table.schema.fields.map((field) => [field.name, plain(row[field.name])])));
}

process.stdout.write(JSON.stringify({
  metadata: Object.fromEntries(table.schema.metadata),
  fields: table.schema.fields.map(describeField),
  rows,
}));
