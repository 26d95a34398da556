using System.Diagnostics;
using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests;

[TestClass]
public sealed class StateCacheTests
{
    private const string Store = "local:/srv/states";
    private static readonly StateKey Key = StateKey.Parse("pytorch/resnet18.cls1000.imagenet");
    private static readonly byte[] Bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
    private static readonly string BytesSha256 = Convert.ToHexStringLower(SHA256.HashData(Bytes));

    private string _root = null!;
    private StateCache _cache = null!;
    private int _fetches;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCache()
    {
        _root = Directory.CreateTempSubdirectory("modelstore-cache-").FullName;
        _cache = new StateCache(_root);
    }

    [TestCleanup]
    public void DeleteCache() => Directory.Delete(_root, recursive: true);

    private Task<Stream> Open(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        return Task.FromResult<Stream>(new MemoryStream(Bytes));
    }

    [TestMethod]
    public async Task A_state_is_fetched_once_then_served_from_the_cache()
    {
        var first = await _cache.GetOrFetchAsync(Store, Key, Open, cancellationToken: TestContext.CancellationToken);
        var second = await _cache.GetOrFetchAsync(Store, Key, Open, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(1, _fetches);
        Assert.AreEqual(first, second);
        Assert.AreEqual(BytesSha256, first.Sha256);
        Assert.AreEqual(Bytes.Length, first.Size);
        Assert.AreEqual(Path.Combine(_root, "blobs", "sha256", BytesSha256[..2], BytesSha256), first.BlobPath);
        CollectionAssert.AreEqual(Bytes, await File.ReadAllBytesAsync(first.BlobPath, TestContext.CancellationToken));
        Assert.AreEqual(first, _cache.TryGet(Store, Key));
        Assert.IsNull(_cache.TryGet("local:/elsewhere", Key));
    }

    [TestMethod]
    public async Task Concurrent_requests_for_one_state_fetch_it_once()
    {
        async Task<Stream> SlowOpen(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _fetches);
            await Task.Delay(200, cancellationToken);
            return new MemoryStream(Bytes);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _cache.GetOrFetchAsync(Store, Key, SlowOpen, cancellationToken: TestContext.CancellationToken))));

        Assert.AreEqual(1, _fetches);
        Assert.IsTrue(results.All(result => result.Sha256 == BytesSha256));
    }

    [TestMethod]
    public async Task Another_process_holding_the_lock_makes_the_fetch_wait_for_it()
    {
        var lockPath = _cache.GetLockPath(Store, Key);
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        // Another process takes the state's lock the way the cache does on this system (on Linux the state's byte of the
        // folder's range file, elsewhere the lock file) and holds it 1.5 s.
        var ready = Path.Combine(_root, "holder.ready");
        using var holder = Caching.CrossProcessLockTests.StartHolder(lockPath, ready, seconds: 1.5);
        var started = Stopwatch.StartNew();
        while (!File.Exists(ready) && started.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10, TestContext.CancellationToken);
        }

        Assert.IsTrue(File.Exists(ready), "The other process never took the lock.");
        Assert.IsNull(CrossProcessLock.TryAcquire(lockPath), "The other process's lock is not seen as held.");
        var fetchedWhileHeld = false;
        var state = await _cache.GetOrFetchAsync(Store, Key, cancellationToken =>
        {
            fetchedWhileHeld = !holder.HasExited;
            return Open(cancellationToken);
        }, cancellationToken: TestContext.CancellationToken);

        Assert.IsFalse(fetchedWhileHeld, "The fetch ran while another process held the state's lock.");
        Assert.AreEqual(BytesSha256, state.Sha256);
    }

    [TestMethod]
    public async Task A_small_pinned_state_is_fetched_without_a_lock_file_and_a_stamped_size_with_one()
    {
        // A local store is read by the small path; a pinned size below the stamp size takes the state's lock without a
        // file (on Linux), one at or above it with the file that earlier versions wait for.
        var folder = Path.Combine(_root, "store");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, LocalStateStore.GetFileName(Key)), Bytes, TestContext.CancellationToken);
        var store = new LocalStateStore(folder);
        var locks = Path.Combine(_root, "locks");

        var fetched = await _cache.GetOrFetchAsync(store, Key, BytesSha256, Bytes.Length, progress: null, TestContext.CancellationToken);

        Assert.AreEqual(BytesSha256, fetched.Sha256);
        var lockFile = _cache.GetLockPath(store.Id, Key);
        Assert.AreEqual(!OperatingSystem.IsLinux(), File.Exists(lockFile), "Only Linux fetches a small state without a lock file.");

        var stampedRoot = Path.Combine(_root, "stamped");
        var stamped = new StateCache(stampedRoot) { FreshStampMinimumSize = 1024 };
        await stamped.GetOrFetchAsync(store, Key, BytesSha256, Bytes.Length, progress: null, TestContext.CancellationToken);
        Assert.IsTrue(File.Exists(stamped.GetLockPath(store.Id, Key)), "A state that gets a stamp was fetched without the lock file earlier versions wait for.");
        if (OperatingSystem.IsLinux())
        {
            CollectionAssert.AreEquivalent(new[] { CrossProcessLock.RangeFileName }, Directory.GetFiles(locks).Select(Path.GetFileName).ToArray(), "The small fetch left a file in locks/ besides the range file.");
        }
    }

    [TestMethod]
    public async Task Bytes_that_do_not_match_the_expected_hash_are_refused_and_leave_nothing()
    {
        var wrong = new string('0', 64);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => _cache.GetOrFetchAsync(Store, Key, Open, expectedSha256: wrong, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
        StringAssert.Contains(error.Message, BytesSha256);
        StringAssert.Contains(error.Message, wrong);
        Assert.IsNull(_cache.TryGet(Store, Key));
        Assert.AreEqual(0, Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Count(file => !file.EndsWith(".lock", StringComparison.Ordinal) && Path.GetFileName(file) != CrossProcessLock.RangeFileName));
    }

    [TestMethod]
    public async Task A_matching_expected_hash_in_any_case_is_accepted()
    {
        var state = await _cache.GetOrFetchAsync(Store, Key, Open, expectedSha256: BytesSha256.ToUpperInvariant(), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(BytesSha256, state.Sha256);
    }

    [TestMethod]
    public async Task A_cached_state_with_another_hash_than_pinned_is_fetched_again()
    {
        await _cache.AddAsync(Store, Key, new MemoryStream([1, 2, 3]), cancellationToken: TestContext.CancellationToken);

        var state = await _cache.GetOrFetchAsync(Store, Key, Open, expectedSha256: BytesSha256, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(1, _fetches);
        Assert.AreEqual(BytesSha256, state.Sha256);
    }

    [TestMethod]
    public async Task A_pinned_blob_already_cached_under_another_store_is_reused_without_fetching()
    {
        await _cache.AddAsync("s3:mirror", Key, new MemoryStream(Bytes), cancellationToken: TestContext.CancellationToken);

        var state = await _cache.GetOrFetchAsync(Store, Key, Open, expectedSha256: BytesSha256, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(0, _fetches);
        Assert.AreEqual(BytesSha256, state.Sha256);
        Assert.IsNotNull(_cache.TryGet(Store, Key));
    }

    [TestMethod]
    public async Task A_damaged_blob_under_the_pinned_hash_is_not_trusted_but_fetched_again()
    {
        var state = await _cache.AddAsync("s3:mirror", Key, new MemoryStream(Bytes), cancellationToken: TestContext.CancellationToken);
        await using (var blob = new FileStream(state.BlobPath, FileMode.Open, FileAccess.ReadWrite))
        {
            blob.WriteByte((byte)(Bytes[0] ^ 0xFF));
        }

        var fetched = await _cache.GetOrFetchAsync(Store, Key, Open, expectedSha256: BytesSha256, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(1, _fetches);
        CollectionAssert.AreEqual(Bytes, await File.ReadAllBytesAsync(fetched.BlobPath, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task A_cancelled_fetch_leaves_no_partial_blob()
    {
        using var cancellation = new CancellationTokenSource();
        var source = new PatternStream(50L * 1024 * 1024) { OnRead = position => { if (position > 4 * 1024 * 1024) { cancellation.Cancel(); } } };

        await Assert.ThrowsAsync<OperationCanceledException>(() => _cache.GetOrFetchAsync(Store, Key, _ => Task.FromResult<Stream>(source), cancellationToken: cancellation.Token));

        Assert.IsNull(_cache.TryGet(Store, Key));
        Assert.AreEqual(0, Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Count(file => !file.EndsWith(".lock", StringComparison.Ordinal) && Path.GetFileName(file) != CrossProcessLock.RangeFileName));
    }

    [TestMethod]
    public async Task A_tampered_blob_fails_verification_and_a_new_insert_repairs_it()
    {
        var state = await _cache.AddAsync(Store, Key, new MemoryStream(Bytes), cancellationToken: TestContext.CancellationToken);
        Assert.IsTrue(await StateCache.VerifyAsync(state, TestContext.CancellationToken));

        await using (var blob = new FileStream(state.BlobPath, FileMode.Open, FileAccess.ReadWrite))
        {
            blob.Position = 1234;
            blob.WriteByte((byte)(Bytes[1234] ^ 0xFF));
        }

        Assert.IsFalse(await StateCache.VerifyAsync(state, TestContext.CancellationToken));
        await _cache.AddAsync(Store, Key, new MemoryStream(Bytes), cancellationToken: TestContext.CancellationToken);
        Assert.IsTrue(await StateCache.VerifyAsync(state, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task A_missing_blob_is_a_cache_miss()
    {
        var state = await _cache.AddAsync(Store, Key, new MemoryStream(Bytes), cancellationToken: TestContext.CancellationToken);
        File.Delete(state.BlobPath);

        Assert.IsNull(_cache.TryGet(Store, Key));
        await _cache.GetOrFetchAsync(Store, Key, Open, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(1, _fetches);
    }

    [TestMethod]
    public async Task Cleaning_removes_unreferenced_blobs_only()
    {
        var kept = await _cache.AddAsync(Store, Key, new MemoryStream(Bytes), cancellationToken: TestContext.CancellationToken);
        var other = StateKey.Parse("pytorch/resnet18.cls1000.other");
        var dropped = await _cache.AddAsync(Store, other, new MemoryStream([5, 6, 7]), cancellationToken: TestContext.CancellationToken);

        Assert.IsTrue(_cache.Remove(Store, other));
        var freed = _cache.RemoveUnreferencedBlobs();

        Assert.AreEqual(3, freed);
        Assert.IsTrue(File.Exists(kept.BlobPath));
        Assert.IsFalse(File.Exists(dropped.BlobPath));
        CollectionAssert.AreEqual(new[] { kept }, _cache.EnumerateStates().ToArray());
    }

    [TestMethod]
    public void The_root_is_MODELSTORE_HOME_when_set_else_the_user_profile()
    {
        var previous = Environment.GetEnvironmentVariable(StateCache.HomeVariable);
        try
        {
            Environment.SetEnvironmentVariable(StateCache.HomeVariable, _root);
            Assert.AreEqual(_root, StateCache.DefaultRoot);
            Assert.AreEqual(_root, StateCache.Default.Root);

            Environment.SetEnvironmentVariable(StateCache.HomeVariable, null);
            Assert.AreEqual(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".modelstore"), StateCache.DefaultRoot);
        }
        finally
        {
            Environment.SetEnvironmentVariable(StateCache.HomeVariable, previous);
        }
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("xyz")]
    [DataRow("../../../../etc/passwd")]
    public void Malformed_hashes_are_refused(string sha256) =>
        Assert.ThrowsExactly<ArgumentException>(() => _cache.GetBlobPath(sha256));
}
