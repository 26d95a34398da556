// Writes a model row with apache-arrow (an independent Arrow implementation), in LegolasFlux's layout, to the
// path given: schema "js.model@2>legolas-flux.model@1", Float64 weights whose value j of array k is k*100 + j/8,
// architecture_version 7, note "written by apache-arrow", epoch 12, tags ["a", "b"] and a missing accuracy.
'use strict';
const fs = require('fs');
const arrow = require('apache-arrow');
const { Field, Schema, Struct, List, Float64, Float32, Int64, Utf8, Bool, makeData, RecordBatch, Table, tableToIPC } = arrow;

const extension = (name) => new Map([['ARROW:extension:name', name], ['ARROW:extension:metadata', '']]);
const shapes = [[3, 2], [4], [2, 2, 2]]; // Julia (column-major) sizes, as stored
const offsets = (lengths) => Int32Array.from([0, ...lengths.map(((sum) => (n) => (sum += n))(0))]);

const vecField = new Field('vec', new List(new Field('', new Float64(), false)), false);
const sizeField = new Field('size', new List(new Field('', new Int64(), false)), false);
const flatType = new Struct([vecField, sizeField]);
const flatField = new Field('', flatType, false, extension('JuliaLang.LegolasFlux.FlatArray'));
const listType = new List(flatField);
const weightsType = new Struct([new Field('weights', listType, false)]);

const lengths = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
const values = Float64Array.from(lengths.flatMap((n, k) => Array.from({ length: n }, (_, j) => k * 100 + j / 8)));
const sizes = BigInt64Array.from(shapes.flat().map(BigInt));
const vecData = makeData({ type: vecField.type, length: shapes.length, nullCount: 0, valueOffsets: offsets(lengths),
  child: makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values }) });
const sizeData = makeData({ type: sizeField.type, length: shapes.length, nullCount: 0, valueOffsets: offsets(shapes.map((s) => s.length)),
  child: makeData({ type: new Int64(), length: sizes.length, nullCount: 0, data: sizes }) });
const flatData = makeData({ type: flatType, length: shapes.length, nullCount: 0, children: [vecData, sizeData] });
const listData = makeData({ type: listType, length: 1, nullCount: 0, valueOffsets: Int32Array.from([0, shapes.length]), child: flatData });
const weightsData = makeData({ type: weightsType, length: 1, nullCount: 0, children: [listData] });

const utf8 = (text) => {
  const bytes = new TextEncoder().encode(text);
  return { valueOffsets: Int32Array.from([0, bytes.length]), data: bytes };
};
const tagBytes = new TextEncoder().encode('ab');
const tagsType = new List(new Field('item', new Utf8(), true));
const fields = [
  new Field('weights', weightsType, false, extension('JuliaLang.LegolasFlux.Weights')),
  new Field('architecture_version', new Int64(), true),
  new Field('note', new Utf8(), true),
  new Field('epoch', new Int64(), true),
  new Field('tags', tagsType, true),
  new Field('accuracy', new Float32(), true),
];
const columns = [
  weightsData,
  makeData({ type: new Int64(), length: 1, nullCount: 0, data: BigInt64Array.from([7n]) }),
  makeData({ type: new Utf8(), length: 1, nullCount: 0, ...utf8('written by apache-arrow') }),
  makeData({ type: new Int64(), length: 1, nullCount: 0, data: BigInt64Array.from([12n]) }),
  makeData({ type: tagsType, length: 1, nullCount: 0, valueOffsets: Int32Array.from([0, 2]),
    child: makeData({ type: new Utf8(), length: 2, nullCount: 0, valueOffsets: Int32Array.from([0, 1, 2]), data: tagBytes }) }),
  makeData({ type: new Float32(), length: 1, nullCount: 1, nullBitmap: Uint8Array.from([0]), data: Float32Array.from([0]) }),
];

const schema = new Schema(fields, new Map([['legolas_schema_qualified', 'js.model@2>legolas-flux.model@1']]));
const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: columns }));
fs.writeFileSync(process.argv[2], tableToIPC(new Table([batch]), 'file'));
