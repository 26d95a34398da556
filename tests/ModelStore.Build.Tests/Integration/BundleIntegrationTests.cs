using System.Security.Cryptography;

namespace ModelStore.Build.Tests.Integration;

/// <summary>A bundle state (Files) from a local folder store, in a real build against the packed feed.</summary>
[TestClass]
public sealed class BundleIntegrationTests
{
    private const string Bundle = "onnx/minilm.bundle.v1";
    private const string Program = """
        var bundle = Consumer.ModelStates.MiniLm;
        foreach (var file in bundle.Files!)
        {
            Console.WriteLine($"file {file.Path} {file.Size} {file.Sha256}");
        }

        using var config = bundle.OpenRead("config.json");
        Console.WriteLine($"config {config.Length}");
        Console.WriteLine($"dir {bundle.Directory}");
        Console.WriteLine($"onnx {File.Exists(bundle.GetFilePath("onnx/model.onnx"))}");
        """;

    [TestMethod]
    public async Task A_bundle_resolves_every_file_into_the_lock_file_the_output_tree_and_the_accessor_and_a_file_changed_after_locking_is_MST0004()
    {
        var app = await ConsumerProject.CreateAsync("bundle");
        File.WriteAllText(Path.Combine(app.Folder, "Program.cs"), Program);
        var model = Write(app, "onnx/model.onnx", 30_000);
        Write(app, "config.json", 120);
        Write(app, "tokenizer.json", 900);
        Write(app, "README.md", 10);
        app.WithState(Bundle, "Store=\"local\" Files=\"onnx/model.onnx;*.json\" AccessorName=\"MiniLm\" CopyToOutputDirectory=\"PreserveNewest\"");

        var build = await app.BuildAsync();
        Assert.AreEqual(0, build.ExitCode, build.ToString());

        var lockText = File.ReadAllText(app.LockFile);
        foreach (var path in new[] { "onnx/model.onnx", "config.json", "tokenizer.json" })
        {
            StringAssert.Contains(lockText, $"\"path\": \"{path}\"", lockText);
        }

        Assert.IsFalse(lockText.Contains("README.md", StringComparison.Ordinal), lockText);
        var copied = Path.Combine(app.OutputFolder, "modelstates", "onnx.minilm.bundle.v1", "onnx", "model.onnx");
        Assert.AreEqual(model, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(copied))), "The tree is copied to the output.");
        Assert.IsFalse(File.Exists(Path.Combine(app.OutputFolder, "modelstates", "onnx.minilm.bundle.v1", "README.md")));

        var run = await app.RunAppAsync();
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, $"file onnx/model.onnx 30000 {model}", run.ToString());
        StringAssert.Contains(run.Output, "file tokenizer.json 900 ", run.ToString());
        StringAssert.Contains(run.Output, "config 120", run.ToString());
        StringAssert.Contains(run.Output, $"dir {Path.Combine(app.OutputFolder, "modelstates", "onnx.minilm.bundle.v1")}", run.ToString());
        StringAssert.Contains(run.Output, "onnx True", run.ToString());

        // On a machine with an empty cache, tokenizer.json changed at the store since the lock file pinned it.
        Directory.Delete(app.Home, recursive: true);
        Write(app, "tokenizer.json", 901);
        var changed = await app.BuildAsync("-p:ModelStoreLockedMode=true");
        Assert.AreNotEqual(0, changed.ExitCode, changed.ToString());
        StringAssert.Contains(changed.Output, "MST0004", changed.ToString());
        StringAssert.Contains(changed.Output, Bundle, changed.ToString());
    }

    private static string Write(ConsumerProject app, string path, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var full = Path.Combine(app.StoreFolder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
