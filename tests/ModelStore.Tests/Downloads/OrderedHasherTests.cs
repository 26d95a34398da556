using System.Security.Cryptography;
using ModelStore.Downloads;

namespace ModelStore.Tests.Downloads;

[TestClass]
public sealed class OrderedHasherTests
{
    private const int ChunkSize = 64 * 1024;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Bytes_written_in_order_are_hashed_from_memory_without_reading_the_file_back()
    {
        var bytes = RandomNumberGenerator.GetBytes((5 * ChunkSize) + 123);
        using var file = new TemporaryFile(bytes.Length);
        using var hasher = new OrderedHasher(file.Handle, ChunkSize, bytes.Length, new bool[6]);

        for (var offset = 0; offset < bytes.Length; offset += 10_000)
        {
            file.WriteAndReport(hasher, bytes, offset, Math.Min(10_000, bytes.Length - offset));
        }

        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), hasher.Finish());
        Assert.AreEqual(0, hasher.BytesReadBack);
    }

    [TestMethod]
    public async Task Chunks_written_out_of_order_by_parallel_writers_hash_to_the_files_SHA256()
    {
        var bytes = RandomNumberGenerator.GetBytes((40 * ChunkSize) + 7);
        var chunks = (bytes.Length + ChunkSize - 1) / ChunkSize;
        for (var round = 0; round < 5; round++)
        {
            // Some chunks "resumed" (already on disk), the others written in a shuffled order, in uneven pieces, at once.
            var done = Enumerable.Range(0, chunks).Select(index => index % 7 == round).ToArray();
            using var file = new TemporaryFile(bytes.Length);
            foreach (var index in Enumerable.Range(0, chunks).Where(index => done[index]))
            {
                file.Write(bytes, index * ChunkSize, Math.Min(ChunkSize, bytes.Length - (index * ChunkSize)));
            }

            using var hasher = new OrderedHasher(file.Handle, ChunkSize, bytes.Length, done);
            var order = Enumerable.Range(0, chunks).Where(index => !done[index]).OrderBy(_ => Random.Shared.Next()).ToList();
            await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.CancellationToken }, async (index, token) =>
            {
                var start = index * ChunkSize;
                var end = Math.Min(bytes.Length, start + ChunkSize);
                for (var offset = start; offset < end;)
                {
                    var length = Math.Min(end - offset, Random.Shared.Next(1, 20_000));
                    file.WriteAndReport(hasher, bytes, offset, length);
                    offset += length;
                    await Task.Yield();
                }
            });

            Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), hasher.Finish(), $"round {round}");
        }
    }

    [TestMethod]
    public void A_missing_chunk_is_an_error_not_a_hash()
    {
        var bytes = RandomNumberGenerator.GetBytes(3 * ChunkSize);
        using var file = new TemporaryFile(bytes.Length);
        using var hasher = new OrderedHasher(file.Handle, ChunkSize, bytes.Length, new bool[3]);
        file.WriteAndReport(hasher, bytes, 0, ChunkSize);
        file.WriteAndReport(hasher, bytes, 2 * ChunkSize, ChunkSize);

        Assert.ThrowsExactly<IOException>(() => hasher.Finish());
    }

    private sealed class TemporaryFile : IDisposable
    {
        private readonly string _path = Path.GetTempFileName();

        public TemporaryFile(long size)
        {
            Handle = File.OpenHandle(_path, FileMode.Create, FileAccess.ReadWrite);
            RandomAccess.SetLength(Handle, size);
        }

        public Microsoft.Win32.SafeHandles.SafeFileHandle Handle { get; }

        public void Write(byte[] bytes, int offset, int length) => RandomAccess.Write(Handle, bytes.AsSpan(offset, length), offset);

        public void WriteAndReport(OrderedHasher hasher, byte[] bytes, int offset, int length)
        {
            Write(bytes, offset, length);
            hasher.Written(offset, bytes.AsSpan(offset, length));
        }

        public void Dispose()
        {
            Handle.Dispose();
            File.Delete(_path);
        }
    }
}
