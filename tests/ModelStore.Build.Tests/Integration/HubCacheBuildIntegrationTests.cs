using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.HuggingFace.Testing;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// One cache with Python, in a real build against the packed feed: huggingface_hub's cache written by the JavaScript
/// client <c>@huggingface/hub</c> (nobody here wrote it) fills a locked, offline build and <c>modelstore restore
/// --offline</c> with no request; with <c>ModelStoreShareHuggingFaceCache=true</c> that client reads what the build
/// downloaded without a request.
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
        var before = hub.Requests.Count;
        foreach (var (path, bytes) in files)
        {
            var read = await RunClientAsync("file", hub, shared, "acme/tiny", commit, path);
            Assert.AreEqual(Sha(bytes), read.GetProperty("sha256").GetString(), path);
        }

        Assert.AreEqual(before, hub.Requests.Count, "@huggingface/hub found every file the build downloaded and asked the Hub nothing");

        // 2. A snapshot the JavaScript client downloaded fills a cold, locked, offline build: no request at all.
        var python = Path.Combine(app.Folder, "hf-python");
        await RunClientAsync("snapshot", hub, python, "acme/tiny", "main");
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
        var (exit, output, error) = await RunToolAsync(["restore", app.Folder, "--offline", "--cache", app.Home], ("HF_HUB_CACHE", python), ("HF_ENDPOINT", hub.Endpoint.AbsoluteUri));

        Assert.AreEqual(0, exit, output + error);
        StringAssert.Contains(output, $"copied   {Weights}", output);
        StringAssert.Contains(output, "0 fetched, 2 copied from this machine, 0 already cached, 0 failed", output);
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

    // tests/ModelStore.HuggingFace.Tests/js/hf-hub-cache.cjs: @huggingface/hub's snapshotDownload / downloadFileToCacheDir.
    private async Task<JsonElement> RunClientAsync(string command, FakeHuggingFaceHub hub, string cacheDir, params string[] arguments)
    {
        var nodeModules = Path.Combine(PackageFeed.RepositoryRoot, "build", "node", "node_modules");
        Assert.IsTrue(Directory.Exists(Path.Combine(nodeModules, "@huggingface", "hub")), $"@huggingface/hub is not installed in {nodeModules}; run build/prereqs/20-arrow-npm.sh.");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(PackageFeed.RepositoryRoot, "tests", "ModelStore.HuggingFace.Tests", "js", "hf-hub-cache.cjs"));
        foreach (var argument in new[] { command, hub.Endpoint.AbsoluteUri.TrimEnd('/'), cacheDir }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NODE_PATH"] = nodeModules;
        var (exit, output, error) = await RunAsync(start);
        Assert.AreEqual(0, exit, $"node hf-hub-cache.cjs {command} failed: {error}");
        return JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement.Clone();
    }

    // The tool as users run it, in its own process with its own environment (the test process's is never changed).
    private async Task<(int Exit, string Output, string Error)> RunToolAsync(string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ModelStore.Testing.ModelStoreTool.DllPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return await RunAsync(start);
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(ProcessStartInfo start)
    {
        start.Environment.Remove("HF_TOKEN");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Cancel);
        var error = process.StandardError.ReadToEndAsync(Cancel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
