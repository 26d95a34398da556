using System.Text.Json;
using ModelStore.HuggingFace.Testing;
using ModelStore.States;

namespace ModelStore.HuggingFace.Tests;

/// <summary>
/// One cache with Python: huggingface_hub's cache layout, written and read by a client nobody here wrote (the
/// JavaScript <c>@huggingface/hub</c>, talking to the fake Hub), shared with the store both ways; never trusted
/// without the hash.
/// </summary>
[TestClass]
public sealed partial class HubCacheTests : HubTestBase
{
    private static readonly StateKey Key = StateKey.Parse("safetensors/tiny.v1");
    private string _hfCache = null!;
    private string _target = null!;

    [TestInitialize]
    public void CreateFolders()
    {
        _hfCache = Directory.CreateTempSubdirectory("modelstore-hf-hub-cache-").FullName;
        _target = Directory.CreateTempSubdirectory("modelstore-hf-target-").FullName;
    }

    [TestCleanup]
    public void DeleteFolders()
    {
        Directory.Delete(_hfCache, recursive: true);
        Directory.Delete(_target, recursive: true);
    }

    [TestMethod]
    public async Task A_snapshot_written_by_huggingface_hub_js_is_used_with_zero_bytes_downloaded()
    {
        var (repository, files) = NewModel("snapshot");
        var snapshot = await RunClientAsync("snapshot", repository, "main");
        var commit = Hub.CommitOf(repository);
        Assert.AreEqual(Path.Combine(_hfCache, $"models--{repository.Replace("/", "--")}", "snapshots", commit), snapshot.GetProperty("path").GetString());
        var hubBefore = Hub.Requests.Count;
        var storageBefore = Hub.Storage.Requests.Count;

        // HF_HUB_CACHE is where huggingface_hub (and so the store, by default) looks.
        var store = CreateStore(repository, environment: TestEnvironment.Of(("HF_HUB_CACHE", _hfCache)));
        foreach (var (path, bytes) in files)
        {
            var target = Path.Combine(_target, path.Replace('/', '_'));
            var download = await ((Stores.IFileDownloadingStore)store.ForFile(path)).DownloadToFileAsync(Key, target, cancellationToken: Cancel);

            CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(target, Cancel), path);
            Assert.AreEqual(0, download.BytesTransferred, path);
            Assert.AreEqual(Sha256(bytes), download.Sha256, path);
            Assert.IsNull(new FileInfo(target).LinkTarget, "a copy, not a link into another tool's cache");
        }

        // A stream of a file (OpenRead) comes from the cache too, checked as it is read.
        CollectionAssert.AreEqual(files["model.safetensors"], await ReadAsync(store.ForFile("model.safetensors"), Key));

        var requests = HubRequestsSince(hubBefore);
        Assert.IsTrue(requests.All(r => r.Method == "HEAD"), "only the metadata of each file was asked for: " + string.Join(", ", requests.Select(r => $"{r.Method} {r.PathAndQuery}")));
        Assert.AreEqual(storageBefore, Hub.Storage.Requests.Count, "no byte came from the storage host");
    }

    [TestMethod]
    public async Task A_tampered_blob_or_a_link_leaving_the_repository_folder_is_not_used_and_the_file_is_downloaded()
    {
        var (repository, files) = NewModel("tampered");
        await RunClientAsync("snapshot", repository, "main");
        var folder = new HuggingFaceHubCache(_hfCache).GetRepositoryFolder(repository);
        var weights = files["model.safetensors"];
        var blob = Path.Combine(folder, "blobs", Sha256(weights));
        var damaged = weights.ToArray();
        damaged[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(blob, damaged, Cancel);

        // The right bytes outside the repository folder, linked from the snapshot: refused all the same.
        var outside = Path.Combine(_hfCache, "elsewhere.bin");
        await File.WriteAllBytesAsync(outside, files["config.json"], Cancel);
        var configPointer = Path.Combine(folder, "snapshots", Hub.CommitOf(repository), "config.json");
        File.Delete(configPointer);
        File.CreateSymbolicLink(configPointer, Path.Combine("..", "..", "..", "elsewhere.bin"));
        File.Delete(Path.Combine(folder, "blobs", Hub.FindFile(repository, "config.json")!.GitOid));

        var store = CreateStore(repository, options => options.HubCacheFolder = _hfCache);
        foreach (var path in new[] { "model.safetensors", "config.json" })
        {
            var target = Path.Combine(_target, path);
            var download = await ((Stores.IFileDownloadingStore)store.ForFile(path)).DownloadToFileAsync(Key, target, cancellationToken: Cancel);

            Assert.AreEqual(files[path].Length, download.BytesTransferred, $"{path} was downloaded");
            CollectionAssert.AreEqual(files[path], await File.ReadAllBytesAsync(target, Cancel));
        }

        var hubCache = new HuggingFaceHubCache(_hfCache);
        Assert.IsNull(await hubCache.FindAsync(repository, "main", "model.safetensors", Sha256(weights), cancellationToken: Cancel));
        Assert.IsNull(await hubCache.FindAsync(repository, "main", "config.json", Sha256(files["config.json"]), cancellationToken: Cancel));
    }

    [TestMethod]
    public async Task Downloads_shared_into_the_cache_are_read_by_huggingface_hub_js_without_a_request()
    {
        var (repository, files) = NewModel("shared");
        var commit = Hub.CommitOf(repository);
        var store = CreateStore(repository, options =>
        {
            options.HubCacheFolder = _hfCache;
            options.ShareHubCache = true;
        });
        foreach (var path in files.Keys)
        {
            await ((Stores.IFileDownloadingStore)store.ForFile(path)).DownloadToFileAsync(Key, Path.Combine(_target, path.Replace('/', '_')), cancellationToken: Cancel);
        }

        // huggingface_hub's layout: refs/main, blobs named by content id, relative links from the snapshot.
        var folder = new HuggingFaceHubCache(_hfCache).GetRepositoryFolder(repository);
        Assert.AreEqual(commit, await File.ReadAllTextAsync(Path.Combine(folder, "refs", "main"), Cancel));
        var onnxLink = new FileInfo(Path.Combine(folder, "snapshots", commit, "onnx", "model.onnx"));
        Assert.AreEqual(Path.Combine("..", "..", "..", "blobs", Sha256(files["onnx/model.onnx"])), onnxLink.LinkTarget);
        Assert.IsTrue(File.Exists(Path.Combine(folder, "blobs", Hub.FindFile(repository, "config.json")!.GitOid)), "a Git file's blob is named by its Git blob id");
        Assert.IsFalse(Directory.EnumerateFiles(folder, "*.partial", SearchOption.AllDirectories).Any(), "no temporary file is left behind");

        var before = Hub.Requests.Count;
        foreach (var (path, bytes) in files)
        {
            var read = await RunClientAsync("file", repository, commit, path);

            Assert.AreEqual(Path.Combine(folder, "snapshots", commit, path), read.GetProperty("path").GetString());
            Assert.AreEqual(Sha256(bytes), read.GetProperty("sha256").GetString(), path);
        }

        Assert.AreEqual(before, Hub.Requests.Count, "@huggingface/hub found every file in our layout and asked the Hub nothing");
        var python = new HuggingFaceHubCache(_hfCache);
        Assert.AreEqual(Path.Combine(folder, "snapshots", commit, "model.safetensors"), await python.FindAsync(repository, "main", "model.safetensors", Sha256(files["model.safetensors"]), cancellationToken: Cancel));
    }

    [TestMethod]
    public void The_cache_folder_follows_huggingface_hubs_variables_and_a_ref_must_hold_a_commit()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.AreEqual("/data/hub-cache", HuggingFaceHubCache.GetDefaultRoot(TestEnvironment.Of(("HF_HUB_CACHE", "/data/hub-cache"), ("HF_HOME", "/data/hf"))));
        Assert.AreEqual("/data/hf/hub", HuggingFaceHubCache.GetDefaultRoot(TestEnvironment.Of(("HF_HOME", "/data/hf"))));
        Assert.AreEqual(Path.Combine(home, "hf", "hub"), HuggingFaceHubCache.GetDefaultRoot(TestEnvironment.Of(("HF_HOME", "~/hf"))));
        Assert.AreEqual("/xdg/huggingface/hub", HuggingFaceHubCache.GetDefaultRoot(TestEnvironment.Of(("XDG_CACHE_HOME", "/xdg"))));
        Assert.AreEqual(Path.Combine(home, ".cache", "huggingface", "hub"), HuggingFaceHubCache.GetDefaultRoot(TestEnvironment.Empty));

        var cache = new HuggingFaceHubCache(_hfCache);
        Assert.AreEqual(Path.Combine(_hfCache, "datasets--acme--set"), cache.GetRepositoryFolder("acme/set", HuggingFaceRepoType.Dataset));
        var refs = Directory.CreateDirectory(Path.Combine(cache.GetRepositoryFolder("acme/tiny"), "refs")).FullName;
        File.WriteAllText(Path.Combine(refs, "main"), new string('a', 40) + "\n");
        File.WriteAllText(Path.Combine(refs, "evil"), "../../../../etc");
        Assert.AreEqual(new string('a', 40), cache.ResolveCommit("acme/tiny", "main"));
        Assert.IsNull(cache.ResolveCommit("acme/tiny", "evil"));
        Assert.IsNull(cache.ResolveCommit("acme/tiny", "missing"));
        Assert.AreEqual(new string('b', 40), cache.ResolveCommit("acme/tiny", new string('b', 40)));
        Assert.ThrowsExactly<ArgumentException>(() => cache.ResolveCommit("acme/tiny", "../../x"));
    }

    /// <summary>A repository with a large file, a Git file and a large file in a folder, committed on main.</summary>
    private static (string Repository, Dictionary<string, byte[]> Files) NewModel(string prefix)
    {
        var repository = HubServer.NewRepository(prefix);
        var files = new Dictionary<string, byte[]>
        {
            ["model.safetensors"] = RandomBytes(300_000),
            ["config.json"] = "{\"hidden_size\": 32, \"num_hidden_layers\": 2}"u8.ToArray(),
            ["onnx/model.onnx"] = RandomBytes(50_000),
        };
        Hub.Commit(repository, files.ToDictionary(pair => pair.Key, pair => (byte[]?)pair.Value));
        return (repository, files);
    }

    private Task<JsonElement> RunClientAsync(params string[] arguments) => HuggingFaceHubJs.RunAsync(Hub.Endpoint, _hfCache, arguments, Cancel);
}
