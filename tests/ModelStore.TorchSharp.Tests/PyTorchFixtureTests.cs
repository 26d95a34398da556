using System.Text.Json;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>State dicts saved by real PyTorch (made once per class by one python process) load here bit for bit.</summary>
[TestClass]
public sealed class PyTorchFixtureTests
{
    private static string s_folder = null!;
    private static JsonElement s_manifest;

    [ClassInitialize]
    public static void MakeFixtures(TestContext context)
    {
        s_folder = PyTorchProcess.NewFolder();
        PyTorchProcess.Run("make", s_folder);
        s_manifest = PyTorchProcess.ReadJson(Path.Combine(s_folder, "manifest.json"));
    }

    [ClassCleanup]
    public static void DeleteFixtures() => Directory.Delete(s_folder, recursive: true);

    [TestMethod]
    [DataRow("mlp", "float32")]
    [DataRow("mlp", "float16")]
    [DataRow("mlp", "bfloat16")]
    [DataRow("cnn", "float32")]
    [DataRow("cnn", "float16")]
    [DataRow("cnn", "bfloat16")]
    [DataRow("residual", "float32")]
    [DataRow("residual", "float16")]
    [DataRow("residual", "bfloat16")]
    public void A_PyTorch_state_dict_loads_bit_identical_and_the_module_gives_PyTorchs_outputs(string architecture, string dtype)
    {
        var expected = s_manifest.GetProperty("models").GetProperty($"{architecture}-{dtype}");
        foreach (var extension in new[] { "pt", "safetensors" })
        {
            using var model = TestModels.Build(architecture);
            model.to(TestModels.DType(dtype));
            var report = model.LoadState(Path.Combine(s_folder, $"{architecture}-{dtype}.{extension}"), strict: true);

            Assert.IsTrue(report.IsComplete, report.ToString());
            AssertSameTensors(expected.GetProperty("tensors"), model.state_dict(), $"{architecture}-{dtype}.{extension}");

            model.to(ScalarType.Float32);
            model.eval();
            using var input = PyTorchProcess.Input(expected.GetProperty("input"));
            PyTorchProcess.AssertClose(PyTorchProcess.Floats(expected.GetProperty("output")), PyTorchProcess.Output(model, input), $"{architecture}-{dtype}.{extension}");
        }
    }

    [TestMethod]
    public void BatchNorm_running_statistics_and_num_batches_tracked_are_loaded()
    {
        using var model = TestModels.Build("cnn");
        var report = model.LoadState(Path.Combine(s_folder, "cnn-float32.pt"));

        CollectionAssert.IsSubsetOf(new[] { "1.running_mean", "1.running_var", "1.num_batches_tracked" }, report.Loaded.ToArray());
        Assert.AreEqual(3L, model.state_dict()["1.num_batches_tracked"].item<long>());
        using var fresh = zeros(4);
        Assert.IsFalse(model.state_dict()["1.running_mean"].allclose(fresh), "the running mean was not loaded");
    }

    [TestMethod]
    public void A_float16_state_loads_into_a_float32_module_converting_like_load_state_dict()
    {
        using var model = TestModels.Build("cnn");
        var path = Path.Combine(s_folder, "cnn-float16.pt");

        var report = model.LoadState(path);

        Assert.IsTrue(report.IsComplete, report.ToString());
        Assert.AreEqual("9 loaded (8 converted from another element type)", report.ToString());
        CollectionAssert.AreEquivalent(
            new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "4.weight", "4.bias" },
            report.Converted.ToArray());
        using var file = StateFile.Open(path);
        foreach (var name in report.Converted)
        {
            using var stored = file.ReadTensor(name);
            Assert.AreEqual(ScalarType.Float16, stored.dtype);
            using var widened = stored.to_type(ScalarType.Float32);
            Assert.AreEqual(PyTorchProcess.Hex(widened), PyTorchProcess.Hex(model.state_dict()[name]), name);
        }
    }

    [TestMethod]
    [DataRow("int64")]
    [DataRow("views")]
    [DataRow("parameter")]
    public void Every_tensor_of_a_PyTorch_state_reads_bit_identical(string state)
    {
        using var file = StateFile.Open(Path.Combine(s_folder, $"{state}.pt"));
        Assert.AreEqual(StateFormat.PyTorch, file.Format);
        var expected = s_manifest.GetProperty("states").GetProperty(state);
        var tensors = file.ReadAll();
        try
        {
            AssertSameTensors(expected, tensors, state);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [TestMethod]
    public void Views_of_one_storage_keep_their_offsets_and_strides_and_share_the_storage()
    {
        using var file = StateFile.Open(Path.Combine(s_folder, "views.pt"));
        var transposed = file.Find("transposed")!;
        var slice = file.Find("slice")!;
        var tail = file.Find("tail")!;

        CollectionAssert.AreEqual(new long[] { 1, 6 }, transposed.Strides.ToArray());
        Assert.AreEqual(8L, slice.StorageOffset);
        Assert.AreEqual(10L, tail.StorageOffset);
        Assert.AreSame(file.Find("base")!.Storage, transposed.Storage);
        Assert.AreEqual(file.Find("base")!.Storage.Key, slice.Storage.Key);
        Assert.AreEqual(file.Find("halves")!.Storage.Key, file.Find("strided_half")!.Storage.Key);
    }

    [TestMethod]
    public void A_strict_load_with_another_head_fails_listing_the_mismatches_and_changes_nothing()
    {
        using var model = TestModels.Build("cnn", classes: 3);
        var before = model.state_dict().ToDictionary(p => p.Key, p => PyTorchProcess.Hex(p.Value));

        var error = Assert.ThrowsExactly<StateLoadException>(() => model.LoadState(Path.Combine(s_folder, "cnn-cls10.pt"), strict: true));

        CollectionAssert.AreEquivalent(new[] { "4.weight", "4.bias" }, error.Report.Mismatched.Select(m => m.Name).ToArray());
        StringAssert.Contains(error.Message, "4.weight (module [3, 144], state [10, 144])");
        Assert.AreEqual(ModelStore.Stores.StateStoreError.InvalidContent, error.Error);
        foreach (var (name, tensor) in model.state_dict())
        {
            Assert.AreEqual(before[name], PyTorchProcess.Hex(tensor), $"{name} changed although the strict load failed");
        }
    }

    [TestMethod]
    public void A_partial_load_fills_the_backbone_and_reports_the_head()
    {
        using var model = TestModels.Build("cnn", classes: 3);
        var head = PyTorchProcess.Hex(model.state_dict()["4.weight"]);
        var path = Path.Combine(s_folder, "cnn-cls10.pt");

        var report = model.LoadState(path, strict: false);

        CollectionAssert.AreEquivalent(
            new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked" },
            report.Loaded.ToArray());
        CollectionAssert.AreEquivalent(new[] { "4.weight", "4.bias" }, report.Mismatched.Select(m => m.Name).ToArray());
        Assert.IsEmpty(report.Missing);
        Assert.IsEmpty(report.Unexpected);
        using var file = StateFile.Open(path);
        foreach (var name in report.Loaded)
        {
            using var stored = file.ReadTensor(name);
            Assert.AreEqual(PyTorchProcess.Hex(stored), PyTorchProcess.Hex(model.state_dict()[name]), name);
        }

        Assert.AreEqual(head, PyTorchProcess.Hex(model.state_dict()["4.weight"]), "the mismatched head must be left as it was");
    }

    [TestMethod]
    public void A_strict_load_of_another_architecture_lists_missing_and_unexpected_entries()
    {
        using var model = TestModels.Build("mlp");

        var error = Assert.ThrowsExactly<StateLoadException>(() => model.LoadState(Path.Combine(s_folder, "residual-float32.pt")));

        CollectionAssert.AreEquivalent(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, error.Report.Missing.ToArray());
        CollectionAssert.Contains(error.Report.Unexpected.ToArray(), "bn2.num_batches_tracked");
        StringAssert.Contains(error.Message, "4 missing from the state: 0.weight, 0.bias, 2.weight, 2.bias");
        StringAssert.Contains(error.Message, "unexpected in the state: conv1.weight");
    }

    private static void AssertSameTensors(JsonElement expected, IReadOnlyDictionary<string, Tensor> actual, string what)
    {
        var names = expected.EnumerateObject().Select(p => p.Name).ToList();
        CollectionAssert.AreEquivalent(names, actual.Keys.ToList(), $"{what}: tensor names");
        foreach (var property in expected.EnumerateObject())
        {
            var tensor = actual[property.Name];
            Assert.AreEqual(property.Value.GetProperty("dtype").GetString(), TestModels.DTypeName(tensor.dtype), $"{what}: {property.Name} dtype");
            CollectionAssert.AreEqual(property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), tensor.shape, $"{what}: {property.Name} shape");
            Assert.AreEqual(property.Value.GetProperty("hex").GetString(), PyTorchProcess.Hex(tensor), $"{what}: {property.Name} bytes");
        }
    }
}
