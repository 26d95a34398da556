using ModelStore.States;
using ModelStore.Stores;
using static TorchSharp.torch;

namespace ModelStore.Arrow.TorchSharp.Tests;

/// <summary>A TorchSharp module saved to and loaded from a real local store as an Arrow row.</summary>
[TestClass]
public sealed class ModuleRowStateTests
{
    private static readonly StateType DigitsState = new(ModelRowState.Backend, "digits-cnn", "legolas");

    private static readonly RowSchema TrainingRow = ModelRowSchemas.ModelV1.Extend(
        "torch-training.model", 1, RowColumn.Optional("epoch", Apache.Arrow.Types.Int64Type.Default));

    private static string NewFolder() => Directory.CreateTempSubdirectory("modelstore-arrow-torch-").FullName;

    [TestMethod]
    public async Task A_module_saved_through_a_store_loads_into_a_fresh_module_with_identical_outputs()
    {
        var store = new LocalStateStore(NewFolder());
        using var input = rand([2, 1, 14, 14], generator: new Generator(3));
        using var trained = new DigitsNet(seed: 1);
        trained.WarmUp(input);
        using var expected = trained.forward(input);

        var key = await store.SaveAsync(new ModuleRowState(trained, DigitsState, TrainingRow, architectureVersion: 2) { Values = new Dictionary<string, object?> { ["epoch"] = 5L } }, "run-1");
        using var fresh = new DigitsNet(seed: 42);
        var state = new ModuleRowState(fresh, DigitsState, TrainingRow, architectureVersion: 2);
        await store.LoadAsync(state, key);
        fresh.eval();
        using var actual = fresh.forward(input);

        Assert.AreEqual(5L, state.LastRow!["epoch"]);
        CollectionAssert.AreEqual(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        var row = await ModelRowFile.ReadAsync(store.GetPath(key), TrainingRow);
        Assert.AreEqual(2L, row.ArchitectureVersion, "the store holds the plain Arrow row file");
    }

    [TestMethod]
    public async Task Another_architecture_version_or_shape_is_refused_and_the_module_keeps_its_weights()
    {
        var store = new LocalStateStore(NewFolder());
        using var source = new DigitsNet(seed: 1);
        var key = await store.SaveAsync(new ModuleRowState(source, DigitsState, TrainingRow, architectureVersion: 1), "v1");
        using var newer = new DigitsNet(seed: 2);
        using var wider = new DigitsNet(seed: 3, hidden: 16);
        var before = ModuleWeights.Fetch(newer)[0].GetValues<float>().ToArray();

        var versionError = await Assert.ThrowsExactlyAsync<ModelRowException>(() => store.LoadAsync(new ModuleRowState(newer, DigitsState, TrainingRow, architectureVersion: 2), key));
        var shapeError = await Assert.ThrowsExactlyAsync<ModelRowException>(() => store.LoadAsync(new ModuleRowState(wider, DigitsState, TrainingRow), key));

        Assert.AreEqual(ModelRowError.ArchitectureMismatch, versionError.RowError);
        Assert.AreEqual(ModelRowError.ArchitectureMismatch, shapeError.RowError);
        Assert.AreEqual(StateStoreError.InvalidContent, shapeError.Error);
        CollectionAssert.AreEqual(before, ModuleWeights.Fetch(newer)[0].GetValues<float>().ToArray());
    }
}
