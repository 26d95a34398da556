using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

/// <summary>A Hub repository as a team store in MoZuMa's layout: listing page after page, foreign files ignored.</summary>
[TestClass]
public sealed class HubLayoutTests : HubTestBase
{
    [TestMethod]
    public async Task Listing_follows_every_page_and_keeps_only_the_layouts_files_of_the_type()
    {
        var repository = HubServer.NewRepository("paged");
        var type = StateType.Parse("pytorch/resnet18.cls1000");
        var expected = Enumerable.Range(0, 7).Select(i => new StateKey(type, $"run-{i}")).ToList();
        var files = expected.ToDictionary(key => ObjectStoreLayout.GetObjectName("models/", key), _ => (byte[]?)RandomBytes(8));
        files["models/pytorch/README.md"] = RandomBytes(8);
        files["models/pytorch/resnet18.cls1000.run-9.pt.partial"] = RandomBytes(8);
        files["models/pytorch/resnet18-small.cls1000.imagenet.pt"] = RandomBytes(8);
        files["models/pytorch/nested/resnet18.cls1000.deep.pt"] = RandomBytes(8);
        files["pytorch/resnet18.cls1000.outside-base-path.pt"] = RandomBytes(8);
        Hub.Commit(repository, files);
        Hub.TreePageSize = 2;
        var before = Hub.Requests.Count;

        var keys = await CreateStore(repository, options => options.BasePath = "/models").GetStateKeysAsync(type.WithExtras(), Cancel);

        CollectionAssert.AreEqual(expected.OrderBy(key => key.ToString(), StringComparer.Ordinal).ToArray(), keys.ToArray());
        var pages = HubRequestsSince(before);
        Assert.AreEqual(6, pages.Count, "11 entries, 2 a page: " + string.Join("\n", pages));
        Assert.IsTrue(pages.Skip(1).All(page => page.PathAndQuery.Contains("cursor=", StringComparison.Ordinal)));
        Assert.IsTrue(pages.All(page => page.PathAndQuery.StartsWith($"/api/models/{repository}/tree/main/models%2Fpytorch?", StringComparison.Ordinal)), pages[0].PathAndQuery);
    }

    [TestMethod]
    public async Task A_backend_without_a_folder_has_no_states_and_a_dataset_repository_is_listed_under_its_own_api()
    {
        var repository = $"acme/dataset-{Guid.NewGuid():N}"[..24];
        Hub.AddRepository(repository, repoType: "dataset");
        var key = StateKey.Parse("onnx/resnet18.cls1000.imagenet");
        Hub.CommitFile(repository, ObjectStoreLayout.GetObjectName("", key), RandomBytes(64), repoType: "dataset");
        var store = CreateStore(repository, options => options.RepoType = HuggingFaceRepoType.Dataset);

        var none = await store.GetStateKeysAsync(StateType.Parse("pytorch/resnet18"), Cancel);
        var some = await store.GetStateKeysAsync(key.StateType, Cancel);
        var bytes = await ReadAsync(store, key);

        Assert.AreEqual(0, none.Count);
        CollectionAssert.AreEqual(new[] { key }, some.ToArray());
        Assert.AreEqual(64, bytes.Length);
        Assert.AreEqual($"hf:{Hub.Endpoint.AbsoluteUri}datasets/{repository}@main/", store.Id);
        Assert.AreEqual(new Uri(Hub.Endpoint, $"datasets/{repository}/resolve/main/onnx/resnet18.cls1000.imagenet.pt"), store.GetResolveUri(store.GetFilePath(key)));
    }
}
