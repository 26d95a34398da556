using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.HuggingFace.Testing;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// One cache with Python, in a real build against the packed feed: huggingface_hub's cache written by the JavaScript
/// client <c>@huggingface/hub</c> (nobody here wrote it) fills a locked, offline build and <c>modelstore restore
/// --offline</c> with no request; with <c>ModelStoreShareHuggingFaceCache=true</c> that client reads what the build
/// downloaded without a request, and resolves <c>main</c> through the <c>refs/main</c> the build wrote (never from a
/// lock file's commit).
/// </summary>
[TestClass]
public sealed class HubCacheBuildIntegrationTests
{
    private const string Weights = "safetensors/tiny.weights";
    private const string Bundle = "onnx/tiny.bundle";

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_build_shares_its_downloads_with_huggingface_hub_js_and_a_locked_offline_build_and_restore_take_a_snapshot_it_wrote()
    {
        await using var hub = await FakeHuggingFaceHub.StartAsync();
        hub.AddRepository("acme/tiny");
        var files = new Dictionary<string, byte[]>
        {
            ["model.safetensors"] = RandomNumberGenerator.GetBytes(60_000),
            ["config.json"] = "{\"hidden_size\": 32}"u8.ToArray(),
            ["onnx/model.onnx"] = RandomNumberGenerator.GetBytes(20_000),
        };
        var commit = hub.Commit("acme/tiny", files.ToDictionary(pair => pair.Key, pair => (byte[]?)pair.Value));
        var app = await ConsumerProject.CreateAsync("hub-cache");
        var shared = Path.Combine(app.Folder, "hf-shared");
        app.ExtraEnvironment["HF_HUB_CACHE"] = shared;
        app.WithStore("hub", $"Kind=\"HuggingFace\" Repository=\"acme/tiny\" Endpoint=\"{hub.Endpoint}\"")
            .WithState(Weights, "Store=\"hub\" Path=\"model.safetensors\"")
            .WithState(Bundle, "Store=\"hub\" Files=\"**\"");

        // 1. Sharing on: the build writes huggingface_hub's layout, and the JavaScript client reads it without a request.
        var build = await app.BuildAsync("-p:ModelStoreShareHuggingFaceCache=true");
        Assert.AreEqual(0, build.ExitCode, build.ToString());
        var lockText = File.ReadAllText(app.LockFile);
        Assert.DoesNotContain("ShareHubCache", lockText, "a setting about this machine stays out of the lock file");
        // The build asked the Hub where main is: refs/main says so, and the client resolves main from the cache alone.
        var refsMain = Path.Combine(shared, "models--acme--tiny", "refs", "main");
        Assert.AreEqual(commit, File.ReadAllText(refsMain));
        var before = hub.Requests.Count;
        foreach (var (path, bytes) in files)
        {
            var read = await RunClientAsync("resolve", hub, shared, "acme/tiny", "main", path);
            Assert.AreEqual(commit, read.GetProperty("commit").GetString(), path);
            Assert.AreEqual(Sha(bytes), read.GetProperty("sha256").GetString(), path);
        }

        Assert.AreEqual(before, hub.Requests.Count, "@huggingface/hub resolved main to every file the build downloaded and asked the Hub nothing");

        // main moves and the client follows it; a locked build, sharing on, reads the locked commit and leaves refs/main be.
        var moved = hub.Commit("acme/tiny", new Dictionary<string, byte[]?> { ["config.json"] = "{\"hidden_size\": 64}"u8.ToArray() });
        await RunClientAsync("snapshot", hub, shared, "acme/tiny", "main");
        Assert.AreEqual(moved, File.ReadAllText(refsMain));
        Directory.Delete(app.Home, recursive: true);
        var locked = await app.BuildAsync("-p:ModelStoreShareHuggingFaceCache=true", "-p:ModelStoreLockedMode=true");
        Assert.AreEqual(0, locked.ExitCode, locked.ToString());
        AssertCached(app.Home, files);
        Assert.AreEqual(moved, File.ReadAllText(refsMain), "a lock file's commit is a pin: it does not move refs/main back");

        // 2. A snapshot the JavaScript client downloaded (the commit the lock file pins; main has moved on) fills a cold,
        //    locked, offline build: no request at all.
        var python = Path.Combine(app.Folder, "hf-python");
        await RunClientAsync("snapshot", hub, python, "acme/tiny", commit);
        Directory.Delete(app.Home, recursive: true);
        app.ExtraEnvironment["HF_HUB_CACHE"] = python;
        before = hub.Requests.Count;
        var storageBefore = hub.Storage.Requests.Count;
        var offline = await app.BuildAsync("-p:ModelStoreOffline=true", "-p:ModelStoreLockedMode=true");

        Assert.AreEqual(0, offline.ExitCode, offline.ToString());
        StringAssert.Contains(offline.Output, $"ModelStore: {Weights} copied from a copy of store 'hub' on this machine (huggingface_hub's cache), nothing downloaded", offline.ToString());
        Assert.AreEqual(before, hub.Requests.Count, "the offline build asked the Hub nothing");
        Assert.AreEqual(storageBefore, hub.Storage.Requests.Count);
        AssertCached(app.Home, files);
        Assert.AreEqual(lockText, File.ReadAllText(app.LockFile));

        // 3. The same for `modelstore restore --offline` (the CI prefetch) on an empty cache, then a warm offline build.
        Directory.Delete(app.Home, recursive: true);
        var restore = await DotNet.RunAsync(app.Folder, new Dictionary<string, string> { ["HF_HUB_CACHE"] = python, ["HF_ENDPOINT"] = hub.Endpoint.AbsoluteUri }, ModelStore.Testing.ModelStoreTool.DllPath, "restore", app.Folder, "--offline", "--verbose", "--cache", app.Home);

        restore.AssertSucceeded();
        StringAssert.Contains(restore.Output, $"copied   {Weights}", restore.ToString());
        StringAssert.Contains(restore.Output, "0 fetched, 2 copied from this machine, 0 already cached, 0 failed", restore.ToString());
        Assert.AreEqual(before, hub.Requests.Count, "restore --offline asked the Hub nothing");
        AssertCached(app.Home, files);
        var warm = await app.BuildAsync("-p:ModelStoreOffline=true", "-p:ModelStoreLockedMode=true");
        Assert.AreEqual(0, warm.ExitCode, warm.ToString());
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    // Every file's bytes are in our cache, under their hash.
    private static void AssertCached(string home, Dictionary<string, byte[]> files)
    {
        foreach (var (path, bytes) in files)
        {
            var blob = Path.Combine(home, "blobs", "sha256", Sha(bytes)[..2], Sha(bytes));
            Assert.IsTrue(File.Exists(blob), $"{path} is not in the cache at {home}");
            CollectionAssert.AreEqual(bytes, File.ReadAllBytes(blob), path);
        }
    }

    private Task<JsonElement> RunClientAsync(string command, FakeHuggingFaceHub hub, string cacheDir, params string[] arguments) =>
        HuggingFaceHubJs.RunAsync(hub.Endpoint, cacheDir, [command, .. arguments], Cancel);
}
