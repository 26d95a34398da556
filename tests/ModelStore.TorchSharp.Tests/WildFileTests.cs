using System.Text.Json;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>
/// Files as they are found in the wild, made by real PyTorch (Fixtures/wild_fixtures.py, one python process for the
/// class): training checkpoints, the legacy format, nn.DataParallel prefixes; what is not a state is refused by name.
/// </summary>
[TestClass]
public sealed class WildFileTests
{
    private static string s_folder = null!;
    private static JsonElement s_manifest;

    [ClassInitialize]
    public static void MakeFixtures(TestContext context)
    {
        s_folder = PyTorchProcess.NewFolder();
        PyTorchProcess.Run("wild_fixtures.py", "make", s_folder);
        s_manifest = PyTorchProcess.ReadJson(Path.Combine(s_folder, "manifest.json"));
    }

    [ClassCleanup]
    public static void DeleteFixtures() => Directory.Delete(s_folder, recursive: true);

    [TestMethod]
    [DataRow("ckpt-model.pt", "model", DisplayName = "{model, optimizer, epoch}")]
    [DataRow("ckpt-lightning.pt", "state_dict", DisplayName = "Lightning {state_dict, optimizer_states, ...}")]
    [DataRow("ckpt-tutorial.pt", "model_state_dict", DisplayName = "{epoch, model_state_dict, optimizer_state_dict, loss}")]
    [DataRow("ckpt-ema.pt", "model", DisplayName = "{model, model_ema}: the trained weights")]
    [DataRow("legacy-cnn.pt", null, DisplayName = "legacy format, a state dict")]
    [DataRow("legacy-ckpt.pt", "model", DisplayName = "legacy format, a checkpoint")]
    public void A_checkpoint_loads_the_state_dict_it_holds_bit_identical_with_PyTorchs_outputs(string file, string? foundAt)
    {
        using var model = TestModels.Build("cnn");

        var report = model.LoadState(Path.Combine(s_folder, file), strict: true);

        Assert.AreEqual(foundAt, report.StateDictPath);
        Assert.IsTrue(report.IsComplete, report.ToString());
        if (foundAt is not null)
        {
            StringAssert.Contains(report.ToString(), $"from the state dict at '{foundAt}'");
        }

        AssertTensors("cnn", model.state_dict(), file);
        AssertPyTorchOutputs(model, file);
    }

    [TestMethod]
    public void An_explicit_path_picks_another_state_dict_or_a_part_of_a_nested_one()
    {
        using (var model = TestModels.Build("cnn"))
        {
            var report = model.LoadState(Path.Combine(s_folder, "ckpt-ema.pt"), new StateLoadOptions { StateDictPath = "model_ema" });
            Assert.AreEqual("model_ema", report.StateDictPath);
            AssertTensors("ema", model.state_dict(), "model_ema");
        }

        using (var model = TestModels.Build("cnn"))
        {
            // checkpoint -> model (nested dicts), then "encoder." inside the flat state dict, without the prefix.
            var report = model.LoadState(Path.Combine(s_folder, "ckpt-nested.pt"), new StateLoadOptions { StateDictPath = "checkpoint.model.encoder" });
            Assert.IsTrue(report.IsComplete, report.ToString());
            AssertTensors("cnn", model.state_dict(), "checkpoint.model.encoder");
            AssertPyTorchOutputs(model, "checkpoint.model.encoder");
        }

        using var file = StateFile.Open(Path.Combine(s_folder, "ckpt-nested.pt"), "checkpoint.model");
        CollectionAssert.Contains(file.Tensors.Select(t => t.Name).ToList(), "head.weight");
        Assert.AreEqual(12L, file.Entries["step"]);
    }

    [TestMethod]
    public void A_pretrained_state_with_a_StateDictPath_loads_that_state_dict()
    {
        var relative = Path.Combine("modelstates-tests", $"pytorch.cnn.{Guid.NewGuid():N}.pt");
        var published = Path.Combine(AppContext.BaseDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(published)!);
        File.Copy(Path.Combine(s_folder, "ckpt-ema.pt"), published);
        try
        {
            var bytes = File.ReadAllBytes(published);
            var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            var state = new PretrainedState("pytorch/cnn.cls3.ema", "local", sha256, bytes.Length, relative) { StateDictPath = "model_ema" };
            using var model = TestModels.Build("cnn");

            var report = state.LoadInto(model);

            Assert.AreEqual("model_ema", report.StateDictPath);
            AssertTensors("ema", model.state_dict(), "PretrainedState.StateDictPath");

            // Options given at the call win over the item's metadata.
            var trained = state.LoadInto(model, new StateLoadOptions { StateDictPath = "model" });
            Assert.AreEqual("model", trained.StateDictPath);
            AssertTensors("cnn", model.state_dict(), "StateLoadOptions.StateDictPath");
        }
        finally
        {
            File.Delete(published);
        }
    }

    [TestMethod]
    public void A_checkpoint_without_a_conventional_key_or_a_wrong_path_is_refused_naming_what_is_there()
    {
        var none = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(s_folder, "ckpt-nested.pt")));
        Assert.AreEqual(StateFormatError.StateDictNotFound, none.FormatError);
        StringAssert.Contains(none.Message, "'checkpoint' (a dict of 1 entries)");
        StringAssert.Contains(none.Message, "'step' (an integer (12))");
        StringAssert.Contains(none.Message, "Set StateDictPath");

        var notADict = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(s_folder, "ckpt-model.pt"), "epoch"));
        Assert.AreEqual(StateFormatError.StateDictNotFound, notADict.FormatError);
        StringAssert.Contains(notADict.Message, "'epoch' is an integer (3), not a state dict");

        var missing = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(s_folder, "ckpt-model.pt"), "weights"));
        StringAssert.Contains(missing.Message, "has no entry 'weights'; it has the entries 'model' (a dict of 9 entries), 'optimizer' (a dict of 2 entries), 'epoch' (an integer (3))");

        var noPrefix = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(s_folder, "ckpt-model.pt"), "model.decoder"));
        StringAssert.Contains(noPrefix.Message, "no entry whose name starts with 'decoder.'");
    }

    [TestMethod]
    [DataRow("ckpt-lightning.pt")]
    [DataRow("legacy-ckpt.pt")]
    public void The_other_entries_of_a_checkpoint_are_plain_values_and_optimizer_tensors_are_readable(string name)
    {
        using var file = StateFile.Open(Path.Combine(s_folder, name));
        IReadOnlyDictionary<object, object?> optimizer;
        if (name == "ckpt-lightning.pt")
        {
            Assert.AreEqual(7L, file.Entries["epoch"]);
            Assert.AreEqual(700L, file.Entries["global_step"]);
            var metrics = (IReadOnlyDictionary<object, object?>)file.Entries["metrics"]!;
            Assert.AreEqual(0.91, metrics["acc"]);
            CollectionAssert.AreEqual(new object[] { 0.5, 0.25 }, ((IReadOnlyList<object?>)metrics["loss"]!).ToArray());
            var hyper = (IReadOnlyDictionary<object, object?>)file.Entries["hyper_parameters"]!;
            Assert.AreEqual("cnn", hyper["name"]);
            CollectionAssert.AreEqual(new object[] { 0.9, 0.999 }, ((IReadOnlyList<object?>)hyper["betas"]!).ToArray());
            Assert.IsEmpty((IReadOnlyList<object?>)file.Entries["lr_schedulers"]!);
            optimizer = (IReadOnlyDictionary<object, object?>)((IReadOnlyList<object?>)file.Entries["optimizer_states"]!)[0]!;
        }
        else
        {
            Assert.AreEqual(StateFormat.PyTorchLegacy, file.Format);
            Assert.AreEqual(3L, file.Entries["epoch"]);
            optimizer = (IReadOnlyDictionary<object, object?>)file.Entries["optimizer"]!;
        }

        CollectionAssert.DoesNotContain(file.Entries.Keys.ToList(), file.StateDictPath, "the state dict is not among the other entries");
        var group = (IReadOnlyDictionary<object, object?>)((IReadOnlyList<object?>)optimizer["param_groups"]!)[0]!;
        Assert.AreEqual(0.01, group["lr"]);
        Assert.IsNull(group["foreach"]);
        Assert.IsFalse((bool)group["amsgrad"]!);
        var firstParameter = (IReadOnlyDictionary<object, object?>)((IReadOnlyDictionary<object, object?>)optimizer["state"]!)[0L]!;
        var exponentialAverage = (StateTensorInfo)firstParameter["exp_avg"]!;
        StringAssert.EndsWith(exponentialAverage.Name, "state.0.exp_avg");
        using var read = file.ReadTensor(exponentialAverage);
        var expected = s_manifest.GetProperty("entries").GetProperty("exp_avg_0");
        Assert.AreEqual(expected.GetProperty("hex").GetString(), PyTorchProcess.Hex(read));
    }

    [TestMethod]
    public void Legacy_views_of_shared_storages_read_bit_identical()
    {
        using var file = StateFile.Open(Path.Combine(s_folder, "legacy-views.pt"));

        Assert.AreEqual(StateFormat.PyTorchLegacy, file.Format);
        var tensors = file.ReadAll();
        try
        {
            AssertTensors("views", tensors, "legacy-views.pt");
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }

        Assert.AreSame(file.Find("base")!.Storage, file.Find("transposed")!.Storage);
        Assert.AreSame(file.Find("base")!.Storage, file.Find("tail")!.Storage);
        Assert.AreEqual(file.Find("halves")!.Storage.Key, file.Find("strided_half")!.Storage.Key);
        CollectionAssert.AreEqual(new long[] { 1, 6 }, file.Find("transposed")!.Strides.ToArray());
        Assert.AreEqual(8L, file.Find("slice")!.StorageOffset);
    }

    [TestMethod]
    [DataRow("dataparallel.pt")]
    [DataRow("dataparallel-ckpt.pt")]
    public void DataParallel_weights_load_with_StripPrefix_and_the_strict_error_suggests_it(string name)
    {
        var path = Path.Combine(s_folder, name);
        using var model = TestModels.Build("cnn");

        var error = Assert.ThrowsExactly<StateLoadException>(() => model.LoadState(path));
        StringAssert.Contains(error.Message, "load with StripPrefix = \"module.\"");

        var report = model.LoadState(path, new StateLoadOptions { StripPrefix = "module." });

        Assert.IsTrue(report.IsComplete, report.ToString());
        Assert.HasCount(9, report.Renamed);
        CollectionAssert.Contains(report.Renamed.ToArray(), new StateRename("module.0.weight", "0.weight"));
        StringAssert.StartsWith(report.ToString(), "9 loaded (9 renamed, such as module.0.weight -> 0.weight)");
        AssertTensors("cnn", model.state_dict(), name);
        AssertPyTorchOutputs(model, name);
    }

    [TestMethod]
    public void AddPrefix_and_Rename_map_names_and_a_mapping_that_merges_two_names_is_refused()
    {
        using var wrapper = nn.Sequential(("backbone", TestModels.Build("cnn")));
        var report = wrapper.LoadState(Path.Combine(s_folder, "legacy-cnn.pt"), new StateLoadOptions { AddPrefix = "backbone." });
        Assert.IsTrue(report.IsComplete, report.ToString());
        Assert.AreEqual("backbone.0.weight", report.Renamed[0].To);
        AssertTensors("cnn", wrapper.state_dict().ToDictionary(p => p.Key["backbone.".Length..], p => p.Value), "AddPrefix");

        using var model = TestModels.Build("cnn");
        var renamed = model.LoadState(
            Path.Combine(s_folder, "dataparallel.pt"),
            new StateLoadOptions { Rename = name => name.Replace("module.", "", StringComparison.Ordinal) });
        Assert.HasCount(9, renamed.Renamed);
        AssertTensors("cnn", model.state_dict(), "Rename");

        var merged = Assert.ThrowsExactly<ArgumentException>(() => model.LoadState(
            Path.Combine(s_folder, "legacy-cnn.pt"),
            new StateLoadOptions { Rename = name => name.StartsWith("1.running", StringComparison.Ordinal) ? "1.running" : name }));
        StringAssert.Contains(merged.Message, "'1.running_mean' and '1.running_var' the same name '1.running'");
    }

    [TestMethod]
    [DataRow("torchscript.pt", ForeignFormat.TorchScript, "TorchScript archive (torch.jit.save)")]
    [DataRow("whole-module.pt", ForeignFormat.PickledModule, "torch.save(model)")]
    [DataRow("whole-module-legacy.pt", ForeignFormat.PickledModule, "torch.nn.modules.container.Sequential")]
    [DataRow("arrays.npz", ForeignFormat.NumPy, "NumPy")]
    [DataRow("array.npy", ForeignFormat.NumPy, "NumPy")]
    [DataRow("model.onnx", ForeignFormat.Onnx, "ONNX model")]
    [DataRow("model.gguf", ForeignFormat.Gguf, "GGUF")]
    [DataRow("model.h5", ForeignFormat.Keras, "Keras/HDF5")]
    [DataRow("plain.pkl", ForeignFormat.PlainPickle, "plain Python pickle")]
    public void A_file_that_is_not_a_state_is_refused_naming_its_format_and_what_to_do(string name, ForeignFormat format, string text)
    {
        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(s_folder, name)));

        Assert.AreEqual(StateFormatError.ForeignFormat, error.FormatError);
        Assert.AreEqual(format, error.ForeignFormat);
        StringAssert.Contains(error.Message, text);
        Assert.AreEqual(ModelStore.Stores.StateStoreError.InvalidContent, error.Error);
    }

    [TestMethod]
    [DataRow("hostile-global.pt")]
    [DataRow("hostile-global-legacy.pt")]
    public void A_global_hidden_in_the_optimizer_part_of_a_checkpoint_is_a_placeholder_that_is_never_run(string name)
    {
        using var model = TestModels.Build("cnn");

        var report = model.LoadState(Path.Combine(s_folder, name));

        Assert.IsTrue(report.IsComplete, report.ToString());
        AssertTensors("cnn", model.state_dict(), name);
        using var file = StateFile.Open(Path.Combine(s_folder, name));
        var optimizer = (IReadOnlyDictionary<object, object?>)file.Entries["optimizer"]!;
        var group = (IReadOnlyDictionary<object, object?>)((IReadOnlyList<object?>)optimizer["param_groups"]!)[0]!;
        var call = (PickledObject)group["lr"]!;
        Assert.AreEqual("posix.system", call.QualifiedName);
        StringAssert.StartsWith((string)call.Arguments[0]!, "touch ");
        Assert.IsFalse(File.Exists(s_manifest.GetProperty("marker").GetString()));
    }

    [TestMethod]
    [DataRow("legacy-lying-huge.pt", "its record in the file says 1099511627776")]
    [DataRow("legacy-lying-fewer.pt", "its record in the file says")]
    [DataRow("legacy-cut.pt", "bytes follow in the file")]
    public void A_legacy_file_whose_storage_records_lie_about_their_size_is_refused(string name, string text)
    {
        var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(Path.Combine(s_folder, name)));

        Assert.AreEqual(StateFormatError.SizeMismatch, error.FormatError);
        StringAssert.Contains(error.Message, text);
    }

    [TestMethod]
    public void A_legacy_file_cut_anywhere_is_refused_with_a_typed_error()
    {
        var whole = File.ReadAllBytes(Path.Combine(s_folder, "legacy-ckpt.pt"));
        for (var length = 0; length < whole.Length; length += 7)
        {
            var cut = whole[..length];
            var error = Assert.ThrowsExactly<StateFormatException>(() => StateFile.Open(new MemoryStream(cut)).Dispose(), $"cut at {length} of {whole.Length}");
            Assert.IsTrue(error.FormatError is StateFormatError.Truncated or StateFormatError.UnknownFormat or StateFormatError.SizeMismatch, $"cut at {length}: {error.FormatError} {error.Message}");
        }
    }

    private static void AssertTensors(string expectedName, IReadOnlyDictionary<string, Tensor> actual, string what) =>
        PyTorchProcess.AssertTensors(s_manifest.GetProperty("tensors").GetProperty(expectedName), actual, what);

    private static void AssertPyTorchOutputs(nn.Module<Tensor, Tensor> model, string what)
    {
        model.eval();
        using var input = PyTorchProcess.Input(s_manifest.GetProperty("input"));
        PyTorchProcess.AssertClose(PyTorchProcess.Floats(s_manifest.GetProperty("outputs").GetProperty("cnn")), PyTorchProcess.Output(model, input), what);
    }
}
