using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.OnnxRuntime.Tests;

/// <summary>
/// A small CNN exported by real PyTorch (torch.onnx.export, one python process for the class) runs end to end in
/// ONNX Runtime from a state's verified bytes and gives PyTorch's outputs.
/// </summary>
[TestClass]
public sealed class OnnxStateTests
{
    private static string s_folder = null!;
    private static JsonElement s_manifest;
    private string _relative = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void ExportWithPyTorch(TestContext context) => (s_folder, s_manifest) = PyTorchFixtures.Make("onnx_fixtures.py");

    [ClassCleanup]
    public static void DeleteFixtures() => Directory.Delete(s_folder, recursive: true);

    [TestInitialize]
    public void ChoosePath() => _relative = Path.Combine("modelstates-tests", $"onnx.cnn.{Guid.NewGuid():N}.pt");

    [TestCleanup]
    public void DeleteCopy() => PyTorchFixtures.Unpublish(_relative);

    [TestMethod]
    public void A_pretrained_ONNX_state_runs_in_ONNX_Runtime_with_PyTorchs_outputs()
    {
        var state = Publish("cnn.onnx", "onnx/cnn.cls3.v1");

        using var session = state.CreateInferenceSession();

        Assert.AreEqual("image", session.InputMetadata.Keys.Single());
        AssertPyTorchOutputs(session);
    }

    [TestMethod]
    public async Task A_state_in_a_store_runs_with_session_options()
    {
        var storeFolder = Directory.CreateTempSubdirectory("modelstore-onnx-store-").FullName;
        try
        {
            var store = new LocalStateStore(storeFolder);
            var key = StateKey.Parse("onnx/cnn.cls3.v1");
            await using (var bytes = File.OpenRead(Path.Combine(s_folder, "cnn.onnx")))
            {
                await store.WriteAsync(key, bytes);
            }

            using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            using var session = await store.CreateInferenceSessionAsync(key, options);

            AssertPyTorchOutputs(session);
        }
        finally
        {
            Directory.Delete(storeFolder, recursive: true);
        }
    }

    [TestMethod]
    public void Altered_bytes_are_refused_before_ONNX_Runtime_sees_them()
    {
        var state = Publish("cnn.onnx", "onnx/cnn.cls3.v1");
        var path = Path.Combine(AppContext.BaseDirectory, _relative);
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var error = Assert.ThrowsExactly<StateStoreException>(() => state.CreateInferenceSession());

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
    }

    [TestMethod]
    public void A_PyTorch_state_dict_or_garbage_is_refused_as_invalid_content_saying_what_it_is()
    {
        var pytorch = Assert.ThrowsExactly<StateStoreException>(() => Publish("cnn.pt", "pytorch/cnn.cls3.v1").CreateInferenceSession());
        Assert.AreEqual(StateStoreError.InvalidContent, pytorch.Error);
        StringAssert.Contains(pytorch.Message, "a zip archive (a PyTorch state dict or TorchScript file");

        // Random bytes, kept from looking like a pickle (0x80 first) or a safetensors header ('{' at offset 8) by chance.
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(512);
        bytes[0] = 0;
        bytes[8] = 0;
        File.WriteAllBytes(Path.Combine(s_folder, "garbage.onnx"), bytes);
        var garbage = Assert.ThrowsExactly<StateStoreException>(() => Publish("garbage.onnx", "onnx/cnn.garbage.v1").CreateInferenceSession());
        Assert.AreEqual(StateStoreError.InvalidContent, garbage.Error);
        StringAssert.Contains(garbage.Message, "is not a valid ONNX model");
        Assert.IsInstanceOfType<OnnxRuntimeException>(garbage.InnerException);
    }

    [TestMethod]
    public void A_graph_with_its_weights_in_an_external_data_file_next_to_it_runs_with_PyTorchs_outputs()
    {
        using var session = OnnxModelFile.CreateInferenceSession(Path.Combine(s_folder, "external", "cnn.onnx"));

        AssertPyTorchOutputs(session);
        Assert.IsLessThan(1000, new FileInfo(Path.Combine(s_folder, "external", "cnn.onnx")).Length, "the weights are not in the graph file");
    }

    [TestMethod]
    public async Task A_graph_and_its_external_data_declared_as_one_bundle_run_from_the_bundles_copy_and_the_cache_folder_says_why_not()
    {
        var root = Directory.CreateTempSubdirectory("modelstore-onnx-bundle-").FullName;
        try
        {
            var stores = new StoreCatalog();
            stores.Add("local", new LocalStateStore(s_folder));
            var resolver = new StateResolver(new StateResolverOptions { Cache = new StateCache(Path.Combine(root, "cache")), Stores = stores, LockFile = StateLockFile.Empty });

            // As the build resolves Files="external/cnn.onnx;external/cnn.weights": a folder of links to verified blobs.
            var bundle = await resolver.ResolveAsync(new StateRequest(StateKey.Parse("onnx/cnn.external.v1"), "local") { Files = FilePatterns.Parse("external/cnn.onnx;external/cnn.weights") }, TestContext.CancellationToken);

            Assert.IsTrue(bundle.Succeeded, bundle.Failure?.Message);
            Assert.IsNotNull(new FileInfo(Path.Combine(bundle.Path!, "external", "cnn.weights")).LinkTarget, "the bundle's files are links to the cache's blobs");
            var refused = Assert.ThrowsExactly<StateStoreException>(() => OnnxModelFile.CreateInferenceSession(Path.Combine(bundle.Path!, "external", "cnn.onnx")));
            Assert.AreEqual(StateStoreError.InvalidContent, refused.Error);
            StringAssert.Contains(refused.Message, "CopyToOutputDirectory");

            // The copy CopyToOutputDirectory makes (files, not links) runs.
            var copy = Directory.CreateDirectory(Path.Combine(root, "bin", "modelstates", "onnx.cnn.external.v1", "external")).FullName;
            foreach (var file in bundle.Files!)
            {
                File.Copy(Path.Combine(bundle.Path!, file.Path), Path.Combine(copy, Path.GetFileName(file.Path)));
            }

            using var session = OnnxModelFile.CreateInferenceSession(Path.Combine(copy, "cnn.onnx"));
            AssertPyTorchOutputs(session);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    [DataRow("escape-parent.onnx", "../outside.weights")]
    [DataRow("escape-absolute.onnx", "outside.weights")]
    [DataRow("escape-link.onnx", "a symbolic link that leads outside")]
    public void External_data_outside_the_models_folder_is_refused_before_ONNX_Runtime_reads_it(string graph, string named)
    {
        var error = Assert.ThrowsExactly<StateStoreException>(() => OnnxModelFile.CreateInferenceSession(Path.Combine(s_folder, "external", graph)));

        Assert.AreEqual(StateStoreError.InvalidContent, error.Error);
        StringAssert.Contains(error.Message, named);
    }

    [TestMethod]
    public void A_missing_external_data_file_is_not_found_and_a_cut_graph_is_invalid_content()
    {
        var folder = Directory.CreateTempSubdirectory("modelstore-onnx-external-").FullName;
        try
        {
            File.Copy(Path.Combine(s_folder, "external", "cnn.onnx"), Path.Combine(folder, "cnn.onnx"));
            var graph = File.ReadAllBytes(Path.Combine(folder, "cnn.onnx"));
            File.WriteAllBytes(Path.Combine(folder, "cut.onnx"), graph[..(graph.Length - 7)]);

            var missing = Assert.ThrowsExactly<StateStoreException>(() => OnnxModelFile.CreateInferenceSession(Path.Combine(folder, "cnn.onnx")));
            var cut = Assert.ThrowsExactly<StateStoreException>(() => OnnxModelFile.CreateInferenceSession(Path.Combine(folder, "cut.onnx")));

            Assert.AreEqual(StateStoreError.NotFound, missing.Error);
            StringAssert.Contains(missing.Message, "cnn.weights");
            Assert.AreEqual(StateStoreError.InvalidContent, cut.Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void A_graph_cut_anywhere_is_refused_with_a_typed_error_never_another_exception()
    {
        var folder = Directory.CreateTempSubdirectory("modelstore-onnx-cut-").FullName;
        try
        {
            var graph = File.ReadAllBytes(Path.Combine(s_folder, "external", "cnn.onnx"));
            File.Copy(Path.Combine(s_folder, "external", "cnn.weights"), Path.Combine(folder, "cnn.weights"));
            var refused = 0;
            for (var length = 1; length < graph.Length; length += 5)
            {
                var path = Path.Combine(folder, $"cut-{length}.onnx");
                File.WriteAllBytes(path, graph[..length]);
                try
                {
                    using var session = OnnxModelFile.CreateInferenceSession(path);
                }
                catch (StateStoreException e) when (e.Error is StateStoreError.InvalidContent or StateStoreError.NotFound)
                {
                    refused++;
                }
            }

            Assert.IsGreaterThan(graph.Length / 10, refused, "most cuts leave no valid graph");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private PretrainedState Publish(string fixture, string key) => PyTorchFixtures.Publish(Path.Combine(s_folder, fixture), _relative, key);

    private static void AssertPyTorchOutputs(InferenceSession session)
    {
        var input = s_manifest.GetProperty("input");
        var shape = input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var values = input.GetProperty("values").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("image", new DenseTensor<float>(values, shape))]);

        var logits = results.Single(r => r.Name == "logits").AsTensor<float>();
        var expected = s_manifest.GetProperty("output");
        CollectionAssert.AreEqual(expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(), logits.Dimensions.ToArray());
        var actual = logits.ToArray();
        var wanted = expected.GetProperty("values").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.HasCount(wanted.Length, actual);
        for (var i = 0; i < wanted.Length; i++)
        {
            Assert.IsLessThanOrEqualTo(1e-5f + (1e-4f * Math.Abs(wanted[i])), Math.Abs(wanted[i] - actual[i]), $"output {i}: ONNX Runtime {actual[i]}, PyTorch {wanted[i]}");
        }
    }
}
