namespace ModelStore.Arrow.Tests;

/// <summary>Truncated and mutated files end in a typed error (or, for harmless mutations, a row), never a crash or a hang.</summary>
[TestClass]
public sealed class CorruptFileTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    [TestMethod]
    public async Task Truncations_of_a_row_file_are_typed_errors()
    {
        var file = await TestFiles.WriteToBytesAsync(TestFiles.SmallRow(TestFiles.DigitsRowV1, i => (float)i, DigitsValues()));

        await RunWithinBudgetAsync(async () =>
        {
            // Every length near the ends (magic, footer), every third one in between.
            for (var length = 0; length < file.Length; length += length < 64 || length > file.Length - 600 ? 1 : 3)
            {
                var error = await Assert.ThrowsAsync<ModelRowException>(
                    () => TestFiles.ReadAsync(file[..length], TestFiles.DigitsRowV1), $"prefix of {length} bytes");
                Assert.IsTrue(Enum.IsDefined(error.RowError));
            }
        });
    }

    [TestMethod]
    public async Task Every_single_byte_mutation_of_a_row_file_reads_or_is_a_typed_error()
    {
        var file = await TestFiles.WriteToBytesAsync(TestFiles.SmallRow(TestFiles.DigitsRowV1, i => (float)i, DigitsValues()));
        var outcomes = new Dictionary<string, int>();

        await RunWithinBudgetAsync(async () =>
        {
            // Every byte inverted, and the high and low bits of every fifth byte (large and small changes of counts and offsets).
            foreach (var (flip, step) in new (byte, int)[] { (0xFF, 1), (0x80, 5), (0x01, 5) })
            {
                for (var position = 0; position < file.Length; position += step)
                {
                    var mutated = (byte[])file.Clone();
                    mutated[position] ^= flip;
                    string outcome;
                    try
                    {
                        // Arrow has no checksum: a mutation that keeps the file consistent (an offset, a value) reads.
                        await TestFiles.ReadAsync(mutated, TestFiles.DigitsRowV1);
                        outcome = "read";
                    }
                    catch (ModelRowException error)
                    {
                        outcome = error.RowError.ToString();
                    }

                    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                }
            }
        });

        // The sweep must reach the checks beyond the Arrow reader itself.
        Assert.IsTrue(outcomes.ContainsKey(nameof(ModelRowError.MalformedFile)), string.Join(", ", outcomes));
        Assert.IsGreaterThan(1, outcomes.Count, string.Join(", ", outcomes));
    }

    [TestMethod]
    public async Task Bytes_that_are_not_arrow_at_all_are_a_malformed_file()
    {
        var error = await Assert.ThrowsExactlyAsync<ModelRowException>(
            () => TestFiles.ReadAsync("PK\u0003\u0004 a zip, not an Arrow file"u8.ToArray(), ModelRowSchemas.ModelV1));

        Assert.AreEqual(ModelRowError.MalformedFile, error.RowError);
        Assert.AreEqual(ModelStore.Stores.StateStoreError.InvalidContent, error.Error, "one exception family with the stores");
    }

    private static Dictionary<string, object?> DigitsValues() => new()
    {
        ["config"] = new Dictionary<string, object?> { ["seed"] = 5L, ["dropout_rate"] = 0.5f },
        ["epoch"] = 7L,
        ["accuracy"] = 0.5f,
    };

    private static async Task RunWithinBudgetAsync(Func<Task> sweep)
    {
        // A hang would fail here instead of stalling the suite.
        await Task.Run(sweep).WaitAsync(Budget);
    }
}
