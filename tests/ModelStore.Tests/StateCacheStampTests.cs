using System.Security.Cryptography;
using System.Text;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Tests;

/// <summary>Verify once, trust a stamp: what skips a hash, and what a changed byte or a planted stamp cannot skip.</summary>
[TestClass]
public sealed class StateCacheStampTests
{
    private static readonly StateKey Key = StateKey.Parse("pytorch/tiny-mlp.digits.v1");

    private string _root = null!;
    private StateCache _cache = null!;
    private byte[] _bytes = null!;
    private string _sha256 = null!;

    public TestContext TestContext { get; set; } = null!;

    private string StoreFolder => Path.Combine(_root, "states");

    [TestInitialize]
    public async Task Create()
    {
        Assert.IsTrue(OperatingSystem.IsLinux(), "Stamps are read with statx; elsewhere every check hashes.");
        _root = Directory.CreateTempSubdirectory("modelstore-stamp-").FullName;

        // Stamps are recorded only for files whose last change is older than the racy window (2 s); these tests make
        // the window zero so that they need not wait, and pause a few clock ticks before an edit instead.
        _cache = Cache(Path.Combine(_root, "cache"));
        _bytes = RandomNumberGenerator.GetBytes(64 * 1024);
        _sha256 = Convert.ToHexStringLower(SHA256.HashData(_bytes));
        await new LocalStateStore(StoreFolder).WriteAsync(Key, new MemoryStream(_bytes), cancellationToken: TestContext.CancellationToken);
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_blob_is_hashed_once_more_after_insert_then_trusted_while_its_stamp_matches_and_full_always_hashes()
    {
        await _cache.AddAsync("local", Key, new MemoryStream(_bytes), _sha256, TestContext.CancellationToken);

        var first = await CheckAsync(CacheVerification.Stamp);
        var second = await CheckAsync(CacheVerification.Stamp);
        var full = await CheckAsync(CacheVerification.Full);
        var afterFull = await CheckAsync(CacheVerification.Stamp);

        Assert.AreEqual((BlobCondition.Valid, true), (first.Condition, first.Hashed), "A fresh insert has no stamp yet (its ctime is racy).");
        Assert.AreEqual((BlobCondition.Valid, false, (long)_bytes.Length), (second.Condition, second.Hashed, second.Size), "The stamp from the first check vouches for the bytes.");
        Assert.IsTrue(full.Hashed, "Full hashes whatever the stamp says.");
        Assert.IsFalse(afterFull.Hashed);
    }

    [TestMethod]
    public async Task A_large_blob_is_stamped_as_it_is_placed_so_its_first_check_hashes_nothing_and_an_edit_is_still_caught()
    {
        // Large means FreshStampMinimumSize (8 MiB in use); lowered here so that the 64 KiB blob counts.
        var cache = new StateCache(Path.Combine(_root, "large-cache")) { FreshStampMinimumSize = 1 };
        await cache.AddAsync("local", Key, new MemoryStream(_bytes), _sha256, TestContext.CancellationToken);
        var path = cache.GetBlobPath(_sha256);
        var stampPath = Path.Combine(cache.Root, "stamps", "sha256", _sha256[..2], _sha256);
        var placed = BlobStamp.Read(path)!.Value;

        Assert.IsTrue(File.Exists(stampPath), "Stamped when placed.");
        Assert.IsTrue(BlobStamp.Read(stampPath)!.Value.ModifiedNs > placed.ChangedNs, "Written only once the file system's clock had passed the blob's last change.");
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(cache.Root, "stamps"), "clock.*"), "The clock probe is gone.");
        var first = await cache.CheckBlobAsync(_sha256, CacheVerification.Stamp, TestContext.CancellationToken);
        Assert.AreEqual((BlobCondition.Valid, false), (first.Condition, first.Hashed), "Hashed on the way in: not again.");

        // Any later write gives the blob a ctime at or after that clock reading, so not the one recorded.
        File.SetAttributes(path, FileAttributes.Normal);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.WriteByte((byte)(_bytes[0] ^ 0x01));
        }

        await TouchBackAsync(path, placed.ModifiedNs);
        var check = await cache.CheckBlobAsync(_sha256, CacheVerification.Stamp, TestContext.CancellationToken);

        Assert.AreEqual((BlobCondition.Removed, true), (check.Condition, check.Hashed));
    }

    [TestMethod]
    public async Task A_blob_below_the_fresh_stamp_size_is_not_stamped_as_it_is_placed()
    {
        var cache = new StateCache(Path.Combine(_root, "small-cache"));
        await cache.AddAsync("local", Key, new MemoryStream(_bytes), _sha256, TestContext.CancellationToken);

        Assert.IsFalse(File.Exists(Path.Combine(cache.Root, "stamps", "sha256", _sha256[..2], _sha256)), "64 KiB hashes faster than the clock ticks.");
        Assert.IsTrue((await cache.CheckBlobAsync(_sha256, CacheVerification.Stamp, TestContext.CancellationToken)).Hashed);
    }

    [TestMethod]
    public async Task A_byte_edited_with_size_and_mtime_kept_is_caught_by_ctime_and_the_blob_removed()
    {
        await _cache.AddAsync("local", Key, new MemoryStream(_bytes), _sha256, TestContext.CancellationToken);
        await CheckAsync(CacheVerification.Stamp);
        Assert.IsFalse((await CheckAsync(CacheVerification.Stamp)).Hashed, "Stamped.");
        var path = _cache.GetBlobPath(_sha256);
        var before = BlobStamp.Read(path)!.Value;

        // A few clock ticks, as the racy window gives in real use; then the edit, and mtime set back (touch -d).
        await Task.Delay(50, TestContext.CancellationToken);
        File.SetAttributes(path, FileAttributes.Normal);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = _bytes.Length / 2;
            file.WriteByte((byte)(_bytes[_bytes.Length / 2] ^ 0xFF));
        }

        await TouchBackAsync(path, before.ModifiedNs);
        var after = BlobStamp.Read(path)!.Value;
        Assert.AreEqual((before.Device, before.Inode, before.Size, before.ModifiedNs), (after.Device, after.Inode, after.Size, after.ModifiedNs), "Same file, size and mtime.");
        Assert.AreNotEqual(before.ChangedNs, after.ChangedNs, "Only ctime tells the edit apart, and no user can set it back.");

        var check = await CheckAsync(CacheVerification.Stamp);

        Assert.AreEqual((BlobCondition.Removed, true), (check.Condition, check.Hashed));
        Assert.IsFalse(File.Exists(path));
    }

    [TestMethod]
    public async Task A_byte_edited_with_size_and_mtime_kept_is_fetched_again_by_the_resolver()
    {
        var request = new StateRequest(Key, "local") { Sha256 = _sha256 };
        Assert.IsTrue((await Resolver().ResolveAsync(request, TestContext.CancellationToken)).Succeeded);
        var stamped = await Resolver().ResolveAsync(request, TestContext.CancellationToken);
        Assert.AreEqual(StateSource.Cache, stamped.Source);
        var path = _cache.GetBlobPath(_sha256);
        var mtime = BlobStamp.Read(path)!.Value.ModifiedNs;
        await Task.Delay(50, TestContext.CancellationToken);
        File.SetAttributes(path, FileAttributes.Normal);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.WriteByte((byte)(_bytes[0] ^ 0x01));
        }

        await TouchBackAsync(path, mtime);

        var again = await Resolver().ResolveAsync(request, TestContext.CancellationToken);

        Assert.IsTrue(again.Succeeded, again.ToString());
        Assert.AreEqual(StateSource.Store, again.Source, "The edited blob was not trusted.");
        Assert.AreEqual(ResolutionWarningKind.CacheRepaired, again.Warnings.Single().Kind);
        CollectionAssert.AreEqual(_bytes, await File.ReadAllBytesAsync(path, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Malformed_stamps_and_stamps_copied_from_another_cache_vouch_for_nothing()
    {
        await _cache.AddAsync("local", Key, new MemoryStream(_bytes), _sha256, TestContext.CancellationToken);
        await CheckAsync(CacheVerification.Stamp);
        var stampPath = Path.Combine(_cache.Root, "stamps", "sha256", _sha256[..2], _sha256);
        var good = await File.ReadAllTextAsync(stampPath, TestContext.CancellationToken);

        // A cache folder copied elsewhere (a cloned or restored home): the same stamps, other inodes.
        var copy = Cache(Path.Combine(_root, "copy"));
        CopyFolder(_cache.Root, copy.Root);
        var copied = await copy.CheckBlobAsync(_sha256, CacheVerification.Stamp, TestContext.CancellationToken);
        Assert.AreEqual((BlobCondition.Valid, true), (copied.Condition, copied.Hashed), "A copied stamp names another inode.");

        var fields = good.TrimEnd('\n').Split(' ');
        string[] hostile =
        [
            "", "garbage", good.TrimEnd('\n'), good + good, "2" + good[1..], good.Replace(" ", "  ", StringComparison.Ordinal),
            $"1 {fields[1]} {fields[2]} -{fields[3]} {fields[4]} {fields[5]}\n", $"1 {fields[1]} {fields[2]} {fields[3]} {fields[4]} {fields[5]} {_sha256}\n",
            new string('9', 300) + "\n",
        ];
        foreach (var text in hostile)
        {
            File.WriteAllText(stampPath, text, Encoding.Latin1);
            var check = await CheckAsync(CacheVerification.Stamp);
            Assert.AreEqual((BlobCondition.Valid, true), (check.Condition, check.Hashed), $"Stamp {text.ReplaceLineEndings("\\n")}");
        }
    }

    [TestMethod]
    public async Task A_stamp_names_no_hash_so_a_stamp_moved_to_another_blob_matches_nothing_and_full_ignores_stamps()
    {
        await _cache.AddAsync("local", Key, new MemoryStream(_bytes), _sha256, TestContext.CancellationToken);
        var other = RandomNumberGenerator.GetBytes(1000);
        var otherSha256 = Convert.ToHexStringLower(SHA256.HashData(other));
        await _cache.AddAsync("local", StateKey.Parse("pytorch/tiny-mlp.mnist.v1"), new MemoryStream(other), otherSha256, TestContext.CancellationToken);
        await CheckAsync(CacheVerification.Stamp);
        string StampOf(string hash) => Path.Combine(_cache.Root, "stamps", "sha256", hash[..2], hash);

        Directory.CreateDirectory(Path.GetDirectoryName(StampOf(otherSha256))!);
        File.Copy(StampOf(_sha256), StampOf(otherSha256));
        var moved = await _cache.CheckBlobAsync(otherSha256, CacheVerification.Stamp, TestContext.CancellationToken);

        // Someone who can write the cache can forge a stamp for bytes they changed (as they could write the blob):
        // stamp mode trusts what matches the live stat; Full, for CI, does not.
        var path = _cache.GetBlobPath(_sha256);
        File.SetAttributes(path, FileAttributes.Normal);
        await File.WriteAllBytesAsync(path, new byte[_bytes.Length], TestContext.CancellationToken);
        File.WriteAllText(StampOf(_sha256), BlobStamp.Read(path)!.Value.Format());
        var trusted = await CheckAsync(CacheVerification.Stamp);
        var forged = await CheckAsync(CacheVerification.Full);

        Assert.AreEqual((BlobCondition.Valid, true), (moved.Condition, moved.Hashed), "The other blob's stamp matches another inode.");
        Assert.AreEqual((BlobCondition.Valid, false), (trusted.Condition, trusted.Hashed), "The trust boundary is who may write the cache.");
        Assert.AreEqual((BlobCondition.Removed, true), (forged.Condition, forged.Hashed));
    }

    private static StateCache Cache(string root) => new(root) { StampRacyWindow = TimeSpan.Zero };

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    // touch -d: mtime set back to the nanosecond (as a user hiding an edit would).
    private async Task TouchBackAsync(string path, long modifiedNs)
    {
        using var touch = System.Diagnostics.Process.Start("touch", ["-m", "-d", $"@{modifiedNs / 1_000_000_000}.{modifiedNs % 1_000_000_000:D9}", path]);
        await touch.WaitForExitAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, touch.ExitCode);
        Assert.AreEqual(modifiedNs, BlobStamp.Read(path)!.Value.ModifiedNs, "mtime is back.");
    }

    // Even with a zero racy window, a blob changed in the current millisecond is racy and gets no stamp: the check waits
    // for the clock to leave that millisecond, as the 2 s window of real use always does (a fast machine met it here).
    private async Task<BlobCheck> CheckAsync(CacheVerification verification)
    {
        while (BlobStamp.Read(_cache.GetBlobPath(_sha256)) is { } stamp && stamp.IsRacy(DateTimeOffset.UtcNow, TimeSpan.Zero))
        {
            await Task.Delay(1, TestContext.CancellationToken);
        }

        return await _cache.CheckBlobAsync(_sha256, verification, TestContext.CancellationToken);
    }

    private StateResolver Resolver()
    {
        var stores = new StoreCatalog();
        stores.Add(new LocalStateStoreProvider(), new StateStoreSettings("local", "Local", [new("Folder", StoreFolder)], _root));
        return new StateResolver(new StateResolverOptions { Cache = _cache, Stores = stores });
    }
}
