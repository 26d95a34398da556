using Apache.Arrow;
using Apache.Arrow.Types;

namespace ModelStore.Arrow.Tests;

/// <summary>What a reader checks: the schema chain and version in the metadata, the column types, one row.</summary>
[TestClass]
public sealed class SchemaCheckTests
{
    private static readonly Dictionary<string, object?> Config = new() { ["seed"] = 5L, ["dropout_rate"] = 0.25f };

    private static async Task<byte[]> WriteAsync(RowSchema schema, IReadOnlyDictionary<string, object?>? values = null) =>
        await TestFiles.WriteToBytesAsync(TestFiles.SmallRow(schema, i => (float)i, values));

    private static async Task<ModelRowError> ReadErrorAsync(byte[] file, RowSchema schema) =>
        (await Assert.ThrowsExactlyAsync<ModelRowException>(() => TestFiles.ReadAsync(file, schema))).RowError;

    private static async Task<ModelRowError> ReadErrorAsync(byte[] file, RowSchemaRegistry registry) =>
        (await Assert.ThrowsExactlyAsync<ModelRowException>(() => ModelRowFile.ReadAsync(new MemoryStream(file), registry))).RowError;

    [TestMethod]
    public async Task Another_version_of_the_schema_is_a_schema_mismatch()
    {
        var digitsV2 = ModelRowSchemas.ModelV1.Extend("digits.model", 2, RowColumn.Optional("epoch", Int64Type.Default));
        var file = await WriteAsync(digitsV2);

        var error = await Assert.ThrowsExactlyAsync<ModelRowException>(() => TestFiles.ReadAsync(file, TestFiles.DigitsRowV1));

        Assert.AreEqual(ModelRowError.SchemaMismatch, error.RowError);
        Assert.Contains("digits.model@2", error.Message);
        Assert.AreEqual(ModelRowError.UndeclaredSchema, await ReadErrorAsync(file, new RowSchemaRegistry(TestFiles.DigitsRowV1)));
        Assert.HasCount(3, (await TestFiles.ReadAsync(file, ModelRowSchemas.ModelV1)).Weights!, "its parent still reads it");
    }

    [TestMethod]
    public async Task A_parent_row_does_not_read_as_a_child_and_an_unrelated_row_does_not_read_as_another()
    {
        var parentFile = await WriteAsync(ModelRowSchemas.ModelV1);
        var other = ModelRowSchemas.ModelV1.Extend("other.model", 1);

        Assert.AreEqual(ModelRowError.SchemaMismatch, await ReadErrorAsync(parentFile, TestFiles.DigitsRowV1));
        Assert.AreEqual(ModelRowError.SchemaMismatch, await ReadErrorAsync(await WriteAsync(other), TestFiles.DigitsRowV1));
    }

    [TestMethod]
    public async Task A_chain_naming_other_parents_than_declared_is_a_schema_mismatch()
    {
        var elsewhere = RowSchema.Declare("elsewhere.model", 1, RowColumn.Weights(), RowColumn.Optional("architecture_version", Int64Type.Default));
        var file = await TestFiles.WriteToBytesAsync(TestFiles.SmallRow(ModelRowSchemas.ModelV1, i => (float)i));
        var (schema, batch) = RawArrow.Read(file);
        var lying = RawArrow.Write(
            RawArrow.WithMetadata(schema, new Dictionary<string, string> { [ModelRowSchemas.SchemaMetadataKey] = "digits.model@1>elsewhere.model@1" }),
            new RecordBatch(RawArrow.WithMetadata(schema, null), Enumerable.Range(0, batch.ColumnCount).Select(batch.Column), 1));

        Assert.AreEqual(ModelRowError.SchemaMismatch, await ReadErrorAsync(lying, TestFiles.DigitsRowV1));
        Assert.AreEqual(ModelRowError.SchemaMismatch, await ReadErrorAsync(lying, new RowSchemaRegistry(TestFiles.DigitsRowV1, elsewhere.Extend("x.model", 1))));
    }

    [TestMethod]
    public async Task A_file_without_schema_metadata_or_with_a_malformed_identifier_is_refused()
    {
        var (schema, batch) = RawArrow.Read(await WriteAsync(ModelRowSchemas.ModelV1));
        var columns = Enumerable.Range(0, batch.ColumnCount).Select(batch.Column).ToList();
        var bare = RawArrow.WithMetadata(schema, null);
        var malformed = RawArrow.WithMetadata(schema, new Dictionary<string, string> { [ModelRowSchemas.SchemaMetadataKey] = "legolas-flux.model" });

        Assert.AreEqual(ModelRowError.MissingSchemaMetadata, await ReadErrorAsync(RawArrow.Write(bare, new RecordBatch(bare, columns, 1)), ModelRowSchemas.ModelV1));
        Assert.AreEqual(ModelRowError.MalformedSchemaIdentifier, await ReadErrorAsync(RawArrow.Write(malformed, new RecordBatch(malformed, columns, 1)), ModelRowSchemas.ModelV1));
    }

    [TestMethod]
    public async Task A_column_whose_type_violates_its_declaration_is_a_column_type_mismatch()
    {
        // Another program's digits.model@1 that disagrees with ours on epoch's type.
        var liar = ModelRowSchemas.ModelV1.Extend(
            "digits.model", 1, RowColumn.Required("config", TestFiles.DigitsConfigType), RowColumn.Optional("epoch", StringType.Default));
        var file = await WriteAsync(liar, new Dictionary<string, object?> { ["config"] = Config, ["epoch"] = "first" });

        var error = await Assert.ThrowsExactlyAsync<ModelRowException>(() => TestFiles.ReadAsync(file, TestFiles.DigitsRowV1));

        Assert.AreEqual(ModelRowError.ColumnTypeMismatch, error.RowError);
        Assert.Contains("epoch", error.Message);
        Assert.AreEqual(ModelRowError.ColumnTypeMismatch, await ReadErrorAsync(file, new RowSchemaRegistry(TestFiles.DigitsRowV1)));
    }

    [TestMethod]
    public async Task A_missing_required_column_or_value_is_refused()
    {
        var withoutConfig = ModelRowSchemas.ModelV1.Extend("digits.model", 1, RowColumn.Optional("epoch", Int64Type.Default));
        var optionalConfig = ModelRowSchemas.ModelV1.Extend("digits.model", 1, RowColumn.Optional("config", TestFiles.DigitsConfigType));

        Assert.AreEqual(ModelRowError.MissingColumn, await ReadErrorAsync(await WriteAsync(withoutConfig), TestFiles.DigitsRowV1));
        Assert.AreEqual(ModelRowError.ColumnTypeMismatch, await ReadErrorAsync(await WriteAsync(optionalConfig), TestFiles.DigitsRowV1));
    }

    [TestMethod]
    public async Task A_weights_column_that_is_not_legolasflux_weights_is_refused()
    {
        var (schema, batch) = RawArrow.Read(await WriteAsync(ModelRowSchemas.ModelV1));
        var weightsField = schema.GetFieldByName("weights");
        var unnamed = new Field("weights", weightsField.DataType, nullable: false);
        var replaced = new Schema([unnamed, schema.GetFieldByName("architecture_version")], schema.Metadata);
        var asNumber = new Schema([new Field("weights", Int64Type.Default, false), schema.GetFieldByName("architecture_version")], schema.Metadata);

        var withoutExtension = RawArrow.Write(replaced, new RecordBatch(replaced, [batch.Column(0), batch.Column(1)], 1));
        var number = RawArrow.Write(asNumber, new RecordBatch(asNumber, [new Int64Array.Builder().Append(1).Build(), batch.Column(1)], 1));

        Assert.AreEqual(ModelRowError.ColumnTypeMismatch, await ReadErrorAsync(withoutExtension, ModelRowSchemas.ModelV1));
        Assert.AreEqual(ModelRowError.ColumnTypeMismatch, await ReadErrorAsync(number, ModelRowSchemas.ModelV1));
    }

    [TestMethod]
    public async Task A_file_with_two_rows_or_none_is_not_a_model_row()
    {
        var (schema, batch) = RawArrow.Read(await WriteAsync(ModelRowSchemas.ModelV1));

        Assert.AreEqual(ModelRowError.RowCount, await ReadErrorAsync(RawArrow.Write(schema, batch, batch), ModelRowSchemas.ModelV1));
        Assert.AreEqual(ModelRowError.RowCount, await ReadErrorAsync(RawArrow.Write(schema), ModelRowSchemas.ModelV1));
    }
}
