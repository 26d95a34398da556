using System.Diagnostics;
using System.Security.Cryptography;
using ModelStore.Cli;

namespace ModelStore.Cli.Tests;

[TestClass]
public sealed class CliTests
{
    private string _work = null!;
    private string _store = null!;
    private string _cache = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolders()
    {
        _work = Directory.CreateTempSubdirectory("modelstore-cli-").FullName;
        _store = Path.Combine(_work, "store");
        _cache = Path.Combine(_work, "cache");
        Directory.CreateDirectory(_store);
    }

    [TestCleanup]
    public void DeleteFolders() => Directory.Delete(_work, recursive: true);

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync([.. args, "--cache", _cache], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [TestMethod]
    public async Task Push_then_list_shows_compatible_states_in_MoZuMa_layout()
    {
        var file = WriteFile("weights.pt", [1, 2, 3]);

        var pushed = await RunAsync("push", file, "pytorch/resnet18.cls1000.imagenet", "--store", $"local:{_store}");
        await RunAsync("push", file, "pytorch/resnet18.cls2.cats", "--store", _store);
        await RunAsync("push", file, "pytorch/clip-image-rn50.clip", "--store", _store);
        var listed = await RunAsync("list", "--store", _store, "--type", "pytorch/resnet18");

        Assert.AreEqual(0, pushed.Exit, pushed.Error);
        Assert.IsTrue(File.Exists(Path.Combine(_store, "pytorch.resnet18.cls1000.imagenet.pt")));
        Assert.AreEqual(0, listed.Exit, listed.Error);
        CollectionAssert.AreEqual(
            new[] { "pytorch/resnet18.cls1000.imagenet", "pytorch/resnet18.cls2.cats" },
            listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [TestMethod]
    public async Task Pushing_over_an_existing_state_needs_overwrite()
    {
        var first = WriteFile("a.pt", [1]);
        var second = WriteFile("b.pt", [2]);
        await RunAsync("push", first, "pytorch/mlp.v1", "--store", _store);

        var refused = await RunAsync("push", second, "pytorch/mlp.v1", "--store", _store);
        Assert.AreEqual(1, refused.Exit);
        StringAssert.Contains(refused.Error, "AlreadyExists");
        CollectionAssert.AreEqual(new byte[] { 1 }, File.ReadAllBytes(Path.Combine(_store, "pytorch.mlp.v1.pt")));

        var replaced = await RunAsync("push", second, "pytorch/mlp.v1", "--store", _store, "--overwrite");
        Assert.AreEqual(0, replaced.Exit, replaced.Error);
        CollectionAssert.AreEqual(new byte[] { 2 }, File.ReadAllBytes(Path.Combine(_store, "pytorch.mlp.v1.pt")));
    }

    [TestMethod]
    public async Task Pull_fetches_into_the_cache_with_its_hash_and_verify_finds_tampering()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await RunAsync("push", WriteFile("w.pt", bytes), "pytorch/mlp.digits.v1", "--store", _store);

        var pulled = await RunAsync("pull", "pytorch/mlp.digits.v1", "--store", _store, "--sha256", sha);

        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        StringAssert.Contains(pulled.Output, sha);
        var blob = Path.Combine(_cache, "blobs", "sha256", sha[..2], sha);
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(blob));
        StringAssert.Contains(pulled.Error, "100%", "A progress bar should end at 100%.");
        StringAssert.Contains((await RunAsync("cache")).Output, "pytorch/mlp.digits.v1");

        Assert.AreEqual(0, (await RunAsync("verify")).Exit);
        await using (var stream = File.OpenWrite(blob))
        {
            stream.Position = 10;
            stream.WriteByte((byte)(bytes[10] ^ 1));
        }

        var verified = await RunAsync("verify");
        Assert.AreEqual(1, verified.Exit);
        StringAssert.Contains(verified.Output, "CORRUPT  pytorch/mlp.digits.v1");
        Assert.AreEqual(0, (await RunAsync("pull", "pytorch/mlp.digits.v1", "--store", _store, "--sha256", sha)).Exit);
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(blob));
    }

    [TestMethod]
    public async Task Verify_reports_entries_whose_blob_is_missing_or_whose_size_lies_and_keeps_a_sound_blob()
    {
        var bytes = RandomNumberGenerator.GetBytes(50_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await RunAsync("push", WriteFile("w.pt", bytes), "pytorch/mlp.a.v1", "--store", _store);
        await RunAsync("push", WriteFile("w.pt", bytes), "pytorch/mlp.b.v1", "--store", _store);
        await RunAsync("push", WriteFile("x.pt", [1, 2, 3]), "pytorch/mlp.c.v1", "--store", _store);
        foreach (var key in new[] { "pytorch/mlp.a.v1", "pytorch/mlp.b.v1", "pytorch/mlp.c.v1" })
        {
            Assert.AreEqual(0, (await RunAsync("pull", key, "--store", _store)).Exit);
        }

        var entries = Directory.GetFiles(Path.Combine(_cache, "index"), "*.json", SearchOption.AllDirectories);
        var lying = entries.Single(file => file.Contains("mlp.b.v1", StringComparison.Ordinal));
        File.WriteAllText(lying, File.ReadAllText(lying).Replace("\"Size\": 50000", "\"Size\": 49999", StringComparison.Ordinal));
        var small = Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 }));
        File.Delete(Path.Combine(_cache, "blobs", "sha256", small[..2], small));

        var verified = await RunAsync("verify");

        Assert.AreEqual(1, verified.Exit);
        StringAssert.Contains(verified.Output, "ok       pytorch/mlp.a.v1");
        StringAssert.Contains(verified.Output, "CORRUPT  pytorch/mlp.b.v1");
        StringAssert.Contains(verified.Output, "records 49999 bytes");
        StringAssert.Contains(verified.Output, "CORRUPT  pytorch/mlp.c.v1");
        StringAssert.Contains(verified.Output, "blob is missing");
        StringAssert.Contains(verified.Output, "1 verified, 2 corrupt.");
        Assert.IsTrue(File.Exists(Path.Combine(_cache, "blobs", "sha256", sha[..2], sha)), "The sound blob shared with a good entry stays.");
        Assert.AreEqual(0, (await RunAsync("verify")).Exit);
    }

    [TestMethod]
    public async Task Pull_with_a_wrong_pinned_hash_fails_and_caches_nothing()
    {
        await RunAsync("push", WriteFile("w.pt", [1, 2, 3]), "pytorch/mlp.v1", "--store", _store);

        var pulled = await RunAsync("pull", "pytorch/mlp.v1", "--store", _store, "--sha256", new string('a', 64));

        Assert.AreEqual(1, pulled.Exit);
        StringAssert.Contains(pulled.Error, "IntegrityMismatch");
        StringAssert.Contains((await RunAsync("verify")).Output, "0 verified, 0 corrupt");
    }

    [TestMethod]
    public async Task Clean_frees_unreferenced_blobs_and_all_frees_everything()
    {
        await RunAsync("push", WriteFile("w.pt", new byte[5000]), "pytorch/mlp.v1", "--store", _store);
        await RunAsync("pull", "pytorch/mlp.v1", "--store", _store);

        var kept = await RunAsync("clean");
        StringAssert.Contains(kept.Output, "Freed 0.0 B");
        var all = await RunAsync("clean", "--all");

        StringAssert.Contains(all.Output, "Freed 5.0 KB");
        StringAssert.StartsWith((await RunAsync("cache")).Output, "0 states, 0.0 B on disk");
    }

    [TestMethod]
    [DataRow("pull", "pytorch/resnet18", "training id is missing")]
    [DataRow("pull", "pytorch/res net.v1", "architecture is invalid")]
    public async Task Bad_keys_are_usage_errors(string command, string key, string reason)
    {
        var result = await RunAsync(command, key, "--store", _store);

        Assert.AreEqual(2, result.Exit);
        StringAssert.Contains(result.Error, reason);
    }

    [TestMethod]
    public async Task Verify_full_rehashes_a_cached_state_and_an_unknown_verify_mode_is_a_usage_error()
    {
        var file = WriteFile("state.pt", Enumerable.Range(0, 50_000).Select(i => (byte)i).ToArray());
        await RunAsync("push", file, "pytorch/mlp.v1", "--store", _store);
        Assert.AreEqual(0, (await RunAsync("pull", "pytorch/mlp.v1", "--store", _store)).Exit);
        var blob = Directory.EnumerateFiles(Path.Combine(_cache, "blobs"), "*", SearchOption.AllDirectories).Single();
        File.SetAttributes(blob, FileAttributes.Normal);
        await using (var stream = new FileStream(blob, FileMode.Open, FileAccess.Write))
        {
            stream.WriteByte(0xFF);
        }

        var full = await RunAsync("pull", "pytorch/mlp.v1", "--store", _store, "--verify", "full");
        var wrong = await RunAsync("pull", "pytorch/mlp.v1", "--store", _store, "--verify", "sometimes");

        Assert.AreEqual(0, full.Exit, full.Error);
        StringAssert.Contains(full.Error + full.Output, "modified on disk", "The changed blob was hashed, removed and fetched again.");
        Assert.AreEqual(2, wrong.Exit);
        StringAssert.Contains(wrong.Error, "can only be 'stamp' or 'full'");
    }

    [TestMethod]
    public async Task Missing_states_and_unknown_store_kinds_are_clear_errors()
    {
        var missing = await RunAsync("pull", "pytorch/mlp.v9", "--store", _store);
        var unknown = await RunAsync("list", "--store", "github:", "--type", "pytorch/mlp");

        Assert.AreEqual(1, missing.Exit);
        StringAssert.Contains(missing.Error, "NotFound");
        StringAssert.Contains(missing.Error, "pytorch/mlp.v9");
        Assert.AreEqual(2, unknown.Exit);
        StringAssert.Contains(unknown.Error, "github:OWNER/REPOSITORY");
    }

    [TestMethod]
    public async Task The_tool_runs_as_a_process()
    {
        File.WriteAllBytes(Path.Combine(_store, "pytorch.mlp.digits.v1.pt"), [4, 2]);
        var start = ModelStore.Testing.ModelStoreTool.StartInfo(["list", "--store", _store, "--type", "pytorch/mlp"]);

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.CancellationToken);
        await process.WaitForExitAsync(TestContext.CancellationToken);

        Assert.AreEqual(0, process.ExitCode, await process.StandardError.ReadToEndAsync(TestContext.CancellationToken));
        Assert.AreEqual("pytorch/mlp.digits.v1", output.Trim());
    }
}
