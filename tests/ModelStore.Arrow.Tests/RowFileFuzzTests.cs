using ModelStore.Testing;

namespace ModelStore.Arrow.Tests;

/// <summary>
/// The weight-row reader under 10 000 seeded mutations (<see cref="ByteFuzzer"/>) of a row file with weights and a
/// value column of every kind: each mutated file reads or is refused with a <see cref="ModelRowException"/>; never
/// another exception, never a hang. Arrow has no checksum, so a mutation that keeps the file consistent reads.
/// </summary>
[TestClass]
public sealed class RowFileFuzzTests
{
    private const int Cases = 10_000;

    [TestMethod]
    public async Task Mutated_row_files_read_or_are_refused_with_a_typed_error()
    {
        var seed = await TestFiles.WriteToBytesAsync(TestFiles.SmallRow(TestFiles.TrainingRow, i => (float)i, new Dictionary<string, object?>
        {
            ["epoch"] = 42L,
            ["accuracy"] = 0.875f,
            ["commit_sha"] = "0123abcd",
            ["converged"] = true,
            ["losses"] = new object?[] { 2.5, null, 0.125 },
            ["digest"] = new byte[] { 0, 1, 254, 255 },
            ["optimizer"] = new Dictionary<string, object?> { ["name"] = "adam", ["learning_rate"] = null },
        }));
        await TestFiles.ReadAsync(seed, TestFiles.TrainingRow);

        var report = ByteFuzzer.Run(
            "Arrow weight row",
            seed,
            Cases,
            19_04,
            bytes => TestFiles.ReadAsync(bytes, TestFiles.TrainingRow).GetAwaiter().GetResult(),
            error => error is ModelRowException row ? row.RowError.ToString() : null);

        Assert.IsGreaterThan(Cases / 2, report.Rejected, report.ToString());
        Assert.IsTrue(report.Outcomes.ContainsKey(nameof(ModelRowError.MalformedFile)), report.ToString());
    }
}
