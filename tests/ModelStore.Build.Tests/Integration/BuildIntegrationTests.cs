using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ModelStore.Caching;

namespace ModelStore.Build.Tests.Integration;

/// <summary>The real `dotnet build` of consumer projects against the packed ModelStore.Build package.</summary>
[TestClass]
public sealed partial class BuildIntegrationTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";
    private const string Resnet = "pytorch/resnet18.cls1000.imagenet";
    private const string SkippedResolve = "Skipping target \"_ModelStoreResolve\" because all output files are up-to-date";

    [TestMethod]
    public async Task Builds_from_a_local_store_then_skips_resolution_and_runs_without_the_cache()
    {
        var app = await ConsumerProject.CreateAsync("happy");
        var sha = app.Publish(Digits, 30_000);
        app.WithState(Digits, "Store=\"local\" AccessorName=\"Digits\" CopyToOutputDirectory=\"PreserveNewest\"");

        var first = await app.BuildAsync();
        AssertSucceeded(first);
        StringAssert.Contains(first.Output, $"ModelStore: fetched {Digits} from store 'local'");
        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"sha256\": \"{sha}\"");
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {Digits} size=30000 sha256={sha} read=30000", run.ToString());

        var noOp = await app.BuildAsync("-v:d");
        AssertSucceeded(noOp);
        StringAssert.Contains(noOp.Output, SkippedResolve, noOp.ToString());
        Assert.IsFalse(noOp.Output.Contains("ModelStore: downloading", StringComparison.Ordinal), noOp.ToString());
        Assert.IsFalse(noOp.Output.Contains("Task \"ResolveModelStates\"", StringComparison.Ordinal), "the task must not even load on a no-op build");
        StringAssert.Contains(noOp.Output, "Skipping target \"CoreCompile\" because all output files are up-to-date", "unchanged descriptors keep compilation incremental");

        var publish = Path.Combine(app.Folder, "publish");
        AssertSucceeded(await app.PublishAsync(publish));
        Directory.Delete(app.Home, recursive: true);
        var fromOutput = await app.RunAppAsync();
        var fromPublish = await app.RunAppAsync(publish);
        StringAssert.Contains(fromOutput.Output, $"sha256={sha} read=30000", fromOutput.ToString());
        StringAssert.Contains(fromPublish.Output, $"sha256={sha} read=30000", fromPublish.ToString());
    }

    [TestMethod]
    public async Task The_lock_file_pins_the_bytes_and_locked_mode_fails_on_drift()
    {
        var app = await ConsumerProject.CreateAsync("locked");
        var locked = app.Publish(Digits);
        app.WithState(Digits);
        AssertSucceeded(await app.BuildAsync());
        var lockText = File.ReadAllText(app.LockFile);
        var republished = app.Publish(Digits, overwrite: true);

        // Warm cache: the lock file's bytes are used although the store now has others.
        var warm = await app.BuildAsync("-p:ModelStoreLockedMode=true");
        AssertSucceeded(warm);
        StringAssert.Contains((await app.RunAppAsync()).Output, $"sha256={locked}");
        Assert.AreEqual(lockText, File.ReadAllText(app.LockFile));

        // Cold cache: the store's new bytes do not match the lock file.
        Directory.Delete(app.Home, recursive: true);
        var cold = await app.BuildAsync();
        AssertFailedWith(cold, "MST0004");
        StringAssert.Contains(cold.Output, republished);

        // Locked mode: a state that is not in the lock file.
        app.Publish(Resnet);
        app.WithState(Resnet);
        var drift = await app.BuildAsync("-p:ModelStoreLockedMode=true");
        AssertFailedWith(drift, "MST0007");
        StringAssert.Contains(drift.Output, Resnet);
    }

    [TestMethod]
    public async Task Offline_fails_on_a_cold_cache_and_builds_from_a_warm_one()
    {
        var app = await ConsumerProject.CreateAsync("offline");
        var sha = app.Publish(Digits);
        app.WithState(Digits);

        var cold = await app.BuildAsync("-p:ModelStoreOffline=true");
        AssertFailedWith(cold, "MST0006");

        AssertSucceeded(await app.BuildAsync());
        Directory.Delete(app.StoreFolder, recursive: true); // Offline must not need the store at all.
        var warm = await app.BuildAsync("-p:ModelStoreOffline=true");
        AssertSucceeded(warm);
        Assert.IsFalse(warm.Output.Contains(SkippedResolve, StringComparison.Ordinal), "a changed option reruns the resolution");
        StringAssert.Contains((await app.RunAppAsync()).Output, $"sha256={sha}");
    }

    [TestMethod]
    public async Task Invalid_key_and_unknown_store_are_coded_errors_on_the_project()
    {
        var app = await ConsumerProject.CreateAsync("invalid");
        app.WithState("pytorch/tiny mlp.v1").WithState(Digits, "Store=\"nowhere\"");

        var result = await app.BuildAsync();

        AssertFailedWith(result, "MST0001");
        AssertFailedWith(result, "MST0002");
        StringAssert.Contains(result.Output, Path.Combine(app.Folder, "app.csproj") + " : ModelStore error MST0001: ModelState 'pytorch/tiny mlp.v1'");
        StringAssert.Contains(result.Output, "uses the store 'nowhere'");
    }

    [TestMethod]
    public async Task One_tampered_byte_in_the_cache_is_detected_and_repaired()
    {
        var app = await ConsumerProject.CreateAsync("tampered");
        var sha = app.Publish(Digits, 50_000);
        app.WithState(Digits);
        AssertSucceeded(await app.BuildAsync());
        var blob = new StateCache(app.Home).GetBlobPath(sha);
        var bytes = File.ReadAllBytes(blob);
        bytes[12_345] ^= 0x01;
        File.WriteAllBytes(blob, bytes);

        var result = await app.BuildAsync();

        AssertSucceeded(result);
        StringAssert.Contains(result.Output, "warning MST0004", result.ToString());
        Assert.AreEqual(sha, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(blob))));
    }

    [TestMethod]
    public async Task Two_concurrent_builds_fetch_a_state_once()
    {
        var feed = await PackageFeed.GetAsync();
        var store = Path.Combine(feed.Root, "shared-store");
        var home = Path.Combine(feed.Root, "shared-home");
        var first = await ConsumerProject.CreateAsync("concurrent-a", store, home);
        var second = await ConsumerProject.CreateAsync("concurrent-b", store, home);
        var sha = first.Publish(Digits, 48 << 20);
        first.WithState(Digits);
        second.WithState(Digits);

        var results = await Task.WhenAll(first.BuildAsync(), second.BuildAsync());

        AssertSucceeded(results[0]);
        AssertSucceeded(results[1]);
        var downloads = results.Sum(result => DownloadLine().Count(result.Output));
        Assert.AreEqual(1, downloads, string.Join("\n", results.Select(result => result.ToString())));
        var cached = new StateCache(home).EnumerateStates().ToList();
        Assert.AreEqual(sha, cached.Single().Sha256);
        Assert.AreEqual(1, Directory.GetFiles(Path.Combine(home, "blobs"), "*", SearchOption.AllDirectories).Length);
    }

    private static void AssertSucceeded(CommandResult result) =>
        Assert.AreEqual(0, result.ExitCode, result.ToString());

    private static void AssertFailedWith(CommandResult result, string code)
    {
        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, $"ModelStore error {code}:", result.ToString());
    }

    [GeneratedRegex(@"ModelStore: downloading pytorch/tiny-mlp\.digits\.v1\b")]
    private static partial Regex DownloadLine();
}
