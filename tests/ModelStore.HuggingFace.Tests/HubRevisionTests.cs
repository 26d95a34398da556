using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

/// <summary>Revisions: branches move, tags and commits stay; a store pinned to a commit reads the same bytes forever.</summary>
[TestClass]
public sealed class HubRevisionTests : HubTestBase
{
    [TestMethod]
    public async Task A_pinned_store_keeps_reading_the_commit_after_the_branch_moves()
    {
        var repository = HubServer.NewRepository("pinned");
        var first = RandomBytes(5000);
        var firstCommit = Hub.CommitFile(repository, "model.safetensors", first);
        var store = CreateStore(repository);

        var resolved = await store.ResolveRevisionAsync(Cancel);
        var pinned = store.AtRevision(resolved);
        var second = RandomBytes(6000);
        var secondCommit = Hub.CommitFile(repository, "model.safetensors", second);

        Assert.AreEqual(firstCommit, resolved);
        Assert.AreEqual(resolved, pinned.Revision);
        Assert.AreEqual($"hf:{Hub.Endpoint.AbsoluteUri}{repository}@{firstCommit}/", pinned.Id);
        Assert.AreNotEqual(store.Id, pinned.Id);
        CollectionAssert.AreEqual(first, await ReadAsync(pinned.ForFile("model.safetensors"), Resnet));
        CollectionAssert.AreEqual(second, await ReadAsync(store.ForFile("model.safetensors"), Resnet));
        Assert.AreEqual(secondCommit, await store.ResolveRevisionAsync(Cancel));
        Assert.AreEqual(firstCommit, await pinned.ResolveRevisionAsync(Cancel));
    }

    [TestMethod]
    public async Task Tags_branches_with_slashes_and_commit_ids_all_resolve()
    {
        var repository = HubServer.NewRepository("refs");
        var v1 = Hub.CommitFile(repository, "model.onnx", RandomBytes(100));
        Hub.CreateTag(repository, "v1.0", v1);
        Hub.CreateBranch(repository, "feature/int8", v1);
        var feature = Hub.CommitFile(repository, "model.onnx", RandomBytes(200), branch: "feature/int8");
        Hub.CommitFile(repository, "model.onnx", RandomBytes(300));

        Assert.AreEqual(v1, await CreateStore(repository, options => options.Revision = "v1.0").ResolveRevisionAsync(Cancel));
        Assert.AreEqual(feature, await CreateStore(repository, options => options.Revision = "feature/int8").ResolveRevisionAsync(Cancel));
        Assert.AreEqual(200, (await ReadAsync(CreateStore(repository, options => options.Revision = "feature/int8").ForFile("model.onnx"), Resnet)).Length);
        var before = Hub.Requests.Count;
        Assert.AreEqual(v1, await CreateStore(repository, options => options.Revision = v1).ResolveRevisionAsync(Cancel));
        Assert.AreEqual(before, Hub.Requests.Count, "a commit id needs no request");
    }

    [TestMethod]
    public async Task A_missing_revision_is_not_found_and_names_the_close_branches_and_tags()
    {
        var repository = HubServer.NewRepository("typo");
        Hub.CreateTag(repository, "v2.1", "main");
        var store = CreateStore(repository, options => options.Revision = "mian");

        var resolve = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ResolveRevisionAsync(Cancel));
        var read = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ForFile("model.onnx").OpenReadAsync(Resnet, Cancel));
        var list = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Resnet.StateType, Cancel));

        foreach (var error in new[] { resolve, read, list })
        {
            Assert.AreEqual(StateStoreError.NotFound, error.Error);
            StringAssert.Contains(error.Message, "Revision 'mian' does not exist");
            StringAssert.Contains(error.Message, "Close matches: main.");
        }
    }

    [TestMethod]
    public void Invalid_revisions_are_argument_errors()
    {
        var store = CreateStore(HubServer.NewRepository("bad-revision"));

        foreach (var revision in new[] { "", " ", "a..b", "/main", "main/", "two words" })
        {
            Assert.ThrowsExactly<ArgumentException>(() => store.AtRevision(revision), revision);
        }
    }
}
