using ModelStore.Plums.Storage;
using ModelStore.Testing;

namespace ModelStore.Plums.Tests;

/// <summary>
/// The PMF readers under 10 000 seeded byte mutations (<see cref="ByteFuzzer"/>): 5 000 of a saved model's
/// <c>metadata.yaml</c> and 5 000 of its build parameters file, each read through <see cref="Model.Load"/>: every case
/// loads or is refused with a <see cref="PlumsException"/>; never another exception, never a hang. Where
/// <see cref="MetadataFuzzTests"/> mutates YAML text and trees, these mutate bytes: invalid UTF-8, control characters,
/// cut multi-byte sequences, shifted indentation.
/// </summary>
[TestClass]
public sealed class ModelFileFuzzTests
{
    private const int CasesPerFile = 5_000;

    [TestMethod]
    public void Mutated_metadata_and_build_parameters_files_load_or_are_refused_with_a_typed_error()
    {
        using var folder = new TempFolder();
        var root = folder["model"];
        Models.Trained(folder).Save(root);
        Model.Load(root);

        foreach (var (path, name, randomSeed) in new[] { (Path.Combine(root, "metadata.yaml"), "PMF metadata.yaml", 19_05), (PmfLayout.BuildParameters(root), "PMF build parameters", 19_06) })
        {
            var seed = File.ReadAllBytes(path);
            var report = ByteFuzzer.Run(
                name,
                seed,
                CasesPerFile,
                randomSeed,
                bytes =>
                {
                    File.WriteAllBytes(path, bytes);
                    Model.Load(root, strict: false); // strict adds only the MD5 of the checkpoints, not read here
                },
                error => error is PlumsException plums ? plums.Code.ToString() : null);
            File.WriteAllBytes(path, seed);

            Assert.IsGreaterThan(CasesPerFile / 10, report.Rejected, report.ToString());
            Assert.IsTrue(report.Outcomes.ContainsKey("read"), report.ToString());
        }
    }
}
