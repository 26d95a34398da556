using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

// Locked states taken from huggingface_hub's cache by their locked hash, through the one resolver, before any request.
public sealed partial class HubCacheTests
{
    private static readonly StateKey Weights = StateKey.Parse("safetensors/tiny.weights");
    private static readonly StateKey Bundle = StateKey.Parse("onnx/tiny.bundle");

    [TestMethod]
    [DataRow("online")]
    [DataRow("ModelStoreOffline")]
    [DataRow("HF_HUB_OFFLINE")]
    public async Task Locked_files_and_bundles_come_from_a_snapshot_written_by_huggingface_hub_js_with_no_request(string mode)
    {
        var (repository, files) = NewModel("locked");
        await RunClientAsync("snapshot", repository, "main");
        var lockFile = await LockAsync(repository);
        var hubBefore = Hub.Requests.Count;
        var storageBefore = Hub.Storage.Requests.Count;

        var outcomes = await ResolveLockedAsync(repository, lockFile, new StateCache(Path.Combine(_target, "cache")), offline: mode == "ModelStoreOffline", hfHubOffline: mode == "HF_HUB_OFFLINE");

        foreach (var outcome in outcomes)
        {
            Assert.IsTrue(outcome.Succeeded, outcome.Failure?.Message);
            Assert.AreEqual(StateSource.LocalCopy, outcome.Source, outcome.Key.ToString());
            Assert.AreEqual(lockFile.Find(outcome.Key)!.Sha256, outcome.Sha256);
            Assert.AreEqual(0, outcome.BytesDownloaded);
        }

        CollectionAssert.AreEqual(files["model.safetensors"], await File.ReadAllBytesAsync(outcomes[0].Path!, Cancel));
        Assert.IsNull(new FileInfo(outcomes[0].Path!).LinkTarget, "copied into our cache, not linked to another tool's file");
        foreach (var (path, bytes) in files)
        {
            CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(outcomes[1].Path!, path), Cancel), path);
        }

        Assert.AreEqual(hubBefore, Hub.Requests.Count, "the Hub was asked nothing: " + string.Join(", ", HubRequestsSince(hubBefore).Select(r => $"{r.Method} {r.PathAndQuery}")));
        Assert.AreEqual(storageBefore, Hub.Storage.Requests.Count, "no byte came from the storage host");
    }

    [TestMethod]
    public async Task A_locked_file_whose_bytes_in_huggingface_hubs_cache_differ_is_ignored_offline_a_miss_online_a_download()
    {
        var (repository, files) = NewModel("damaged");
        await RunClientAsync("snapshot", repository, "main");
        var lockFile = await LockAsync(repository);
        var blob = Path.Combine(new HuggingFaceHubCache(_hfCache).GetRepositoryFolder(repository), "blobs", Sha256(files["model.safetensors"]));
        var damaged = files["model.safetensors"].ToArray();
        damaged[0] ^= 0x01;
        await File.WriteAllBytesAsync(blob, damaged, Cancel);

        var offline = await ResolveLockedAsync(repository, lockFile, new StateCache(Path.Combine(_target, "offline")), offline: true, hfHubOffline: false);
        Assert.AreEqual("MST0006", offline[0].Failure?.BuildCode, offline[0].Failure?.Message ?? "the damaged copy was used");
        Assert.AreEqual("MST0006", offline[1].Failure?.BuildCode, offline[1].Failure?.Message ?? "the damaged copy was used");
        var left = Directory.EnumerateFiles(Path.Combine(_target, "offline"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.IsFalse(left.Any(name => name == Sha256(damaged) || name == Sha256(files["model.safetensors"]) || name!.EndsWith(".partial", StringComparison.Ordinal)), "nothing of the damaged copy was kept: " + string.Join(", ", left));
        Assert.Contains(Sha256(files["onnx/model.onnx"]), left, "the bundle's intact files were copied all the same");

        // Online each is resolved into a cache of its own, so the bundle cannot borrow the single state's download.
        var storageBefore = Hub.Storage.Requests.Count;
        var file = (await ResolveLockedAsync(repository, lockFile, new StateCache(Path.Combine(_target, "online-file")), offline: false, hfHubOffline: false, Requests()[..1])).Single();
        var bundle = (await ResolveLockedAsync(repository, lockFile, new StateCache(Path.Combine(_target, "online-bundle")), offline: false, hfHubOffline: false, Requests()[1..])).Single();
        Assert.IsTrue(file.Succeeded, file.Failure?.Message);
        Assert.IsTrue(bundle.Succeeded, bundle.Failure?.Message);
        Assert.AreEqual(StateSource.Store, file.Source);
        CollectionAssert.AreEqual(files["model.safetensors"], await File.ReadAllBytesAsync(file.Path!, Cancel));
        Assert.AreEqual(files["model.safetensors"].Length, file.BytesDownloaded);
        Assert.AreEqual(files["model.safetensors"].Length, bundle.BytesDownloaded, "in the bundle only the damaged file was downloaded, the others were copied");
        CollectionAssert.AreEqual(files["model.safetensors"], await File.ReadAllBytesAsync(Path.Combine(bundle.Path!, "model.safetensors"), Cancel));
        Assert.IsTrue(Hub.Storage.Requests.Count > storageBefore);
    }

    [TestMethod]
    public void Hub_cache_settings_are_about_this_machine_a_lock_file_neither_records_nor_applies_them()
    {
        var settings = new StateStoreSettings("hub", "HuggingFace", [new("Repository", "acme/tiny"), new("ShareHubCache", "true"), new("HubCache", "/home/someone/hf"), new("ReadHubCache", "false")], _target);
        var described = LockFileStores.Describe(settings, _target, Path.Combine(_target, StateLockFile.FileName));
        CollectionAssert.AreEquivalent(new[] { "Repository" }, described.Settings.Keys.ToArray());

        // A lock file written by hand (a cloned repository) cannot turn sharing on nor point it at a folder.
        var hostile = new StateLockStore("hub", "HuggingFace", new Dictionary<string, string> { ["Repository"] = "acme/tiny", ["ShareHubCache"] = "true", ["HubCache"] = "/etc" });
        var entry = new StateLockEntry(Weights, "hub", new string('a', 64), 1) { Path = "model.safetensors" };
        var stores = LockFileStores.CreateCatalog(new StateLockFile([entry], [hostile]), _target);
        CollectionAssert.AreEquivalent(new[] { "Repository" }, stores.GetSettings("hub")!.Values.Select(pair => pair.Key).ToArray());
    }

    // The lock file of a single-file state and a bundle of every file, resolved online into our cache folder `cache`
    // (locked to `locked` when given) with the store settings given, by default without reading any Python cache.
    private async Task<StateLockFile> LockAsync(string repository, StateLockFile? locked = null, string cache = "locking", params (string Name, string Value)[] settings)
    {
        await using var stores = Catalog(repository, TestEnvironment.Empty, settings.Length == 0 ? [("ReadHubCache", "false")] : settings);
        var resolver = new StateResolver(new StateResolverOptions { Cache = new StateCache(Path.Combine(_target, cache)), Stores = stores, LockFile = locked ?? StateLockFile.Empty, Locked = locked is not null });
        var outcomes = await resolver.ResolveAllAsync(Requests(), Cancel);
        Assert.IsTrue(outcomes.All(outcome => outcome.Succeeded), string.Join("; ", outcomes.Select(outcome => outcome.Failure?.Message)));
        return new StateLockFile(outcomes.Select(outcome => outcome.ToLockEntry()));
    }

    private async Task<IReadOnlyList<StateResolution>> ResolveLockedAsync(string repository, StateLockFile lockFile, StateCache cache, bool offline, bool hfHubOffline, StateRequest[]? requests = null)
    {
        var environment = hfHubOffline ? TestEnvironment.Of(("HF_HUB_CACHE", _hfCache), ("HF_HUB_OFFLINE", "1")) : TestEnvironment.Of(("HF_HUB_CACHE", _hfCache));
        await using var stores = Catalog(repository, environment);
        var resolver = new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores, LockFile = lockFile, Locked = true, Offline = offline });
        return await resolver.ResolveAllAsync(requests ?? Requests(), Cancel);
    }

    private static StateRequest[] Requests() =>
    [
        new StateRequest(Weights, "hub") { Path = "model.safetensors" },
        new StateRequest(Bundle, "hub") { Files = FilePatterns.Parse("**") },
    ];

    private StoreCatalog Catalog(string repository, Func<string, string?> environment, params (string Name, string Value)[] extra)
    {
        var stores = new StoreCatalog();
        var settings = new List<KeyValuePair<string, string>> { new("Repository", repository), new("Endpoint", Hub.Endpoint.AbsoluteUri) };
        settings.AddRange(extra.Select(setting => new KeyValuePair<string, string>(setting.Name, setting.Value)));
        stores.Add(new HuggingFaceStateStoreProvider(environment), new StateStoreSettings("hub", "HuggingFace", settings, _target));
        return stores;
    }
}
