using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Arrow.Tests;

/// <summary>Arrow rows as a state format: a store holds the IPC file under a key like any other state.</summary>
[TestClass]
public sealed class ModelRowStateTests
{
    private static readonly StateType DigitsState = new(ModelRowState.Backend, "digits-cnn", "legolas");

    private static ModelRow DigitsRow(int epoch) => TestFiles.SmallRow(TestFiles.DigitsRowV1, i => i * 0.5f, new Dictionary<string, object?>
    {
        ["config"] = new Dictionary<string, object?> { ["seed"] = 5L, ["dropout_rate"] = 0.1f },
        ["epoch"] = (long)epoch,
        ["accuracy"] = 0.75f,
    });

    [TestMethod]
    public async Task A_model_row_saved_through_a_local_store_is_the_ipc_file_and_loads_back()
    {
        var store = new LocalStateStore(TestFiles.NewTemporaryFolder());
        var saved = new ModelRowState(DigitsState, TestFiles.DigitsRowV1, DigitsRow(epoch: 9));

        var key = await store.SaveAsync(saved, "2026-01-01");
        var loaded = new ModelRowState(DigitsState, TestFiles.DigitsRowV1);
        await store.LoadAsync(loaded, StateKey.Parse("arrow/digits-cnn.legolas.2026-01-01"));

        Assert.AreEqual("arrow/digits-cnn.legolas.2026-01-01", key.ToString());
        Assert.AreEqual(9L, loaded.Row!["epoch"]);
        CollectionAssert.AreEqual(saved.Row!.Weights![2].GetValues<float>().ToArray(), loaded.Row.Weights![2].GetValues<float>().ToArray());
        CollectionAssert.AreEqual(
            await TestFiles.WriteToBytesAsync(saved.Row),
            await File.ReadAllBytesAsync(store.GetPath(key)),
            "the state's bytes are exactly the row's Arrow IPC file");
        CollectionAssert.Contains((await store.GetStateKeysAsync(DigitsState)).ToList(), key);
    }

    [TestMethod]
    public async Task A_state_that_is_not_a_row_of_the_schema_fails_to_load_with_a_store_error_and_keeps_the_old_row()
    {
        var store = new LocalStateStore(TestFiles.NewTemporaryFolder());
        var parentOnly = new ModelRowState(DigitsState, ModelRowSchemas.ModelV1, TestFiles.SmallRow(ModelRowSchemas.ModelV1, i => (float)i));
        var key = await store.SaveAsync(parentOnly, "parent");
        var model = new ModelRowState(DigitsState, TestFiles.DigitsRowV1, DigitsRow(epoch: 1));

        var error = await Assert.ThrowsAsync<StateStoreException>(() => store.LoadAsync(model, key));

        Assert.AreEqual(StateStoreError.InvalidContent, error.Error);
        Assert.AreEqual(ModelRowError.SchemaMismatch, ((ModelRowException)error).RowError);
        Assert.AreEqual(1L, model.Row!["epoch"]);
    }

    [TestMethod]
    public async Task Saving_without_a_row_fails_and_stores_nothing()
    {
        var store = new LocalStateStore(TestFiles.NewTemporaryFolder());

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => store.SaveAsync(new ModelRowState(DigitsState, TestFiles.DigitsRowV1), "empty"));

        Assert.IsEmpty(await store.GetStateKeysAsync(DigitsState));
    }
}
