using System.Collections.Concurrent;
using ModelStore.Testing;
using ModelStore.Uploads;

namespace ModelStore.Tests.Uploads;

/// <summary>Reading a stream in parts and sending them a few at a time, as the S3 and Azure uploads do.</summary>
[TestClass]
public sealed class PartitionedUploadTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task Parts_come_in_order_with_their_bytes_and_at_most_the_parallelism_in_flight()
    {
        const int partSize = 1000;
        var size = (5L * partSize) + 123;
        var source = new PatternStream(size, seed: 3);
        var first = new byte[partSize];
        Assert.AreEqual(partSize, await PartitionedUpload.ReadPartAsync(source, first, Cancel));
        var received = new ConcurrentDictionary<int, byte[]>();
        var inFlight = 0;
        var most = 0;

        var results = await PartitionedUpload.SendPartsAsync(source, first, parallelism: 2, async (index, body, token) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            using var copy = new MemoryStream();
            await body.CopyToAsync(copy, token);
            await Task.Delay(20, token);
            received[index] = copy.ToArray();
            Interlocked.Decrement(ref inFlight);
            return index * 10;
        }, Cancel);

        CollectionAssert.AreEqual(new[] { 0, 10, 20, 30, 40, 50 }, results.ToArray());
        Assert.AreEqual(123, received[5].Length);
        Assert.IsLessThanOrEqualTo(2, most);
        using var whole = new MemoryStream();
        foreach (var index in Enumerable.Range(0, 6))
        {
            whole.Write(received[index]);
        }

        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 3), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(whole.ToArray())));
    }

    [TestMethod]
    public async Task A_failing_part_surfaces_with_its_own_error_and_stops_the_reading()
    {
        var source = new PatternStream(100_000, seed: 4);
        var first = new byte[1000];
        await PartitionedUpload.ReadPartAsync(source, first, Cancel);

        var error = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => PartitionedUpload.SendPartsAsync(source, first, parallelism: 3, async (index, _, token) =>
        {
            if (index == 1)
            {
                throw new InvalidOperationException("part refused");
            }

            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return index;
        }, Cancel));

        Assert.AreEqual("part refused", error.Message);
        Assert.IsLessThan(100_000L, source.Position, "Reading stopped when a part failed.");
    }

    [TestMethod]
    public async Task A_failing_source_is_a_source_stream_exception_carrying_its_error()
    {
        var source = new PatternStream(10_000, seed: 5) { OnRead = position => { if (position > 2500) { throw new IOException("disk gone"); } } };
        var first = new byte[1000];
        await PartitionedUpload.ReadPartAsync(source, first, Cancel);

        var error = await Assert.ThrowsExactlyAsync<SourceStreamException>(() => PartitionedUpload.SendPartsAsync(source, first, 2, (index, _, _) => Task.FromResult(index), Cancel));

        Assert.IsInstanceOfType<IOException>(error.InnerException);
        Assert.AreEqual("disk gone", error.InnerException.Message);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
