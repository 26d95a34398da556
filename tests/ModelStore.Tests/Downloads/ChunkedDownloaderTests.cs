using System.Security.Cryptography;
using ModelStore.Downloads;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Tests.Downloads;

[TestClass]
public sealed class ChunkedDownloaderTests
{
    private const int Size = (5 * 256 * 1024) + 12345;
    private static readonly ChunkedDownloadOptions SmallChunks = new() { ChunkSize = 256 * 1024, Parallelism = 3, RetryDelay = TimeSpan.FromMilliseconds(10) };
    private static LoopbackFileServer _server = null!;
    private static HttpClient _client = null!;
    private string _folder = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext _)
    {
        _server = await LoopbackFileServer.StartAsync();
        _client = new HttpClient();
    }

    [ClassCleanup]
    public static async Task StopServerAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [TestInitialize]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("chunked-").FullName;
        _server.SupportsRanges = true;
        _server.SupportsHead = true;
        _server.CutConnections = 0;
        _server.Stall = TimeSpan.Zero;
        _server.StallMidBody = false;
    }

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public async Task A_file_arrives_whole_in_parallel_ranges_that_carry_its_version()
    {
        var (uri, content) = Serve();
        var source = new HttpRangeSource(_client, uri);
        var before = _server.Requests.Count;

        var remote = await source.GetObjectAsync(TestContext.CancellationToken);
        var download = await ChunkedDownloader.DownloadAsync(source, remote, Target, SmallChunks, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Size, remote.Size);
        Assert.IsTrue(remote.IsResumable);
        Assert.AreEqual(Sha256(content), download.Sha256);
        Assert.AreEqual(Size, download.BytesTransferred);
        CollectionAssert.AreEqual(content, File.ReadAllBytes(Target));
        Assert.IsFalse(File.Exists(Target + ChunkedDownloader.JournalSuffix), "The journal goes once the download is complete.");
        var gets = _server.Requests.Skip(before).Where(r => r.Method == "GET").ToList();
        Assert.AreEqual(6, gets.Count, "One ranged GET per 256 KiB chunk.");
        Assert.IsTrue(gets.All(r => r.Range is not null && r.IfRange == remote.Version && r.Status == 206));
    }

    [TestMethod]
    public async Task Connections_cut_mid_body_are_retried_from_the_bytes_already_written()
    {
        var (uri, content) = Serve();
        var source = new HttpRangeSource(_client, uri);
        var remote = await source.GetObjectAsync(TestContext.CancellationToken);
        _server.CutAfterBytes = 100_000;
        _server.CutConnections = 3;
        var before = _server.Requests.Count;

        var download = await ChunkedDownloader.DownloadAsync(source, remote, Target, SmallChunks, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), download.Sha256);
        var starts = _server.Requests.Skip(before).Where(r => r.Method == "GET").Select(r => long.Parse(r.Range!["bytes=".Length..].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.AreEqual(6 + 3, starts.Count, "Six chunks and three retries.");
        Assert.AreEqual(3, starts.Count(start => start % SmallChunks.ChunkSize != 0), "A retry asks only for what the cut left out, not for its whole chunk again.");
    }

    [TestMethod]
    public async Task An_interrupted_download_resumes_with_only_the_missing_chunks()
    {
        var (uri, content) = Serve();
        var source = new HttpRangeSource(_client, uri);
        var remote = await source.GetObjectAsync(TestContext.CancellationToken);
        using var stop = new CancellationTokenSource();
        var options = new ChunkedDownloadOptions { ChunkSize = 256 * 1024, Parallelism = 1 };
        var progress = new SyncProgress(onDisk =>
        {
            if (onDisk >= 3 * 256 * 1024)
            {
                stop.Cancel();
            }
        });

        await Assert.ThrowsExactlyAsync<TaskCanceledException>(() => ChunkedDownloader.DownloadAsync(source, remote, Target, options, progress, stop.Token));
        Assert.IsTrue(File.Exists(Target + ChunkedDownloader.JournalSuffix), "An interrupted download keeps its journal.");

        var resumed = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, options, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), resumed.Sha256);
        Assert.AreEqual(Size - (3 * 256 * 1024), resumed.BytesTransferred, "Resumed after the three chunks on disk.");
    }

    [TestMethod]
    public async Task A_chunk_interrupted_midway_resumes_after_its_last_checkpoint_not_from_its_start()
    {
        var content = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var uri = _server.Put($"{Guid.NewGuid():N}/one-chunk.pt", content);
        var source = new HttpRangeSource(_client, uri);
        using var stop = new CancellationTokenSource();
        // One 4 MiB chunk: before checkpoints, an interruption anywhere in it cost the whole chunk again.
        var options = new ChunkedDownloadOptions { ChunkSize = 4 * 1024 * 1024, Parallelism = 1 };
        var progress = new SyncProgress(onDisk =>
        {
            if (onDisk >= 3 * 1024 * 1024)
            {
                stop.Cancel();
            }
        });
        await Assert.ThrowsAsync<OperationCanceledException>(() => ChunkedDownloader.DownloadAsync(source, source.GetObjectAsync().Result, Target, options, progress, stop.Token));

        var resumed = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, options, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), resumed.Sha256);
        Assert.IsLessThanOrEqualTo(2L * 1024 * 1024, resumed.BytesTransferred, $"Resumed from the checkpoint after 2 MiB or more ({resumed.BytesTransferred} bytes moved again).");
    }

    [TestMethod]
    public async Task A_stopped_download_records_every_byte_it_wrote_so_the_resume_moves_only_the_rest()
    {
        // One 4 MiB chunk that stalls after 1.5 MiB and is stopped there: the journal records the 1.5 MiB on disk, not
        // only what a periodic checkpoint had seen.
        const int wrote = (3 * 1024 * 1024) / 2;
        var content = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var uri = _server.Put($"{Guid.NewGuid():N}/stopped.pt", content);
        var options = new ChunkedDownloadOptions { ChunkSize = content.Length, Parallelism = 1 };
        var stalling = new FirstRangeStalls(new HttpRangeSource(_client, uri), content, stallAfter: wrote);
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(onDisk =>
        {
            if (onDisk >= wrote)
            {
                stop.Cancel();
            }
        });
        await Assert.ThrowsAsync<OperationCanceledException>(() => ChunkedDownloader.DownloadAsync(stalling, stalling.GetObjectAsync().Result, Target, options, progress, stop.Token));

        var source = new HttpRangeSource(_client, uri);
        var resumed = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, options, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), resumed.Sha256);
        Assert.AreEqual(content.Length - wrote, resumed.BytesTransferred, "The resume asked only for the bytes after the stop.");
    }

    [TestMethod]
    public async Task A_download_sharing_the_connections_reads_the_file_in_one_request_and_resumes_in_that_one_chunk_when_alone()
    {
        var content = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var uri = _server.Put($"{Guid.NewGuid():N}/shard.safetensors", content);
        var source = new HttpRangeSource(_client, uri);
        var remote = await source.GetObjectAsync(TestContext.CancellationToken);
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(onDisk =>
        {
            if (onDisk >= 3 * 1024 * 1024)
            {
                stop.Cancel();
            }
        });
        var before = _server.Requests.Count;
        using (ConnectionBudget.Share(4))
        {
            await Assert.ThrowsAsync<OperationCanceledException>(() => ChunkedDownloader.DownloadAsync(source, remote, Target, SmallChunks, progress, stop.Token));
        }

        var shared = _server.Requests.Skip(before).Where(r => r.Method == "GET").ToList();
        Assert.AreEqual(1, shared.Count, "one stream for the whole file: " + string.Join("\n", shared));
        Assert.AreEqual($"bytes=0-{content.Length - 1}", shared[0].Range);

        // Alone, the plan would be 256 KiB chunks; the journal's one chunk is kept and continues after its checkpoint.
        before = _server.Requests.Count;
        var resumed = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, SmallChunks, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), resumed.Sha256);
        Assert.IsLessThanOrEqualTo(2L * 1024 * 1024, resumed.BytesTransferred, $"Resumed from the checkpoint after 2 MiB or more ({resumed.BytesTransferred} bytes moved again).");
        var alone = _server.Requests.Skip(before).Where(r => r.Method == "GET").ToList();
        Assert.AreEqual(1, alone.Count, "the rest of the one chunk in one request: " + string.Join("\n", alone));
        Assert.AreEqual($"bytes={content.Length - resumed.BytesTransferred}-{content.Length - 1}", alone[0].Range);
    }

    [TestMethod]
    public async Task A_journal_recording_a_chunk_size_below_the_smallest_allowed_is_not_resumed()
    {
        var (uri, content) = Serve();
        var source = new HttpRangeSource(_client, uri);
        var remote = await source.GetObjectAsync(TestContext.CancellationToken);
        File.WriteAllBytes(Target, new byte[Size]);
        var chunks = (Size / 1024) + 1;
        File.WriteAllText(Target + ChunkedDownloader.JournalSuffix, $"{{\"Version\":{System.Text.Json.JsonSerializer.Serialize(remote.Version)},\"Size\":{Size},\"ChunkSize\":1024,\"Done\":[{string.Join(',', Enumerable.Repeat("true", chunks))}]}}");

        var download = await ChunkedDownloader.DownloadAsync(source, remote, Target, SmallChunks, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), download.Sha256);
        Assert.AreEqual(Size, download.BytesTransferred, "the planted journal claimed every byte; none was trusted");
    }

    [TestMethod]
    public async Task A_download_stopped_while_later_chunks_were_ahead_of_the_hash_resumes_with_the_right_hash()
    {
        // Five 2 MiB chunks; the first one stalls after 1 MiB (one checkpoint) while the other four complete, so at the
        // stop the hash is still at 1 MiB and four whole chunks are ahead of it.
        const int chunk = 2 * 1024 * 1024;
        var content = RandomNumberGenerator.GetBytes((5 * chunk) - 1000);
        var uri = _server.Put($"{Guid.NewGuid():N}/ahead.pt", content);
        var options = new ChunkedDownloadOptions { ChunkSize = chunk, Parallelism = 3 };
        var stalling = new FirstRangeStalls(new HttpRangeSource(_client, uri), content, stallAfter: 1024 * 1024);
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(onDisk =>
        {
            if (onDisk >= content.Length - chunk + (1024 * 1024))
            {
                stop.Cancel();
            }
        });
        await Assert.ThrowsAsync<OperationCanceledException>(() => ChunkedDownloader.DownloadAsync(stalling, stalling.GetObjectAsync().Result, Target, options, progress, stop.Token));

        var source = new HttpRangeSource(_client, uri);
        var resumed = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, options, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), resumed.Sha256);
        Assert.AreEqual(chunk - (1024L * 1024), resumed.BytesTransferred, "Only the stalled chunk's second half came again.");
        CollectionAssert.AreEqual(content, File.ReadAllBytes(Target));
    }

    [TestMethod]
    public async Task A_byte_changed_on_disk_before_a_resume_is_in_the_hash_so_verification_fails()
    {
        var (uri, content) = Serve();
        var source = new HttpRangeSource(_client, uri);
        using var stop = new CancellationTokenSource();
        var options = new ChunkedDownloadOptions { ChunkSize = 256 * 1024, Parallelism = 1 };
        var progress = new SyncProgress(onDisk =>
        {
            if (onDisk >= 3 * 256 * 1024)
            {
                stop.Cancel();
            }
        });
        await Assert.ThrowsAsync<OperationCanceledException>(() => ChunkedDownloader.DownloadAsync(source, source.GetObjectAsync().Result, Target, options, progress, stop.Token));
        using (var partial = File.OpenHandle(Target, FileMode.Open, FileAccess.ReadWrite))
        {
            var one = new byte[1];
            RandomAccess.Read(partial, one, 300_000);
            one[0] ^= 0x40;
            RandomAccess.Write(partial, one, 300_000);
        }

        var resumed = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, options, cancellationToken: TestContext.CancellationToken);

        Assert.AreNotEqual(Sha256(content), resumed.Sha256, "The bytes kept from before the resume were hashed from the file.");
        Assert.AreEqual(Sha256(File.ReadAllBytes(Target)), resumed.Sha256);
    }

    [TestMethod]
    public async Task A_byte_changed_mid_file_in_transit_fails_the_cache_check_and_leaves_nothing_cached()
    {
        var (uri, content) = Serve();
        var expected = Sha256(content);
        var changed = content.ToArray();
        changed[Size / 2] ^= 0x01; // in a chunk that lands ahead of the hash
        var served = _server.Put(uri.AbsolutePath.TrimStart('/'), changed);
        var key = StateKey.Parse("pytorch/flipped.mid.v1");
        await using var store = new UrlStateStore(key, served, _client, SmallChunks);
        var cache = new ModelStore.Caching.StateCache(Path.Combine(_folder, "cache"));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => cache.GetOrFetchAsync(store, key, expected, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
        StringAssert.Contains(error.Message, Sha256(changed));
        Assert.IsFalse(Directory.Exists(Path.Combine(_folder, "cache", "blobs")) && Directory.EnumerateFiles(Path.Combine(_folder, "cache", "blobs"), "*", SearchOption.AllDirectories).Any(), "No blob was cached.");
    }

    [TestMethod]
    public async Task A_file_replaced_between_attempts_is_downloaded_again_from_the_start()
    {
        var (uri, _) = Serve("model.pt");
        var source = new HttpRangeSource(_client, uri);
        using var stop = new CancellationTokenSource();
        var options = new ChunkedDownloadOptions { ChunkSize = 256 * 1024, Parallelism = 1 };
        await Assert.ThrowsExactlyAsync<TaskCanceledException>(() => ChunkedDownloader.DownloadAsync(
            source, source.GetObjectAsync().Result, Target, options, new SyncProgress(onDisk => { if (onDisk > 0) { stop.Cancel(); } }), stop.Token));
        var (_, replacement) = Serve("model.pt", seed: 2);

        var download = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, options, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(replacement), download.Sha256);
        Assert.AreEqual(Size, download.BytesTransferred);
    }

    [TestMethod]
    public async Task A_file_replaced_during_the_download_is_an_integrity_error_not_a_mix()
    {
        var (uri, _) = Serve("moving.pt");
        var source = new HttpRangeSource(_client, uri);
        var remote = await source.GetObjectAsync(TestContext.CancellationToken);
        Serve("moving.pt", seed: 3);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ChunkedDownloader.DownloadAsync(source, remote, Target, SmallChunks, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
    }

    [TestMethod]
    public async Task A_server_without_ranges_or_head_still_serves_the_whole_file_in_one_request()
    {
        var (uri, content) = Serve();
        _server.SupportsRanges = false;
        _server.SupportsHead = false;
        var source = new HttpRangeSource(_client, uri);

        var remote = await source.GetObjectAsync(TestContext.CancellationToken);
        var download = await ChunkedDownloader.DownloadAsync(source, remote, Target, SmallChunks, cancellationToken: TestContext.CancellationToken);

        Assert.IsFalse(remote.AcceptsRanges);
        Assert.AreEqual(Size, remote.Size);
        Assert.AreEqual(Sha256(content), download.Sha256);
    }

    [TestMethod]
    [DataRow(404, StateStoreError.NotFound)]
    [DataRow(401, StateStoreError.AccessDenied)]
    [DataRow(403, StateStoreError.AccessDenied)]
    [DataRow(429, StateStoreError.RateLimited)]
    [DataRow(503, StateStoreError.Unreachable)]
    [DataRow(504, StateStoreError.Timeout)]
    public async Task Status_codes_become_store_errors(int status, StateStoreError expected)
    {
        var (uri, _) = Serve($"status-{status}.pt");
        _server.FailWith($"status-{status}.pt", status);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => new HttpRangeSource(_client, uri).GetObjectAsync(TestContext.CancellationToken));

        Assert.AreEqual(expected, error.Error);
        StringAssert.Contains(error.Message, status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (status is 429 or 503)
        {
            Assert.AreEqual(TimeSpan.FromSeconds(1), error.RetryAfter);
        }
    }

    [TestMethod]
    public async Task A_server_that_stops_sending_fails_with_a_timeout_within_the_read_bound()
    {
        var (uri, _) = Serve();
        var source = new HttpRangeSource(_client, uri);
        var remote = await source.GetObjectAsync(TestContext.CancellationToken);
        _server.CutAfterBytes = 10_000;
        _server.CutConnections = 100;
        _server.StallMidBody = true;
        var options = new ChunkedDownloadOptions { ChunkSize = Size, MaxRetries = 0, ReadTimeout = TimeSpan.FromSeconds(1) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ChunkedDownloader.DownloadAsync(source, remote, Target, options, cancellationToken: TestContext.CancellationToken));

        Assert.IsTrue(error.Error is StateStoreError.Timeout or StateStoreError.Unreachable, error.ToString());
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"Gave up after {clock.Elapsed}.");
    }

    [TestMethod]
    public async Task A_refused_connection_is_unreachable_and_never_shows_the_password_of_the_address()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() =>
            new HttpRangeSource(_client, new Uri($"http://alice:s3cr3t-pass@127.0.0.1:{port}/w.pt?sig=also-secret")).GetObjectAsync(TestContext.CancellationToken));

        Assert.AreEqual(StateStoreError.Unreachable, error.Error);
        Assert.IsFalse(error.ToString().Contains("s3cr3t-pass", StringComparison.Ordinal), error.ToString());
        Assert.IsFalse(error.Message.Contains("also-secret", StringComparison.Ordinal), error.Message);
    }

    [TestMethod]
    public async Task Redirects_are_followed_to_the_file()
    {
        var (uri, content) = Serve("storage/blob.pt");
        _server.Redirect("resolve/main/model.pt", uri);
        var source = new HttpRangeSource(_client, new Uri(_server.BaseAddress, "resolve/main/model.pt"));

        var download = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, SmallChunks, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), download.Sha256);
    }

    [TestMethod]
    public async Task A_fresh_download_reserves_the_whole_file_on_disk_before_the_first_range_is_asked_for()
    {
        Assert.IsTrue(OperatingSystem.IsLinux(), "The reservation is fallocate(2); elsewhere the file is only given its length.");
        var (uri, content) = Serve();
        var source = new WatchesTheTarget(new HttpRangeSource(_client, uri), Target);

        var download = await ChunkedDownloader.DownloadAsync(source, await source.GetObjectAsync(TestContext.CancellationToken), Target, SmallChunks, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Sha256(content), download.Sha256);
        Assert.IsNotNull(source.AllocatedAtFirstRange, "A range was asked for.");
        Assert.IsGreaterThanOrEqualTo((long)Size, source.AllocatedAtFirstRange.Value, "Before any byte was written the file's blocks (st_blocks) covered it whole; a sparse file has none.");
    }

    [TestMethod]
    public async Task A_disk_without_room_for_the_object_fails_before_a_byte_is_fetched_and_leaves_nothing()
    {
        Assert.IsTrue(OperatingSystem.IsLinux(), "The reservation is fallocate(2); elsewhere a full disk fails the write that meets it.");
        // More than the disk has free (bounded below ext4's largest file, so the answer is "no room", not "too large").
        var tooLarge = Math.Min(new DriveInfo(_folder).AvailableFreeSpace + (64L << 30), 8L << 40);
        var source = new ClaimsASize(tooLarge);

        var error = await Assert.ThrowsExactlyAsync<IOException>(() => ChunkedDownloader.DownloadAsync(source, new RemoteObject(tooLarge, "\"v1\""), Target, SmallChunks, cancellationToken: TestContext.CancellationToken));

        Assert.Contains("Nothing was downloaded", error.Message);
        Assert.Contains(_folder, error.Message, "The message names the folder that is short of room.");
        Assert.DoesNotContain("(0 bytes are free)", error.Message, "The free space is read before anything is reserved: a reservation that cannot fit never fills the disk, even for a moment.");
        Assert.AreEqual(0, source.RangesOpened, "No range was asked for.");
        Assert.IsFalse(File.Exists(Target), "No empty part file stays behind.");
        Assert.IsFalse(File.Exists(Target + ChunkedDownloader.JournalSuffix), "No journal either.");
        Assert.AreEqual(ResolutionFailureKind.CacheError, ResolutionFailure.FromException(error)?.Kind, "Resolution reports it as the cache's problem (free space), not the store's.");
    }

    [TestMethod]
    public async Task A_download_that_stops_gives_back_the_room_of_the_bytes_it_never_got()
    {
        Assert.IsTrue(OperatingSystem.IsLinux(), "The reservation and its release are fallocate(2).");
        var (uri, content) = Serve();
        var real = new HttpRangeSource(_client, uri);
        var remote = await real.GetObjectAsync(TestContext.CancellationToken);
        var source = new FirstRangeEndsEarly(real, content, sent: 100_000);
        var options = new ChunkedDownloadOptions { ChunkSize = SmallChunks.ChunkSize, Parallelism = SmallChunks.Parallelism, MaxRetries = 0 };

        await Assert.ThrowsExactlyAsync<StateStoreException>(() => ChunkedDownloader.DownloadAsync(source, remote, Target, options, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual((long)Size, new FileInfo(Target).Length, "The part file keeps its size for the resume.");
        var allocated = await AllocatedBytesAsync(Target, TestContext.CancellationToken);
        Assert.IsGreaterThanOrEqualTo(100_000L, allocated, "The bytes received keep their blocks.");
        Assert.IsLessThan(Size / 2L, allocated, "The room reserved for the bytes that never came went back to the disk (it was the whole file).");
        var resumed = await ChunkedDownloader.DownloadAsync(real, remote, Target, SmallChunks, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(Sha256(content), resumed.Sha256, "The resume over the released ranges gives the right bytes.");
        Assert.AreEqual(Size - 100_000L, resumed.BytesTransferred, "It fetched only what the first attempt did not write.");
    }

    private string Target => Path.Combine(_folder, "download.partial");

    private static (Uri Uri, byte[] Content) Serve(string? path = null, int seed = 1)
    {
        var content = new byte[Size];
        new Random(seed).NextBytes(content);
        return (_server.Put(path ?? $"{Guid.NewGuid():N}.pt", content), content);
    }

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    // The range from offset 0 sends its first bytes, then nothing until the download is stopped.
    private sealed class FirstRangeStalls(IRangeReadableSource inner, byte[] content, int stallAfter) : IRangeReadableSource
    {
        public string Description => inner.Description;

        public Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default) => inner.GetObjectAsync(cancellationToken);

        public async Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default)
        {
            if (offset != 0)
            {
                return await inner.OpenRangeAsync(expected, offset, length, cancellationToken);
            }

            var body = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(pauseWriterThreshold: 0));
            await body.Writer.WriteAsync(content.AsMemory(0, stallAfter), cancellationToken); // never completed: the reader then waits
            return body.Reader.AsStream();
        }
    }

    // A file's allocated bytes: st_blocks times its block unit, read with stat(1).
    private static async Task<long> AllocatedBytesAsync(string file, CancellationToken cancellationToken)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%b %B", file]) { RedirectStandardOutput = true })!;
        var fields = (await stat.StandardOutput.ReadToEndAsync(cancellationToken)).Split(' ', StringSplitOptions.TrimEntries);
        await stat.WaitForExitAsync(cancellationToken);
        return long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture) * long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    // The range from offset 0 ends after its first bytes (a connection that closes early); the others never answer, so
    // that range's failure is what stops the download.
    private sealed class FirstRangeEndsEarly(IRangeReadableSource inner, byte[] content, int sent) : IRangeReadableSource
    {
        public string Description => inner.Description;

        public Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default) => inner.GetObjectAsync(cancellationToken);

        public async Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default)
        {
            if (offset == 0)
            {
                return new MemoryStream(content, 0, sent, writable: false);
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new OperationCanceledException(cancellationToken);
        }
    }

    // Records the target's allocated bytes when the first range is opened.
    private sealed class WatchesTheTarget(IRangeReadableSource inner, string target) : IRangeReadableSource
    {
        private int _opened;

        public long? AllocatedAtFirstRange { get; private set; }

        public string Description => inner.Description;

        public Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default) => inner.GetObjectAsync(cancellationToken);

        public async Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _opened, 1) == 0)
            {
                AllocatedAtFirstRange = await AllocatedBytesAsync(target, cancellationToken);
            }

            return await inner.OpenRangeAsync(expected, offset, length, cancellationToken);
        }
    }

    // An object larger than the disk here; counts the ranges asked for (none should be).
    private sealed class ClaimsASize(long size) : IRangeReadableSource
    {
        private int _ranges;

        public int RangesOpened => Volatile.Read(ref _ranges);

        public string Description => "an object of " + size + " bytes";

        public Task<RemoteObject> GetObjectAsync(CancellationToken cancellationToken = default) => Task.FromResult(new RemoteObject(size, "\"v1\""));

        public Task<Stream> OpenRangeAsync(RemoteObject expected, long offset, long length, CancellationToken cancellationToken = default)
        {
            // Nothing to send: a download that got this far fails at once (not transient), writing nothing.
            Interlocked.Increment(ref _ranges);
            throw new StateStoreException(StateStoreError.InvalidContent, "A range of an object that cannot fit was asked for.");
        }
    }
}
