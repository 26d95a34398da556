using System.Diagnostics;
using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.GitHub.Tests;

/// <summary>Resumable, retried downloads of release assets, and bounded waits on a silent server.</summary>
[TestClass]
public sealed class GitHubDownloadTests : GitHubStoreFixture
{
    private static readonly StateKey Key = new(Resnet, "imagenet");

    [TestMethod]
    public async Task A_download_to_file_decompresses_the_asset_and_hashes_the_state()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        await WriteAsync(CreateWriter(), Key, bytes);
        var path = Path.Combine(Server.Storage, "download.partial");

        var download = await CreateStore(TestEnvironment.Empty).DownloadToFileAsync(Key, path, cancellationToken: Cancel);

        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(path, Cancel));
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), download.Sha256);
        Assert.AreEqual(bytes.Length, download.Size);
        Assert.IsFalse(File.Exists(path + GitHubReleaseStore.CompressedSuffix), "The compressed asset goes once the state is decompressed.");
        Assert.IsFalse(File.Exists(path + GitHubReleaseStore.CompressedSuffix + ChunkedDownloader.JournalSuffix));
    }

    [TestMethod]
    public async Task Connections_cut_mid_asset_are_retried_from_the_bytes_already_written()
    {
        var bytes = RandomNumberGenerator.GetBytes(400_000);
        await WriteAsync(CreateWriter(), Key, bytes);
        Server.StorageCutAfterBytes = 100_000;
        Server.StorageCuts = 2;
        var path = Path.Combine(Server.Storage, "cut.partial");

        var download = await CreateStore(TestEnvironment.Empty, options => options.MaxRetries = 3).DownloadToFileAsync(Key, path, cancellationToken: Cancel);

        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(path, Cancel));
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), download.Sha256);
        Assert.AreEqual(0, Server.StorageCuts < 0 ? 0 : Server.StorageCuts, "Both cuts happened.");
        var gets = Server.Requests.Count(request => request.Method == "GET" && request.PathAndQuery.StartsWith("/_storage/", StringComparison.Ordinal));
        Assert.IsGreaterThanOrEqualTo(3, gets, "Each cut was followed by a ranged GET for the rest.");
        Assert.IsLessThan(2 * download.BytesTransferred, Server.StorageBytesServed, "A cut chunk continued from its bytes instead of starting over.");
    }

    [TestMethod]
    public async Task An_interrupted_fetch_resumes_its_download_through_the_cache()
    {
        // Random bytes do not compress: the asset spans 12 chunks of 1 MiB.
        var bytes = RandomNumberGenerator.GetBytes(12 * 1024 * 1024);
        await WriteAsync(CreateWriter(), Key, bytes);
        var store = CreateStore(TestEnvironment.Empty, options => (options.DownloadChunkSize, options.DownloadParallelism) = (1024 * 1024, 2));
        var cache = new StateCache(Path.Combine(Server.Storage, "cache"));
        using var interrupt = new CancellationTokenSource();
        await Assert.ThrowsAsync<OperationCanceledException>(() => cache.GetOrFetchAsync(store, Key, progress: new SyncProgress(done =>
        {
            if (done >= 6 * 1024 * 1024)
            {
                interrupt.Cancel();
            }
        }), cancellationToken: interrupt.Token));
        Assert.IsNull(cache.TryGet(store.Id, Key), "Nothing partial is visible in the cache.");
        var servedBefore = Server.StorageBytesServed;

        var state = await cache.GetOrFetchAsync(store, Key, Convert.ToHexStringLower(SHA256.HashData(bytes)), cancellationToken: Cancel);

        var resumed = Server.StorageBytesServed - servedBefore;
        TestContext.WriteLine($"The resumed fetch transferred {resumed} bytes of a {bytes.Length}-byte state.");
        Assert.IsLessThan(bytes.Length, resumed, "The second fetch downloaded the whole asset again.");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(state.BlobPath, Cancel));
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(cache.Root, "tmp")), "No partial file is left once the state is cached.");
    }

    [TestMethod]
    public async Task A_private_asset_downloads_through_the_api_with_credentials()
    {
        Server.AddRepository(Owner, "secret", isPrivate: true);
        var writer = CreateStore(TestEnvironment.Of(("GH_TOKEN", WriterToken)), repository: "secret");
        var bytes = RandomNumberGenerator.GetBytes(50_000);
        await WriteAsync(writer, Key, bytes);
        var path = Path.Combine(Server.Storage, "private.partial");

        var anonymous = await Assert.ThrowsExactlyAsync<StateStoreException>(() => CreateStore(TestEnvironment.Empty, repository: "secret").DownloadToFileAsync(Key, path, cancellationToken: Cancel));
        var download = await writer.DownloadToFileAsync(Key, path, cancellationToken: Cancel);

        Assert.IsTrue(anonymous.Error is StateStoreError.NotFound or StateStoreError.ContainerNotFound, anonymous.Message);
        StringAssert.Contains(anonymous.Message, "GH_TOKEN");
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(path, Cancel));
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), download.Sha256);
        Assert.IsFalse(Server.Requests.Any(request => request.PathAndQuery.StartsWith("/_storage/", StringComparison.Ordinal) && request.Authorization is not null), "Credentials never reach the storage host.");
    }

    [TestMethod]
    public async Task A_silent_server_is_a_timeout_within_the_request_bound()
    {
        await WriteAsync(CreateWriter(), Key, [1, 2, 3]);
        Server.Delay = TimeSpan.FromSeconds(30);
        var store = CreateStore(TestEnvironment.Empty, options => options.RequestTimeout = TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();

        var listing = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Resnet, Cancel));
        var download = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.DownloadToFileAsync(Key, Path.Combine(Server.Storage, "silent.partial"), cancellationToken: Cancel));

        Assert.AreEqual(StateStoreError.Timeout, listing.Error, listing.Message);
        Assert.AreEqual(StateStoreError.Timeout, download.Error, download.Message);
        Assert.IsLessThan(20, clock.Elapsed.TotalSeconds, $"Two requests bounded at 2 s each took {clock.Elapsed}.");
    }

    [TestMethod]
    public void Invalid_owner_repository_and_branch_names_are_refused_before_any_request()
    {
        var before = Server.Requests.Count;
        foreach (var (owner, repository, branch) in new[] { ("..", "models", "main"), ("acme", "..", "main"), ("ac me", "models", "main"), ("acme", "mod%2Fels", "main"), ("-acme", "models", "main"), ("acme", "models", "a..b"), ("acme", "models", "x\ny") })
        {
            var error = Assert.ThrowsExactly<ArgumentException>(() => CreateStore(TestEnvironment.Empty, owner: owner, repository: repository, branch: branch), $"{owner}/{repository}@{branch}");
            StringAssert.Contains(error.Message, "GitHub store");
        }

        Assert.AreEqual(before, Server.Requests.Count);
    }

    /// <summary>Reports on the calling thread, so a test can cancel at an exact point.</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
