using System.Diagnostics;
using System.IO.Compression;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.GitHub.Tests;

/// <summary>MoZuMa's release layout on the wire: names, gzip, releases on the model-store branch, size limits.</summary>
[TestClass]
public sealed class GitHubReleaseLayoutTests : GitHubStoreFixture
{
    [TestMethod]
    public async Task A_state_published_by_MoZuMa_is_listed_and_loaded()
    {
        var state = new byte[123_457];
        new Random(3).NextBytes(state);
        // Exactly as MoZuMa names it, gzipped by /bin/gzip rather than by .NET.
        Server.SeedAsset(Owner, Repository, "state.pytorch.resnet18", "cls1000.imagenet.state.gzip", GzipWithSystemTool(state));
        var store = CreateStore(TestEnvironment.Empty);

        var keys = await store.GetStateKeysAsync(new StateType("pytorch", "resnet18", "cls2"), Cancel);
        var model = new BytesModel(Resnet);
        await store.LoadAsync(model, keys.Single(), Cancel);

        Assert.AreEqual(StateKey.Parse("pytorch/resnet18.cls1000.imagenet"), keys.Single());
        CollectionAssert.AreEqual(state, model.State);
    }

    [TestMethod]
    public async Task A_saved_state_is_a_plain_gzip_asset_in_a_release_on_the_model_store_branch()
    {
        var state = new byte[50_000];
        new Random(4).NextBytes(state);
        var store = CreateWriter();

        var key = await store.SaveAsync(new BytesModel(new StateType("pytorch", "clip-image-rn50", "a", "b"), state), "openai", cancellationToken: Cancel);

        var release = Server.FindRelease(Owner, Repository, "state.pytorch.clip-image-rn50");
        Assert.IsNotNull(release);
        Assert.AreEqual("state.pytorch.clip-image-rn50", release.Name);
        Assert.AreEqual("model-store", release.TargetCommitish);
        Assert.AreEqual("false", release.MakeLatest);
        var file = Server.FindAssetFile(Owner, Repository, "state.pytorch.clip-image-rn50", "a.b.openai.state.gzip");
        Assert.IsNotNull(file, string.Join(", ", Server.AssetNames(Owner, Repository, "state.pytorch.clip-image-rn50")));
        CollectionAssert.AreEqual(state, GunzipWithSystemTool(file));
        Assert.AreEqual("pytorch/clip-image-rn50.a.b.openai", key.ToString());
    }

    [TestMethod]
    public async Task Overwriting_leaves_exactly_one_asset_of_that_name()
    {
        var store = CreateWriter();
        var key = new StateKey(Resnet, "imagenet");
        await WriteAsync(store, key, [1]);

        await WriteAsync(store, key, [2, 2], overwrite: true);
        await WriteAsync(store, key, [3, 3, 3], overwrite: true);

        CollectionAssert.AreEqual(new[] { "cls1000.imagenet.state.gzip" }, Server.AssetNames(Owner, Repository, "state.pytorch.resnet18").ToArray());
        CollectionAssert.AreEqual(new byte[] { 3, 3, 3 }, await ReadAsync(store, key));
    }

    [TestMethod]
    public async Task A_gzip_bomb_is_refused_as_invalid_content()
    {
        var bomb = Path.Combine(Server.Storage, "bomb.gz");
        await using (var file = File.Create(bomb))
        await using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 64; i++)
            {
                await gzip.WriteAsync(zeros, Cancel);
            }
        }

        Server.SeedAsset(Owner, Repository, "state.pytorch.resnet18", "cls1000.bomb.state.gzip", bomb);
        var store = CreateStore(TestEnvironment.Empty, options => options.MaxDecompressedSize = 4 << 20);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ReadAsync(store, new StateKey(Resnet, "bomb")));

        Assert.IsLessThan(200_000L, new FileInfo(bomb).Length);
        Assert.AreEqual(StateStoreError.InvalidContent, error.Error);
        Assert.AreEqual(new StateKey(Resnet, "bomb"), error.Key);
        StringAssert.Contains(error.Message, "MaxDecompressedSize");
    }

    [TestMethod]
    public async Task A_state_at_the_size_limit_is_accepted()
    {
        var state = new byte[4096];
        new Random(5).NextBytes(state);
        await WriteAsync(CreateWriter(), new StateKey(Resnet, "exact"), state);

        var bytes = await ReadAsync(CreateStore(TestEnvironment.Empty, options => options.MaxDecompressedSize = 4096), new StateKey(Resnet, "exact"));

        CollectionAssert.AreEqual(state, bytes);
    }

    [TestMethod]
    public async Task A_corrupt_gzip_is_invalid_content()
    {
        var corrupt = Path.Combine(Server.Storage, "corrupt.gz");
        await File.WriteAllBytesAsync(corrupt, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8], Cancel);
        Server.SeedAsset(Owner, Repository, "state.pytorch.resnet18", "cls1000.corrupt.state.gzip", corrupt);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ReadAsync(CreateStore(TestEnvironment.Empty), new StateKey(Resnet, "corrupt")));

        Assert.AreEqual(StateStoreError.InvalidContent, error.Error);
    }

    [TestMethod]
    public async Task Saving_to_a_missing_branch_is_container_not_found_naming_the_branch()
    {
        var store = CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken)), branch: "weights");

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => WriteAsync(store, new StateKey(Resnet, "imagenet"), [1]));

        Assert.AreEqual(StateStoreError.ContainerNotFound, error.Error);
        StringAssert.Contains(error.Message, "'weights'");
        Assert.IsNull(Server.FindRelease(Owner, Repository, "state.pytorch.resnet18"));
    }

    [TestMethod]
    public async Task Listing_a_missing_repository_is_container_not_found()
    {
        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => CreateStore(TestEnvironment.Empty, repository: "nope").GetStateKeysAsync(Resnet, Cancel));

        Assert.AreEqual(StateStoreError.ContainerNotFound, error.Error);
        StringAssert.Contains(error.Message, $"{Owner}/nope");
    }

    [TestMethod]
    public async Task A_private_repository_is_read_through_the_api_with_credentials()
    {
        Server.AddRepository(Owner, "private-models", isPrivate: true);
        var writer = CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken)), repository: "private-models");
        await WriteAsync(writer, new StateKey(Resnet, "imagenet"), [9, 8, 7]);

        var bytes = await ReadAsync(CreateStore(TestEnvironment.Of(("GH_TOKEN", ReaderToken)), repository: "private-models"), new StateKey(Resnet, "imagenet"));
        var anonymous = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ReadAsync(CreateStore(TestEnvironment.Empty, repository: "private-models"), new StateKey(Resnet, "imagenet")));

        CollectionAssert.AreEqual(new byte[] { 9, 8, 7 }, bytes);
        Assert.AreEqual(StateStoreError.NotFound, anonymous.Error);
        Assert.IsTrue(Server.Requests.Any(request => request.PathAndQuery.StartsWith($"/api/v3/repos/{Owner}/private-models/releases/assets/", StringComparison.Ordinal) && request.Status == 302));
        // The token goes to the API only, never along the redirect to the storage address.
        var storage = Server.Requests.Where(request => request.PathAndQuery.StartsWith("/_storage/", StringComparison.Ordinal)).ToList();
        Assert.IsNotEmpty(storage);
        Assert.IsTrue(storage.All(request => request.Authorization is null));
    }

    [TestMethod]
    public void Names_follow_MoZuMa()
    {
        var layout = new GitHubReleaseLayout("state");

        Assert.AreEqual("state.pytorch.resnet18", layout.GetTag(Resnet));
        Assert.AreEqual("cls1000.imagenet.state.gzip", GitHubReleaseLayout.GetAssetName(new StateKey(Resnet, "imagenet")));
        Assert.AreEqual("imagenet.state.gzip", GitHubReleaseLayout.GetAssetName(new StateKey(new StateType("pytorch", "resnet18"), "imagenet")));
        Assert.AreEqual(new StateKey(Resnet, "imagenet"), GitHubReleaseLayout.TryParseAssetName(new StateType("pytorch", "resnet18"), "cls1000.imagenet.state.gzip"));
        Assert.IsNull(GitHubReleaseLayout.TryParseAssetName(Resnet, "cls1000.imagenet.state.gzip.0123.uploading"));
        Assert.IsNull(GitHubReleaseLayout.TryParseAssetName(Resnet, "bad name.state.gzip"));
        Assert.IsNull(GitHubReleaseLayout.TryParseAssetName(Resnet, ".state.gzip"));
        Assert.ThrowsExactly<ArgumentException>(() => new GitHubReleaseLayout("state.v2"));
    }

    private static byte[] GunzipWithSystemTool(string path)
    {
        using var gzip = Process.Start(new ProcessStartInfo("gzip", ["-dc", path]) { RedirectStandardOutput = true })!;
        using var output = new MemoryStream();
        gzip.StandardOutput.BaseStream.CopyTo(output);
        gzip.WaitForExit();
        Assert.AreEqual(0, gzip.ExitCode);
        return output.ToArray();
    }
}
