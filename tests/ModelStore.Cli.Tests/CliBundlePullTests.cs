using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.Cli;

namespace ModelStore.Cli.Tests;

/// <summary><c>modelstore pull KEY --store S --include G --exclude G [--local-dir DIR] [--dry-run]</c> on a local folder store.</summary>
[TestClass]
public sealed class CliBundlePullTests
{
    private const string Key = "onnx/minilm.l6.v2";
    private string _work = null!;
    private string _store = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolders()
    {
        _work = Directory.CreateTempSubdirectory("modelstore-cli-bundles-").FullName;
        _store = Path.Combine(_work, "store");
        Write("onnx/model.onnx", 10_000);
        Write("onnx/model_int8.onnx", 3_000);
        Write("config.json", 50);
        Write("tokenizer.json", 400);
    }

    [TestCleanup]
    public void DeleteFolders() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public async Task A_dry_run_lists_the_selected_files_and_fetches_nothing()
    {
        var result = await RunAsync("pull", Key, "--store", _store, "--include", "onnx/*.onnx", "--include", "*.json", "--exclude", "**/*_int8.onnx", "--dry-run");

        Assert.AreEqual(0, result.Exit, result.Error);
        StringAssert.Contains(result.Output, "onnx/model.onnx");
        StringAssert.Contains(result.Output, "tokenizer.json");
        Assert.IsFalse(result.Output.Contains("model_int8", StringComparison.Ordinal), result.Output);
        StringAssert.Contains(result.Output, "3 file(s)");
        Assert.IsFalse(Directory.Exists(Path.Combine(_work, "cache", "blobs")), "Nothing fetched.");
    }

    [TestMethod]
    public async Task A_pull_with_a_local_dir_copies_the_verified_tree_and_json_lists_every_file()
    {
        var target = Path.Combine(_work, "out");

        var result = await RunAsync("pull", Key, "--store", _store, "--include", "onnx/model.onnx", "--include", "*.json", "--local-dir", target, "--json");

        Assert.AreEqual(0, result.Exit, result.Error);
        foreach (var path in new[] { "onnx/model.onnx", "config.json", "tokenizer.json" })
        {
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(_store, path)), File.ReadAllBytes(Path.Combine(target, path)), path);
        }

        Assert.IsFalse(File.Exists(Path.Combine(target, "onnx", "model_int8.onnx")));
        using var json = JsonDocument.Parse(result.Output);
        Assert.AreEqual(3, json.RootElement.GetProperty("files").GetArrayLength());
        Assert.AreEqual(Path.GetFullPath(target), json.RootElement.GetProperty("path").GetString());
    }

    [TestMethod]
    public async Task Bundle_options_without_include_or_with_path_are_usage_errors_and_a_pattern_matching_nothing_is_a_store_error()
    {
        Assert.AreEqual(2, (await RunAsync("pull", Key, "--store", _store, "--dry-run")).Exit);
        Assert.AreEqual(2, (await RunAsync("pull", Key, "--store", _store, "--include", "*.json", "--path", "config.json")).Exit);
        Assert.AreEqual(2, (await RunAsync("pull", Key, "--store", _store, "--include", "../up.json")).Exit);

        var missing = await RunAsync("pull", Key, "--store", _store, "--include", "vocab.txt");
        Assert.AreEqual(1, missing.Exit, missing.Error);
        StringAssert.Contains(missing.Error, "'vocab.txt' matches no file");
    }

    private void Write(string path, int size)
    {
        var full = Path.Combine(_store, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, RandomNumberGenerator.GetBytes(size));
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync([.. args, "--cache", Path.Combine(_work, "cache")], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
