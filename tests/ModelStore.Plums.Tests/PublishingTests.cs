using ModelStore.Plums.Publishing;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Plums.Tests;

[TestClass]
public sealed class PublishingTests
{
    private static readonly StateType ResNet = new("pytorch", "resnet18", "cls3");

    [TestMethod]
    public async Task ACheckpointIsPublishedByteForByteUnderItsDerivedTrainingId()
    {
        using var folder = new TempFolder();
        var model = Models.Trained(folder);
        model.Save(folder["model"]);
        var loaded = Model.Load(folder["model"]);
        var store = new LocalStateStore(folder["store"]);

        var key = await loaded.PublishCheckpointAsync("best", store, ResNet);

        Assert.AreEqual(PlumsStates.GetTrainingId(Models.Id, "best"), key.TrainingId);
        Assert.AreEqual(ResNet, key.StateType);
        Assert.IsTrue(await store.ExistsAsync(key));
        CollectionAssert.AreEqual(File.ReadAllBytes(folder["model/data/checkpoints/best.pt"]), File.ReadAllBytes(store.GetPath(key)));
        CollectionAssert.Contains((await store.GetStateKeysAsync(ResNet)).ToList(), key);

        var again = await Assert.ThrowsExactlyAsync<StateStoreException>(() => loaded.PublishCheckpointAsync("best", store, ResNet));
        Assert.AreEqual(StateStoreError.AlreadyExists, again.Error);
        await loaded.PublishCheckpointAsync("best", store, ResNet, overwrite: true);
        var named = await loaded.PublishCheckpointAsync(3, store, ResNet, trainingId: "epoch3");
        Assert.AreEqual("pytorch/resnet18.cls3.epoch3", named.ToString());
    }

    [TestMethod]
    public async Task ATamperedOrMissingCheckpointIsNotPublished()
    {
        using var folder = new TempFolder();
        Models.Trained(folder).Save(folder["model"]);
        var loaded = Model.Load(folder["model"]);
        var store = new LocalStateStore(folder["store"]);
        File.AppendAllText(folder["model/data/checkpoints/epoch-1.pt"], "!");

        var error = await Assert.ThrowsExactlyAsync<PlumsException>(() => loaded.PublishCheckpointAsync(1, store, ResNet));
        Assert.AreEqual(PlumsErrorCode.IntegrityMismatch, error.Code);
        Assert.AreEqual(0, (await store.GetStateKeysAsync(ResNet)).Count);
        await Assert.ThrowsExactlyAsync<KeyNotFoundException>(() => loaded.PublishCheckpointAsync("nope", store, ResNet));
    }

    [TestMethod]
    public async Task APackageIsInitialisedFromAPublishedState()
    {
        using var folder = new TempFolder();
        var parent = Models.Trained(folder);
        parent.Save(folder["parent"]);
        var store = new LocalStateStore(folder["store"]);
        var key = await Model.Load(folder["parent"]).PublishCheckpointAsync(3, store, ResNet);

        var child = new Model("child_producer", "py_pa", "2.0", "child", "child-id", folder.Write("child.yaml", "lr: 0.1\n"));
        var initialisation = await child.InitialiseFromStateAsync(store, key, folder["downloads"]);

        Assert.AreSame(initialisation, child.Initialisation);
        Assert.AreEqual(key.ToString(), initialisation.Name);
        Assert.AreEqual(parent.CheckpointCollection[3].Hash, initialisation.Hash);
        Assert.AreEqual(LocalStateStore.GetFileName(key), Path.GetFileName(initialisation.Path));

        child.Save(folder["child"]);
        var loaded = Model.Load(folder["child"]);
        var file = (FileInitialisation)loaded.Initialisation!;
        Assert.AreEqual(key.ToString(), file.Name);
        Assert.AreEqual(parent.CheckpointCollection[3].Hash, file.Hash);
        Assert.AreEqual(Path.Combine(folder["child"], "data", "initialisation", LocalStateStore.GetFileName(key)), file.Path);

        var missing = new StateKey(ResNet, "missing");
        Assert.AreEqual(StateStoreError.NotFound, (await Assert.ThrowsExactlyAsync<StateStoreException>(() => child.InitialiseFromStateAsync(store, missing, folder["downloads"]))).Error);
        Assert.AreSame(initialisation, child.Initialisation, "a failed initialisation changes nothing");
    }

    [TestMethod]
    [DataRow("3d6acb1fce4469ee1559ba16e02f922f", "best")]
    [DataRow("my model/v1.0 (final)", "epoch 12.pt")]
    [DataRow("模型-日本", "最佳")]
    [DataRow("", "")]
    [DataRow("a.b", "c")]
    public void TrainingIdsAreValidStateNamesAndStable(string modelId, string checkpoint)
    {
        var id = PlumsStates.GetTrainingId(modelId, checkpoint);
        Assert.IsTrue(StateName.IsValid(id), id);
        Assert.AreEqual(id, PlumsStates.GetTrainingId(modelId, checkpoint));
        Assert.IsTrue(id.Length <= StateName.MaxLength);
    }

    [TestMethod]
    public void TrainingIdsKeepDistinctCheckpointsDistinct()
    {
        Assert.AreEqual("abc-best-", PlumsStates.GetTrainingId("abc", "best")[..9]);
        Assert.AreNotEqual(PlumsStates.GetTrainingId("a.b", "c"), PlumsStates.GetTrainingId("a_b", "c"));
        Assert.AreNotEqual(PlumsStates.GetTrainingId("m", 1), PlumsStates.GetTrainingId("m", "1"));
        Assert.AreNotEqual(PlumsStates.GetTrainingId("a-b", "c"), PlumsStates.GetTrainingId("a", "b-c"));
        var longId = new string('x', 300);
        Assert.AreNotEqual(PlumsStates.GetTrainingId(longId, "a"), PlumsStates.GetTrainingId(longId + "y", "a"));
        Assert.AreEqual(100, PlumsStates.GetTrainingId(longId, new string('c', 300)).Length);
    }
}
