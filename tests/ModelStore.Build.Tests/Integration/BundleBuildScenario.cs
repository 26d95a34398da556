using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// The bundle scenario every store runs in a real build against the packed feed (issue #21): a bundle's files into the lock
/// file, the output tree and the accessor; a second bundle sharing the model downloads only its new file; then, after a
/// change the store's test makes at the server, a locked build on a cold cache, whose result the test checks.
/// </summary>
internal static class BundleBuildScenario
{
    public const string First = "onnx/minilm.bundle.v1";
    public const string Second = "onnx/minilm.extra.v1";

    /// <summary>Size of <c>extra.bin</c>, the one file of <see cref="Second"/> that <see cref="First"/> does not have.</summary>
    public const int ExtraSize = 1000;

    private const string Program = """
        foreach (var file in Consumer.ModelStates.MiniLm.Files!)
        {
            Console.WriteLine($"file {file.Path} {file.Size} {file.Sha256}");
        }

        using var config = Consumer.ModelStates.MiniLm.OpenRead("config.json");
        Console.WriteLine($"config {new StreamReader(config).ReadToEnd()}");
        Console.WriteLine($"dir {Consumer.ModelStates.MiniLm.Directory}");
        Console.WriteLine($"onnx {new FileInfo(Consumer.ModelStates.MiniLm.GetFilePath("onnx/model.onnx")).Length}");
        """;

    /// <summary>The files the store publishes at its root: the first bundle takes <c>onnx/model.onnx;*.json</c>, the second <c>onnx/model.onnx;extra.bin</c>.</summary>
    public static Dictionary<string, byte[]> CreateFiles() => new(StringComparer.Ordinal)
    {
        ["onnx/model.onnx"] = RandomNumberGenerator.GetBytes(200_000),
        ["config.json"] = Encoding.UTF8.GetBytes("""{"hidden_size": 384}"""),
        ["tokenizer.json"] = Encoding.UTF8.GetBytes($$"""{"vocab": "{{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(1500))}}"}"""),
        ["README.md"] = "in neither bundle"u8.ToArray(),
        ["extra.bin"] = RandomNumberGenerator.GetBytes(ExtraSize),
    };

    /// <summary>
    /// Declares store <c>remote</c> (<paramref name="storeAttributes"/>, holding <paramref name="files"/>) and the bundles,
    /// builds and checks them, runs <paramref name="changeAtServer"/>, then returns a locked build on an empty cache.
    /// </summary>
    public static async Task<CommandResult> RunAsync(ConsumerProject app, string storeAttributes, IReadOnlyDictionary<string, byte[]> files, Func<Task> changeAtServer)
    {
        File.WriteAllText(Path.Combine(app.Folder, "Program.cs"), Program);
        app.WithStore("remote", storeAttributes)
            .WithState(First, "Store=\"remote\" Files=\"onnx/model.onnx;*.json\" AccessorName=\"MiniLm\" CopyToOutputDirectory=\"PreserveNewest\"");

        var build = await app.BuildAsync();

        build.AssertSucceeded();
        StringAssert.Contains(build.Output, $"ModelStore: fetched {First} from store 'remote'", build.ToString());
        string[] bundled = ["config.json", "onnx/model.onnx", "tokenizer.json"];
        AssertLockedFiles(app, First, bundled, files);
        var tree = Path.Combine(app.OutputFolder, "modelstates", "onnx.minilm.bundle.v1");
        foreach (var path in bundled)
        {
            CollectionAssert.AreEqual(files[path], File.ReadAllBytes(Path.Combine(tree, path)), $"{path} is copied to the output tree.");
        }

        Assert.IsFalse(File.Exists(Path.Combine(tree, "README.md")), "A file outside the patterns is not copied.");
        var run = await app.RunAppAsync();
        run.AssertSucceeded();
        foreach (var path in bundled)
        {
            StringAssert.Contains(run.Output, $"file {path} {files[path].Length} {Sha(files[path])}", run.ToString());
        }

        StringAssert.Contains(run.Output, $"config {Encoding.UTF8.GetString(files["config.json"])}", run.ToString());
        StringAssert.Contains(run.Output, $"dir {tree}", run.ToString());
        StringAssert.Contains(run.Output, $"onnx {files["onnx/model.onnx"].Length}", run.ToString());

        // A second bundle shares the model: only extra.bin comes over the wire.
        app.WithState(Second, "Store=\"remote\" Files=\"onnx/model.onnx;extra.bin\" AccessorName=\"Extra\"");
        var second = await app.BuildAsync();

        second.AssertSucceeded();
        var total = files["onnx/model.onnx"].Length + ExtraSize;
        StringAssert.Contains(second.Output, FormattableString.Invariant($"ModelStore: fetched {Second} from store 'remote': {ExtraSize} B downloaded of {total / 1024.0:0.0} KB"), second.ToString());
        AssertLockedFiles(app, Second, ["extra.bin", "onnx/model.onnx"], files);

        await changeAtServer();
        Directory.Delete(app.Home, recursive: true);
        return await app.BuildAsync("-p:ModelStoreLockedMode=true");
    }

    /// <summary>A file of <see cref="First"/> changed at the server after locking fails the locked build with MST0004, naming the bundle.</summary>
    public static void AssertChangedFileFails(CommandResult build)
    {
        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "error MST0004", build.ToString());
        StringAssert.Contains(build.Output, First, build.ToString());
    }

    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    // The lock entry lists exactly these files, each with the path, SHA-256 and size of the published bytes.
    private static void AssertLockedFiles(ConsumerProject app, string key, string[] paths, IReadOnlyDictionary<string, byte[]> files)
    {
        var text = File.ReadAllText(app.LockFile);
        var listed = JsonNode.Parse(text)!["states"]![key]!["files"]!.AsArray()
            .Select(file => $"{(string?)file!["path"]} {(string?)file["sha256"]} {(long?)file["size"]}").ToArray();
        CollectionAssert.AreEqual(paths.Select(path => $"{path} {Sha(files[path])} {files[path].Length}").ToArray(), listed, text);
    }
}
