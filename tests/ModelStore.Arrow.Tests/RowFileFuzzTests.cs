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
        var seed = await TestFiles.WriteToBytesAsync(TestFiles.SmallRow(TestFiles.TrainingRow, i => (float)i, TestFiles.TrainingValues()));
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
