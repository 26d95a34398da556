using System.Text.Json;
using ModelStore.Caching;
using ModelStore.States;

namespace ModelStore.Build.Tests;

[TestClass]
public sealed class ResolveModelStatesTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";
    private const string Resnet = "pytorch/resnet18.cls1000.imagenet";

    [TestMethod]
    public void Resolves_a_state_into_the_cache_and_reports_it()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits, 10_000);

        var (success, task, engine) = sandbox.Run([TaskSandbox.State(Digits, metadata: ("AccessorName", "Digits"))]);

        Assert.IsTrue(success, engine.Log);
        var item = task.ResolvedStates.Single();
        Assert.AreEqual(Digits, item.ItemSpec);
        Assert.AreEqual(sha, item.GetMetadata("Sha256"));
        Assert.AreEqual("10000", item.GetMetadata("Size"));
        Assert.AreEqual(new StateCache(sandbox.CacheRoot).GetBlobPath(sha), item.GetMetadata("ResolvedPath"));
        Assert.IsTrue(File.Exists(item.GetMetadata("ResolvedPath")));
        Assert.AreEqual(1, task.FetchCount);
        Assert.AreEqual(new StateCache(sandbox.CacheRoot).GetBlobPath(sha), File.ReadAllText(sandbox.StampFile).Trim());
    }

    [TestMethod]
    public void Writes_the_descriptor_file_of_the_contract()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits, 123);
        var resnet = sandbox.Publish(Resnet, 45);

        var (success, _, engine) = sandbox.Run([
            TaskSandbox.State(Digits, metadata: [("AccessorName", "Digits"), ("CopyToOutputDirectory", "PreserveNewest")]),
            TaskSandbox.State(Resnet, metadata: ("StateDictPath", "model"))]);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual(
            $"# modelstates v1\n[state]\nkey={Digits}\nstore=local\nsha256={sha}\nsize=123\naccessor=Digits\noutput=modelstates/pytorch.tiny-mlp.digits.v1.pt\nitem={Digits}\n" +
            $"[state]\nkey={Resnet}\nstore=local\nsha256={resnet}\nsize=45\nstatedict=model\nitem={Resnet}\n",
            File.ReadAllText(sandbox.DescriptorFile));
        Assert.AreEqual(
            $"{new StateCache(sandbox.CacheRoot).GetBlobPath(sha)}|modelstates/pytorch.tiny-mlp.digits.v1.pt\n",
            File.ReadAllText(Path.Combine(sandbox.DescriptorDirectory, "output.copy")));
    }

    [TestMethod]
    public void A_line_break_in_an_item_cannot_start_a_section_of_its_own()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits, 10);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, metadata: ("AccessorName", "Digits\n[state]\r\nkey=pytorch/planted.v1"))]);

        Assert.IsTrue(success, engine.Log);
        var lines = File.ReadAllLines(sandbox.DescriptorFile);
        Assert.AreEqual(1, lines.Count(static line => line == "[state]"), string.Join("\n", lines));
        CollectionAssert.Contains(lines, "accessor=Digits\uFFFD[state]\uFFFD\uFFFDkey=pytorch/planted.v1");
    }

    [TestMethod]
    public void Descriptors_are_rewritten_only_on_change_and_stale_ones_removed()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);
        sandbox.Publish(Resnet);
        // What an earlier version left: a descriptor per state.
        Directory.CreateDirectory(sandbox.DescriptorDirectory);
        var earlier = Path.Combine(sandbox.DescriptorDirectory, "pytorch.tiny-mlp.digits.v1.modelstate");
        File.WriteAllText(earlier, "# modelstate v1\n");
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits, metadata: ("CopyToOutputDirectory", "true")), TaskSandbox.State(Resnet)]).Success);
        Assert.IsFalse(File.Exists(earlier), "the per-state descriptor of an earlier version is gone");
        var descriptors = sandbox.DescriptorFile;
        var written = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(descriptors, written);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)]);

        Assert.IsTrue(success, engine.Log);
        Assert.AreNotEqual(written, File.GetLastWriteTimeUtc(descriptors), "a state and the output= line went away, so the file changed");
        Assert.IsFalse(File.ReadAllText(descriptors).Contains(Resnet, StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(descriptors, written);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)]).Success);
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(descriptors), "unchanged content must not be rewritten");
        CollectionAssert.AreEquivalent(new[] { descriptors }, Directory.GetFiles(sandbox.DescriptorDirectory), "no copy list once nothing is copied");
    }

    [TestMethod]
    public void Lock_file_is_sorted_stable_and_written_only_when_it_changes()
    {
        using var sandbox = new TaskSandbox();
        var resnetSha = sandbox.Publish(Resnet, 50);
        var digitsSha = sandbox.Publish(Digits, 40);

        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Resnet), TaskSandbox.State(Digits)]).Success);

        var expected =
            "{\n  \"version\": 1,\n  \"states\": {\n" +
            $"    \"{Resnet}\": {{\n      \"store\": \"local\",\n      \"sha256\": \"{resnetSha}\",\n      \"size\": 50\n    }},\n" +
            $"    \"{Digits}\": {{\n      \"store\": \"local\",\n      \"sha256\": \"{digitsSha}\",\n      \"size\": 40\n    }}\n" +
            "  },\n  \"stores\": {\n    \"local\": {\n      \"kind\": \"Local\",\n      \"settings\": {\n        \"Folder\": \"states\"\n      }\n    }\n  }\n}\n";
        Assert.AreEqual(expected, File.ReadAllText(sandbox.LockFile));

        var written = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(sandbox.LockFile, written);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits), TaskSandbox.State(Resnet)]).Success);
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(sandbox.LockFile), "same states in another order: nothing to write");
    }

    [TestMethod]
    public void A_later_run_uses_the_bytes_of_the_lock_file_even_when_the_store_changed()
    {
        using var sandbox = new TaskSandbox();
        var locked = sandbox.Publish(Digits);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)]).Success);
        sandbox.Publish(Digits, overwrite: true);

        var warm = sandbox.Run([TaskSandbox.State(Digits)]);
        Assert.IsTrue(warm.Success, warm.Engine.Log);
        Assert.AreEqual(locked, warm.Task.ResolvedStates.Single().GetMetadata("Sha256"));

        Directory.Delete(sandbox.CacheRoot, recursive: true);
        var cold = sandbox.Run([TaskSandbox.State(Digits)]);
        Assert.IsFalse(cold.Success);
        CollectionAssert.AreEqual(new[] { "MST0004" }, cold.Engine.ErrorCodes.ToArray(), cold.Engine.Log);
        StringAssert.Contains(cold.Engine.Errors.Single().Message, locked);
        var blobs = Path.Combine(sandbox.CacheRoot, "blobs");
        Assert.IsFalse(Directory.Exists(blobs) && Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories).Any(), "the mismatching download is discarded");
    }

    [TestMethod]
    public void Invalid_key_is_MST0001_and_names_the_item()
    {
        using var sandbox = new TaskSandbox();

        var (success, _, engine) = sandbox.Run([TaskSandbox.State("pytorch/tiny mlp.v1")]);

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        Assert.AreEqual("MST0001", error.Code);
        Assert.AreEqual(sandbox.ProjectFile, error.File);
        StringAssert.Contains(error.Message, "'pytorch/tiny mlp.v1'");
        StringAssert.Contains(error.Message, "backend/architecture");
        Assert.IsFalse(File.Exists(sandbox.LockFile));
    }

    [TestMethod]
    public void Unknown_or_missing_store_is_MST0002_listing_the_declared_stores()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, "team"), TaskSandbox.State(Resnet, "")]);

        Assert.IsFalse(success);
        CollectionAssert.AreEqual(new[] { "MST0002", "MST0002" }, engine.ErrorCodes.ToArray(), engine.Log);
        StringAssert.Contains(engine.Errors.First().Message, "'team'");
        StringAssert.Contains(engine.Errors.First().Message, "Declared stores: local");
    }

    [TestMethod]
    public void State_not_in_store_is_MST0003_listing_the_compatible_keys()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish("pytorch/tiny-mlp.digits.v2");
        sandbox.Publish("pytorch/tiny-mlp.mnist.v1");
        sandbox.Publish("pytorch/other.digits.v1");

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)]);

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        Assert.AreEqual("MST0003", error.Code);
        StringAssert.Contains(error.Message, "pytorch/tiny-mlp.digits.v2, pytorch/tiny-mlp.mnist.v1.");
        Assert.IsFalse(error.Message.Contains("pytorch/other", StringComparison.Ordinal), error.Message);
    }

    [TestMethod]
    public void A_tampered_cache_blob_is_detected_and_fetched_again()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits, 5000);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)]).Success);
        var blob = new StateCache(sandbox.CacheRoot).GetBlobPath(sha);
        FlipOneByte(blob, 1234);

        var (success, task, engine) = sandbox.Run([TaskSandbox.State(Digits)]);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual("MST0004", engine.Warnings.Single().Code);
        Assert.AreEqual(1, task.FetchCount);
        Assert.AreEqual(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(blob))), "the blob is repaired");
    }

    [TestMethod]
    public void A_tampered_cache_blob_offline_is_an_MST0004_error()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)]).Success);
        FlipOneByte(new StateCache(sandbox.CacheRoot).GetBlobPath(sha), 0);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], configure: task => task.Offline = true);

        Assert.IsFalse(success);
        CollectionAssert.AreEqual(new[] { "MST0004" }, engine.ErrorCodes.ToArray(), engine.Log);
    }

    [TestMethod]
    public void Offline_with_a_cold_cache_is_MST0006_and_creates_no_store()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [sandbox.ObservedStoreItem()], task => task.Offline = true);

        Assert.IsFalse(success);
        CollectionAssert.AreEqual(new[] { "MST0006" }, engine.ErrorCodes.ToArray(), engine.Log);
        Assert.AreEqual(0, sandbox.Observed.Created);
    }

    [TestMethod]
    public void Offline_with_a_warm_cache_resolves_without_creating_a_store()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits);
        sandbox.Publish(Resnet);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits), TaskSandbox.State(Resnet)], [sandbox.ObservedStoreItem()]).Success);
        Assert.AreEqual(1, sandbox.Observed.Created);
        File.Delete(sandbox.LockFile); // Without the lock file the cache index is used.

        var (success, task, engine) = sandbox.Run([TaskSandbox.State(Digits), TaskSandbox.State(Resnet)], [sandbox.ObservedStoreItem()], task => task.Offline = true);

        Assert.IsTrue(success, engine.Log);
        Assert.AreEqual(1, sandbox.Observed.Created, "offline must not create the store");
        Assert.AreEqual(sha, task.ResolvedStates.Single(item => item.ItemSpec == Digits).GetMetadata("Sha256"));
    }

    [TestMethod]
    public void Locked_mode_fails_on_a_state_missing_from_the_lock_file()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);
        sandbox.Publish(Resnet);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)]).Success);
        var lockBefore = File.ReadAllText(sandbox.LockFile);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits), TaskSandbox.State(Resnet)], configure: task => task.LockedMode = true);

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        Assert.AreEqual("MST0007", error.Code);
        StringAssert.Contains(error.Message, Resnet);
        Assert.AreEqual(lockBefore, File.ReadAllText(sandbox.LockFile));
    }

    [TestMethod]
    public void Locked_mode_fails_when_the_pin_differs_from_the_lock_file_and_passes_when_it_matches()
    {
        using var sandbox = new TaskSandbox();
        var sha = sandbox.Publish(Digits);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)]).Success);

        var drift = sandbox.Run([TaskSandbox.State(Digits, metadata: ("Sha256", new string('a', 64)))], configure: task => task.LockedMode = true);
        var same = sandbox.Run([TaskSandbox.State(Digits, metadata: ("Sha256", sha.ToUpperInvariant()))], configure: task => task.LockedMode = true);

        Assert.IsFalse(drift.Success);
        CollectionAssert.AreEqual(new[] { "MST0007" }, drift.Engine.ErrorCodes.ToArray(), drift.Engine.Log);
        Assert.IsTrue(same.Success, same.Engine.Log);
    }

    [TestMethod]
    public void A_pin_that_the_store_does_not_match_is_MST0004()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, metadata: ("Sha256", new string('b', 64)))]);

        Assert.IsFalse(success);
        CollectionAssert.AreEqual(new[] { "MST0004" }, engine.ErrorCodes.ToArray(), engine.Log);
        StringAssert.Contains(engine.Errors.Single().Message, "Sha256 metadata");
    }

    [TestMethod]
    public void Invalid_store_definitions_are_MST0008_on_the_store()
    {
        using var sandbox = new TaskSandbox();
        ITaskItemPair[] cases =
        [
            new(TaskSandbox.Store("a", ""), "has no Kind"),
            new(TaskSandbox.Store("b", "Ftp"), "unknown Kind 'Ftp'"),
            new(TaskSandbox.Store("c", "Local"), "Folder"),
        ];

        foreach (var (store, message) in cases)
        {
            var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits, store.ItemSpec)], [store]);
            Assert.IsFalse(success);
            var error = engine.Errors.Single();
            Assert.AreEqual("MST0008", error.Code, engine.Log);
            StringAssert.Contains(error.Message, message);
            Assert.IsFalse(error.Message.Contains("(Parameter", StringComparison.Ordinal), error.Message);
        }
    }

    [TestMethod]
    public void Bad_pin_and_duplicate_items_are_MST0011()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits), TaskSandbox.State(Digits), TaskSandbox.State(Resnet, metadata: ("Sha256", "abc"))]);

        Assert.IsFalse(success);
        CollectionAssert.AreEqual(new[] { "MST0011", "MST0011" }, engine.ErrorCodes.Order().ToArray(), engine.Log);
    }

    [TestMethod]
    public void A_store_failure_is_MST0005_and_the_stamp_is_removed()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);
        Assert.IsTrue(sandbox.Run([TaskSandbox.State(Digits)]).Success);
        Assert.IsTrue(File.Exists(sandbox.StampFile));
        Directory.Delete(sandbox.CacheRoot, recursive: true);
        sandbox.Observed.Configure = store => store.Failure = ModelStore.Stores.StateStoreError.Unreachable;

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [sandbox.ObservedStoreItem()]);

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        Assert.AreEqual("MST0005", error.Code);
        StringAssert.Contains(error.Message, "Unreachable");
        Assert.IsFalse(File.Exists(sandbox.StampFile), "a failed run must run again");
    }

    [TestMethod]
    public void A_malformed_lock_file_is_MST0010()
    {
        using var sandbox = new TaskSandbox();
        File.WriteAllText(sandbox.LockFile, "{ \"version\": 1, \"states\": { \"pytorch/a.b\": { \"store\": \"local\" } } }");

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)]);

        Assert.IsFalse(success);
        var error = engine.Errors.Single();
        Assert.AreEqual("MST0010", error.Code);
        StringAssert.Contains(error.Message, "sha256");
    }

    [TestMethod]
    public void A_long_fetch_logs_bytes_and_rate()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits, 1 << 20);
        sandbox.Observed.Configure = store => store.ChunkDelay = TimeSpan.FromMilliseconds(60);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [sandbox.ObservedStoreItem()], task => task.ProgressInterval = TimeSpan.FromMilliseconds(100));

        Assert.IsTrue(success, engine.Log);
        var progress = engine.Messages.Where(m => m.Message!.Contains("ModelStore: fetching", StringComparison.Ordinal)).ToList();
        Assert.IsGreaterThanOrEqualTo(2, progress.Count, engine.Log);
        Assert.IsTrue(progress.All(m => m.Importance == Microsoft.Build.Framework.MessageImportance.Normal), engine.Log);
        Assert.IsTrue(progress.All(m => System.Text.RegularExpressions.Regex.IsMatch(m.Message!, @": \d+(\.\d)? (B|KB|MB) \(\d+\.\d MB/s\)$")), engine.Log);
    }

    [TestMethod]
    public void Store_settings_never_reach_the_log()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Digits);
        var store = TaskSandbox.Store("local", "Observed", ("Folder", "states"), ("Token", "s3cr3t-value"));
        sandbox.Observed.Configure = observed => observed.Failure = ModelStore.Stores.StateStoreError.AccessDenied;

        var (_, _, engine) = sandbox.Run([TaskSandbox.State(Digits)], [store]);

        Assert.AreEqual("MST0005", engine.Errors.Single().Code);
        Assert.IsFalse(engine.Log.Contains("s3cr3t-value", StringComparison.Ordinal));
    }

    private static void FlipOneByte(string path, int offset)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
    }

    private readonly record struct ITaskItemPair(Microsoft.Build.Utilities.TaskItem Store, string Message);
}
