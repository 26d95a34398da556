using Apache.Arrow.Types;

namespace ModelStore.Arrow.Tests;

/// <summary>The fixture, temporary folders and the schemas the tests declare.</summary>
internal static class TestFiles
{
    /// <summary>The file LegolasFlux.jl's examples/digits.jl wrote (see Fixtures/README.md).</summary>
    public static string DigitsFixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "test.digits-model.arrow");

    /// <summary>digits.jl's <c>DigitsConfigV1</c> as Arrow.jl writes it: a struct of seed and dropout rate.</summary>
    public static StructType DigitsConfigType { get; } = new(
    [
        new Apache.Arrow.Field("seed", Int64Type.Default, nullable: false),
        new Apache.Arrow.Field("dropout_rate", FloatType.Default, nullable: false),
    ]);

    /// <summary>digits.jl's <c>DigitsRowV1 &gt; ModelV1</c>: it re-declares weights, adds config, epoch and accuracy.</summary>
    public static RowSchema DigitsRowV1 { get; } = ModelRowSchemas.ModelV1.Extend(
        "digits.model",
        1,
        RowColumn.Weights(),
        RowColumn.Required("config", DigitsConfigType),
        RowColumn.Optional("epoch", Int64Type.Default),
        RowColumn.Optional("accuracy", FloatType.Default));

    /// <summary>An extension with a column of every supported kind: numbers, text, flag, list, binary and a required struct.</summary>
    public static RowSchema TrainingRow { get; } = ModelRowSchemas.ModelV1.Extend(
        "training.model",
        2,
        RowColumn.Optional("epoch", Int64Type.Default),
        RowColumn.Optional("accuracy", FloatType.Default),
        RowColumn.Optional("commit_sha", StringType.Default),
        RowColumn.Optional("converged", BooleanType.Default),
        RowColumn.Optional("losses", new ListType(DoubleType.Default)),
        RowColumn.Optional("digest", BinaryType.Default),
        RowColumn.Required("optimizer", new StructType([
            new Apache.Arrow.Field("name", StringType.Default, nullable: false),
            new Apache.Arrow.Field("learning_rate", DoubleType.Default, nullable: true),
        ])));

    /// <summary>A value for every column of <see cref="TrainingRow"/>, with a null inside the list and in the struct.</summary>
    public static Dictionary<string, object?> TrainingValues() => new()
    {
        ["epoch"] = 42L,
        ["accuracy"] = 0.875f,
        ["commit_sha"] = "0123abcd",
        ["converged"] = true,
        ["losses"] = new object?[] { 2.5, null, 0.125 },
        ["digest"] = new byte[] { 0, 1, 254, 255 },
        ["optimizer"] = new Dictionary<string, object?> { ["name"] = "adam", ["learning_rate"] = null },
    };

    public static string NewTemporaryFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "modelstore-arrow-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static async Task<byte[]> WriteToBytesAsync(ModelRow row)
    {
        using var buffer = new MemoryStream();
        await ModelRowFile.WriteAsync(buffer, row);
        return buffer.ToArray();
    }

    public static Task<ModelRow> ReadAsync(byte[] bytes, RowSchema schema) => ModelRowFile.ReadAsync(new MemoryStream(bytes), schema);

    /// <summary>A small model row: three arrays of <typeparamref name="T"/> with distinct values.</summary>
    public static ModelRow SmallRow<T>(RowSchema schema, Func<int, T> value, IReadOnlyDictionary<string, object?>? values = null, long? architectureVersion = 3)
        where T : unmanaged
    {
        long[][] shapes = [[4, 3], [4], [2, 3, 2]];
        var next = 0;
        var arrays = shapes.Select(shape =>
        {
            var count = (int)shape.Aggregate(1L, (a, b) => a * b);
            var data = Enumerable.Range(next, count).Select(value).ToArray();
            next += count;
            return WeightArray.FromRowMajor<T>(data, shape);
        });
        return new ModelRow(schema, ModelWeights.Create(arrays), architectureVersion, values);
    }
}
