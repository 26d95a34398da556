using ModelStore.Testing;
using ModelStore.TorchSharp.Formats;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>
/// Every reader of this package under 10 000 seeded mutations of a valid file (<see cref="ByteFuzzer"/>): each mutated
/// file opens (its state dict located, its entries converted, its tensors read) or is refused with a
/// <see cref="StateFormatException"/>; never another exception, never a hang. The seeds are fixed, so a failure names
/// its case. The PyTorch seeds are made by real PyTorch (Fixtures/checkpoint_entries.py seeds): a checkpoint with a
/// view, a float16 tensor and harmless hyper-parameters beside the state dict.
/// </summary>
[TestClass]
public sealed class ReaderFuzzTests
{
    private const int Cases = 10_000;
    private static string s_folder = null!;

    [ClassInitialize]
    public static void MakeSeeds(TestContext context)
    {
        s_folder = PyTorchProcess.NewFolder();
        PyTorchProcess.Run("checkpoint_entries.py", "seeds", s_folder);
    }

    [ClassCleanup]
    public static void DeleteSeeds() => Directory.Delete(s_folder, recursive: true);

    [TestMethod]
    public void Mutated_safetensors_files_open_or_are_refused_with_a_typed_error()
    {
        using var weight = arange(6, ScalarType.Float32).reshape(2, 3);
        using var half = ones(4, ScalarType.Float16);
        using var steps = tensor(3L);
        using var stream = new MemoryStream();
        StateWriter.Write(stream, new Dictionary<string, Tensor> { ["weight"] = weight, ["half"] = half, ["steps"] = steps }, StateFormat.Safetensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "café" });

        var report = Fuzz("safetensors", stream.ToArray(), 19_01);

        Assert.IsGreaterThan(Cases / 2, report.Rejected, report.ToString());
        Assert.IsGreaterThan(1, report.Outcomes.Count, report.ToString());
    }

    [TestMethod]
    public void Mutated_pytorch_zip_checkpoints_open_or_are_refused_with_a_typed_error()
    {
        var report = Fuzz("PyTorch zip", File.ReadAllBytes(Path.Combine(s_folder, "seed-zip.pt")), 19_02);

        Assert.IsGreaterThan(Cases / 10, report.Rejected, report.ToString());
        Assert.IsTrue(report.Outcomes.ContainsKey("read"), report.ToString());
    }

    [TestMethod]
    public void Mutated_legacy_pytorch_checkpoints_open_or_are_refused_with_a_typed_error()
    {
        var report = Fuzz("PyTorch legacy", File.ReadAllBytes(Path.Combine(s_folder, "seed-legacy.pt")), 19_03);

        Assert.IsGreaterThan(Cases / 10, report.Rejected, report.ToString());
        Assert.IsTrue(report.Outcomes.ContainsKey("read"), report.ToString());
    }

    private static FuzzReport Fuzz(string name, byte[] seed, int randomSeed)
    {
        // The seed itself reads: the campaign starts from a valid file.
        Open(seed);
        return ByteFuzzer.Run(name, seed, Cases, randomSeed, Open, error => error is StateFormatException format ? format.FormatError.ToString() : null);
    }

    private static void Open(byte[] bytes)
    {
        using var file = StateFile.Open(new MemoryStream(bytes));
        foreach (var tensor in file.Tensors)
        {
            using var read = file.ReadTensor(tensor);
        }

        _ = file.Entries.Count;
    }
}
