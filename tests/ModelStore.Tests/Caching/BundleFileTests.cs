using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Tests.Caching;

/// <summary>
/// <see cref="StateCache.IsBundleFile"/>: which links out of a folder readers of untrusted folders (shard indexes, ONNX
/// external data) may follow. Only a bundle folder the cache assembled, leading to that cache's blobs, on real paths.
/// </summary>
[TestClass]
public sealed class BundleFileTests
{
    private string _root = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Create() => _root = Directory.CreateTempSubdirectory("modelstore-bundle-files-").FullName;

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task The_files_of_a_resolved_bundle_are_bundle_files_and_the_same_links_elsewhere_are_not()
    {
        var store = Directory.CreateDirectory(Path.Combine(_root, "store")).FullName;
        File.WriteAllText(Path.Combine(store, "model.safetensors.index.json"), "{}");
        Directory.CreateDirectory(Path.Combine(store, "shards"));
        File.WriteAllBytes(Path.Combine(store, "shards", "model-00001-of-00001.safetensors"), [1, 2, 3]);
        var stores = new StoreCatalog();
        stores.Add("local", new LocalStateStore(store));
        var resolver = new StateResolver(new StateResolverOptions { Cache = new StateCache(Path.Combine(_root, "cache")), Stores = stores, LockFile = StateLockFile.Empty });

        var bundle = await resolver.ResolveAsync(new StateRequest(StateKey.Parse("safetensors/tiny.v1"), "local") { Files = FilePatterns.Parse("**/*") }, TestContext.CancellationToken);

        Assert.IsTrue(bundle.Succeeded, bundle.Failure?.Message);
        foreach (var file in bundle.Files!)
        {
            Assert.IsTrue(StateCache.IsBundleFile(Path.Combine(bundle.Path!, file.Path)), file.Path);
        }

        // The same link from an ordinary folder, the store's own files, and a missing file: not bundle files.
        var blob = new FileInfo(Path.Combine(bundle.Path!, "shards", "model-00001-of-00001.safetensors")).LinkTarget!;
        var elsewhere = Path.Combine(Directory.CreateDirectory(Path.Combine(_root, "clone")).FullName, "shard.safetensors");
        File.CreateSymbolicLink(elsewhere, blob);
        Assert.IsFalse(StateCache.IsBundleFile(elsewhere));
        Assert.IsFalse(StateCache.IsBundleFile(Path.Combine(store, "shards", "model-00001-of-00001.safetensors")));
        Assert.IsFalse(StateCache.IsBundleFile(Path.Combine(bundle.Path!, "missing.safetensors")));
    }

    [TestMethod]
    public void A_folder_laid_out_like_a_bundle_whose_links_lead_elsewhere_is_not_a_bundle()
    {
        // bundles/{32 hex}/ in a clone, with links: to a file outside, and into a 'blobs' that is itself a link out.
        var bundle = Directory.CreateDirectory(Path.Combine(_root, "clone", "bundles", new string('a', 32))).FullName;
        var secret = Path.Combine(_root, "secret");
        File.WriteAllText(secret, "not a blob");
        File.CreateSymbolicLink(Path.Combine(bundle, "outside.safetensors"), secret);

        var name = new string('b', 64);
        var away = Directory.CreateDirectory(Path.Combine(_root, "away", "sha256", "bb")).FullName;
        File.WriteAllText(Path.Combine(away, name), "bytes outside the clone");
        Directory.CreateSymbolicLink(Path.Combine(_root, "clone", "blobs"), Path.Combine(_root, "away"));
        File.CreateSymbolicLink(Path.Combine(bundle, "through-linked-blobs.safetensors"), Path.Combine(_root, "clone", "blobs", "sha256", "bb", name));

        Assert.IsFalse(StateCache.IsBundleFile(Path.Combine(bundle, "outside.safetensors")));
        Assert.IsFalse(StateCache.IsBundleFile(Path.Combine(bundle, "through-linked-blobs.safetensors")));
    }
}
