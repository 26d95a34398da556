using ModelStore.Caching;
using ModelStore.IO;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Tests.Caching;

/// <summary>
/// Bundle folders made of hard links to the cache's blobs (Linux): files of the folder to any reader, with the blob's
/// inode, so a byte written through the bundle path is caught by the blob's stamp, and a repaired blob never leaves a
/// bundle on the old bytes.
/// </summary>
[TestClass]
public sealed class BundleHardLinkTests
{
    private static readonly StateKey Key = StateKey.Parse("onnx/external.v1");
    private string _root = null!;
    private string _store = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Create()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-bundle-hardlinks-").FullName;
        _store = Directory.CreateDirectory(Path.Combine(_root, "store")).FullName;
        File.WriteAllBytes(Path.Combine(_store, "model.onnx"), [.. Enumerable.Range(0, 600).Select(i => (byte)(i * 7))]);
        File.WriteAllBytes(Path.Combine(_store, "model.onnx_data"), [.. Enumerable.Range(0, 40_000).Select(i => (byte)(i * 13 + 1))]);
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_bundles_files_are_hard_links_to_their_blobs_inside_the_folder_not_links_out_of_it()
    {
        var cache = new StateCache(Path.Combine(_root, "cache"));

        var bundle = await ResolveAsync(cache);

        foreach (var file in bundle.Files!)
        {
            var path = Path.Combine(bundle.Path!, file.Path);
            Assert.IsNull(new FileInfo(path).LinkTarget, $"{file.Path}: not a symbolic link");
            AssertSameInode(cache.GetBlobPath(file.Sha256), path);
            Assert.IsTrue(ConfinedPath.IsInside(path, bundle.Path!), "a reader confining files to the folder accepts it as it is");
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(_store, file.Path)), File.ReadAllBytes(path));
        }

        Assert.AreEqual(2u, BlobStamp.LinkCount(Path.Combine(bundle.Path!, "model.onnx_data")), "the blob and the bundle's name");
    }

    [TestMethod]
    public async Task A_byte_written_through_the_bundle_path_fails_the_blobs_check_and_takes_the_bundle_with_the_blob()
    {
        var cache = new StateCache(Path.Combine(_root, "cache")) { StampRacyWindow = TimeSpan.FromMilliseconds(50) };
        var bundle = await ResolveAsync(cache);
        var data = bundle.Files!.Single(file => file.Path == "model.onnx_data");

        // Stamped (the link's ctime older than the racy window), the blob is then vouched for without a hash.
        await Task.Delay(200, TestContext.CancellationToken);
        Assert.IsTrue((await cache.CheckBlobAsync(data.Sha256, CacheVerification.Full, TestContext.CancellationToken)).Hashed);
        var stamped = await cache.CheckBlobAsync(data.Sha256, CacheVerification.Stamp, TestContext.CancellationToken);
        Assert.AreEqual(BlobCondition.Valid, stamped.Condition);
        Assert.IsFalse(stamped.Hashed, "the stamp vouches for the untouched blob");

        // One byte changed in place through the bundle's name: the same inode, so the blob changed (and its ctime).
        await Task.Delay(50, TestContext.CancellationToken);
        using (var stream = new FileStream(Path.Combine(bundle.Path!, "model.onnx_data"), FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 1234;
            var original = stream.ReadByte();
            stream.Position = 1234;
            stream.WriteByte((byte)(original ^ 0x01));
        }

        var check = await cache.CheckBlobAsync(data.Sha256, CacheVerification.Stamp, TestContext.CancellationToken);

        Assert.AreEqual(BlobCondition.Removed, check.Condition);
        Assert.IsTrue(check.Hashed, "the changed ctime voids the stamp");
        Assert.IsFalse(Directory.Exists(bundle.Path), "no bundle keeps the wrong bytes under the file's name");

        // The next resolution fetches the file again and builds the bundle on the new blob.
        var again = await ResolveAsync(cache);
        Assert.AreEqual(bundle.Path, again.Path);
        Assert.AreEqual(StateSource.Store, again.Source);
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(_store, "model.onnx_data")), File.ReadAllBytes(Path.Combine(again.Path!, "model.onnx_data")));
        AssertSameInode(cache.GetBlobPath(data.Sha256), Path.Combine(again.Path!, "model.onnx_data"));
    }

    [TestMethod]
    public async Task A_blob_replaced_by_a_new_file_rebuilds_the_bundle_on_the_new_inode()
    {
        var cache = new StateCache(Path.Combine(_root, "cache"));
        var bundle = await ResolveAsync(cache);
        var data = bundle.Files!.Single(file => file.Path == "model.onnx_data");
        var blob = cache.GetBlobPath(data.Sha256);

        // Another process put the same bytes at the blob's name as a new file (delete + write: a new inode), the old
        // inode left in the bundle with other bytes.
        var bytes = File.ReadAllBytes(blob);
        File.Delete(blob);
        File.WriteAllBytes(blob, bytes);
        using (var stale = new FileStream(Path.Combine(bundle.Path!, "model.onnx_data"), FileMode.Open, FileAccess.Write))
        {
            stale.WriteByte(0xFF);
        }

        var again = await ResolveAsync(cache);

        Assert.IsTrue(again.Succeeded, again.Failure?.Message);
        Assert.AreEqual(StateSource.Cache, again.Source);
        AssertSameInode(blob, Path.Combine(again.Path!, "model.onnx_data"));
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(Path.Combine(again.Path!, "model.onnx_data")));
    }

    [TestMethod]
    public async Task The_same_bytes_fetched_again_under_another_key_keep_the_blob_and_the_bundle_linking_to_it()
    {
        // A single state and a bundle file with the same bytes, resolved at the same time: each under its own lock, so
        // the later one finds the blob already placed and the bundle already built on it (the Hub cache test met this
        // under load: the bundle folder vanished under the caller it had just been handed to).
        var cache = new StateCache(Path.Combine(_root, "cache"));
        var bundle = await ResolveAsync(cache);
        var data = bundle.Files!.Single(file => file.Path == "model.onnx_data");
        var blob = cache.GetBlobPath(data.Sha256);
        var before = BlobStamp.Read(blob);

        await using (var same = File.OpenRead(Path.Combine(_store, "model.onnx_data")))
        {
            var single = await cache.AddAsync("other", StateKey.Parse("onnx/data.v1"), same, data.Sha256, TestContext.CancellationToken);
            Assert.AreEqual(blob, single.BlobPath);
        }

        Assert.IsTrue(Directory.Exists(bundle.Path), "the bundle handed out stays where it was");
        AssertSameInode(blob, Path.Combine(bundle.Path!, "model.onnx_data"));
        Assert.AreEqual(before!.Value.Inode, BlobStamp.Read(blob)!.Value.Inode, "the placed blob was kept, the second copy dropped");
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(_store, "model.onnx_data")), File.ReadAllBytes(Path.Combine(bundle.Path!, "model.onnx_data")));
        Assert.IsFalse(Directory.EnumerateFiles(Path.Combine(cache.Root, "tmp")).Any(), "the second copy is not left in tmp/");
    }

    [TestMethod]
    public async Task The_same_bytes_fetched_again_replace_a_blob_changed_on_disk_and_drop_the_bundle_on_the_old_inode()
    {
        var cache = new StateCache(Path.Combine(_root, "cache"));
        var bundle = await ResolveAsync(cache);
        var data = bundle.Files!.Single(file => file.Path == "model.onnx_data");
        var blob = cache.GetBlobPath(data.Sha256);
        using (var stream = new FileStream(blob, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 99;
            stream.WriteByte(0xEE);
        }

        await using (var same = File.OpenRead(Path.Combine(_store, "model.onnx_data")))
        {
            await cache.AddAsync("other", StateKey.Parse("onnx/data.v1"), same, data.Sha256, TestContext.CancellationToken);
        }

        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(_store, "model.onnx_data")), File.ReadAllBytes(blob), "the verified bytes replaced the changed ones");
        Assert.IsFalse(Directory.Exists(bundle.Path), "no bundle keeps the changed bytes under the file's name");
        var again = await ResolveAsync(cache);
        AssertSameInode(blob, Path.Combine(again.Path!, "model.onnx_data"));
    }

    [TestMethod]
    public async Task Cleaning_unreferenced_blobs_frees_their_bytes_and_takes_the_bundles_linking_to_them()
    {
        var cache = new StateCache(Path.Combine(_root, "cache"));
        var bundle = await ResolveAsync(cache);
        foreach (var state in cache.EnumerateStates().ToList())
        {
            cache.Remove(state.StoreId, state.Key);
        }

        var freed = cache.RemoveUnreferencedBlobs();

        Assert.AreEqual(bundle.Files!.Sum(file => file.Size), freed);
        Assert.IsFalse(Directory.Exists(bundle.Path), "a bundle's hard links would otherwise keep the bytes on disk");
    }

    [TestMethod]
    public async Task Where_hard_links_are_not_made_the_bundle_is_symbolic_links_to_its_blobs()
    {
        var cache = new StateCache(Path.Combine(_root, "cache")) { HardLinkBundles = false };

        var bundle = await ResolveAsync(cache);

        foreach (var file in bundle.Files!)
        {
            var path = Path.Combine(bundle.Path!, file.Path);
            Assert.AreEqual(cache.GetBlobPath(file.Sha256), new FileInfo(path).LinkTarget);
            Assert.IsTrue(StateCache.IsBundleFile(path));
        }

        // A later build where hard links work keeps the complete folder as it is.
        var again = await ResolveAsync(new StateCache(cache.Root));
        Assert.IsNotNull(new FileInfo(Path.Combine(again.Path!, "model.onnx_data")).LinkTarget);
    }

    private async Task<StateResolution> ResolveAsync(StateCache cache)
    {
        var stores = new StoreCatalog();
        stores.Add("local", new LocalStateStore(_store));
        var resolver = new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores, LockFile = StateLockFile.Empty });
        var outcome = await resolver.ResolveAsync(new StateRequest(Key, "local") { Files = FilePatterns.Parse("model.onnx;model.onnx_data") }, TestContext.CancellationToken);
        Assert.IsTrue(outcome.Succeeded, outcome.Failure?.Message);
        return outcome;
    }

    private static void AssertSameInode(string blob, string path)
    {
        var expected = BlobStamp.Read(blob);
        var actual = BlobStamp.Read(path);
        Assert.IsNotNull(expected);
        Assert.IsNotNull(actual);
        Assert.AreEqual((expected.Value.Device, expected.Value.Inode), (actual.Value.Device, actual.Value.Inode), path);
    }
}
