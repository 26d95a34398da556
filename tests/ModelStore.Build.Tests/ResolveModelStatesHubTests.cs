using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.HuggingFace;
using ModelStore.HuggingFace.Testing;

namespace ModelStore.Build.Tests;

/// <summary>The task on a Hugging Face Hub store (the local Hub-compatible server): Path, the commit in the lock file, drift.</summary>
[TestClass]
public sealed class ResolveModelStatesHubTests
{
    private const string Onnx = "onnx/minilm.l6.v2";
    private const string Resnet = "pytorch/resnet18.cls1000.imagenet";
    private static FakeHuggingFaceHub _hub = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => _hub = await FakeHuggingFaceHub.StartAsync();

    [ClassCleanup]
    public static async Task StopAsync() => await _hub.DisposeAsync();

    [TestMethod]
    public void The_lock_file_records_path_and_commit_and_pins_the_commit_after_the_branch_moves()
    {
        using var sandbox = new TaskSandbox();
        var repository = NewRepository();
        var first = RandomNumberGenerator.GetBytes(3000);
        var firstCommit = _hub.CommitFile(repository, "onnx/model.onnx", first);
        var states = new[] { TaskSandbox.State(Onnx, "hub", ("Path", "onnx/model.onnx")) };

        var (resolved, _, log) = Run(sandbox, repository, states);
        var lockText = File.ReadAllText(sandbox.LockFile);
        var second = RandomNumberGenerator.GetBytes(4000);
        var secondCommit = _hub.CommitFile(repository, "onnx/model.onnx", second);
        Directory.Delete(sandbox.CacheRoot, recursive: true);
        var before = _hub.Requests.Count;
        var (pinned, pinnedTask, pinnedLog) = Run(sandbox, repository, states, locked: true);
        // Tests run in parallel on one Hub: only this test's repository counts.
        var pinnedRequests = _hub.Requests.Skip(before).Where(request => request.PathAndQuery.Contains(repository, StringComparison.Ordinal)).ToList();
        File.Delete(sandbox.LockFile);
        var (fresh, freshTask, _) = Run(sandbox, repository, states);

        Assert.IsTrue(resolved, log);
        using (var json = JsonDocument.Parse(lockText))
        {
            var entry = json.RootElement.GetProperty("states").GetProperty(Onnx);
            Assert.AreEqual("hub", entry.GetProperty("store").GetString());
            Assert.AreEqual("onnx/model.onnx", entry.GetProperty("path").GetString());
            Assert.AreEqual("main", entry.GetProperty("ref").GetString());
            Assert.AreEqual(firstCommit, entry.GetProperty("revision").GetString());
            Assert.AreEqual(Sha(first), entry.GetProperty("sha256").GetString());
        }

        Assert.IsTrue(pinned, pinnedLog);
        Assert.AreEqual(Sha(first), pinnedTask.ResolvedStates.Single().GetMetadata("Sha256"));
        Assert.IsTrue(pinnedRequests.Any(request => request.PathAndQuery == $"/{repository}/resolve/{firstCommit}/onnx/model.onnx"), string.Join("\n", pinnedRequests));
        Assert.IsFalse(pinnedRequests.Any(request => request.PathAndQuery.Contains("/resolve/main/", StringComparison.Ordinal) || request.PathAndQuery.Contains("/revision/", StringComparison.Ordinal)), "the recorded commit needs no resolution: " + string.Join("\n", pinnedRequests));
        Assert.IsTrue(fresh);
        Assert.AreEqual(Sha(second), freshTask.ResolvedStates.Single().GetMetadata("Sha256"));
        StringAssert.Contains(File.ReadAllText(sandbox.LockFile), $"\"revision\": \"{secondCommit}\"");
    }

    [TestMethod]
    public void A_state_in_mozumas_layout_is_resolved_at_the_commit_and_a_changed_revision_is_locked_drift()
    {
        using var sandbox = new TaskSandbox();
        var repository = NewRepository();
        var bytes = RandomNumberGenerator.GetBytes(500);
        var commit = _hub.CommitFile(repository, "states/pytorch/resnet18.cls1000.imagenet.pt", bytes);
        _hub.CreateTag(repository, "v1", commit);
        var states = new[] { TaskSandbox.State(Resnet, "hub") };

        var (resolved, task, log) = Run(sandbox, repository, states, settings: [("BasePath", "states")]);
        var (drift, _, driftLog) = Run(sandbox, repository, states, locked: true, settings: [("BasePath", "states"), ("Revision", "v1")]);
        var (moved, movedTask, movedLog) = Run(sandbox, repository, states, settings: [("BasePath", "states"), ("Revision", "v1")]);

        Assert.IsTrue(resolved, log);
        Assert.AreEqual(Sha(bytes), task.ResolvedStates.Single().GetMetadata("Sha256"));
        StringAssert.Contains(File.ReadAllText(sandbox.LockFile), "\"ref\": \"v1\"");
        Assert.IsFalse(drift);
        StringAssert.Contains(driftLog, "MST0007");
        StringAssert.Contains(driftLog, "reads revision 'v1' of store 'hub', but the lock file");
        Assert.IsTrue(moved, movedLog);
        Assert.AreEqual(Sha(bytes), movedTask.ResolvedStates.Single().GetMetadata("Sha256"));
    }

    [TestMethod]
    public void Path_errors_are_coded_and_a_missing_file_names_the_close_ones()
    {
        using var sandbox = new TaskSandbox();
        var repository = NewRepository();
        _hub.CommitFile(repository, "model.safetensors", [1, 2, 3]);
        sandbox.Publish(Resnet);

        var (missing, _, missingLog) = Run(sandbox, repository, [TaskSandbox.State(Onnx, "hub", ("Path", "model.safetensor"))]);
        var (malformed, _, malformedLog) = Run(sandbox, repository, [TaskSandbox.State(Onnx, "hub", ("Path", "../model.safetensors"))]);
        var (local, _, localLog) = Run(sandbox, repository, [TaskSandbox.State(Resnet, "local", ("Path", "model.pt"))]);
        var (url, _, urlLog) = Run(sandbox, repository, [TaskSandbox.State(Onnx, "", ("Url", "https://example.org/model.onnx"), ("Path", "model.onnx"))]);

        Assert.IsFalse(missing);
        StringAssert.Contains(missingLog, "MST0003");
        StringAssert.Contains(missingLog, "Close matches: model.safetensors");
        Assert.IsFalse(malformed);
        StringAssert.Contains(malformedLog, "MST0011");
        StringAssert.Contains(malformedLog, "has an empty, '.' or '..' folder");
        // A local folder names its files by path too (bundle states): a missing one is the store's not-found.
        Assert.IsFalse(local);
        StringAssert.Contains(localLog, "MST0003");
        StringAssert.Contains(localLog, "The file model.pt");
        Assert.IsFalse(url);
        StringAssert.Contains(urlLog, "MST0011");
        StringAssert.Contains(urlLog, "has both Url and Path");
    }

    [TestMethod]
    public void An_invalid_repository_id_is_MST0008_even_when_the_cache_is_warm()
    {
        using var sandbox = new TaskSandbox();
        var repository = NewRepository();
        _hub.CommitFile(repository, "onnx/model.onnx", RandomNumberGenerator.GetBytes(1000));
        var states = new[] { TaskSandbox.State(Onnx, "hub", ("Path", "onnx/model.onnx")) };
        var (resolved, _, log) = Run(sandbox, repository, states);
        Assert.IsTrue(resolved, log);

        // The lock file and the cache hold the state: nothing would create the store, so only the up-front check sees the typo.
        var (warm, _, warmLog) = Run(sandbox, "acme/bad--name", states);

        Assert.IsFalse(warm);
        StringAssert.Contains(warmLog, "MST0008");
        StringAssert.Contains(warmLog, "ModelStore 'hub' is not a valid store definition: Store 'hub' of kind HuggingFace: 'acme/bad--name' is not a Hugging Face repository id");
        Assert.IsFalse(warmLog.Contains("MST0005", StringComparison.Ordinal), warmLog);
        Assert.IsFalse(_hub.Requests.Any(request => request.PathAndQuery.Contains("bad--name", StringComparison.Ordinal)), "No request names the invalid repository.");
    }

    [TestMethod]
    public void A_lock_entry_with_a_ref_but_no_revision_is_a_malformed_lock_file()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish(Resnet);
        File.WriteAllText(sandbox.LockFile, $"{{\"version\": 1, \"states\": {{\"{Resnet}\": {{\"store\": \"local\", \"ref\": \"main\", \"sha256\": \"{new string('a', 64)}\", \"size\": 1}}}}}}");

        var (success, _, engine) = sandbox.Run([TaskSandbox.State(Resnet)]);

        Assert.IsFalse(success);
        StringAssert.Contains(engine.Log, "MST0010");
        StringAssert.Contains(engine.Log, "must have both \"ref\" and \"revision\"");
    }

    private static string NewRepository()
    {
        var id = $"acme/task-{Guid.NewGuid():N}"[..22];
        _hub.AddRepository(id);
        return id;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static (bool Success, Tasks.ResolveModelStates Task, string Log) Run(TaskSandbox sandbox, string repository, Microsoft.Build.Framework.ITaskItem[] states, bool locked = false, (string Name, string Value)[]? settings = null)
    {
        var hub = TaskSandbox.Store("hub", "HuggingFace", [("Repository", repository), ("Endpoint", _hub.Endpoint.AbsoluteUri), .. settings ?? []]);
        var (success, task, engine) = sandbox.Run(states, [sandbox.LocalStore(), hub], task =>
        {
            task.LockedMode = locked;
            task.Registry = task.Registry.With(new HuggingFaceStateStoreProvider(_ => null));
        });
        return (success, task, engine.Log);
    }
}
