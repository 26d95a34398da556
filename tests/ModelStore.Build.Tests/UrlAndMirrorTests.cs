using System.Security.Cryptography;
using Microsoft.Build.Utilities;
using Task = System.Threading.Tasks.Task;
using ModelStore.Testing;

namespace ModelStore.Build.Tests;

[TestClass]
public sealed class UrlAndMirrorTests
{
    private const string Resnet = "pytorch/resnet18.cls1000.torchvision";
    private static LoopbackFileServer _server = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => _server = await LoopbackFileServer.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await _server.DisposeAsync();

    [TestMethod]
    public void A_url_state_is_fetched_locked_under_its_address_and_warned_about_until_pinned()
    {
        using var sandbox = new TaskSandbox();
        var (url, sha) = Serve("models/resnet18-f37072fd.pth", 300_000);

        var (first, task, engine) = sandbox.Run([UrlState(Resnet, url.AbsoluteUri)], stores: []);
        var lockFile = File.ReadAllText(sandbox.LockFile);
        var (pinned, _, pinnedEngine) = sandbox.Run([UrlState(Resnet, url.AbsoluteUri, ("Sha256", sha))], stores: [], configure: t => t.CacheRoot = Path.Combine(sandbox.Root, "other-home"));

        Assert.IsTrue(first, engine.Log);
        Assert.AreEqual(sha, task.ResolvedStates.Single().GetMetadata("Sha256"));
        Assert.AreEqual($"url:{url.AbsoluteUri}", task.ResolvedStates.Single().GetMetadata("Store"));
        StringAssert.Contains(lockFile, $"\"store\": \"url:{url.AbsoluteUri}\"");
        Assert.AreEqual("MST0012", engine.Warnings.Single().Code);
        StringAssert.Contains(engine.Warnings.Single().Message, $"Sha256=\"{sha}\"");
        Assert.IsTrue(pinned, pinnedEngine.Log);
        Assert.AreEqual(0, pinnedEngine.Warnings.Count, "A pinned URL state is not warned about.");
    }

    [TestMethod]
    public void A_changed_address_is_a_changed_store_and_fails_a_locked_build()
    {
        using var sandbox = new TaskSandbox();
        var (url, _) = Serve("a.pth", 1000);
        var (moved, _) = Serve("b.pth", 1000);
        sandbox.Run([UrlState(Resnet, url.AbsoluteUri)], stores: []);

        var (success, _, engine) = sandbox.Run([UrlState(Resnet, moved.AbsoluteUri)], stores: [], configure: t => t.LockedMode = true);

        Assert.IsFalse(success);
        Assert.AreEqual("MST0007", engine.ErrorCodes.Single());
    }

    [TestMethod]
    [DataRow("ftp://example.org/w.pth", "not an absolute http")]
    [DataRow("https://alice:hunter2@example.org/w.pth", "user name or password")]
    [DataRow("models/w.pth", "not an absolute http")]
    public void Bad_urls_are_item_errors_that_never_echo_a_password(string url, string reason)
    {
        using var sandbox = new TaskSandbox();

        var (success, _, engine) = sandbox.Run([UrlState(Resnet, url)], stores: []);

        Assert.IsFalse(success);
        Assert.AreEqual("MST0011", engine.ErrorCodes.Single());
        StringAssert.Contains(engine.Errors.Single().Message, reason);
        Assert.IsFalse(engine.Log.Contains("hunter2", StringComparison.Ordinal), engine.Log);
    }

    [TestMethod]
    public void Url_and_store_together_and_a_missing_file_are_errors_that_say_so()
    {
        using var sandbox = new TaskSandbox();
        var both = TaskSandbox.State(Resnet, "local", ("Url", new Uri(_server.BaseAddress, "x.pth").AbsoluteUri));

        var (bothOk, _, bothEngine) = sandbox.Run([both]);
        var (missingOk, _, missingEngine) = sandbox.Run([UrlState(Resnet, new Uri(_server.BaseAddress, "absent.pth").AbsoluteUri)], stores: []);

        Assert.IsFalse(bothOk);
        Assert.AreEqual("MST0011", bothEngine.ErrorCodes.Single());
        StringAssert.Contains(bothEngine.Errors.Single().Message, "both Url and Store");
        Assert.IsFalse(missingOk);
        Assert.AreEqual("MST0003", missingEngine.ErrorCodes.Single());
        StringAssert.Contains(missingEngine.Errors.Single().Message, "no file at its Url");
    }

    [TestMethod]
    public void A_mirror_serves_a_locked_state_and_the_origin_is_not_asked()
    {
        using var sandbox = new TaskSandbox();
        const string Key = "pytorch/tiny-mlp.digits.v1";
        sandbox.Publish(Key, 50_000);
        var mirrorFolder = Path.Combine(sandbox.Root, "mirror");
        Directory.CreateDirectory(mirrorFolder);
        File.Copy(Path.Combine(sandbox.StoreFolder, "pytorch.tiny-mlp.digits.v1.pt"), Path.Combine(mirrorFolder, "pytorch.tiny-mlp.digits.v1.pt"));
        var stores = new[] { TaskSandbox.Store("origin", "Observed", ("Folder", "states"), ("Mirrors", "near")), TaskSandbox.Store("near", "Local", ("Folder", "mirror")) };
        var (first, _, firstEngine) = sandbox.Run([TaskSandbox.State(Key, "origin")], stores);
        var opensAfterFirst = sandbox.Observed.Last!.Opens;

        var (second, task, engine) = sandbox.Run([TaskSandbox.State(Key, "origin")], stores, t => t.CacheRoot = Path.Combine(sandbox.Root, "fresh-home"));

        Assert.IsTrue(first, firstEngine.Log);
        Assert.AreEqual(1, opensAfterFirst, "Without a lock file entry the origin serves the first fetch.");
        Assert.IsTrue(second, engine.Log);
        Assert.AreEqual(0, sandbox.Observed.Last!.Opens, "With the hash locked, the mirror serves it.");
        Assert.AreEqual(1, task.FetchCount);
        StringAssert.Contains(engine.Log, "from mirror 'near' of store 'origin'");
    }

    [TestMethod]
    public void A_mirror_with_other_bytes_is_skipped_for_the_origin()
    {
        using var sandbox = new TaskSandbox();
        const string Key = "pytorch/tiny-mlp.digits.v1";
        var sha = sandbox.Publish(Key, 50_000);
        var mirrorFolder = Path.Combine(sandbox.Root, "mirror");
        Directory.CreateDirectory(mirrorFolder);
        File.WriteAllBytes(Path.Combine(mirrorFolder, "pytorch.tiny-mlp.digits.v1.pt"), RandomNumberGenerator.GetBytes(50_000));
        var stores = new[] { TaskSandbox.Store("origin", "Local", ("Folder", "states"), ("Mirrors", "near")), TaskSandbox.Store("near", "Local", ("Folder", "mirror")) };

        var (success, task, engine) = sandbox.Run([TaskSandbox.State(Key, "origin", ("Sha256", sha))], stores);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual(sha, task.ResolvedStates.Single().GetMetadata("Sha256"));
        StringAssert.Contains(engine.Log, "mirror 'near' skipped");
        StringAssert.Contains(engine.Log, "(IntegrityMismatch)");
        StringAssert.Contains(engine.Log, "from store 'origin'");
    }

    [TestMethod]
    [DataRow("nowhere", "which no ModelStore item declares")]
    [DataRow("origin", "lists itself")]
    public void Mirrors_must_name_other_declared_stores(string mirrors, string reason)
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish("pytorch/tiny-mlp.digits.v1");

        var (success, _, engine) = sandbox.Run([TaskSandbox.State("pytorch/tiny-mlp.digits.v1", "origin")], [TaskSandbox.Store("origin", "Local", ("Folder", "states"), ("Mirrors", mirrors))]);

        Assert.IsFalse(success);
        Assert.AreEqual("MST0008", engine.ErrorCodes.Single());
        StringAssert.Contains(engine.Errors.Single().Message, reason);
    }

    private static TaskItem UrlState(string key, string url, params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(key);
        item.SetMetadata("Url", url);
        foreach (var (name, value) in metadata)
        {
            item.SetMetadata(name, value);
        }

        return item;
    }

    private static (Uri Url, string Sha256) Serve(string path, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        return (_server.Put(path, bytes), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }
}
