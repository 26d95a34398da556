using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;

namespace ModelStore.HuggingFace.Tests;

/// <summary>Bundle states (<c>Files</c>) from the local Hub server, through the one resolver: a snapshot at one commit.</summary>
[TestClass]
public sealed class HubBundleTests : HubTestBase
{
    private static readonly StateKey MiniLm = StateKey.Parse("onnx/minilm.l6.v2");
    private string _root = null!;

    [TestInitialize]
    public void CreateCache() => _root = Directory.CreateTempSubdirectory("modelstore-hub-bundles-").FullName;

    [TestCleanup]
    public void DeleteCache() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_bundle_is_the_snapshot_of_its_files_at_the_commit_the_branch_pointed_to_and_the_lock_pins_that_commit()
    {
        var repository = HubServer.NewRepository("bundle");
        var model = RandomBytes(40_000);
        var config = RandomBytes(300);
        var commit = Hub.Commit(repository, new Dictionary<string, byte[]?> { ["onnx/model.onnx"] = model, ["config.json"] = config, ["tokenizer.json"] = RandomBytes(900), ["README.md"] = RandomBytes(5) });
        var cache = new StateCache(Path.Combine(_root, "a"));

        var first = await ResolveAsync(repository, cache, "onnx/model.onnx;*.json");
        Assert.IsTrue(first.Succeeded, first.Failure?.Message);
        CollectionAssert.AreEqual(new[] { "config.json", "onnx/model.onnx", "tokenizer.json" }, first.Files!.Select(file => file.Path).ToArray());
        Assert.AreEqual(commit, first.Revision!.Resolved);
        CollectionAssert.AreEqual(model, await File.ReadAllBytesAsync(Path.Combine(first.Path!, "onnx", "model.onnx"), Cancel));

        // The branch moves: a locked resolution on a fresh machine still reads the pinned commit's files.
        Hub.Commit(repository, new Dictionary<string, byte[]?> { ["onnx/model.onnx"] = RandomBytes(40_000), ["config.json"] = RandomBytes(301) });
        var lockFile = new StateLockFile([first.ToLockEntry()]);
        var locked = await ResolveAsync(repository, new StateCache(Path.Combine(_root, "b")), "onnx/model.onnx;*.json", lockFile, locked: true);

        Assert.IsTrue(locked.Succeeded, locked.Failure?.Message);
        Assert.AreEqual(first.Sha256, locked.Sha256);
        CollectionAssert.AreEqual(config, await File.ReadAllBytesAsync(Path.Combine(locked.Path!, "config.json"), Cancel));
        Assert.AreEqual(commit, locked.Revision!.Resolved);
    }

    [TestMethod]
    public async Task A_second_bundle_sharing_a_large_file_downloads_only_its_new_files()
    {
        var repository = HubServer.NewRepository("shared");
        Hub.Commit(repository, new Dictionary<string, byte[]?> { ["onnx/model.onnx"] = RandomBytes(60_000), ["config.json"] = RandomBytes(300), ["onnx/model_int8.onnx"] = RandomBytes(20_000) });
        var cache = new StateCache(Path.Combine(_root, "a"));
        var first = await ResolveAsync(repository, cache, "onnx/model.onnx;config.json");
        Assert.IsTrue(first.Succeeded, first.Failure?.Message);

        var before = Hub.Requests.Count;
        var second = await ResolveAsync(repository, cache, "onnx/*.onnx", StateKey.Parse("onnx/minilm.l6.all"));

        Assert.IsTrue(second.Succeeded, second.Failure?.Message);
        var downloads = HubRequestsSince(before).Where(request => request.PathAndQuery.Contains("/resolve/", StringComparison.Ordinal)).Select(request => request.PathAndQuery).ToList();
        Assert.IsFalse(downloads.Any(path => path.EndsWith("/onnx/model.onnx", StringComparison.Ordinal)), string.Join("\n", downloads));
        Assert.IsTrue(downloads.Any(path => path.EndsWith("/onnx/model_int8.onnx", StringComparison.Ordinal)), string.Join("\n", downloads));
        Assert.AreEqual(20_000, second.BytesDownloaded, "Only the new file's bytes.");
    }

    [TestMethod]
    public async Task A_large_file_changed_at_the_server_after_locking_is_a_hash_mismatch()
    {
        var repository = HubServer.NewRepository("tampered");
        Hub.Commit(repository, new Dictionary<string, byte[]?> { ["model.safetensors"] = RandomBytes(30_000), ["config.json"] = RandomBytes(100) });
        var first = await ResolveAsync(repository, new StateCache(Path.Combine(_root, "a")), "*.safetensors;*.json");
        Assert.IsTrue(first.Succeeded, first.Failure?.Message);
        Hub.TamperStorage(Hub.FindFile(repository, "model.safetensors")!, RandomBytes(30_000));

        var lockFile = new StateLockFile([first.ToLockEntry()]);
        var changed = await ResolveAsync(repository, new StateCache(Path.Combine(_root, "b")), "*.safetensors;*.json", lockFile, locked: true);

        Assert.AreEqual("MST0004", changed.Failure?.BuildCode, changed.Failure?.Message);
    }

    [TestMethod]
    public async Task Four_shards_are_read_as_four_whole_file_streams_and_a_cut_one_continues_from_its_bytes()
    {
        var repository = HubServer.NewRepository("shards");
        var shards = Enumerable.Range(1, 4).ToDictionary(n => $"model-0000{n}-of-00004.safetensors", n => RandomBytes((8 * 1024 * 1024) + (n * 1000)));
        Hub.Commit(repository, shards.ToDictionary(shard => shard.Key, shard => (byte[]?)shard.Value));
        var first = await ResolveAsync(repository, new StateCache(Path.Combine(_root, "a")), "*.safetensors");
        Assert.IsTrue(first.Succeeded, first.Failure?.Message);
        Hub.Storage.CutAfterBytes = 3 * 1024 * 1024;
        Hub.Storage.CutConnections = 1;
        var hubBefore = Hub.Requests.Count;
        var storageBefore = Hub.Storage.Requests.Count;

        // Locked, on a cold cache: the lock gives every file's hash and size.
        var locked = await ResolveAsync(repository, new StateCache(Path.Combine(_root, "b")), "*.safetensors", new StateLockFile([first.ToLockEntry()]), locked: true);

        Assert.IsTrue(locked.Succeeded, locked.Failure?.Message);
        foreach (var (path, bytes) in shards)
        {
            CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(locked.Path!, path), Cancel), path);
        }

        var heads = HubRequestsSince(hubBefore).Where(request => request.PathAndQuery.Contains("/resolve/", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(4, heads.Count, "one HEAD per file: " + string.Join("\n", heads));
        Assert.IsTrue(heads.All(request => request.Method == "HEAD"));
        var storage = Hub.Storage.Requests.Skip(storageBefore).Where(request => request.Method == "GET").ToList();
        var whole = storage.Where(request => request.Range is null).ToList();
        Assert.AreEqual(4, whole.Count, "one whole-file GET per shard: " + string.Join("\n", storage));
        Assert.AreEqual(4, whole.Select(request => request.Path).Distinct().Count());
        var retried = storage.Except(whole).ToList();
        Assert.AreEqual(1, retried.Count, "only the cut stream asked again, for the rest of its file: " + string.Join("\n", storage));
        var cut = whole.Single(request => request.BodyBytes == 3 * 1024 * 1024);
        Assert.AreEqual(cut.Path, retried[0].Path, "the cut file's rest");
        var range = retried[0].Range!["bytes=".Length..].Split('-');
        var start = long.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(start is > 0 and <= 3 * 1024 * 1024, $"continued from the bytes it had, not from the start: {retried[0].Range}");
        var end = long.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(shards.Values.Any(bytes => bytes.Length - 1 == end), $"to the end of its file: {retried[0].Range}");
        Assert.AreEqual(shards.Values.Sum(bytes => (long)bytes.Length), locked.BytesDownloaded);
    }

    [TestMethod]
    public async Task A_single_large_file_beside_small_ones_keeps_its_parallel_ranges()
    {
        var repository = HubServer.NewRepository("one-large");
        var weights = RandomBytes((8 * 1024 * 1024) + 5000);
        Hub.Commit(repository, new Dictionary<string, byte[]?> { ["model.safetensors"] = weights, ["config.json"] = RandomBytes(300), ["tokenizer.json"] = RandomBytes(900) });
        var storageBefore = Hub.Storage.Requests.Count;

        var resolved = await ResolveAsync(repository, new StateCache(Path.Combine(_root, "a")), "*.safetensors;*.json");

        Assert.IsTrue(resolved.Succeeded, resolved.Failure?.Message);
        CollectionAssert.AreEqual(weights, await File.ReadAllBytesAsync(Path.Combine(resolved.Path!, "model.safetensors"), Cancel));
        var ranges = Hub.Storage.Requests.Skip(storageBefore).Where(request => request.Method == "GET").Select(request => request.Range).ToList();
        Assert.AreEqual(2, ranges.Count, "two 8 MiB chunks: " + string.Join("\n", ranges));
        Assert.IsTrue(ranges.All(range => range is not null), "the large file alone keeps the ranged, parallel download");
    }

    private async Task<StateResolution> ResolveAsync(string repository, StateCache cache, string files, StateLockFile? lockFile = null, bool locked = false) =>
        await ResolveAsync(repository, cache, files, MiniLm, lockFile, locked);

    private async Task<StateResolution> ResolveAsync(string repository, StateCache cache, string files, StateKey key, StateLockFile? lockFile = null, bool locked = false)
    {
        var stores = new StoreCatalog();
        stores.Add("hub", CreateStore(repository));
        var resolver = new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores, LockFile = lockFile ?? StateLockFile.Empty, Locked = locked });
        return await resolver.ResolveAsync(new StateRequest(key, "hub") { Files = FilePatterns.Parse(files) }, Cancel);
    }
}
