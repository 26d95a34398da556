using System.Security.Cryptography;
using System.Text;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Azure.Tests;

/// <summary>Bundle states (<c>Files</c>) from the blobs under a base path of a real Azure Blob server (Azurite), through the one resolver.</summary>
[TestClass]
public sealed class AzureBlobBundleTests
{
    private static readonly StateKey Key = StateKey.Parse("onnx/minilm.l6.v2");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task Listing_pages_through_every_blob_under_the_base_path_and_nothing_beside_it()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        for (var i = 0; i < 7; i++)
        {
            await PutAsync(container, $"models/minilm/shards/part-{i}.bin", new byte[i + 1]);
        }

        await PutAsync(container, "models/minilm/config.json", "{}"u8.ToArray());
        await PutAsync(container, "models/minilmx/next-door.json", "{}"u8.ToArray());
        await PutAsync(container, "models/other/config.json", "{}"u8.ToArray());
        var options = Azurite.Options(container, basePath: "models/minilm/");
        options.ListingPageSize = 2;
        await using var store = new AzureBlobStateStore(options);

        var files = await store.ListFilesAsync(Cancel);

        var expected = new[] { "config.json" }.Concat(Enumerable.Range(0, 7).Select(i => $"shards/part-{i}.bin")).ToArray();
        CollectionAssert.AreEqual(expected, files.Select(file => file.Path).ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 1, 2, 3, 4, 5, 6, 7 }, files.Select(file => file.Size).ToArray());
    }

    [TestMethod]
    public async Task A_file_is_named_by_a_plain_relative_path_only_and_is_read_and_written_through_its_view()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        await PutAsync(container, "models/minilm/config.json", "{\"hidden\": 384}"u8.ToArray());
        await using var store = new AzureBlobStateStore(Azurite.Options(container, basePath: "models/minilm/"));

        foreach (var bad in new[] { "../secret.json", "/config.json", "a/./b", "tab\tname", "a\\b", "" })
        {
            Assert.ThrowsExactly<ArgumentException>(() => store.ForFile(bad), bad);
        }

        var view = store.ForFile("config.json");
        Assert.IsTrue(await view.ExistsAsync(Key, Cancel));
        Assert.IsFalse(await store.ForFile("missing.json").ExistsAsync(Key, Cancel));
        await using (var read = await view.OpenReadAsync(Key, Cancel))
        {
            Assert.AreEqual("{\"hidden\": 384}", await new StreamReader(read).ReadToEndAsync(Cancel));
        }

        var missing = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ForFile("missing.json").OpenReadAsync(Key, Cancel));
        Assert.AreEqual(StateStoreError.NotFound, missing.Error);
        Assert.AreNotEqual(store.Id, view.Id);

        // Written through the view (how a mirror holds a bundle's files), atomically refusing to replace unless asked.
        var copy = store.ForFile("blobs/sha256/abc");
        await copy.WriteAsync(Key, new MemoryStream([1, 2, 3]), cancellationToken: Cancel);
        var again = await Assert.ThrowsExactlyAsync<StateStoreException>(() => copy.WriteAsync(Key, new MemoryStream([4]), cancellationToken: Cancel));
        Assert.AreEqual(StateStoreError.AlreadyExists, again.Error);
        var written = await Azurite.AdminClient().GetBlobContainerClient(container).GetBlobClient("models/minilm/blobs/sha256/abc").DownloadContentAsync(Cancel);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, written.Value.Content.ToArray());
    }

    [TestMethod]
    public async Task A_bundle_resolves_from_the_blobs_under_the_base_path_and_a_blob_changed_after_locking_is_MST0004()
    {
        var container = await Azurite.CreateContainerAsync(Cancel);
        var model = RandomNumberGenerator.GetBytes(300_000);
        await PutAsync(container, "models/minilm/onnx/model.onnx", model);
        await PutAsync(container, "models/minilm/config.json", "{\"hidden\": 384}"u8.ToArray());
        await PutAsync(container, "models/minilm/tokenizer.json", "{\"vocab\": []}"u8.ToArray());
        await PutAsync(container, "models/minilm/notes.txt", "not in the bundle"u8.ToArray());
        var root = Directory.CreateTempSubdirectory("modelstore-azure-bundles-").FullName;
        try
        {
            var first = await ResolveAsync(container, new StateCache(Path.Combine(root, "a")), StateLockFile.Empty, locked: false);

            Assert.IsTrue(first.Succeeded, first.Failure?.Message);
            CollectionAssert.AreEqual(new[] { "config.json", "onnx/model.onnx", "tokenizer.json" }, first.Files!.Select(file => file.Path).ToArray());
            Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(model)), first.Files!.Single(file => file.Path == "onnx/model.onnx").Sha256);
            CollectionAssert.AreEqual(model, await File.ReadAllBytesAsync(Path.Combine(first.Path!, "onnx", "model.onnx"), Cancel));
            Assert.AreEqual(model.Length + 15 + 13, first.Size);

            // A second bundle sharing the model downloads only its new file (the listing has no hashes: the cache knows the blob's last fetch).
            await PutAsync(container, "models/minilm/extra.bin", new byte[1234]);
            var second = await ResolveAsync(container, new StateCache(Path.Combine(root, "a")), StateLockFile.Empty, locked: false, StateKey.Parse("onnx/minilm.extra.v1"), "onnx/model.onnx;extra.bin");
            Assert.IsTrue(second.Succeeded, second.Failure?.Message);
            Assert.AreEqual(1234, second.BytesDownloaded);
            Assert.AreEqual(first.Files![1], second.Files![1]);

            // The locked bundle is read from its file list (no listing): a replaced blob fails its pinned hash.
            await PutAsync(container, "models/minilm/config.json", "{\"hidden\": 768}"u8.ToArray());
            var changed = await ResolveAsync(container, new StateCache(Path.Combine(root, "b")), new StateLockFile([first.ToLockEntry()]), locked: true);

            Assert.AreEqual("MST0004", changed.Failure?.BuildCode, changed.Failure?.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task<StateResolution> ResolveAsync(string container, StateCache cache, StateLockFile lockFile, bool locked, StateKey? key = null, string files = "onnx/model.onnx;*.json")
    {
        await using var store = new AzureBlobStateStore(Azurite.Options(container, basePath: "models/minilm/"));
        var stores = new StoreCatalog();
        stores.Add("azure", store);
        var resolver = new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores, LockFile = lockFile, Locked = locked });
        return await resolver.ResolveAsync(new StateRequest(key ?? Key, "azure") { Files = FilePatterns.Parse(files) }, Cancel);
    }

    private async Task PutAsync(string container, string name, byte[] content) =>
        await Azurite.AdminClient().GetBlobContainerClient(container).GetBlobClient(name).UploadAsync(new BinaryData(content), overwrite: true, Cancel);
}
