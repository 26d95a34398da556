using ModelStore.States;
using ModelStore.Stores;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelStore.TorchSharp.Tests;

/// <summary>TorchSharp modules go through the store contract with <see cref="TorchModuleState"/>.</summary>
[TestClass]
public sealed class StoreIntegrationTests
{
    private string _folder = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = PyTorchProcess.NewFolder();

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    [DataRow(StateFormat.PyTorch)]
    [DataRow(StateFormat.Safetensors)]
    public async Task A_module_saved_to_a_store_loads_back_into_another_module(StateFormat format)
    {
        var store = new LocalStateStore(_folder);
        var type = new StateType("pytorch", "cnn", "cls3");
        using var trained = TestModels.Build("cnn");
        TestModels.Warm(trained, "cnn", seed: 3);

        var key = await store.SaveAsync(new TorchModuleState(trained, type, format), "v1");

        Assert.AreEqual("pytorch/cnn.cls3.v1", key.ToString());
        using (var file = StateFile.Open(Path.Combine(_folder, "pytorch.cnn.cls3.v1.pt")))
        {
            Assert.AreEqual(format, file.Format);
        }

        using var fresh = TestModels.Build("cnn");
        await store.LoadAsync(new TorchModuleState(fresh, type), key);
        foreach (var (name, tensor) in trained.state_dict())
        {
            Assert.AreEqual(PyTorchProcess.Hex(tensor), PyTorchProcess.Hex(fresh.state_dict()[name]), name);
        }
    }

    [TestMethod]
    public async Task A_partial_adapter_loads_a_state_with_another_head_and_keeps_the_report()
    {
        var store = new LocalStateStore(_folder);
        using var imagenet = TestModels.Build("cnn", classes: 10);
        var key = await store.SaveAsync(new TorchModuleState(imagenet, new StateType("pytorch", "cnn", "cls10")), "imagenet");

        using var binary = TestModels.Build("cnn", classes: 2);
        var strict = new TorchModuleState(binary, new StateType("pytorch", "cnn", "cls2"));
        var error = await Assert.ThrowsExactlyAsync<StateLoadException>(() => store.LoadAsync(strict, key));
        Assert.AreEqual(StateStoreError.InvalidContent, error.Error);

        var partial = new TorchModuleState(binary, new StateType("pytorch", "cnn", "cls2"), strict: false);
        await store.LoadAsync(partial, key);
        Assert.IsNotNull(partial.LastLoadReport);
        Assert.HasCount(7, partial.LastLoadReport.Loaded);
        CollectionAssert.AreEquivalent(new[] { "4.weight", "4.bias" }, partial.LastLoadReport.Mismatched.Select(m => m.Name).ToArray());
        Assert.AreEqual(PyTorchProcess.Hex(imagenet.state_dict()["0.weight"]), PyTorchProcess.Hex(binary.state_dict()["0.weight"]));
    }

    [TestMethod]
    public async Task A_state_from_a_stream_that_cannot_seek_is_loaded()
    {
        using var source = TestModels.Build("residual");
        TestModels.Warm(source, "residual", seed: 9);
        using var buffer = new MemoryStream();
        source.SaveState(buffer);

        using var target = TestModels.Build("residual");
        var report = await target.LoadStateAsync(new ForwardOnlyStream(buffer.ToArray()));

        Assert.IsTrue(report.IsComplete);
        Assert.AreEqual(PyTorchProcess.Hex(source.state_dict()["bn2.running_var"]), PyTorchProcess.Hex(target.state_dict()["bn2.running_var"]));
    }

    [TestMethod]
    public async Task A_failed_save_leaves_the_previous_file_intact()
    {
        var path = Path.Combine(_folder, "state.pt");
        using var model = TestModels.Build("mlp");
        await model.SaveStateAsync(path);
        var before = await File.ReadAllBytesAsync(path);

        using var broken = new BrokenModule();
        await Assert.ThrowsAsync<Exception>(() => broken.SaveStateAsync(path));

        CollectionAssert.AreEqual(before, await File.ReadAllBytesAsync(path));
        Assert.HasCount(1, Directory.GetFiles(_folder));
    }

    /// <summary>A module whose state holds a tensor that was already released: writing its state fails.</summary>
    private sealed class BrokenModule() : nn.Module("broken")
    {
        public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
        {
            var released = zeros(3);
            released.Dispose();
            return new Dictionary<string, Tensor> { ["fine"] = ones(4), ["released"] = released };
        }
    }

    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
