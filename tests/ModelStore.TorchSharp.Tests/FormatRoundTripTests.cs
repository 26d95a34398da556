using ModelStore.TorchSharp.Formats;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

[TestClass]
public sealed class FormatRoundTripTests
{
    private static readonly ScalarType[] Types =
    [
        ScalarType.Float32, ScalarType.Float64, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Int64,
        ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte, ScalarType.Bool,
    ];

    [TestMethod]
    [DataRow(StateFormat.PyTorch)]
    [DataRow(StateFormat.Safetensors)]
    public void Every_dtype_round_trips_bit_identical(StateFormat format)
    {
        manual_seed(5);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var type in Types)
        {
            using var values = randn(3, 5) * 100;
            tensors[$"layer.{type}"] = type == ScalarType.Bool ? values.gt(0) : values.to_type(type);
        }

        tensors["scalar"] = tensor(7.5f);
        tensors["empty"] = zeros([2, 0], ScalarType.Float16);
        using (var transposed = arange(6, ScalarType.Float32).reshape(2, 3))
        {
            tensors["not-contiguous"] = transposed.t();
        }

        using var stream = new MemoryStream();
        StateWriter.Write(stream, tensors, format, new Dictionary<string, string> { ["producer"] = "tests" });
        stream.Position = 0;

        using var file = StateFile.Open(stream);
        Assert.AreEqual(format, file.Format);
        CollectionAssert.AreEqual(tensors.Keys.ToList(), file.Tensors.Select(t => t.Name).ToList());
        foreach (var (name, expected) in tensors)
        {
            using var actual = file.ReadTensor(name);
            Assert.AreEqual(expected.dtype, actual.dtype, name);
            CollectionAssert.AreEqual(expected.shape, actual.shape, name);
            Assert.AreEqual(PyTorchProcess.Hex(expected), PyTorchProcess.Hex(actual), name);
        }

        if (format == StateFormat.Safetensors)
        {
            Assert.AreEqual("tests", file.Metadata["producer"]);
        }
    }

    [TestMethod]
    public void The_format_is_detected_from_the_content_not_the_file_name()
    {
        var folder = PyTorchProcess.NewFolder();
        try
        {
            using var model = TestModels.Build("mlp");
            var zipNamedSafetensors = Path.Combine(folder, "state.safetensors");
            var safetensorsNamedPt = Path.Combine(folder, "state.pt");
            using (var stream = File.Create(zipNamedSafetensors))
            {
                model.SaveState(stream, StateFormat.PyTorch);
            }

            using (var stream = File.Create(safetensorsNamedPt))
            {
                model.SaveState(stream, StateFormat.Safetensors);
            }

            using (var file = StateFile.Open(zipNamedSafetensors))
            {
                Assert.AreEqual(StateFormat.PyTorch, file.Format);
            }

            using (var file = StateFile.Open(safetensorsNamedPt))
            {
                Assert.AreEqual(StateFormat.Safetensors, file.Format);
            }

            using var copy = TestModels.Build("mlp");
            Assert.IsTrue(copy.LoadState(safetensorsNamedPt).IsComplete);
            Assert.AreEqual(PyTorchProcess.Hex(model.state_dict()["2.weight"]), PyTorchProcess.Hex(copy.state_dict()["2.weight"]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void A_PyTorch_archive_stores_every_storage_uncompressed_and_64_byte_aligned()
    {
        using var model = TestModels.Build("cnn");
        using var stream = new MemoryStream();
        model.SaveState(stream, StateFormat.PyTorch);
        stream.Position = 0;

        using var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Read, leaveOpen: true);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        CollectionAssert.IsSubsetOf(new[] { "archive/data.pkl", "archive/version", "archive/byteorder", "archive/data/0" }, names);
        Assert.IsTrue(zip.Entries.All(e => e.CompressedLength == e.Length), "entries must be stored");

        stream.Position = 0;
        using var file = StateFile.Open(stream, leaveOpen: true);
        Assert.IsTrue(file.Tensors.All(t => t.Storage.FileOffset % 64 == 0), "storages must start 64-byte aligned");
    }
}
