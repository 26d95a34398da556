using System.Text;
using System.Text.Json;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.TorchSharp.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>
/// Sharded weights as Hugging Face ships them (a shard index and its shards), written by real PyTorch
/// (Fixtures/shard_fixtures.py), load as one state, bit-identical to the single-file save; the index is untrusted.
/// </summary>
[TestClass]
public sealed class ShardedStateTests
{
    private static string s_folder = null!;
    private static JsonElement s_manifest;
    private string _scratch = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void MakeFixtures(TestContext context)
    {
        s_folder = PyTorchProcess.NewFolder();
        PyTorchProcess.Run("shard_fixtures.py", "make", s_folder);
        s_manifest = PyTorchProcess.ReadJson(Path.Combine(s_folder, "manifest.json"));
    }

    [ClassCleanup]
    public static void DeleteFixtures() => Directory.Delete(s_folder, recursive: true);

    [TestInitialize]
    public void MakeScratch() => _scratch = PyTorchProcess.NewFolder();

    [TestCleanup]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    [TestMethod]
    [DataRow("safetensors/model.safetensors.index.json", 3, StateFormat.Safetensors)]
    [DataRow("bin/pytorch_model.bin.index.json", 2, StateFormat.PyTorch)]
    public void A_sharded_model_loads_bit_identical_to_its_single_file_save(string index, int shards, StateFormat format)
    {
        using var fromShards = Twin();
        using var fromSingle = Twin();

        var report = fromShards.LoadState(Path.Combine(s_folder, index));
        fromSingle.LoadState(Path.Combine(s_folder, format == StateFormat.Safetensors ? "single.safetensors" : "single.pt"));

        Assert.IsTrue(report.IsComplete, report.ToString());
        var expected = s_manifest.GetProperty("tensors");
        var single = fromSingle.state_dict();
        var loaded = fromShards.state_dict();
        Assert.HasCount(expected.EnumerateObject().Count(), loaded);
        foreach (var item in expected.EnumerateObject())
        {
            Assert.AreEqual(item.Value.GetProperty("hex").GetString(), PyTorchProcess.Hex(loaded[item.Name]), item.Name);
            Assert.AreEqual(PyTorchProcess.Hex(single[item.Name]), PyTorchProcess.Hex(loaded[item.Name]), item.Name);
        }

        fromShards.eval();
        using var input = PyTorchProcess.Input(s_manifest.GetProperty("input"));
        PyTorchProcess.AssertClose(PyTorchProcess.Floats(s_manifest.GetProperty("output")), PyTorchProcess.Output(fromShards, input), index);

        using var file = StateFile.Open(Path.Combine(s_folder, index));
        Assert.AreEqual(format, file.Format);
        Assert.HasCount(shards, file.Shards);
        Assert.IsTrue(file.Shards.All(path => Path.IsPathRooted(path) && File.Exists(path)));
        var totalBytes = expected.EnumerateObject().Sum(item => item.Value.GetProperty("hex").GetString()!.Length / 2);
        Assert.AreEqual(totalBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), file.Metadata["total_size"]);
    }

    [TestMethod]
    public void A_state_dict_path_selects_a_prefix_across_shards()
    {
        using var file = StateFile.Open(Path.Combine(s_folder, "safetensors/model.safetensors.index.json"), stateDictPath: "1");

        CollectionAssert.AreEquivalent(new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }, file.Tensors.Select(t => t.Name).ToArray());
        using var mean = file.ReadTensor("running_mean");
        Assert.AreEqual(s_manifest.GetProperty("tensors").GetProperty("1.running_mean").GetProperty("hex").GetString(), PyTorchProcess.Hex(mean));
        Assert.AreEqual(StateFormatError.StateDictNotFound, Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(s_folder, "safetensors/model.safetensors.index.json"), "encoder")).FormatError);
    }

    [TestMethod]
    public void A_huggingface_hub_cache_snapshot_of_links_into_blobs_loads()
    {
        // snapshots/{commit}/ holds relative links to ../../blobs/{etag}, as huggingface_hub writes them.
        var blobs = Directory.CreateDirectory(Path.Combine(_scratch, "models--acme--tiny", "blobs")).FullName;
        var snapshot = Directory.CreateDirectory(Path.Combine(_scratch, "models--acme--tiny", "snapshots", new string('a', 40))).FullName;
        foreach (var path in Directory.GetFiles(Path.Combine(s_folder, "safetensors")))
        {
            var etag = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
            File.Copy(path, Path.Combine(blobs, etag));
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(path)), Path.Combine("..", "..", "blobs", etag));
        }

        using var twin = Twin();
        var report = twin.LoadState(Path.Combine(snapshot, "model.safetensors.index.json"));

        Assert.IsTrue(report.IsComplete, report.ToString());
        Assert.AreEqual(s_manifest.GetProperty("tensors").GetProperty("8.weight").GetProperty("hex").GetString(), PyTorchProcess.Hex(twin.state_dict()["8.weight"]));
    }

    [TestMethod]
    [DataRow("../outside.safetensors")]
    [DataRow("/etc/passwd")]
    [DataRow("sub/../../outside.safetensors")]
    [DataRow("./model-00001-of-00003.safetensors")]
    [DataRow("sub\\model.safetensors")]
    [DataRow("")]
    public void A_shard_path_leaving_the_folder_is_refused_as_unsafe(string shard)
    {
        File.Copy(Path.Combine(s_folder, "single.safetensors"), Path.Combine(Path.GetDirectoryName(_scratch)!, "outside.safetensors"), overwrite: true);
        var index = WriteIndex(new() { ["0.weight"] = shard });

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(index));

        Assert.AreEqual(StateFormatError.UnsafePath, error.FormatError, error.Message);
    }

    [TestMethod]
    public void A_shard_that_is_a_link_out_of_the_folder_is_refused_and_so_is_a_linked_subfolder()
    {
        var outside = PyTorchProcess.NewFolder();
        try
        {
            File.Copy(Path.Combine(s_folder, "single.safetensors"), Path.Combine(outside, "secret.safetensors"));
            File.CreateSymbolicLink(Path.Combine(_scratch, "model.safetensors"), Path.Combine(outside, "secret.safetensors"));
            Directory.CreateSymbolicLink(Path.Combine(_scratch, "sub"), outside);

            var viaFile = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(WriteIndex(new() { ["0.weight"] = "model.safetensors" })));
            var viaFolder = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(WriteIndex(new() { ["0.weight"] = "sub/secret.safetensors" })));

            Assert.AreEqual(StateFormatError.UnsafePath, viaFile.FormatError);
            Assert.AreEqual(StateFormatError.UnsafePath, viaFolder.FormatError);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [TestMethod]
    public void A_missing_shard_a_tensor_absent_from_its_shard_and_a_malformed_index_are_typed_errors()
    {
        File.Copy(Path.Combine(s_folder, "safetensors", "model-00003-of-00003.safetensors"), Path.Combine(_scratch, "last.safetensors"));

        var missing = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(WriteIndex(new() { ["8.weight"] = "gone.safetensors" })));
        var absent = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(WriteIndex(new() { ["0.weight"] = "last.safetensors" })));
        File.WriteAllText(Path.Combine(_scratch, "bad.index.json"), "{\"weight_map\": [1, 2]}");
        var malformed = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(_scratch, "bad.index.json")));
        File.WriteAllText(Path.Combine(_scratch, "cut.index.json"), "{\"weight_map\": {\"a\": \"last.safe");
        var cut = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(_scratch, "cut.index.json")));

        Assert.AreEqual(StateFormatError.Truncated, missing.FormatError);
        Assert.AreEqual(StateFormatError.Corrupt, absent.FormatError);
        StringAssert.Contains(absent.Message, "'0.weight'");
        Assert.AreEqual(StateFormatError.Corrupt, malformed.FormatError);
        Assert.AreEqual(StateFormatError.Corrupt, cut.FormatError);
    }

    [TestMethod]
    public void An_index_opened_as_a_stream_is_refused_saying_to_open_it_by_path()
    {
        using var stream = File.OpenRead(Path.Combine(s_folder, "safetensors", "model.safetensors.index.json"));

        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(stream));

        Assert.AreEqual(StateFormatError.UnsupportedFeature, error.FormatError);
        StringAssert.Contains(error.Message, "open it by its path");
    }

    [TestMethod]
    public void The_sentence_encoder_as_sharded_safetensors_loads_into_a_TorchSharp_twin_that_gives_PyTorchs_embeddings()
    {
        PyTorchProcess.Run("shard_fixtures.py", "encoder", _scratch);

        AssertEncoderTwin(Path.Combine(_scratch, "encoder", "model.safetensors.index.json"));
    }

    [TestMethod]
    public async Task The_sharded_sentence_encoder_declared_as_one_bundle_loads_from_the_cache_into_the_TorchSharp_twin()
    {
        PyTorchProcess.Run("shard_fixtures.py", "encoder", _scratch);
        var stores = new StoreCatalog();
        stores.Add("local", new LocalStateStore(Path.Combine(_scratch, "encoder")));
        var resolver = new StateResolver(new StateResolverOptions { Cache = new StateCache(Path.Combine(_scratch, "cache")), Stores = stores, LockFile = StateLockFile.Empty });

        // As the build resolves Files="model-*.safetensors;model.safetensors.index.json": a folder of links to verified blobs.
        var bundle = await resolver.ResolveAsync(new StateRequest(StateKey.Parse("safetensors/sentence-encoder.v1"), "local") { Files = FilePatterns.Parse("model-*.safetensors;model.safetensors.index.json") }, TestContext.CancellationToken);

        Assert.IsTrue(bundle.Succeeded, bundle.Failure?.Message);
        Assert.HasCount(4, bundle.Files!);
        AssertEncoderTwin(Path.Combine(bundle.Path!, "model.safetensors.index.json"));

        // The same links to the cache's blobs in an ordinary folder (a clone, say) lead out of it: refused.
        var plain = Directory.CreateDirectory(Path.Combine(_scratch, "plain")).FullName;
        foreach (var file in bundle.Files!)
        {
            File.CreateSymbolicLink(Path.Combine(plain, file.Path), new FileInfo(Path.Combine(bundle.Path!, file.Path)).LinkTarget!);
        }

        using var twin = new SentenceEncoder(PyTorchProcess.ReadJson(Path.Combine(_scratch, "encoder.json")));
        var error = Assert.ThrowsExactly<StateFormatException>(() => twin.LoadState(Path.Combine(plain, "model.safetensors.index.json")));
        Assert.AreEqual(StateFormatError.UnsafePath, error.FormatError, error.Message);
    }

    /// <summary>Loads the shard set of <c>shard_fixtures.py encoder</c> into the twin: every tensor bit for bit, and PyTorch's embeddings.</summary>
    private void AssertEncoderTwin(string index)
    {
        var spec = PyTorchProcess.ReadJson(Path.Combine(_scratch, "encoder.json"));
        using var twin = new SentenceEncoder(spec);

        var report = twin.LoadState(index);

        Assert.IsTrue(report.IsComplete, report.ToString());
        var loaded = twin.state_dict();
        foreach (var item in spec.GetProperty("tensors").EnumerateObject())
        {
            Assert.AreEqual(item.Value.GetProperty("hex").GetString(), PyTorchProcess.Hex(loaded[item.Name]), item.Name);
        }

        twin.eval();
        using var ids = Matrix(spec.GetProperty("ids"));
        using var mask = Matrix(spec.GetProperty("mask"));
        using (no_grad())
        {
            using var embeddings = twin.forward(ids, mask);
            var expected = spec.GetProperty("embeddings").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(e => e.GetSingle()).ToArray();
            PyTorchProcess.AssertClose(expected, embeddings.reshape(-1).data<float>().ToArray(), "sentence embeddings");
        }
    }

    private static nn.Module<Tensor, Tensor> Twin() => nn.Sequential(
        ("0", nn.Linear(32, 64)), ("1", nn.BatchNorm1d(64)), ("2", nn.ReLU()), ("3", nn.LayerNorm(64)),
        ("4", nn.Linear(64, 64)), ("5", nn.ReLU()), ("6", nn.Linear(64, 48)), ("7", nn.ReLU()), ("8", nn.Linear(48, 10)));

    private static Tensor Matrix(JsonElement rows) =>
        tensor(rows.EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(e => e.GetInt64()).ToArray()).reshape(rows.GetArrayLength(), -1);

    private string WriteIndex(Dictionary<string, string> weightMap)
    {
        var path = Path.Combine(_scratch, "model.safetensors.index.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { metadata = new { total_size = 1 }, weight_map = weightMap }), Encoding.UTF8);
        return path;
    }

    /// <summary>
    /// The TorchSharp twin of bert_fixtures.py's SentenceEncoder (same state-dict names; TorchSharp's encoder layer is
    /// sequence-first), token types all 0, pooled as sentence-transformers does (masked mean, L2 norm).
    /// </summary>
    private sealed class SentenceEncoder : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> token_embeddings;
        private readonly nn.Module<Tensor, Tensor> position_embeddings;
        private readonly nn.Module<Tensor, Tensor> token_type_embeddings;
        private readonly nn.Module<Tensor, Tensor> norm;
        private readonly global::TorchSharp.Modules.ModuleList<global::TorchSharp.Modules.TransformerEncoderLayer> layers;

        public SentenceEncoder(JsonElement spec)
            : base(nameof(SentenceEncoder))
        {
            var hidden = spec.GetProperty("hidden").GetInt64();
            token_embeddings = nn.Embedding(spec.GetProperty("vocab_size").GetInt64(), hidden, padding_idx: 0);
            position_embeddings = nn.Embedding(spec.GetProperty("max_positions").GetInt64(), hidden);
            token_type_embeddings = nn.Embedding(spec.GetProperty("type_vocab").GetInt64(), hidden);
            norm = nn.LayerNorm(hidden);
            layers = nn.ModuleList([.. Enumerable.Range(0, spec.GetProperty("layers").GetInt32()).Select(_ => nn.TransformerEncoderLayer(hidden, spec.GetProperty("heads").GetInt64(), spec.GetProperty("ffn").GetInt64(), dropout: 0.0))]);
            RegisterComponents();
        }

        public override Tensor forward(Tensor inputIds, Tensor attentionMask)
        {
            using var positions = arange(inputIds.shape[1]).unsqueeze(0);
            using var tokenTypes = zeros_like(inputIds);
            var x = norm.call(token_embeddings.call(inputIds) + position_embeddings.call(positions) + token_type_embeddings.call(tokenTypes)).transpose(0, 1);
            using var padding = attentionMask.eq(0);
            foreach (var layer in layers)
            {
                x = layer.call(x, null, padding);
            }

            using var mask = attentionMask.unsqueeze(-1).to(x.dtype);
            using var mean = (x.transpose(0, 1) * mask).sum(1) / mask.sum(1).clamp_min(1e-9);
            return nn.functional.normalize(mean, p: 2, dim: 1);
        }
    }
}
