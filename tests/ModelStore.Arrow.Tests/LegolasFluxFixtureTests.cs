using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace ModelStore.Arrow.Tests;

/// <summary>The file LegolasFlux.jl wrote for examples/digits.jl, read and written back.</summary>
[TestClass]
public sealed class LegolasFluxFixtureTests
{
    // Julia sizes of digits.jl's arrays in fetch_weights order: Conv((3,3),1=>32) weight and bias; BatchNorm(32)
    // β, γ, μ, σ²; Conv((3,3),32=>16); Conv((3,3),16=>10); Dense(90,10); the Dense(10,10) used twice, stored once.
    private static readonly long[][] DigitsSizes =
    [
        [3, 3, 1, 32], [32], [32], [32], [32], [32],
        [3, 3, 32, 16], [16],
        [3, 3, 16, 10], [10],
        [10, 90], [10],
        [10, 10], [10],
    ];

    [TestMethod]
    public async Task The_fixture_reads_as_its_declared_schema_with_every_array_shape_and_element_type()
    {
        var row = await ModelRowFile.ReadAsync(TestFiles.DigitsFixture, new RowSchemaRegistry(TestFiles.DigitsRowV1));

        Assert.AreSame(TestFiles.DigitsRowV1, row.Schema);
        Assert.AreEqual("digits.model@1>legolas-flux.model@1", row.FileSchemaIdentifier);
        Assert.IsNotNull(row.Weights);
        Assert.AreEqual(WeightElementType.Float32, row.Weights.ElementType);
        Assert.HasCount(DigitsSizes.Length, row.Weights);
        for (var i = 0; i < DigitsSizes.Length; i++)
        {
            CollectionAssert.AreEqual(DigitsSizes[i], row.Weights[i].Size.ToArray(), $"array {i}");
            Assert.AreEqual(DigitsSizes[i].Aggregate(1L, (a, b) => a * b), row.Weights[i].Length);
            Assert.AreEqual(WeightElementType.Float32, row.Weights[i].ElementType);
        }

        CollectionAssert.AreEqual(new long[] { 32, 1, 3, 3 }, row.Weights[0].RowMajorShape, "a Julia (3,3,1,32) conv kernel is a row-major [32,1,3,3] tensor");
        Assert.IsNull(row.ArchitectureVersion);
        Assert.AreEqual(1L, row.Get<long?>("epoch"));
        var config = row.Get<IReadOnlyDictionary<string, object?>>("config")!;
        Assert.AreEqual(5L, config["seed"]);
        Assert.AreEqual(0f, config["dropout_rate"]);
        Assert.IsNotNull(row.Get<float?>("accuracy"));
    }

    [TestMethod]
    public async Task Every_value_of_the_fixture_equals_what_apache_arrow_for_javascript_reads()
    {
        var row = await ModelRowFile.ReadAsync(TestFiles.DigitsFixture, TestFiles.DigitsRowV1);
        var independent = (await NodeArrow.ReadAsync(TestFiles.DigitsFixture)).GetProperty("rows")[0];

        var arrays = independent.GetProperty("weights").GetProperty("weights");
        Assert.AreEqual(arrays.GetArrayLength(), row.Weights!.Count);
        for (var i = 0; i < row.Weights.Count; i++)
        {
            var expected = arrays[i].GetProperty("vec").EnumerateArray().Select(value => value.GetDouble()).ToArray();
            var actual = row.Weights[i].GetValues<float>().ToArray().Select(value => (double)value).ToArray();
            CollectionAssert.AreEqual(expected, actual, $"array {i}");
            CollectionAssert.AreEqual(
                arrays[i].GetProperty("size").EnumerateArray().Select(size => long.Parse(size.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                row.Weights[i].Size.ToArray());
        }

        Assert.AreEqual(independent.GetProperty("accuracy").GetDouble(), (double)row.Get<float?>("accuracy")!.Value);
        Assert.AreEqual(JsonValueKind.Null, independent.GetProperty("architecture_version").ValueKind);
    }

    [TestMethod]
    public async Task The_fixture_reads_as_its_parent_schema_and_keeps_the_files_chain()
    {
        var row = await ModelRowFile.ReadAsync(TestFiles.DigitsFixture, ModelRowSchemas.ModelV1);

        Assert.AreSame(ModelRowSchemas.ModelV1, row.Schema);
        Assert.AreEqual("digits.model@1>legolas-flux.model@1", row.FileSchemaIdentifier);
        Assert.HasCount(14, row.Weights!);
        Assert.IsEmpty(row.Values, "columns the parent does not declare are not part of a parent row");
    }

    [TestMethod]
    public async Task Reading_the_fixture_without_its_schema_declared_is_an_undeclared_schema_error()
    {
        var error = await Assert.ThrowsExactlyAsync<ModelRowException>(
            () => ModelRowFile.ReadAsync(TestFiles.DigitsFixture, new RowSchemaRegistry()));

        Assert.AreEqual(ModelRowError.UndeclaredSchema, error.RowError);
        Assert.Contains("digits.model@1", error.Message);
    }

    [TestMethod]
    public async Task Writing_the_fixture_row_back_gives_the_same_arrow_schema_metadata_and_values()
    {
        var row = await ModelRowFile.ReadAsync(TestFiles.DigitsFixture, TestFiles.DigitsRowV1);
        var folder = TestFiles.NewTemporaryFolder();
        var path = Path.Combine(folder, "roundtrip.digits.model.arrow");

        await ModelRowFile.WriteAsync(path, row);

        // Field by field, with nullability and extension metadata at every level, as Apache.Arrow sees them.
        Assert.AreEqual(Describe(ReadSchema(TestFiles.DigitsFixture)), Describe(ReadSchema(path)));

        // And every value, as an independent implementation sees them.
        var original = await NodeArrow.ReadAsync(TestFiles.DigitsFixture);
        var written = await NodeArrow.ReadAsync(path);
        Assert.AreEqual(original.GetRawText(), written.GetRawText());
    }

    private static Schema ReadSchema(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new ArrowFileReader(stream);
        using var batch = reader.ReadNextRecordBatch();
        return reader.Schema;
    }

    private static string Describe(Schema schema) =>
        string.Join(";", schema.Metadata.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}={pair.Value}"))
        + "\n" + string.Join("\n", schema.FieldsList.Select(field => Describe(field, string.Empty)));

    private static string Describe(Field field, string indent) =>
        $"{indent}{field.Name}: {field.DataType.TypeId} nullable={field.IsNullable} "
        + string.Join(",", (field.Metadata ?? new Dictionary<string, string>()).OrderBy(pair => pair.Key).Select(pair => $"{pair.Key}={pair.Value}"))
        + (field.DataType is Apache.Arrow.Types.NestedType nested
            ? "\n" + string.Join("\n", nested.Fields.Select(child => Describe(child, indent + "  ")))
            : string.Empty);
}
