using System.Security.Cryptography;
using System.Text.Json;
using ModelStore.Cli;

namespace ModelStore.Cli.Tests;

/// <summary><c>modelstore mirror</c> between local folders: by type, from a lock file, skips, tampered copies, usage errors.</summary>
[TestClass]
public sealed class CliMirrorTests
{
    private const string Imagenet = "pytorch/resnet18.cls1000.imagenet";
    private const string Cats = "pytorch/resnet18.cls2.cats";
    private const string Clip = "pytorch/clip-image-rn50.clip";

    private string _work = null!;
    private string _origin = null!;
    private string _fleet = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolders()
    {
        _work = Directory.CreateTempSubdirectory("modelstore-cli-mirror-").FullName;
        _origin = Path.Combine(_work, "origin");
        _fleet = Path.Combine(_work, "fleet");
        Directory.CreateDirectory(_origin);
    }

    [TestCleanup]
    public void DeleteFolders() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public async Task By_type_copies_the_compatible_states_then_skips_them_and_a_tampered_copy_needs_overwrite()
    {
        var imagenet = Publish(Imagenet, 40_000);
        var cats = Publish(Cats, 30_000);
        Publish(Clip, 1000);
        string[] mirror = ["mirror", "--from", _origin, "--to", $"local:{_fleet}", "--type", "pytorch/resnet18"];

        var first = await RunAsync(mirror);
        var second = await RunAsync([.. mirror, "--json"]);
        await File.WriteAllBytesAsync(FleetFile(Cats), [6, 6, 6], TestContext.CancellationToken);
        var tampered = await RunAsync(mirror);
        var kept = await File.ReadAllBytesAsync(FleetFile(Cats), TestContext.CancellationToken);
        var overwritten = await RunAsync([.. mirror, "--overwrite"]);

        Assert.AreEqual(0, first.Exit, first.Error);
        StringAssert.Contains(first.Output, $"copied   {Imagenet}");
        StringAssert.Contains(first.Output, $"copied   {Cats}");
        StringAssert.Contains(first.Output, "2 states from local store");
        StringAssert.Contains(first.Output, "2 copied, 0 skipped, 0 failed.");
        Assert.IsFalse(File.Exists(FleetFile(Clip)), "Only compatible states are mirrored.");
        CollectionAssert.AreEqual(imagenet, await File.ReadAllBytesAsync(FleetFile(Imagenet), TestContext.CancellationToken));

        Assert.AreEqual(0, second.Exit, second.Error);
        using (var json = JsonDocument.Parse(second.Output))
        {
            Assert.AreEqual(2, json.RootElement.GetProperty("skipped").GetInt32());
            Assert.AreEqual(0, json.RootElement.GetProperty("copied").GetInt32());
            var row = json.RootElement.GetProperty("states").EnumerateArray().Single(state => state.GetProperty("key").GetString() == Cats);
            Assert.AreEqual("skipped", row.GetProperty("result").GetString());
            Assert.AreEqual(Sha(cats), row.GetProperty("sha256").GetString());
            Assert.AreEqual(cats.Length, row.GetProperty("size").GetInt64());
        }

        Assert.AreEqual(1, tampered.Exit);
        StringAssert.Contains(tampered.Error, $"error (AlreadyExists): {Cats}: ");
        StringAssert.Contains(tampered.Error, "holds other bytes");
        StringAssert.Contains(tampered.Error, "--overwrite");
        StringAssert.Contains(tampered.Output, "0 copied, 1 skipped, 1 failed.");
        CollectionAssert.AreEqual(new byte[] { 6, 6, 6 }, kept, "A copy with other bytes is left as it is.");
        Assert.AreEqual(0, overwritten.Exit, overwritten.Error);
        StringAssert.Contains(overwritten.Output, $"copied   {Cats}  (30.0 KB, replacing other bytes)");
        CollectionAssert.AreEqual(cats, await File.ReadAllBytesAsync(FleetFile(Cats), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task From_a_lock_file_only_the_origins_states_are_copied_each_with_its_locked_hash()
    {
        var imagenet = Publish(Imagenet, 20_000);
        var cats = Publish(Cats, 10_000);
        var project = Path.Combine(_work, "app");
        Directory.CreateDirectory(project);
        var lockFile = WriteLockFile(project, $$"""
            "states": {
              "{{Imagenet}}": { "store": "team", "sha256": "{{Sha(imagenet)}}", "size": {{imagenet.Length}} },
              "{{Cats}}": { "store": "team", "sha256": "{{new string('b', 64)}}", "size": {{cats.Length}} },
              "pytorch/mlp.digits.v1": { "store": "other", "sha256": "{{new string('c', 64)}}", "size": 1 }
            },
            "stores": {
              "team": { "kind": "Local", "settings": { "Folder": "../origin" } },
              "other": { "kind": "Local", "settings": { "Folder": "states" } }
            }
            """);

        var mirrored = await RunAsync("mirror", "--from", _origin, "--to", _fleet, "--lock", lockFile);
        var json = await RunAsync("mirror", "--from", _origin, "--to", _fleet, "--lock", project, "--json");

        Assert.AreEqual(1, mirrored.Exit, mirrored.Error);
        StringAssert.Contains(mirrored.Output, $"copied   {Imagenet}");
        StringAssert.Contains(mirrored.Error, $"error (IntegrityMismatch): ModelState '{Cats}': ");
        StringAssert.Contains(mirrored.Error, "Left out 1 state the lock file pins from other stores (other).");
        StringAssert.Contains(mirrored.Output, "2 states from local store");
        StringAssert.Contains(mirrored.Output, "1 copied, 0 skipped, 1 failed.");
        CollectionAssert.AreEqual(imagenet, await File.ReadAllBytesAsync(FleetFile(Imagenet), TestContext.CancellationToken));
        Assert.IsFalse(File.Exists(FleetFile(Cats)), "A state whose bytes differ from the lock file never reaches the destination.");
        Assert.AreEqual(1, json.Exit);
        using var document = JsonDocument.Parse(json.Output);
        Assert.AreEqual(lockFile, document.RootElement.GetProperty("lockFile").GetString());
        var failed = document.RootElement.GetProperty("states").EnumerateArray().Single(state => state.GetProperty("result").GetString() == "failed");
        Assert.AreEqual(Cats, failed.GetProperty("key").GetString());
        Assert.AreEqual("IntegrityMismatch", failed.GetProperty("error").GetString());
    }

    [TestMethod]
    public async Task A_lock_file_without_store_definitions_takes_every_state_from_the_origin()
    {
        var imagenet = Publish(Imagenet, 5000);
        var lockFile = WriteLockFile(_work, $$"""
            "states": { "{{Imagenet}}": { "store": "whatever", "sha256": "{{Sha(imagenet)}}", "size": {{imagenet.Length}} } }
            """);

        var mirrored = await RunAsync("mirror", "--from", _origin, "--to", _fleet, "--lock", lockFile);

        Assert.AreEqual(0, mirrored.Exit, mirrored.Error);
        StringAssert.Contains(mirrored.Error, "records no store definitions");
        CollectionAssert.AreEqual(imagenet, await File.ReadAllBytesAsync(FleetFile(Imagenet), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task A_damaged_cache_copy_is_fetched_again_before_it_is_uploaded()
    {
        var imagenet = Publish(Imagenet, 8000);
        var pulled = await RunAsync("pull", Imagenet, "--store", _origin);
        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        var blob = Path.Combine(_work, "cache", "blobs", "sha256", Sha(imagenet)[..2], Sha(imagenet));
        File.SetAttributes(blob, FileAttributes.Normal);
        await File.WriteAllBytesAsync(blob, new byte[imagenet.Length], TestContext.CancellationToken);

        var mirrored = await RunAsync("mirror", "--from", _origin, "--to", _fleet, "--type", "pytorch/resnet18");

        Assert.AreEqual(0, mirrored.Exit, mirrored.Error);
        StringAssert.Contains(mirrored.Error, "(it was modified on disk); it was removed and the state is fetched again");
        CollectionAssert.AreEqual(imagenet, await File.ReadAllBytesAsync(FleetFile(Imagenet), TestContext.CancellationToken));
    }

    [TestMethod]
    [DataRow("--type|pytorch/resnet18|--lock|modelstates.lock.json", "--type backend/architecture")]
    [DataRow("", "--type backend/architecture")]
    [DataRow("--type|pytorch/resnet18|--to-setting|Revision=main|--to|hf:acme/models", "is read-only")]
    [DataRow("--type|pytorch/resnet18|--to|https://example.org/x.pth", "a web address is read-only")]
    [DataRow("--type|pytorch/resnet18|--to|{origin}", "the same store")]
    [DataRow("--type|pytorch/resnet18|--from|https://reader:Pa55wordInUrl@127.0.0.1:1/x.pth", "user name or password")]
    [DataRow("--type|pytorch/resnet18|--from|http://127.0.0.1:1/x.pth", "--lock")]
    [DataRow("--type|pytorch/resnet18.|--to|fleet", "is not a state type")]
    [DataRow("--lock|{work}/nowhere", "no lock file")]
    public async Task Usage_errors_exit_2_before_any_copy(string arguments, string message)
    {
        string[] given = arguments.Replace("{origin}", _origin, StringComparison.Ordinal).Replace("{work}", _work, StringComparison.Ordinal).Split('|', StringSplitOptions.RemoveEmptyEntries);
        string[] defaults = [.. given.Contains("--from") ? [] : new[] { "--from", _origin }, .. given.Contains("--to") ? [] : new[] { "--to", _fleet }];

        var result = await RunAsync(["mirror", .. defaults, .. given]);

        Assert.AreEqual(2, result.Exit, result.Error);
        StringAssert.Contains(result.Error, message);
        Assert.DoesNotContain("Pa55wordInUrl", result.Error);
        Assert.IsFalse(Directory.Exists(_fleet) && Directory.EnumerateFileSystemEntries(_fleet).Any());
    }

    [TestMethod]
    public async Task A_lock_file_with_no_state_from_the_origin_names_the_stores_it_has()
    {
        var lockFile = WriteLockFile(_work, $$"""
            "states": { "{{Imagenet}}": { "store": "other", "sha256": "{{new string('c', 64)}}", "size": 1 } },
            "stores": { "other": { "kind": "Local", "settings": { "Folder": "elsewhere" } } }
            """);

        var result = await RunAsync("mirror", "--from", _origin, "--to", _fleet, "--lock", lockFile);

        Assert.AreEqual(2, result.Exit, result.Error);
        StringAssert.Contains(result.Error, "no state of the lock file");
        StringAssert.Contains(result.Error, "Its states come from: other.");
    }

    [TestMethod]
    public async Task From_a_lock_file_a_bundles_files_are_copied_by_content_once_each()
    {
        var model = WriteOriginFile("onnx/model.onnx", 30_000);
        var config = WriteOriginFile("config.json", 100);
        var extra = WriteOriginFile("extra.bin", 700);
        var project = Path.Combine(_work, "app");
        Directory.CreateDirectory(project);
        var lockFile = WriteLockFile(project, $$"""
            "states": {
              "onnx/minilm.bundle.v1": {{BundleEntry(("onnx/model.onnx", model), ("config.json", config))}},
              "onnx/minilm.extra.v1": {{BundleEntry(("onnx/model.onnx", model), ("extra.bin", extra))}}
            },
            "stores": { "team": { "kind": "Local", "settings": { "Folder": "../origin" } } }
            """);

        var first = await RunAsync("mirror", "--from", _origin, "--to", _fleet, "--lock", lockFile);
        var again = await RunAsync("mirror", "--from", _origin, "--to", _fleet, "--lock", lockFile);

        Assert.AreEqual(0, first.Exit, first.Error);
        StringAssert.Contains(first.Output, "2 copied, 0 skipped, 0 failed.");
        var copies = Directory.GetFiles(Path.Combine(_fleet, "blobs", "sha256")).Select(Path.GetFileName).Order().ToArray();
        CollectionAssert.AreEqual(new[] { Sha(model), Sha(config), Sha(extra) }.Order().ToArray(), copies, "One copy per distinct file, named by its SHA-256.");
        foreach (var bytes in new[] { model, config, extra })
        {
            CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(Path.Combine(_fleet, "blobs", "sha256", Sha(bytes)), TestContext.CancellationToken));
        }

        Assert.AreEqual(0, again.Exit, again.Error);
        StringAssert.Contains(again.Output, "skipped  onnx/minilm.bundle.v1  (its 2 files are already there with the same bytes)");
        StringAssert.Contains(again.Output, "0 copied, 2 skipped, 0 failed.");
    }

    private byte[] WriteOriginFile(string path, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var full = Path.Combine(_origin, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return bytes;
    }

    private static string BundleEntry(params (string Path, byte[] Bytes)[] files)
    {
        var bundle = files.Select(file => new ModelStore.Resolution.BundleFile(file.Path, Sha(file.Bytes), file.Bytes.Length)).ToList();
        var listed = string.Join(", ", bundle.OrderBy(file => file.Path, StringComparer.Ordinal).Select(file => $$"""{ "path": "{{file.Path}}", "sha256": "{{file.Sha256}}", "size": {{file.Size}} }"""));
        var patterns = string.Join(", ", files.Select(file => $"\"{file.Path}\""));
        return $$"""{ "store": "team", "sha256": "{{ModelStore.Resolution.BundleFile.ManifestSha256(bundle)}}", "size": {{bundle.Sum(file => file.Size)}}, "patterns": [ {{patterns}} ], "files": [ {{listed}} ] }""";
    }

    private byte[] Publish(string key, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        File.WriteAllBytes(Path.Combine(_origin, FileName(key)), bytes);
        return bytes;
    }

    private string FleetFile(string key) => Path.Combine(_fleet, FileName(key));

    private static string FileName(string key) => key.Replace('/', '.') + ".pt";

    private static string WriteLockFile(string folder, string body)
    {
        var path = Path.Combine(folder, "modelstates.lock.json");
        File.WriteAllText(path, $$"""{ "version": 1, {{body}} }""");
        return path;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync([.. args, "--cache", Path.Combine(_work, "cache")], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
