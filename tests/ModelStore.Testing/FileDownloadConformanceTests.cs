using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Testing;

/// <summary>
/// What every <see cref="IFileDownloadingStore"/> promises: parallel ranged downloads into a file with their hash,
/// resumed after an interruption (or started over when the state changed), and fetched through the cache. Each backend
/// whose store downloads to files subclasses this once.
/// </summary>
public abstract class FileDownloadConformanceTests
{
    protected static readonly StateKey Key = new(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");

    private readonly List<IStateStore> _stores = [];

    private string _folder = null!;

    public TestContext TestContext { get; set; } = null!;

    protected CancellationToken Cancel => TestContext.CancellationToken;

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("modelstore-s3-download-").FullName;

    [TestCleanup]
    public void DeleteFolder()
    {
        Directory.Delete(_folder, recursive: true);
        foreach (var store in _stores.OfType<IDisposable>())
        {
            store.Dispose();
        }
    }

    /// <summary>
    /// A new store, on an empty container, whose ranged reads are 1 MiB with 4 at once (so the sizes below make several
    /// chunks). Disposed after the test when it is disposable.
    /// </summary>
    protected abstract Task<IFileDownloadingStore> CreateStoreAsync();

    [TestMethod]
    public async Task A_download_to_file_writes_the_exact_bytes_with_parallel_ranges()
    {
        var (store, size) = await StoreWithStateAsync(20L * 1024 * 1024 + 17, seed: 21);
        var path = Path.Combine(_folder, "state.bin");
        var reports = new List<long>();

        var download = await store.DownloadToFileAsync(Key, path, new SyncProgress(reports.Add), Cancel);

        Assert.AreEqual(size, download.BytesTransferred);
        Assert.AreEqual(size, download.Size);
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 21), await Sha256Async(path));
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 21), download.Sha256, "The hash computed during the download is the file's.");
        Assert.AreEqual(size, reports.Max());
        Assert.IsFalse(File.Exists(path + ChunkedDownloader.JournalSuffix), "The resume journal is removed once the download is complete.");
    }

    [TestMethod]
    public async Task An_interrupted_download_resumes_from_the_bytes_already_on_disk()
    {
        var (store, size) = await StoreWithStateAsync(32L * 1024 * 1024, seed: 22);
        var path = Path.Combine(_folder, "state.bin");
        using var interrupt = new CancellationTokenSource();
        long reached = 0;

        await Assert.ThrowsAsync<OperationCanceledException>(() => store.DownloadToFileAsync(Key, path, new SyncProgress(bytes =>
        {
            reached = bytes;
            if (bytes >= size / 2)
            {
                interrupt.Cancel();
            }
        }), interrupt.Token));
        Assert.IsTrue(File.Exists(path + ChunkedDownloader.JournalSuffix), "An interrupted download keeps its journal.");

        var download = await store.DownloadToFileAsync(Key, path, cancellationToken: Cancel);
        var transferred = download.BytesTransferred;

        TestContext.WriteLine($"First attempt reached {reached} bytes; the resume transferred {transferred} of {size}.");
        Assert.IsLessThan(size, transferred, "The resume downloaded everything again.");
        Assert.IsGreaterThan(0, transferred);
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 22), await Sha256Async(path));
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 22), download.Sha256, "The hash covers the resumed bytes too.");
    }

    [TestMethod]
    public async Task A_journal_save_cut_by_a_kill_leaves_nothing_once_the_next_download_completes()
    {
        // A process killed between writing a journal save and renaming it leaves "<file>.journal.tmp" (the fault proof
        // suite's kill -9 of an S3 pull found one in tmp/ after the re-run had succeeded).
        var (store, size) = await StoreWithStateAsync(100_003, seed: 27); // below a save's checkpoint: the download saves no journal
        var path = Path.Combine(_folder, "state.bin");
        var cutSave = path + ChunkedDownloader.JournalSuffix + ".tmp";
        await File.WriteAllTextAsync(cutSave, "{\"Size\":", Cancel);

        var download = await store.DownloadToFileAsync(Key, path, cancellationToken: Cancel);

        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 27), download.Sha256);
        CollectionAssert.AreEquivalent(new[] { "state.bin" }, Directory.GetFiles(_folder).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public async Task A_resume_after_the_state_changed_downloads_the_new_state_whole()
    {
        var (store, size) = await StoreWithStateAsync(16L * 1024 * 1024, seed: 23);
        var path = Path.Combine(_folder, "state.bin");
        using var interrupt = new CancellationTokenSource();
        await Assert.ThrowsAsync<OperationCanceledException>(() => store.DownloadToFileAsync(Key, path, new SyncProgress(bytes =>
        {
            if (bytes >= size / 2)
            {
                interrupt.Cancel();
            }
        }), interrupt.Token));
        await store.WriteAsync(Key, new PatternStream(size, seed: 24), overwrite: true, cancellationToken: Cancel);

        var download = await store.DownloadToFileAsync(Key, path, cancellationToken: Cancel);

        Assert.AreEqual(size, download.BytesTransferred);
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 24), await Sha256Async(path));
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 24), download.Sha256);
    }

    [TestMethod]
    public async Task An_empty_state_downloads_to_an_empty_file()
    {
        var store = await TrackedStoreAsync();
        await store.WriteAsync(Key, new MemoryStream(), cancellationToken: Cancel);
        var path = Path.Combine(_folder, "empty.bin");

        var download = await store.DownloadToFileAsync(Key, path, cancellationToken: Cancel);

        Assert.AreEqual(new FileDownload(0, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), download);
        Assert.AreEqual(0, new FileInfo(path).Length);
    }

    [TestMethod]
    public async Task The_cache_fetches_through_the_resumable_download_and_checks_the_hash()
    {
        var (store, size) = await StoreWithStateAsync(12L * 1024 * 1024, seed: 25);
        var cache = new StateCache(Path.Combine(_folder, "cache"));
        var expected = PatternStream.Sha256Of(size, seed: 25);

        var wrong = await Assert.ThrowsExactlyAsync<StateStoreException>(() => cache.GetOrFetchAsync(store, Key, new string('0', 64), cancellationToken: Cancel));
        var state = await cache.GetOrFetchAsync(store, Key, expected, cancellationToken: Cancel);

        Assert.AreEqual(StateStoreError.IntegrityMismatch, wrong.Error);
        Assert.AreEqual(expected, state.Sha256);
        Assert.AreEqual(size, state.Size);
        Assert.AreEqual(expected, await Sha256Async(state.BlobPath));
        Assert.IsFalse(File.Exists(cache.GetDownloadPath(store.Id, Key)), "The download file is consumed by the cache.");
        Assert.AreEqual(state.BlobPath, cache.TryGet(store.Id, Key)?.BlobPath);
    }

    [TestMethod]
    public async Task An_interrupted_cache_fetch_resumes_its_download()
    {
        var (store, size) = await StoreWithStateAsync(16L * 1024 * 1024, seed: 27);
        var cache = new StateCache(Path.Combine(_folder, "cache"));
        using var interrupt = new CancellationTokenSource();
        await Assert.ThrowsAsync<OperationCanceledException>(() => cache.GetOrFetchAsync(store, Key, progress: new SyncProgress(bytes =>
        {
            if (bytes >= size / 2)
            {
                interrupt.Cancel();
            }
        }), cancellationToken: interrupt.Token));
        Assert.IsNull(cache.TryGet(store.Id, Key), "Nothing partial is visible in the cache.");
        Assert.IsTrue(File.Exists(cache.GetDownloadPath(store.Id, Key)));
        var reports = new List<long>();

        var state = await cache.GetOrFetchAsync(store, Key, progress: new SyncProgress(reports.Add), cancellationToken: Cancel);

        Assert.IsGreaterThanOrEqualTo(size / 4, reports[0], "The second fetch starts from the bytes already downloaded.");
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 27), state.Sha256);
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 27), await Sha256Async(state.BlobPath));
    }

    [TestMethod]
    public async Task Downloading_a_large_state_keeps_memory_flat()
    {
        var (store, size) = await StoreWithStateAsync(64L * 1024 * 1024, seed: 26);
        var path = Path.Combine(_folder, "large.bin");

        long growth;
        using (var sampler = new PeakMemorySampler())
        {
            await store.DownloadToFileAsync(Key, path, cancellationToken: Cancel);
            growth = sampler.PeakGrowth;
        }

        TestContext.WriteLine($"Peak working-set growth while downloading {size >> 20} MiB: {growth >> 20} MiB");
        Assert.IsLessThan(48L * 1024 * 1024, growth);
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 26), await Sha256Async(path));
    }

    private async Task<IFileDownloadingStore> TrackedStoreAsync()
    {
        var store = await CreateStoreAsync();
        _stores.Add(store);
        return store;
    }

    private async Task<(IFileDownloadingStore Store, long Size)> StoreWithStateAsync(long size, int seed)
    {
        var store = await TrackedStoreAsync();
        await store.WriteAsync(Key, new PatternStream(size, seed), cancellationToken: Cancel);
        return (store, size);
    }

    private async Task<string> Sha256Async(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, Cancel));
    }

    /// <summary>Reports on the calling thread (unlike <see cref="Progress{T}"/>), so a test can cancel at an exact point.</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
