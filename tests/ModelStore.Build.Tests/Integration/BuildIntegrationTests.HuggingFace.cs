using System.Security.Cryptography;
using ModelStore.HuggingFace.Testing;

namespace ModelStore.Build.Tests.Integration;

// ModelStates resolved by `dotnet build` from a Hugging Face Hub repository (the local Hub-compatible server): one by
// Path, one in MoZuMa's layout; a locked build on a cold cache fetches the recorded commit after the branch moved.
public sealed partial class BuildIntegrationTests
{
    [TestMethod]
    public async Task Builds_hub_states_by_path_and_by_layout_and_a_locked_build_keeps_the_recorded_commit()
    {
        const string onnx = "onnx/minilm.l6.v2";
        const string token = "hf_BuildIntegrationSecret777";
        await using var hub = await FakeHuggingFaceHub.StartAsync();
        hub.AddToken(token);
        hub.AddRepository("acme/minilm", isPrivate: true);
        hub.GrantAccess("acme/minilm", token);
        var model = RandomNumberGenerator.GetBytes(40_000);
        var state = RandomNumberGenerator.GetBytes(30_000);
        var recorded = hub.Commit("acme/minilm", new Dictionary<string, byte[]?> { ["onnx/model.onnx"] = model, ["states/pytorch/resnet18.cls1000.imagenet.pt"] = state });
        var app = await ConsumerProject.CreateAsync("huggingface");
        app.ExtraEnvironment["HF_TOKEN"] = token;
        app.WithStore("hub", $"Kind=\"HuggingFace\" Repository=\"acme/minilm\" BasePath=\"states\" Endpoint=\"{hub.Endpoint}\"")
            .WithState(onnx, "Store=\"hub\" Path=\"onnx/model.onnx\"")
            .WithState(Resnet, "Store=\"hub\"");

        var build = await app.BuildAsync();

        AssertSucceeded(build);
        StringAssert.Contains(build.Output, $"ModelStore: fetched {onnx} from store 'hub'", build.ToString());
        StringAssert.Contains(build.Output, $"ModelStore: fetched {Resnet} from store 'hub'", build.ToString());
        var lockText = File.ReadAllText(app.LockFile);
        StringAssert.Contains(lockText, "\"path\": \"onnx/model.onnx\"");
        Assert.AreEqual(2, lockText.Split($"\"revision\": \"{recorded}\"").Length - 1, lockText);
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"state {onnx} size=40000 sha256={Sha(model)} read=40000", run.ToString());
        StringAssert.Contains(run.Output, $"state {Resnet} size=30000 sha256={Sha(state)} read=30000", run.ToString());

        // The branch moves on; a locked build on a cold cache still reads the recorded commit, and nothing else.
        hub.Commit("acme/minilm", new Dictionary<string, byte[]?> { ["onnx/model.onnx"] = RandomNumberGenerator.GetBytes(50_000), ["states/pytorch/resnet18.cls1000.imagenet.pt"] = RandomNumberGenerator.GetBytes(20_000) });
        Directory.Delete(app.Home, recursive: true);
        var before = hub.Requests.Count;
        var locked = await app.BuildAsync("-p:ModelStoreLockedMode=true");

        AssertSucceeded(locked);
        var requests = hub.Requests.Skip(before).Select(request => request.PathAndQuery).ToList();
        CollectionAssert.IsSubsetOf(new[] { $"/acme/minilm/resolve/{recorded}/onnx/model.onnx", $"/acme/minilm/resolve/{recorded}/states/pytorch/resnet18.cls1000.imagenet.pt" }, requests, string.Join("\n", requests));
        Assert.IsFalse(requests.Any(path => path.Contains("/main", StringComparison.Ordinal)), string.Join("\n", requests));
        var lockedRun = await app.RunAppAsync();
        StringAssert.Contains(lockedRun.Output, $"sha256={Sha(model)} read=40000", lockedRun.ToString());
        StringAssert.Contains(lockedRun.Output, $"sha256={Sha(state)} read=30000", lockedRun.ToString());
        Assert.AreEqual(lockText, File.ReadAllText(app.LockFile));
        Assert.DoesNotContain(token, build.ToString() + locked.ToString());
    }

    [TestMethod]
    public async Task A_bundle_resolves_from_a_hub_repository_pinned_by_commit_and_a_file_damaged_at_the_storage_host_is_MST0004()
    {
        await using var hub = await FakeHuggingFaceHub.StartAsync();
        hub.AddRepository("acme/minilm");
        var files = BundleBuildScenario.CreateFiles();
        var recorded = hub.Commit("acme/minilm", files.ToDictionary(file => file.Key, file => (byte[]?)file.Value));
        var app = await ConsumerProject.CreateAsync("huggingface-bundle");
        var before = 0;

        var locked = await BundleBuildScenario.RunAsync(app, $"Kind=\"HuggingFace\" Repository=\"acme/minilm\" Endpoint=\"{hub.Endpoint}\"", files, () =>
        {
            // The branch moves on, and the storage host serves other bytes for the recorded commit's model.
            hub.Commit("acme/minilm", new Dictionary<string, byte[]?> { ["config.json"] = """{"hidden_size": 768}"""u8.ToArray() });
            hub.TamperStorage(hub.FindFile("acme/minilm", "onnx/model.onnx", recorded)!, RandomNumberGenerator.GetBytes(files["onnx/model.onnx"].Length));
            before = hub.Requests.Count;
            return Task.CompletedTask;
        });

        StringAssert.Contains(File.ReadAllText(app.LockFile), $"\"revision\": \"{recorded}\"");
        BundleBuildScenario.AssertChangedFileFails(locked);
        var requests = hub.Requests.Skip(before).Select(request => request.PathAndQuery).ToList();
        CollectionAssert.Contains(requests, $"/acme/minilm/resolve/{recorded}/onnx/model.onnx", string.Join("\n", requests));
        Assert.IsFalse(requests.Any(path => path.Contains("/main", StringComparison.Ordinal)), string.Join("\n", requests));
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
