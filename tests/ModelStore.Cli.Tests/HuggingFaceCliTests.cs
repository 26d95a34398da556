using System.Security.Cryptography;
using ModelStore.Cli;
using ModelStore.HuggingFace.Testing;

namespace ModelStore.Cli.Tests;

/// <summary>The CLI reads a Hugging Face Hub repository (the local Hub-compatible server): by path, by layout, pinned to a commit.</summary>
[TestClass]
[DoNotParallelize]
public sealed class HuggingFaceCliTests
{
    private const string Token = "hf_CliSecretToken0123456789";

    private static FakeHuggingFaceHub _hub = null!;
    private string _work = null!;
    private string? _previousToken;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _)
    {
        _hub = await FakeHuggingFaceHub.StartAsync();
        _hub.AddToken(Token);
    }

    [ClassCleanup]
    public static async Task StopAsync() => await _hub.DisposeAsync();

    [TestInitialize]
    public void Prepare()
    {
        _work = Directory.CreateTempSubdirectory("modelstore-cli-hf-").FullName;
        _previousToken = Environment.GetEnvironmentVariable("HF_TOKEN");
        Environment.SetEnvironmentVariable("HF_TOKEN", Token);
    }

    [TestCleanup]
    public void Restore()
    {
        Environment.SetEnvironmentVariable("HF_TOKEN", _previousToken);
        Directory.Delete(_work, recursive: true);
    }

    [TestMethod]
    public async Task Pull_by_path_from_a_private_repository_pins_the_commit_and_never_prints_the_token()
    {
        _hub.AddRepository("acme/minilm", isPrivate: true);
        _hub.GrantAccess("acme/minilm", Token);
        var bytes = RandomNumberGenerator.GetBytes(50_000);
        var commit = _hub.CommitFile("acme/minilm", "onnx/model.onnx", bytes);

        var pulled = await RunAsync(["pull", "onnx/minilm.l6.v2", "--store", "hf:acme/minilm", "--path", "onnx/model.onnx", .. Common()]);
        _hub.CommitFile("acme/minilm", "onnx/model.onnx", RandomNumberGenerator.GetBytes(10));
        var cached = await RunAsync(["cache", "--cache", Path.Combine(_work, "cache")]);

        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        StringAssert.Contains(pulled.Output, $"onnx/minilm.l6.v2  sha256:{Convert.ToHexStringLower(SHA256.HashData(bytes))}");
        StringAssert.Contains(pulled.Error, $"Revision main is commit {commit}.");
        StringAssert.Contains(cached.Output, $"hf-file:{_hub.Endpoint.AbsoluteUri}acme/minilm@{commit}/onnx/model.onnx");
        foreach (var text in new[] { pulled.Output, pulled.Error, cached.Output, cached.Error })
        {
            Assert.DoesNotContain(Token, text);
        }
    }

    [TestMethod]
    public async Task List_and_pull_in_mozumas_layout_and_a_refused_push()
    {
        _hub.AddRepository("acme/team-states");
        var bytes = RandomNumberGenerator.GetBytes(1000);
        _hub.Commit("acme/team-states", new Dictionary<string, byte[]?>
        {
            ["states/pytorch/resnet18.cls1000.imagenet.pt"] = bytes,
            ["states/pytorch/resnet18.cls2.cats.pt"] = [1],
            ["states/pytorch/resnet50.cls1000.imagenet.pt"] = [2],
        });
        string[] store = ["--store", "hf:acme/team-states", "--setting", "BasePath=states", .. Common()];
        var file = Path.Combine(_work, "w.pt");
        await File.WriteAllBytesAsync(file, [1], TestContext.CancellationToken);

        var listed = await RunAsync(["list", "--type", "pytorch/resnet18", .. store]);
        var pulled = await RunAsync(["pull", "pytorch/resnet18.cls1000.imagenet", .. store]);
        var missing = await RunAsync(["pull", "pytorch/resnet18.cls1000.imagenett", .. store]);
        var pushed = await RunAsync(["push", file, "pytorch/resnet18.cls1000.mine", .. store]);

        CollectionAssert.AreEqual(new[] { "pytorch/resnet18.cls1000.imagenet", "pytorch/resnet18.cls2.cats" }, listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), listed.Error);
        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        StringAssert.Contains(pulled.Output, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.AreEqual(1, missing.Exit);
        StringAssert.Contains(missing.Error, "error (NotFound)");
        StringAssert.Contains(missing.Error, "Close matches: states/pytorch/resnet18.cls1000.imagenet.pt");
        Assert.AreEqual(1, pushed.Exit);
        StringAssert.Contains(pushed.Error, "error (ReadOnly)");
    }

    [TestMethod]
    public async Task A_malformed_hub_store_is_a_usage_error_and_a_missing_local_path_is_not_found()
    {
        var malformed = await RunAsync(["pull", "onnx/x.v1", "--store", "hf:just-a-name", .. Common()]);
        var local = await RunAsync(["pull", "onnx/x.v1", "--store", _work, "--path", "model.onnx", "--cache", Path.Combine(_work, "cache")]);

        Assert.AreEqual(2, malformed.Exit);
        StringAssert.Contains(malformed.Error, "hf:ORG/NAME");
        // A local folder names its files by path too (bundle states): a missing one is the store's not-found, not a usage error.
        Assert.AreEqual(1, local.Exit, local.Error);
        StringAssert.Contains(local.Error, "model.onnx");
    }

    [TestMethod]
    public async Task Pull_with_hf_cache_writes_huggingface_hubs_layout_with_refs_main_and_a_store_that_is_not_hf_is_a_usage_error()
    {
        _hub.AddRepository("acme/shared");
        var bytes = RandomNumberGenerator.GetBytes(30_000);
        var commit = _hub.CommitFile("acme/shared", "model.safetensors", bytes);
        var hfCache = Path.Combine(_work, "hf");

        var pulled = await RunAsync(["pull", "safetensors/shared.v1", "--store", "hf:acme/shared", "--path", "model.safetensors", "--hf-cache", "--setting", $"HubCache={hfCache}", .. Common()]);
        var local = await RunAsync(["pull", "safetensors/shared.v1", "--store", _work, "--hf-cache", "--cache", Path.Combine(_work, "cache")]);

        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var repository = Path.Combine(hfCache, "models--acme--shared");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(repository, "snapshots", commit, "model.safetensors"), TestContext.CancellationToken));
        Assert.IsTrue(File.Exists(Path.Combine(repository, "blobs", sha)));
        Assert.AreEqual(Path.Combine("..", "..", "blobs", sha), new FileInfo(Path.Combine(repository, "snapshots", commit, "model.safetensors")).LinkTarget);
        Assert.AreEqual(commit, await File.ReadAllTextAsync(Path.Combine(repository, "refs", "main"), TestContext.CancellationToken), "pull asked the Hub where main is, and says so as huggingface_hub does");
        Assert.AreEqual(2, local.Exit, local.Output + local.Error);
        StringAssert.Contains(local.Error, "--hf-cache writes into huggingface_hub's cache, so it needs an hf: store");
    }

    private string[] Common() => ["--setting", $"Endpoint={_hub.Endpoint}", "--cache", Path.Combine(_work, "cache")];

    private async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync(args, output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
