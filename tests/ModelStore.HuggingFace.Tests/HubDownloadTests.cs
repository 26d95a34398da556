using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.HuggingFace.Http;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

/// <summary>How bytes come from the Hub: metadata from the resolve address, the redirect to storage, ranges, resumption, content checks.</summary>
[TestClass]
public sealed class HubDownloadTests : HubTestBase
{
    private string _cacheRoot = null!;

    [TestInitialize]
    public void CreateCache() => _cacheRoot = Directory.CreateTempSubdirectory("modelstore-hf-cache-").FullName;

    [TestCleanup]
    public void DeleteCache() => Directory.Delete(_cacheRoot, recursive: true);

    [TestMethod]
    public async Task The_metadata_of_a_large_file_comes_from_the_redirect_and_of_a_git_file_from_the_hub()
    {
        var repository = HubServer.NewRepository("metadata");
        var weights = RandomBytes(70_000);
        var config = "{\"hidden_size\": 8}"u8.ToArray();
        var commit = Hub.Commit(repository, new Dictionary<string, byte[]?> { ["model.safetensors"] = weights, ["config.json"] = config });
        var client = CreateStore(repository).Client;

        var large = await client.GetFileMetadataAsync("main", "model.safetensors", null, Cancel);
        var small = await client.GetFileMetadataAsync("main", "config.json", null, Cancel);

        Assert.AreEqual(commit, large.Commit);
        Assert.AreEqual(Sha256(weights), large.Sha256, "X-Linked-Etag is the LFS SHA-256");
        Assert.AreEqual(70_000, large.Size);
        Assert.IsNotNull(large.Location);
        Assert.AreEqual(Hub.Storage.BaseAddress.Authority, large.Location.Authority, "the storage host, not the Hub");
        Assert.AreEqual(commit, small.Commit);
        Assert.IsNull(small.Sha256);
        Assert.AreEqual(Hub.FindFile(repository, "config.json")!.GitOid, small.GitBlobSha1, "ETag of a Git file is its blob id");
        Assert.AreEqual(config.Length, small.Size);
        Assert.IsNull(small.Location);
        Assert.IsTrue(small.AcceptsRanges);
    }

    [TestMethod]
    public async Task A_large_file_is_cached_with_parallel_ranges_from_storage_and_the_token_never_leaves_the_hub()
    {
        var repository = HubServer.NewRepository("ranged", isPrivate: true);
        Hub.GrantAccess(repository, Token);
        var bytes = RandomBytes(3_000_000);
        Hub.CommitFile(repository, "onnx/model.onnx", bytes);
        var store = CreateStore(repository, options => options.Download = new ChunkedDownloadOptions { ChunkSize = 256 * 1024, Parallelism = 3 }, WithToken());
        var file = store.ForFile("onnx/model.onnx");
        var hubBefore = Hub.Requests.Count;
        var storageBefore = Hub.Storage.Requests.Count;

        var state = await new StateCache(_cacheRoot).GetOrFetchAsync(file, Resnet, cancellationToken: Cancel);

        Assert.AreEqual(Sha256(bytes), state.Sha256);
        var hub = HubRequestsSince(hubBefore);
        var storage = Hub.Storage.Requests.Skip(storageBefore).ToList();
        Assert.AreEqual(1, hub.Count, "one HEAD of the resolve address: " + string.Join("\n", hub));
        Assert.AreEqual("HEAD", hub[0].Method);
        Assert.AreEqual($"Bearer {Token}", hub[0].Authorization);
        Assert.AreEqual(12, storage.Count(request => request.Method == "GET" && request.Status == 206), string.Join("\n", storage));
        Assert.IsTrue(storage.All(request => request.Authorization is null), "the storage host never sees the token");
    }

    [TestMethod]
    public async Task A_download_cut_mid_file_resumes_and_still_matches_the_hub_hash()
    {
        var repository = HubServer.NewRepository("resume");
        var bytes = RandomBytes(2_000_000);
        Hub.CommitFile(repository, "model.safetensors", bytes);
        var store = CreateStore(repository, options => options.Download = new ChunkedDownloadOptions { ChunkSize = 512 * 1024, Parallelism = 1, RetryDelay = TimeSpan.FromMilliseconds(10) });
        Hub.Storage.CutAfterBytes = 100_000;
        Hub.Storage.CutConnections = 2;
        var before = Hub.Storage.Requests.Count;

        var state = await new StateCache(_cacheRoot).GetOrFetchAsync(store.ForFile("model.safetensors"), Resnet, cancellationToken: Cancel);

        Assert.AreEqual(Sha256(bytes), state.Sha256);
        var storage = Hub.Storage.Requests.Skip(before).ToList();
        Assert.AreEqual(2, storage.Count(request => request.BodyBytes == 100_000 && request.Range is not null), "two ranges were cut: " + string.Join("\n", storage));
        var starts = storage.Where(request => request.Range is not null).Select(request => long.Parse(request.Range!["bytes=".Length..].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.IsTrue(starts.Any(start => start % (512 * 1024) != 0), "a cut chunk continued from the bytes it had: " + string.Join(", ", starts));
    }

    [TestMethod]
    public async Task An_expired_storage_address_is_renewed_through_the_hub_at_the_same_commit()
    {
        var repository = HubServer.NewRepository("expired");
        var bytes = RandomBytes(600_000);
        var commit = Hub.CommitFile(repository, "model.safetensors", bytes);
        Hub.ExpireNextStorageAddresses(1);
        var before = Hub.Requests.Count;
        var storageBefore = Hub.Storage.Requests.Count;

        var state = await new StateCache(_cacheRoot).GetOrFetchAsync(CreateStore(repository).ForFile("model.safetensors"), Resnet, cancellationToken: Cancel);

        Assert.AreEqual(Sha256(bytes), state.Sha256);
        var heads = HubRequestsSince(before).Where(request => request.Method == "HEAD").Select(request => request.PathAndQuery).ToList();
        CollectionAssert.AreEqual(new[] { $"/{repository}/resolve/main/model.safetensors", $"/{repository}/resolve/{commit}/model.safetensors" }, heads, "renewed at the commit, not at the branch");
        Assert.IsTrue(Hub.Storage.Requests.Skip(storageBefore).Any(request => request.Status == 403 && request.Path.StartsWith("lfs-expired/", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task Tampered_storage_bytes_never_enter_the_cache_by_either_path()
    {
        var repository = HubServer.NewRepository("tampered");
        var bytes = RandomBytes(300_000);
        Hub.CommitFile(repository, "model.safetensors", bytes);
        var damaged = (byte[])bytes.Clone();
        damaged[123_456] ^= 0x40;
        Hub.TamperStorage(Hub.FindFile(repository, "model.safetensors")!, damaged);
        var file = CreateStore(repository).ForFile("model.safetensors");
        var cache = new StateCache(_cacheRoot);

        var download = await Assert.ThrowsExactlyAsync<StateStoreException>(() => cache.GetOrFetchAsync(file, Resnet, cancellationToken: Cancel));
        var stream = await Assert.ThrowsExactlyAsync<StateStoreException>(() => cache.GetOrFetchAsync(file.Id, Resnet, token => file.OpenReadAsync(Resnet, token), cancellationToken: Cancel));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, download.Error);
        Assert.AreEqual(StateStoreError.IntegrityMismatch, stream.Error);
        StringAssert.Contains(download.Message, Sha256(bytes));
        Assert.IsNull(cache.TryGet(file.Id, Resnet));
        Assert.AreEqual(0, FilesUnder("blobs"), "no blob was kept");
        Assert.AreEqual(0, FilesUnder("tmp"), "the partial download and its journal were discarded");
    }

    private int FilesUnder(string folder)
    {
        var path = Path.Combine(_cacheRoot, folder);
        return Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Count() : 0;
    }

    [TestMethod]
    public async Task A_git_file_whose_bytes_do_not_match_its_blob_id_is_refused()
    {
        var repository = HubServer.NewRepository("git-blob");
        var content = "{\"architectures\": [\"BertModel\"]}"u8.ToArray();
        Hub.CommitFile(repository, "config.json", content);
        var stored = Hub.FindFile(repository, "config.json")!;
        var changed = (byte[])content.Clone();
        changed[3] = (byte)'A';
        File.WriteAllBytes(stored.BlobPath, changed);
        var file = CreateStore(repository).ForFile("config.json");

        var download = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ((IFileDownloadingStore)file).DownloadToFileAsync(Resnet, Path.Combine(_cacheRoot, "config.json"), cancellationToken: Cancel));
        var read = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ReadAsync(file, Resnet));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, download.Error);
        Assert.AreEqual(StateStoreError.IntegrityMismatch, read.Error);
        StringAssert.Contains(download.Message, stored.GitOid);
        Assert.IsFalse(File.Exists(Path.Combine(_cacheRoot, "config.json")));
    }

    [TestMethod]
    public async Task A_renamed_repository_is_followed_through_the_hubs_relative_redirect()
    {
        var repository = HubServer.NewRepository("renamed");
        var bytes = RandomBytes(10_000);
        Hub.CommitFile(repository, "weights/model.pt", bytes);
        var oldName = repository + "-old";
        Hub.Rename(oldName, repository);
        var file = CreateStore(oldName, environment: WithToken()).ForFile("weights/model.pt");
        var before = Hub.Requests.Count;

        CollectionAssert.AreEqual(bytes, await ReadAsync(file, Resnet));
        var download = await ((IFileDownloadingStore)file).DownloadToFileAsync(Resnet, Path.Combine(_cacheRoot, "renamed.pt"), cancellationToken: Cancel);

        Assert.AreEqual(Sha256(bytes), download.Sha256);
        var requests = HubRequestsSince(before);
        Assert.IsTrue(requests.Any(request => request.Status == 307 && request.PathAndQuery.StartsWith($"/{oldName}/resolve/", StringComparison.Ordinal)));
        Assert.IsTrue(requests.Where(request => request.PathAndQuery.StartsWith($"/{repository}/resolve/", StringComparison.Ordinal)).All(request => request.Authorization == $"Bearer {Token}"), "the Hub's own redirect keeps the token");
    }

    [TestMethod]
    public async Task A_git_file_is_downloaded_in_ranges_from_the_resolved_commit()
    {
        var repository = HubServer.NewRepository("git-ranges", lfsForWeights: false);
        var bytes = RandomBytes(1_000_000);
        var commit = Hub.CommitFile(repository, "pytorch_model.bin", bytes);
        var store = CreateStore(repository, options => options.Download = new ChunkedDownloadOptions { ChunkSize = 256 * 1024, Parallelism = 2 });
        var before = Hub.Requests.Count;

        var download = await ((IFileDownloadingStore)store.ForFile("pytorch_model.bin")).DownloadToFileAsync(Resnet, Path.Combine(_cacheRoot, "model.bin"), cancellationToken: Cancel);

        Assert.AreEqual(Sha256(bytes), download.Sha256);
        var gets = HubRequestsSince(before).Where(request => request.Method == "GET").ToList();
        Assert.AreEqual(4, gets.Count);
        Assert.IsTrue(gets.All(request => request.PathAndQuery == $"/{repository}/resolve/{commit}/pytorch_model.bin" && request.Range is not null && request.Status == 206), string.Join("\n", gets));
    }
}
