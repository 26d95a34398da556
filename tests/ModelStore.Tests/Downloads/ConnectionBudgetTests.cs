using ModelStore.Downloads;

namespace ModelStore.Tests.Downloads;

[TestClass]
public sealed class ConnectionBudgetTests
{
    private const long Shard = 300L * 1024 * 1024;
    private static readonly ChunkedDownloadOptions Options = new() { ChunkSize = 8L * 1024 * 1024, Parallelism = 4, MaxRetries = 7, RetryDelay = TimeSpan.FromSeconds(3), ReadTimeout = TimeSpan.FromSeconds(9) };

    [TestMethod]
    public void A_download_alone_keeps_its_options()
    {
        Assert.AreSame(Options, ConnectionBudget.Apply(Options, Shard));
        using (ConnectionBudget.Share(1))
        {
            Assert.AreSame(Options, ConnectionBudget.Apply(Options, Shard));
        }
    }

    [TestMethod]
    public void Two_downloads_in_flight_get_half_the_streams_each_in_the_same_chunks()
    {
        using var share = ConnectionBudget.Share(2);

        var applied = ConnectionBudget.Apply(Options, Shard);

        Assert.AreEqual(2, applied.Parallelism);
        Assert.AreEqual(Options.ChunkSize, applied.ChunkSize);
        AssertRetriesKept(applied);
    }

    [TestMethod]
    public void As_many_downloads_as_streams_or_more_read_each_file_whole_in_one_stream()
    {
        foreach (var downloads in new[] { 3, 4, 9 })
        {
            using var share = ConnectionBudget.Share(downloads);

            var applied = ConnectionBudget.Apply(Options, Shard);

            Assert.AreEqual(1, applied.Parallelism, $"{downloads} in flight");
            Assert.AreEqual(Shard, applied.ChunkSize, $"{downloads} in flight: one chunk, the whole file");
            AssertRetriesKept(applied);
        }

        using (ConnectionBudget.Share(4))
        {
            Assert.AreEqual(Options.ChunkSize, ConnectionBudget.Apply(Options, 1000).ChunkSize, "a file smaller than a chunk keeps the chunk size");
        }
    }

    [TestMethod]
    public async Task The_share_follows_the_flow_that_set_it_and_ends_with_its_scope()
    {
        using (ConnectionBudget.Share(2))
        {
            using (ConnectionBudget.Share(4))
            {
                var inner = await Task.Run(() => ConnectionBudget.Apply(Options, Shard).Parallelism);
                Assert.AreEqual(1, inner, "work started in the scope shares as it does");
            }

            await Task.Yield();
            Assert.AreEqual(2, ConnectionBudget.Apply(Options, Shard).Parallelism, "the inner scope ended; the outer one holds");
        }

        Assert.AreSame(Options, ConnectionBudget.Apply(Options, Shard), "both scopes ended");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ConnectionBudget.Share(0));
    }

    private static void AssertRetriesKept(ChunkedDownloadOptions applied)
    {
        Assert.AreEqual(Options.MaxRetries, applied.MaxRetries);
        Assert.AreEqual(Options.RetryDelay, applied.RetryDelay);
        Assert.AreEqual(Options.ReadTimeout, applied.ReadTimeout);
    }
}
