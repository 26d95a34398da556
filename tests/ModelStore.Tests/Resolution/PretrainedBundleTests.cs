using System.Security.Cryptography;
using ModelStore.Resolution;
using ModelStore.Stores;

namespace ModelStore.Tests.Resolution;

/// <summary>The run-time accessors of a bundle state, over a folder copied to the output as the build does.</summary>
[TestClass]
public sealed class PretrainedBundleTests
{
    private string _relative = null!;
    private string _folder = null!;
    private List<BundleFile> _files = null!;

    [TestInitialize]
    public void Create()
    {
        _relative = $"modelstates/test-bundle-{Guid.NewGuid():N}";
        _folder = Path.Combine(AppContext.BaseDirectory, _relative);
        _files = [Write("config.json", [1, 2, 3]), Write("onnx/model.onnx", [.. Enumerable.Range(0, 5000).Select(i => (byte)i)])];
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void A_bundle_gives_its_folder_each_file_path_and_verified_streams()
    {
        var state = Bundle();

        Assert.AreEqual(Path.GetFullPath(_folder), state.Directory);
        Assert.AreEqual(state.Directory, state.ResolvePath());
        Assert.AreEqual(Path.Combine(_folder, "onnx", "model.onnx"), state.GetFilePath("onnx/model.onnx"));
        using (var stream = state.OpenRead("config.json"))
        {
            Assert.AreEqual(3, stream.Length);
        }

        CollectionAssert.AreEqual(new[] { "config.json", "onnx/model.onnx" }, state.Files!.Select(file => file.Path).ToArray());
        Assert.ThrowsExactly<InvalidOperationException>(() => state.OpenRead());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => state.OpenRead("vocab.txt")).Message, "config.json, onnx/model.onnx");
    }

    [TestMethod]
    public void A_file_changed_in_the_folder_is_an_integrity_error_and_files_that_are_not_the_hash_are_refused()
    {
        File.WriteAllBytes(Path.Combine(_folder, "config.json"), [1, 2, 4]);

        var error = Assert.ThrowsExactly<StateStoreException>(() => Bundle().OpenRead("config.json"));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
        Assert.ThrowsExactly<ArgumentException>(() => new PretrainedState("onnx/minilm.l6.v2", "hub", new string('a', 64), 1, _relative) { Files = _files });
        Assert.ThrowsExactly<InvalidOperationException>(() => new PretrainedState("onnx/minilm.l6.v2", "hub", new string('a', 64), 1, null).GetFilePath("config.json"));
    }

    private PretrainedState Bundle() =>
        new("onnx/minilm.l6.v2", "hub", BundleFile.ManifestSha256(_files), _files.Sum(file => file.Size), _relative) { Files = _files };

    private BundleFile Write(string path, byte[] bytes)
    {
        var full = Path.Combine(_folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return new BundleFile(path, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
    }
}
