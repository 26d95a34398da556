using System.Security.Cryptography;
using ModelStore.Downloads;

namespace ModelStore.Tests.Downloads;

[TestClass]
public sealed class OrderedHasherTests
{
    private const int Segment = OrderedHasher.SegmentSize;
    private string _folder = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("ordered-hasher-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void Segments_written_out_of_order_within_the_budget_are_hashed_from_memory_never_read_back()
    {
        var content = RandomNumberGenerator.GetBytes((6 * Segment) + 777);
        using var file = CreateFile(content.Length);
        using var hasher = new OrderedHasher(file, content.Length, budget: 8L * Segment);

        // The last segments first, then the middle, the start last: everything waits for the start.
        foreach (var index in new[] { 6, 5, 3, 4, 1, 2, 0 })
        {
            Write(hasher, file, content, index);
        }

        Assert.AreEqual(Sha256(content), hasher.Finish());
        Assert.AreEqual(0, hasher.BytesReadBack, "Every segment was in memory when the hash reached it.");
        Assert.AreEqual(7L * Segment, hasher.PeakHeld, "Six segments waited for the first one, which joined them until the hashing loop took it.");
    }

    [TestMethod]
    public void Segments_beyond_the_budget_are_read_back_from_the_file_once_the_hash_reaches_them()
    {
        var content = RandomNumberGenerator.GetBytes((4 * Segment) + 99);
        using var file = CreateFile(content.Length);
        using var hasher = new OrderedHasher(file, content.Length, budget: 2L * Segment);

        foreach (var index in new[] { 1, 2, 3, 4, 0 })
        {
            Write(hasher, file, content, index);
        }

        Assert.AreEqual(Sha256(content), hasher.Finish());
        Assert.AreEqual(Segment + 99L, hasher.BytesReadBack, "Segments 3 and 4 did not fit in the two-segment budget.");
        Assert.AreEqual(3L * Segment, hasher.PeakHeld, "The two in the budget, and the first one (at the frontier) with them until it was hashed.");
    }

    [TestMethod]
    public void Bytes_an_earlier_process_wrote_are_hashed_from_the_file_so_a_changed_byte_there_changes_the_hash()
    {
        var content = RandomNumberGenerator.GetBytes(3 * Segment);
        using var file = CreateFile(content.Length);
        var onDisk = content.ToArray();
        onDisk[Segment + 12345] ^= 0x01; // changed on disk between the processes
        RandomAccess.Write(file, onDisk.AsSpan(0, 2 * Segment), 0);
        using var hasher = new OrderedHasher(file, content.Length, budget: 8L * Segment);
        hasher.AddOnDisk(0, 2L * Segment);

        Assert.IsTrue(hasher.HasBytesOnDiskAtFrontier);
        Write(hasher, file, content, 2);
        hasher.Start();

        Assert.AreEqual(Sha256(onDisk), hasher.Finish(), "The hash is the one of the file's bytes.");
        Assert.AreNotEqual(Sha256(content), Sha256(onDisk));
        Assert.AreEqual(2L * Segment, hasher.BytesReadBack);
    }

    [TestMethod]
    public void A_missing_segment_is_an_error_not_a_hash_of_part_of_the_file()
    {
        var content = RandomNumberGenerator.GetBytes(3 * Segment);
        using var file = CreateFile(content.Length);
        using var hasher = new OrderedHasher(file, content.Length, budget: 8L * Segment);
        Write(hasher, file, content, 0);
        Write(hasher, file, content, 2);

        var error = Assert.ThrowsExactly<IOException>(() => hasher.Finish());

        StringAssert.Contains(error.Message, $"{Segment} of {3 * Segment} bytes");
    }

    [TestMethod]
    public async Task Writers_on_many_threads_in_any_order_give_the_hash_of_the_file()
    {
        var content = RandomNumberGenerator.GetBytes((64 * Segment) + 4321);
        var segments = (content.Length + Segment - 1) / Segment;
        using var file = CreateFile(content.Length);
        using var hasher = new OrderedHasher(file, content.Length, budget: 4L * Segment);
        var order = Enumerable.Range(0, segments).OrderBy(_ => Random.Shared.Next()).ToArray();

        await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.CancellationToken }, (index, _) =>
        {
            Write(hasher, file, content, index);
            return ValueTask.CompletedTask;
        });

        Assert.AreEqual(Sha256(content), hasher.Finish());
        Assert.IsLessThanOrEqualTo((4L * Segment) + OrderedHasher.RunAllowance + Segment, hasher.PeakHeld, "The budget, the run the loop hashes, and the segment at the frontier.");
    }

    [TestMethod]
    public async Task One_writer_with_no_budget_reads_on_while_the_loop_hashes_and_nothing_is_read_back()
    {
        // One stream (a bundle's file, a server without ranges) has no budget: its next segments continue the run the loop
        // hashes, so they stay in memory (within the run's allowance) rather than going through the file a second time.
        var content = RandomNumberGenerator.GetBytes((64 * Segment) + 1234);
        var segments = (content.Length + Segment - 1) / Segment;
        using var file = CreateFile(content.Length);
        using var hasher = new OrderedHasher(file, content.Length, budget: 0);

        for (var index = 0; index < segments; index++)
        {
            await hasher.WaitForRoomAsync((long)index * Segment, OrderedHasher.MaxRoomWait, TestContext.CancellationToken);
            Write(hasher, file, content, index);
        }

        await hasher.WhenHashedAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
        Assert.AreEqual(Sha256(content), hasher.Finish());
        Assert.AreEqual(0, hasher.BytesReadBack);
        Assert.IsLessThanOrEqualTo(OrderedHasher.RunAllowance + Segment, hasher.PeakHeld);
    }

    [TestMethod]
    public void A_read_back_that_fails_in_the_loop_fails_Finish_with_the_cause_not_a_hash_of_part_of_the_file()
    {
        var content = RandomNumberGenerator.GetBytes(3 * Segment);
        using var file = CreateFile(content.Length);
        RandomAccess.Write(file, content.AsSpan(0, 2 * Segment), 0);
        using var hasher = new OrderedHasher(file, content.Length, budget: 8L * Segment);
        hasher.AddOnDisk(0, 2L * Segment);
        RandomAccess.SetLength(file, Segment); // the file lost its second segment since

        var last = hasher.Rent();
        content.AsSpan(2 * Segment, Segment).CopyTo(last);
        hasher.Add(2L * Segment, last, Segment); // kept in memory: only the bytes on disk are read back
        hasher.Start();
        var error = Assert.ThrowsExactly<IOException>(() => hasher.Finish());

        StringAssert.Contains(error.Message, "stopped at");
        Assert.IsInstanceOfType<IOException>(error.InnerException);
    }

    [TestMethod]
    public async Task A_writer_ahead_with_the_budget_full_waits_for_the_hash_instead_of_having_its_bytes_read_back()
    {
        var content = RandomNumberGenerator.GetBytes(4 * Segment);
        using var file = CreateFile(content.Length);
        using var hasher = new OrderedHasher(file, content.Length, budget: 1L * Segment);
        Write(hasher, file, content, 2); // held: the budget is full

        var wait = hasher.WaitForRoomAsync(3L * Segment, OrderedHasher.MaxRoomWait, TestContext.CancellationToken).AsTask();
        await Task.Delay(200, TestContext.CancellationToken);
        Assert.IsFalse(wait.IsCompleted, "Segment 3 would not fit: its writer waits.");
        Assert.IsTrue(hasher.WaitForRoomAsync(0, OrderedHasher.MaxRoomWait, TestContext.CancellationToken).IsCompleted, "The writer at the frontier never waits.");

        Write(hasher, file, content, 0);
        Write(hasher, file, content, 1);
        await wait.WaitAsync(TimeSpan.FromSeconds(5), TestContext.CancellationToken);
        Write(hasher, file, content, 3);

        Assert.AreEqual(Sha256(content), hasher.Finish());
        Assert.AreEqual(0, hasher.BytesReadBack, "Nothing went over the budget.");
    }

    [TestMethod]
    public async Task A_frontier_that_does_not_move_holds_writers_ahead_about_a_second_once_not_for_every_segment()
    {
        var content = RandomNumberGenerator.GetBytes(6 * Segment);
        using var file = CreateFile(content.Length);
        using var hasher = new OrderedHasher(file, content.Length, budget: 1L * Segment);
        Write(hasher, file, content, 2);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await hasher.WaitForRoomAsync(3L * Segment, OrderedHasher.MaxRoomWait, TestContext.CancellationToken);
        var waited = clock.Elapsed;
        Write(hasher, file, content, 3);
        var next = hasher.WaitForRoomAsync(4L * Segment, OrderedHasher.MaxRoomWait, TestContext.CancellationToken);

        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900), waited);
        Assert.IsLessThan(TimeSpan.FromSeconds(10), waited);
        Assert.IsTrue(next.IsCompleted, "The frontier has not moved since: the next segment does not wait again.");
        foreach (var index in new[] { 4, 5, 0, 1 })
        {
            Write(hasher, file, content, index);
        }

        Assert.AreEqual(Sha256(content), hasher.Finish());
        Assert.AreEqual(3L * Segment, hasher.BytesReadBack, "Segments 3 to 5 went over the budget and were read back.");
    }

    [TestMethod]
    public async Task Stop_ends_a_long_read_back_at_once_and_Finish_then_reports_the_bytes_not_hashed()
    {
        // A resume whose file was complete has only its hash left: a cancel must not wait for 64 MiB to be read back.
        const long size = 64L * 1024 * 1024;
        using var file = CreateFile(size);
        using var hasher = new OrderedHasher(file, size, budget: 8L * Segment);
        hasher.AddOnDisk(0, size);

        hasher.Start();
        hasher.Stop();
        await hasher.WhenHashedAsync().WaitAsync(TimeSpan.FromSeconds(5), TestContext.CancellationToken);

        Assert.IsLessThan(size, hasher.BytesReadBack, "The loop stopped before the end of the file.");
        Assert.ThrowsExactly<IOException>(() => hasher.Finish());
    }

    private static void Write(OrderedHasher hasher, Microsoft.Win32.SafeHandles.SafeFileHandle file, byte[] content, int index)
    {
        var offset = (long)index * Segment;
        var count = (int)Math.Min(Segment, content.Length - offset);
        var segment = hasher.Rent();
        content.AsSpan((int)offset, count).CopyTo(segment);
        RandomAccess.Write(file, segment.AsSpan(0, count), offset);
        hasher.Add(offset, segment, count);
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle CreateFile(long size)
    {
        var handle = File.OpenHandle(Path.Combine(_folder, "file"), FileMode.Create, FileAccess.ReadWrite);
        RandomAccess.SetLength(handle, size);
        return handle;
    }

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
