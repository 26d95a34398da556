using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Azure.Tests;

/// <summary>Blob names, listing, block uploads and atomic creation as seen from the server.</summary>
[TestClass]
public sealed class AzureBlobLayoutAndUploadTests
{
    private static readonly StateType Resnet = new("pytorch", "resnet18", "cls1000");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task States_are_stored_under_MoZuMa_object_names()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var store = new AzureBlobStateStore(Azurite.Options(container, basePath: "pretrained-models"));

        await store.WriteAsync(new StateKey(Resnet, "imagenet"), new MemoryStream([1, 2, 3]), cancellationToken: Cancel);
        await store.WriteAsync(new StateKey(new StateType("pytorch", "clip-image-rn50"), "clip"), new MemoryStream([4]), cancellationToken: Cancel);

        var names = await ListNamesAsync(container);
        CollectionAssert.AreEquivalent(new[] { "pretrained-models/pytorch/resnet18.cls1000.imagenet.pt", "pretrained-models/pytorch/clip-image-rn50.clip.pt" }, names);
        Assert.AreEqual("pretrained-models/", store.BasePath);
        var properties = await Azurite.AdminClient().GetBlobContainerClient(container).GetBlobClient(names[0]).GetPropertiesAsync(cancellationToken: Cancel);
        Assert.AreEqual("application/octet-stream", properties.Value.ContentType);
    }

    [TestMethod]
    public async Task A_state_published_by_another_tool_under_the_MoZuMa_name_is_read()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        await PutForeignAsync(container, "states/pytorch/resnet18.cls1000.places365.pt", "weights");
        var store = new AzureBlobStateStore(Azurite.Options(container, basePath: "/states/"));

        var key = (await store.GetStateKeysAsync(Resnet, Cancel)).Single();
        var model = new BytesModel(Resnet);
        await store.LoadAsync(model, key, Cancel);

        Assert.AreEqual(new StateKey(Resnet, "places365"), key);
        Assert.AreEqual("weights", System.Text.Encoding.UTF8.GetString(model.State));
    }

    [TestMethod]
    public async Task Listing_ignores_foreign_blobs_and_other_base_paths()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        string[] foreign =
        [
            "pretrained-models/pytorch/resnet18.cls1000.imagenet.pt.partial",
            "pretrained-models/pytorch/resnet18.notes.txt",
            "pretrained-models/pytorch/resnet18.pt",
            "pretrained-models/pytorch/resnet18..pt",
            "pretrained-models/pytorch/resnet18.bad id.pt",
            "pretrained-models/pytorch/sub/resnet18.x.pt",
            "pretrained-models/pytorch.resnet18.x.pt",
            "other/pytorch/resnet18.cls1000.imagenet.pt",
            "pytorch/resnet18.cls1000.imagenet.pt",
        ];
        foreach (var name in foreign.Append("pretrained-models/pytorch/resnet18.cls1000.imagenet.pt"))
        {
            await PutForeignAsync(container, name, "x");
        }

        var store = new AzureBlobStateStore(Azurite.Options(container));
        var keys = await store.GetStateKeysAsync(new StateType("pytorch", "resnet18"), Cancel);

        CollectionAssert.AreEqual(new[] { new StateKey(Resnet, "imagenet") }, keys.ToArray());
    }

    [TestMethod]
    public async Task Listing_follows_the_pages_of_the_service()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var expected = Enumerable.Range(0, 230).Select(i => new StateKey(Resnet.WithExtras($"x{i % 3}"), $"run-{i:D4}")).ToArray();
        var others = Enumerable.Range(0, 20).Select(i => $"pretrained-models/pytorch/resnet18-small.cls1000.run-{i}.pt");
        var names = expected.Select(key => ObjectStoreLayout.GetObjectName("pretrained-models/", key)).Concat(others).ToArray();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Cancel }, async (name, token) =>
            await Azurite.AdminClient().GetBlobContainerClient(container).GetBlobClient(name).UploadAsync(BinaryData.FromString("s"), token));
        var options = Azurite.Options(container);
        options.ListingPageSize = 50;
        var store = new AzureBlobStateStore(options);

        var keys = await store.GetStateKeysAsync(Resnet, Cancel);

        Assert.AreEqual(expected.Length, keys.Count);
        CollectionAssert.AreEquivalent(expected, keys.ToArray());
    }

    [TestMethod]
    public async Task A_state_larger_than_a_block_is_staged_in_blocks_from_a_non_seekable_stream()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var options = Azurite.Options(container);
        var store = new AzureBlobStateStore(options);
        var key = new StateKey(Resnet, "blocks");
        var size = (2L * options.UploadBlockSize) + 12345;

        await using (var source = new PatternStream(size, seed: 11))
        {
            Assert.IsFalse(source.CanSeek);
            await store.WriteAsync(key, source, cancellationToken: Cancel);
        }

        var blob = Azurite.AdminClient().GetBlobContainerClient(container).GetBlockBlobClient(store.GetBlobName(key));
        var blocks = (await blob.GetBlockListAsync(BlockListTypes.All, cancellationToken: Cancel)).Value;
        Assert.AreEqual(3, blocks.CommittedBlocks.Count());
        Assert.AreEqual(0, blocks.UncommittedBlocks.Count());
        CollectionAssert.AreEqual(new long[] { options.UploadBlockSize, options.UploadBlockSize, 12345 }, blocks.CommittedBlocks.Select(block => block.SizeLong).ToArray());
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 11), await Sha256Async(store, key));
    }

    [TestMethod]
    public async Task A_state_of_exactly_one_block_round_trips()
    {
        var options = Azurite.Options(await Azurite.CreateContainerAsync(Cancel));
        var store = new AzureBlobStateStore(options);
        var key = new StateKey(Resnet, "one-block");

        await store.WriteAsync(key, new PatternStream(options.UploadBlockSize, seed: 12), cancellationToken: Cancel);

        Assert.AreEqual(PatternStream.Sha256Of(options.UploadBlockSize, seed: 12), await Sha256Async(store, key));
    }

    [TestMethod]
    public async Task A_source_stream_failing_mid_upload_surfaces_as_is_and_leaves_no_blob()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var options = Azurite.Options(container);
        var store = new AzureBlobStateStore(options);
        var key = new StateKey(Resnet, "broken");
        var failing = new PatternStream(4L * options.UploadBlockSize, seed: 13);
        failing.OnRead = position =>
        {
            if (position > (2L * options.UploadBlockSize) + 1000)
            {
                throw new IOException("disk gone");
            }
        };

        var error = await Assert.ThrowsExactlyAsync<IOException>(() => store.WriteAsync(key, failing, cancellationToken: Cancel));

        Assert.AreEqual("disk gone", error.Message);
        Assert.IsFalse(await store.ExistsAsync(key, Cancel));
        Assert.AreEqual(0, (await ListNamesAsync(container)).Length, "Staged blocks never make a visible blob.");
    }

    [TestMethod]
    public async Task A_failed_overwrite_in_blocks_keeps_the_old_state()
    {
        var options = Azurite.Options(await Azurite.CreateContainerAsync(Cancel));
        var store = new AzureBlobStateStore(options);
        var key = new StateKey(Resnet, "kept");
        await store.WriteAsync(key, new MemoryStream([1, 2, 3]), cancellationToken: Cancel);
        var failing = new PatternStream(3L * options.UploadBlockSize, seed: 14) { OnRead = position => { if (position > options.UploadBlockSize + 10) { throw new IOException("gone"); } } };

        await Assert.ThrowsExactlyAsync<IOException>(() => store.WriteAsync(key, failing, overwrite: true, cancellationToken: Cancel));

        await using var read = await store.OpenReadAsync(key, Cancel);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Cancel);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, copy.ToArray());
    }

    [TestMethod]
    public async Task The_service_refuses_a_create_over_an_existing_blob_in_one_shot_and_in_blocks()
    {
        var options = Azurite.Options(await Azurite.CreateContainerAsync(Cancel));
        var blob = Azurite.AdminClient().GetBlobContainerClient(options.Container).GetBlockBlobClient("a.pt");
        await blob.UploadAsync(new MemoryStream("first"u8.ToArray()), cancellationToken: Cancel);
        var uploader = new AzureBlobUploader(options);

        var small = await Assert.ThrowsAsync<RequestFailedException>(() => uploader.UploadAsync(blob, new PatternStream(1000), createOnly: true, Cancel));
        var large = await Assert.ThrowsAsync<RequestFailedException>(() => uploader.UploadAsync(blob, new PatternStream(3L * options.UploadBlockSize), createOnly: true, Cancel));

        Assert.AreEqual(409, small.Status, small.ErrorCode);
        Assert.AreEqual("BlobAlreadyExists", small.ErrorCode);
        Assert.IsTrue(large.Status is 409 or 412, $"{large.Status} {large.ErrorCode}");
        Assert.AreEqual("first", (await blob.DownloadContentAsync(Cancel)).Value.Content.ToString());
    }

    [TestMethod]
    public async Task Concurrent_creators_of_a_state_in_blocks_have_one_winner()
    {
        var options = Azurite.Options(await Azurite.CreateContainerAsync(Cancel));
        var store = new AzureBlobStateStore(options);
        var key = new StateKey(Resnet, "race");
        var size = (3L * options.UploadBlockSize) + 7;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(seed => Task.Run(async () =>
        {
            try
            {
                await store.WriteAsync(key, new PatternStream(size, seed: 40 + seed), cancellationToken: Cancel);
                return (Won: true, Seed: 40 + seed);
            }
            catch (StateStoreException e) when (e.Error == StateStoreError.AlreadyExists)
            {
                return (Won: false, Seed: 40 + seed);
            }
        })));

        var winner = outcomes.Single(outcome => outcome.Won);
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: winner.Seed), await Sha256Async(store, key));
    }

    [TestMethod]
    public async Task Concurrent_overwriters_of_a_state_in_blocks_leave_one_whole_state()
    {
        var options = Azurite.Options(await Azurite.CreateContainerAsync(Cancel));
        var store = new AzureBlobStateStore(options);
        var key = new StateKey(Resnet, "overwritten");
        var size = (3L * options.UploadBlockSize) + 7;
        await store.WriteAsync(key, new MemoryStream([1]), cancellationToken: Cancel);

        // Each writer's commit discards the blocks the others staged; from a seekable stream the store uploads again.
        var contents = Enumerable.Range(0, 4).Select(seed => PatternBytes(size, seed: 50 + seed)).ToArray();
        await Task.WhenAll(contents.Select(bytes => Task.Run(() => store.WriteAsync(key, new MemoryStream(bytes), overwrite: true, cancellationToken: Cancel))));

        var final = await Sha256Async(store, key);
        Assert.IsTrue(Enumerable.Range(50, 4).Any(seed => PatternStream.Sha256Of(size, seed) == final), "The state is not exactly one writer's bytes.");
    }

    [TestMethod]
    public async Task Id_and_description_name_the_endpoint_container_and_base_path_without_secrets()
    {
        var store = new AzureBlobStateStore(Azurite.Options("models", basePath: "states"));

        Assert.AreEqual($"azure:{Azurite.Endpoint}/models/states/", store.Id);
        Assert.AreEqual(Azurite.Endpoint, store.Endpoint);
        StringAssert.Contains(store.Description, $"{Azurite.Endpoint}/models/states/");
        Assert.IsFalse(store.Id.Contains(Azurite.AccountKey, StringComparison.Ordinal) || store.Description.Contains(Azurite.AccountKey, StringComparison.Ordinal));
        Assert.AreEqual("azure:https://myaccount.blob.core.windows.net/models/", new AzureBlobStateStore(new AzureBlobStateStoreOptions { Container = "models", AccountName = "myaccount", UseEnvironmentConnectionString = false }).Id);
    }

    private static byte[] PatternBytes(long size, int seed)
    {
        using var copy = new MemoryStream();
        new PatternStream(size, seed).CopyTo(copy);
        return copy.ToArray();
    }

    private async Task<string[]> ListNamesAsync(string container)
    {
        var names = new List<string>();
        await foreach (var blob in Azurite.AdminClient().GetBlobContainerClient(container).GetBlobsAsync(new GetBlobsOptions(), Cancel))
        {
            names.Add(blob.Name);
        }

        return [.. names];
    }

    private async Task PutForeignAsync(string container, string name, string content) =>
        await Azurite.AdminClient().GetBlobContainerClient(container).GetBlobClient(name).UploadAsync(BinaryData.FromString(content), Cancel);

    private async Task<string> Sha256Async(AzureBlobStateStore store, StateKey key)
    {
        await using var read = await store.OpenReadAsync(key, Cancel);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(read, Cancel));
    }
}
