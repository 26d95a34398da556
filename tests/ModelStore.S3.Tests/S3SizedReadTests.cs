using System.Security.Cryptography;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.S3.Tests;

/// <summary>
/// <see cref="S3StateStore.OpenSizedReadAsync"/> on radosgw: the small path's one GET is a ranged one (so the AWS SDK does
/// not hash it with MD5 on top of the cache's SHA-256), and the size it is given is a claim: a wrong one costs a second
/// GET, never other bytes.
/// </summary>
[TestClass]
public sealed class S3SizedReadTests
{
    private static readonly StateKey Key = StateKey.Parse("pytorch/small-net.part1.v1");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    [DataRow(64 * 1024, 64 * 1024, DisplayName = "the right size")]
    [DataRow(64 * 1024, 10, DisplayName = "a smaller size: read again whole")]
    [DataRow(64 * 1024, 1024 * 1024, DisplayName = "a larger size")]
    [DataRow(64 * 1024, 0, DisplayName = "size zero of a state that is not empty")]
    [DataRow(0, 10, DisplayName = "an empty state said to have bytes (S3 refuses the range)")]
    [DataRow(0, 0, DisplayName = "an empty state")]
    public async Task A_sized_read_gives_the_whole_state_whatever_the_size_claimed(int actual, int claimed)
    {
        using var store = new S3StateStore(RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel)));
        var bytes = RandomNumberGenerator.GetBytes(actual);
        await store.WriteAsync(Key, new MemoryStream(bytes), cancellationToken: Cancel);

        await using var read = await ((IStateStore)store).OpenSizedReadAsync(Key, claimed, Cancel);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Cancel);

        CollectionAssert.AreEqual(bytes, copy.ToArray());
    }

    [TestMethod]
    [DataRow(64 * 1024, 64 * 1024, DisplayName = "the right size")]
    [DataRow(64 * 1024, 10, DisplayName = "a smaller size: read again whole")]
    [DataRow(64 * 1024, 1024 * 1024, DisplayName = "a larger size")]
    [DataRow(0, 10, DisplayName = "an empty file said to have bytes")]
    public async Task A_file_views_sized_read_gives_the_whole_file_whatever_the_size_claimed(int actual, int claimed)
    {
        // A bundle's file (tokenizer.json, config.json) is read through the store's view of it, under the bundle's key.
        using var store = new S3StateStore(RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel)));
        var view = store.ForFile("bert-base/tokenizer.json");
        var bytes = RandomNumberGenerator.GetBytes(actual);
        await view.WriteAsync(Key, new MemoryStream(bytes), cancellationToken: Cancel);

        await using var read = await view.OpenSizedReadAsync(Key, claimed, Cancel);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Cancel);

        CollectionAssert.AreEqual(bytes, copy.ToArray());
    }

    [TestMethod]
    public async Task A_sized_read_is_one_ranged_GET_of_the_size_for_a_state_and_for_a_file_view()
    {
        // radosgw's access log says what it was asked for: a range of exactly the claimed size, and no whole-object GET
        // (which the AWS SDK would hash with MD5).
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var store = new S3StateStore(RadosGateway.Options(bucket));
        var view = store.ForFile("bert-base/config.json");
        await store.WriteAsync(Key, new MemoryStream(RandomNumberGenerator.GetBytes(5000)), cancellationToken: Cancel);
        await view.WriteAsync(Key, new MemoryStream(RandomNumberGenerator.GetBytes(700)), cancellationToken: Cancel);

        foreach (var (read, objectPath, size) in new[]
        {
            ((IStateStore)store, $"/{bucket}/pretrained-models/pytorch/small-net.part1.v1.pt", 5000),
            (view, $"/{bucket}/pretrained-models/bert-base/config.json", 700),
        })
        {
            await using (var stream = await read.OpenSizedReadAsync(Key, size, Cancel))
            {
                await stream.CopyToAsync(Stream.Null, Cancel);
            }

            var gets = (await RadosGateway.RequestLinesAsync($"\"GET {objectPath} ", atLeast: 1, Cancel)).ToList();
            Assert.HasCount(1, gets, string.Join('\n', gets));
            StringAssert.Contains(gets[0], $" bytes=0-{size - 1} ", gets[0]);
            StringAssert.Contains(gets[0], "\" 206 ", gets[0]);
        }
    }

    [TestMethod]
    public async Task A_sized_read_of_a_missing_state_is_not_found()
    {
        using var store = new S3StateStore(RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel)));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenSizedReadAsync(Key, 100, Cancel));

        Assert.AreEqual(StateStoreError.NotFound, error.Error);
        StringAssert.Contains(error.Message, "pytorch/small-net.part1.v1");
    }

    [TestMethod]
    public async Task A_pinned_small_state_resolves_whole_and_a_tampered_one_is_a_hash_mismatch()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var store = new S3StateStore(RadosGateway.Options(bucket));
        var bytes = RandomNumberGenerator.GetBytes(64 * 1024);
        await store.WriteAsync(Key, new MemoryStream(bytes), cancellationToken: Cancel);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var root = Directory.CreateTempSubdirectory("modelstore-s3-sized-").FullName;
        try
        {
            // A lock file that gets the size wrong still gives the state's bytes (its size only chooses the path).
            foreach (var size in new long[] { bytes.Length, 10 })
            {
                var cache = new StateCache(Path.Combine(root, $"cache-{size}"));
                var outcome = await ResolveAsync(store, cache, new StateLockEntry(Key, "s3", sha256, size));
                Assert.IsTrue(outcome.Succeeded, outcome.ToString());
                CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(outcome.Path!, Cancel));
            }

            // Same size, other bytes: the SHA-256 check (the only check of a ranged read) refuses them.
            await store.WriteAsync(Key, new MemoryStream(RandomNumberGenerator.GetBytes(bytes.Length)), overwrite: true, cancellationToken: Cancel);
            var tamperedCache = new StateCache(Path.Combine(root, "cache-tampered"));
            var tampered = await ResolveAsync(store, tamperedCache, new StateLockEntry(Key, "s3", sha256, bytes.Length));
            Assert.AreEqual(ResolutionFailureKind.HashMismatch, tampered.Failure?.Kind, tampered.ToString());
            Assert.IsFalse(File.Exists(tamperedCache.GetBlobPath(sha256)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task<StateResolution> ResolveAsync(S3StateStore store, StateCache cache, StateLockEntry pin)
    {
        var stores = new StoreCatalog();
        stores.Add("s3", store);
        var resolver = new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores, LockFile = new StateLockFile([pin]) });
        return await resolver.ResolveAsync(new StateRequest(Key, "s3"), Cancel);
    }
}
