using System.Security.Cryptography;
using ModelStore.Stores;
using ModelStore.TorchSharp.Formats;

namespace ModelStore.TorchSharp.Tests;

/// <summary>The build integration's typed accessors load into modules: <c>ModelStates.X.LoadInto(module)</c>.</summary>
[TestClass]
public sealed class PretrainedStateTests
{
    private string _relative = null!;

    [TestInitialize]
    public void ChoosePath() => _relative = Path.Combine("modelstates-tests", $"pytorch.mlp.{Guid.NewGuid():N}.pt");

    [TestCleanup]
    public void DeleteFile() => File.Delete(Path.Combine(AppContext.BaseDirectory, _relative));

    [TestMethod]
    [DataRow(StateFormat.PyTorch)]
    [DataRow(StateFormat.Safetensors)]
    public void A_pretrained_state_in_the_output_folder_loads_into_a_module(StateFormat format)
    {
        using var trained = TestModels.Build("mlp");
        var (sha256, size) = Publish(trained, format);
        var state = new PretrainedState("pytorch/mlp.digits.v1", "local", sha256, size, _relative);

        using var fresh = TestModels.Build("mlp");
        var report = state.LoadInto(fresh);

        Assert.IsTrue(report.IsComplete, report.ToString());
        foreach (var (name, tensor) in trained.state_dict())
        {
            Assert.AreEqual(PyTorchProcess.Hex(tensor), PyTorchProcess.Hex(fresh.state_dict()[name]), name);
        }
    }

    [TestMethod]
    public void Altered_bytes_are_refused_before_anything_is_loaded()
    {
        using var trained = TestModels.Build("mlp");
        var (_, size) = Publish(trained, StateFormat.PyTorch);
        var state = new PretrainedState("pytorch/mlp.digits.v1", "local", new string('0', 64), size, _relative);
        using var fresh = TestModels.Build("mlp");
        var before = PyTorchProcess.Hex(fresh.state_dict()["0.weight"]);

        var error = Assert.ThrowsExactly<StateStoreException>(() => state.LoadInto(fresh));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
        Assert.AreEqual(before, PyTorchProcess.Hex(fresh.state_dict()["0.weight"]));
    }

    [TestMethod]
    public void A_partial_load_of_a_pretrained_state_reports_the_other_head()
    {
        using var imagenet = TestModels.Build("cnn", classes: 10);
        var (sha256, size) = Publish(imagenet, StateFormat.PyTorch);
        var state = new PretrainedState("pytorch/cnn.cls10.imagenet", "local", sha256, size, _relative);
        using var binary = TestModels.Build("cnn", classes: 2);

        var report = state.LoadInto(binary, strict: false);

        Assert.HasCount(2, report.Mismatched);
        Assert.HasCount(7, report.Loaded);
    }

    private (string Sha256, long Size) Publish(global::TorchSharp.torch.nn.Module module, StateFormat format)
    {
        var path = Path.Combine(AppContext.BaseDirectory, _relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var stream = File.Create(path))
        {
            module.SaveState(stream, format);
        }

        var bytes = File.ReadAllBytes(path);
        return (Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
    }
}
