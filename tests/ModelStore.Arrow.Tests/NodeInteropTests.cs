using System.Globalization;
using System.Text.Json;
using Apache.Arrow.Types;

namespace ModelStore.Arrow.Tests;

/// <summary>Exchange with an independent Arrow implementation: apache-arrow for JavaScript, run by node.</summary>
[TestClass]
public sealed class NodeInteropTests
{
    private static RowSchema RunRow => TestFiles.TrainingRow;

    /// <summary>The schema write-row.cjs writes.</summary>
    private static RowSchema JsRow { get; } = ModelRowSchemas.ModelV1.Extend(
        "js.model",
        2,
        RowColumn.Optional("note", StringType.Default),
        RowColumn.Optional("epoch", Int64Type.Default),
        RowColumn.Optional("tags", new ListType(StringType.Default)),
        RowColumn.Optional("accuracy", FloatType.Default));

    [TestMethod]
    public async Task A_file_written_here_is_read_by_apache_arrow_js_with_its_metadata_and_every_value()
    {
        var row = TestFiles.SmallRow(RunRow, i => Math.Sqrt(i) - 1.5, new Dictionary<string, object?>
        {
            ["epoch"] = long.MaxValue,
            ["accuracy"] = 0.1f,
            ["commit_sha"] = "f00dcafe é",
            ["converged"] = false,
            ["losses"] = new object?[] { 2.5, null, double.Epsilon },
            ["digest"] = new byte[] { 0, 7, 255 },
            ["optimizer"] = new Dictionary<string, object?> { ["name"] = "adam", ["learning_rate"] = 1e-3 },
        });
        var path = Path.Combine(TestFiles.NewTemporaryFolder(), "training.model.arrow");
        await ModelRowFile.WriteAsync(path, row);

        var js = await NodeArrow.ReadAsync(path);

        Assert.AreEqual("training.model@2>legolas-flux.model@1", js.GetProperty("metadata").GetProperty(ModelRowSchemas.SchemaMetadataKey).GetString());
        var weightsField = js.GetProperty("fields")[0];
        Assert.AreEqual("weights", weightsField.GetProperty("name").GetString());
        Assert.AreEqual(ModelRowSchemas.WeightsExtensionName, weightsField.GetProperty("metadata").GetProperty(ModelRowSchemas.ExtensionNameKey).GetString());
        var flatField = weightsField.GetProperty("children")[0].GetProperty("children")[0];
        Assert.AreEqual(ModelRowSchemas.FlatArrayExtensionName, flatField.GetProperty("metadata").GetProperty(ModelRowSchemas.ExtensionNameKey).GetString());
        Assert.AreEqual("Struct<{vec:List<Float64>, size:List<Int64>}>", flatField.GetProperty("type").GetString());
        CollectionAssert.AreEqual(
            RunRow.Columns.Select(column => column.Name).ToArray(),
            js.GetProperty("fields").EnumerateArray().Select(field => field.GetProperty("name").GetString()).ToArray());

        var values = js.GetProperty("rows")[0];
        var arrays = values.GetProperty("weights").GetProperty("weights");
        Assert.AreEqual(row.Weights!.Count, arrays.GetArrayLength());
        for (var i = 0; i < row.Weights.Count; i++)
        {
            CollectionAssert.AreEqual(row.Weights[i].GetValues<double>().ToArray(), arrays[i].GetProperty("vec").EnumerateArray().Select(v => v.GetDouble()).ToArray());
            CollectionAssert.AreEqual(row.Weights[i].Size.ToArray(), arrays[i].GetProperty("size").EnumerateArray().Select(Int64).ToArray());
        }

        Assert.AreEqual(3L, Int64(values.GetProperty("architecture_version")));
        Assert.AreEqual(long.MaxValue, Int64(values.GetProperty("epoch")));
        Assert.AreEqual(0.1f, (float)values.GetProperty("accuracy").GetDouble());
        Assert.AreEqual("f00dcafe é", values.GetProperty("commit_sha").GetString());
        Assert.IsFalse(values.GetProperty("converged").GetBoolean());
        var losses = values.GetProperty("losses");
        Assert.AreEqual(2.5, losses[0].GetDouble());
        Assert.AreEqual(JsonValueKind.Null, losses[1].ValueKind);
        Assert.AreEqual(double.Epsilon, losses[2].GetDouble());
        CollectionAssert.AreEqual(new byte[] { 0, 7, 255 }, values.GetProperty("digest").GetProperty("binary").EnumerateArray().Select(b => b.GetByte()).ToArray());
        Assert.AreEqual("adam", values.GetProperty("optimizer").GetProperty("name").GetString());
        Assert.AreEqual(1e-3, values.GetProperty("optimizer").GetProperty("learning_rate").GetDouble());
    }

    [TestMethod]
    public async Task A_file_written_by_apache_arrow_js_is_read_here()
    {
        var path = Path.Combine(TestFiles.NewTemporaryFolder(), "js.model.arrow");
        await NodeArrow.WriteAsync(path);

        var row = await ModelRowFile.ReadAsync(path, new RowSchemaRegistry(JsRow));

        Assert.AreSame(JsRow, row.Schema);
        Assert.AreEqual(WeightElementType.Float64, row.Weights!.ElementType);
        long[][] sizes = [[3, 2], [4], [2, 2, 2]];
        Assert.HasCount(sizes.Length, row.Weights);
        for (var k = 0; k < sizes.Length; k++)
        {
            CollectionAssert.AreEqual(sizes[k], row.Weights[k].Size.ToArray());
            var expected = Enumerable.Range(0, (int)sizes[k].Aggregate(1L, (a, b) => a * b)).Select(j => (k * 100) + (j / 8.0)).ToArray();
            CollectionAssert.AreEqual(expected, row.Weights[k].GetValues<double>().ToArray(), $"array {k}");
        }

        Assert.AreEqual(7L, row.ArchitectureVersion);
        Assert.AreEqual("written by apache-arrow", row["note"]);
        Assert.AreEqual(12L, row["epoch"]);
        CollectionAssert.AreEqual(new object?[] { "a", "b" }, row.Get<object?[]>("tags"));
        Assert.IsNull(row["accuracy"]);
    }

    [TestMethod]
    public async Task A_js_written_row_written_back_from_here_reads_the_same_in_js()
    {
        var folder = TestFiles.NewTemporaryFolder();
        var original = Path.Combine(folder, "js.model.arrow");
        var rewritten = Path.Combine(folder, "rewritten.model.arrow");
        await NodeArrow.WriteAsync(original);

        await ModelRowFile.WriteAsync(rewritten, await ModelRowFile.ReadAsync(original, JsRow));

        var before = await NodeArrow.ReadAsync(original);
        var after = await NodeArrow.ReadAsync(rewritten);
        Assert.AreEqual(before.GetProperty("rows").GetRawText(), after.GetProperty("rows").GetRawText());
        Assert.AreEqual(before.GetProperty("metadata").GetRawText(), after.GetProperty("metadata").GetRawText());
    }

    private static long Int64(JsonElement value) => long.Parse(value.GetString()!, CultureInfo.InvariantCulture);
}
