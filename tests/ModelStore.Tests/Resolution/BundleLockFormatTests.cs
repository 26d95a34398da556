using System.Text;
using ModelStore.Resolution;
using ModelStore.States;

namespace ModelStore.Tests.Resolution;

[TestClass]
public sealed class BundleLockFormatTests
{
    private static readonly string A = new('a', 64);
    private static readonly string B = new('b', 64);

    private static StateLockEntry Bundle(params BundleFile[] files) =>
        new(StateKey.Parse("onnx/minilm.l6.v2"), "hub", BundleFile.ManifestSha256(files), files.Sum(file => file.Size))
        {
            Revision = new StoreRevision("main", new string('c', 40)),
            Patterns = ["onnx/model.onnx", "*.json", "!secret.json"],
            Files = files,
        };

    [TestMethod]
    public void A_bundle_entry_round_trips_with_its_patterns_and_every_file_sorted()
    {
        var lockFile = new StateLockFile([Bundle(new BundleFile("onnx/model.onnx", A, 100), new BundleFile("config.json", B, 7))]);

        var bytes = StateLockFileFormat.Format(lockFile);
        var read = StateLockFileFormat.Parse(bytes, "modelstates.lock.json").States.Values.Single();

        CollectionAssert.AreEqual(new[] { "onnx/model.onnx", "*.json", "!secret.json" }, read.Patterns!.ToArray());
        CollectionAssert.AreEqual(new[] { new BundleFile("config.json", B, 7), new BundleFile("onnx/model.onnx", A, 100) }, read.Files!.ToArray());
        Assert.AreEqual(107, read.Size);
        CollectionAssert.AreEqual(bytes, StateLockFileFormat.Format(new StateLockFile([read])), "Formatting what was read gives the same bytes.");
        StringAssert.Contains(Encoding.UTF8.GetString(bytes), "\"files\": [");
    }

    [TestMethod]
    public void A_lock_file_without_bundles_reads_as_before()
    {
        var json = $$"""{ "version": 1, "states": { "pytorch/tiny-mlp.digits.v1": { "store": "local", "sha256": "{{A}}", "size": 5 } } }""";

        var entry = StateLockFileFormat.Parse(Encoding.UTF8.GetBytes(json), "x").States.Values.Single();

        Assert.IsNull(entry.Files);
        Assert.IsNull(entry.Patterns);
        Assert.AreEqual(A, entry.Sha256);
    }

    [TestMethod]
    [DataRow("../escape.json", "'..'")]
    [DataRow("/etc/passwd", "starts with '/'")]
    [DataRow("C:\\\\x", "'\\'")]
    [DataRow("a\\u001b[31mred", "control character")]
    public void Hostile_file_paths_in_a_bundle_entry_make_the_lock_file_invalid(string path, string why)
    {
        var json = $$"""
            { "version": 1, "states": { "onnx/minilm.l6.v2": { "store": "hub", "sha256": "{{A}}", "size": 1,
              "patterns": ["*.json"], "files": [ { "path": "{{path}}", "sha256": "{{B}}", "size": 1 } ] } } }
            """;

        var error = Assert.ThrowsExactly<StateResolutionException>(() => StateLockFileFormat.Parse(Encoding.UTF8.GetBytes(json), "lock.json"));

        Assert.AreEqual(ResolutionFailureKind.InvalidLockFile, error.Failure.Kind);
        StringAssert.Contains(error.Message, why);
        Assert.IsFalse(error.Message.Contains('\u001b'), "No raw escape reaches a message.");
    }

    [TestMethod]
    public void A_bundle_entry_whose_hash_is_not_that_of_its_files_is_invalid()
    {
        var json = $$"""
            { "version": 1, "states": { "onnx/minilm.l6.v2": { "store": "hub", "sha256": "{{A}}", "size": 1,
              "patterns": ["*.json"], "files": [ { "path": "config.json", "sha256": "{{B}}", "size": 1 } ] } } }
            """;

        var error = Assert.ThrowsExactly<StateResolutionException>(() => StateLockFileFormat.Parse(Encoding.UTF8.GetBytes(json), "lock.json"));

        StringAssert.Contains(error.Message, "not those of its \"files\"");
    }

    [TestMethod]
    public void Files_without_patterns_or_a_file_listed_twice_are_invalid()
    {
        var half = $$"""{ "version": 1, "states": { "onnx/minilm.l6.v2": { "store": "hub", "sha256": "{{A}}", "size": 1, "files": [] } } }""";
        StringAssert.Contains(Assert.ThrowsExactly<StateResolutionException>(() => StateLockFileFormat.Parse(Encoding.UTF8.GetBytes(half), "l")).Message, "both \"patterns\" and \"files\"");

        Assert.ThrowsExactly<ArgumentException>(() => BundleFile.ManifestSha256([new BundleFile("a.json", A, 1), new BundleFile("a.json", B, 1)]));
    }
}
