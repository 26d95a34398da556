using Apache.Arrow.Types;

namespace ModelStore.Arrow.Tests;

/// <summary>Writing and reading rows: every element type, missing values, extension columns, streams of any kind.</summary>
[TestClass]
public sealed class ModelRowFileTests
{
    private static RowSchema TrainingRow => TestFiles.TrainingRow;

    private static Dictionary<string, object?> TrainingValues() => TestFiles.TrainingValues();

    [TestMethod]
    public async Task Every_element_type_round_trips_bit_for_bit()
    {
        await RoundTrip<Half>(i => (Half)(i * 0.5));
        await RoundTrip<float>(i => i * 0.1f);
        await RoundTrip<double>(i => Math.PI * i);
        await RoundTrip<sbyte>(i => (sbyte)(i - 10));
        await RoundTrip<short>(i => (short)(-1000 * i));
        await RoundTrip<int>(i => int.MinValue + i);
        await RoundTrip<long>(i => long.MaxValue - i);
        await RoundTrip<byte>(i => (byte)(250 + i % 5));
        await RoundTrip<ushort>(i => (ushort)(65000 + i));
        await RoundTrip<uint>(i => uint.MaxValue - (uint)i);
        await RoundTrip<ulong>(i => ulong.MaxValue - (ulong)i);
    }

    private static async Task RoundTrip<T>(Func<int, T> value)
        where T : unmanaged
    {
        var row = TestFiles.SmallRow(ModelRowSchemas.ModelV1, value);

        var read = await TestFiles.ReadAsync(await TestFiles.WriteToBytesAsync(row), ModelRowSchemas.ModelV1);

        Assert.AreEqual(WeightElementTypes.Of<T>(), read.Weights!.ElementType);
        Assert.AreEqual(row.Weights!.Count, read.Weights.Count);
        for (var i = 0; i < row.Weights.Count; i++)
        {
            CollectionAssert.AreEqual(row.Weights[i].Size.ToArray(), read.Weights[i].Size.ToArray());
            CollectionAssert.AreEqual(row.Weights[i].AsBytes().ToArray(), read.Weights[i].AsBytes().ToArray(), $"{typeof(T).Name} array {i}");
        }

        Assert.AreEqual(3L, read.ArchitectureVersion);
    }

    [TestMethod]
    public async Task A_row_major_tensor_is_stored_with_reversed_dims_and_untouched_values()
    {
        var values = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();
        var row = new ModelRow(ModelRowSchemas.ModelV1, ModelWeights.Create(WeightArray.FromRowMajor<float>(values, 2, 3, 4)));

        var read = await TestFiles.ReadAsync(await TestFiles.WriteToBytesAsync(row), ModelRowSchemas.ModelV1);

        CollectionAssert.AreEqual(new long[] { 4, 3, 2 }, read.Weights![0].Size.ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, read.Weights[0].RowMajorShape);
        CollectionAssert.AreEqual(values, read.Weights[0].GetValues<float>().ToArray());
        Assert.ThrowsExactly<InvalidOperationException>(() => read.Weights[0].GetValues<double>().ToArray());
    }

    [TestMethod]
    public async Task Read_weights_point_into_the_file_body_and_stay_intact_when_more_rows_are_read()
    {
        var first = TestFiles.SmallRow(ModelRowSchemas.ModelV1, i => (float)i);
        var read = await TestFiles.ReadAsync(await TestFiles.WriteToBytesAsync(first), ModelRowSchemas.ModelV1);

        for (var i = 0; i < 20; i++)
        {
            await TestFiles.ReadAsync(await TestFiles.WriteToBytesAsync(TestFiles.SmallRow(ModelRowSchemas.ModelV1, j => (float)-j)), ModelRowSchemas.ModelV1);
        }

        GC.Collect();
        var values = ((WeightArray<float>)read.Weights![2]).Values;
        Assert.IsTrue(System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<float, ByteMemoryManager<float>>(values, out _), "no second copy");
        CollectionAssert.AreEqual(first.Weights![2].GetValues<float>().ToArray(), values.ToArray());
    }

    [TestMethod]
    public async Task Writing_streams_the_weights_without_copying_them()
    {
        var arrays = Enumerable.Range(0, 16).Select(a => WeightArray.FromRowMajor<float>(Enumerable.Repeat((float)a, 1 << 20).ToArray(), 1024, 1024));
        var row = new ModelRow(ModelRowSchemas.ModelV1, ModelWeights.Create(arrays));
        using var sink = new CountingStream();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await ModelRowFile.WriteAsync(sink, row);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.IsLessThan(8L << 20, allocated, $"64 MB of weights written with {allocated >> 20} MB allocated");
        Assert.IsGreaterThan(64L << 20, sink.Length);
        Assert.AreEqual(15f, (await TestFiles.ReadAsync(await TestFiles.WriteToBytesAsync(row), ModelRowSchemas.ModelV1)).Weights![15].GetValues<float>()[^1]);
    }

    /// <summary>Counts what is written and keeps nothing.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }

    [TestMethod]
    public async Task Extension_columns_of_every_supported_kind_round_trip()
    {
        var row = TestFiles.SmallRow(TrainingRow, i => (float)i, TrainingValues());

        var read = await TestFiles.ReadAsync(await TestFiles.WriteToBytesAsync(row), TrainingRow);

        Assert.AreEqual("training.model@2>legolas-flux.model@1", read.FileSchemaIdentifier);
        Assert.AreEqual(42L, read["epoch"]);
        Assert.AreEqual(0.875f, read["accuracy"]);
        Assert.AreEqual("0123abcd", read["commit_sha"]);
        Assert.AreEqual(true, read["converged"]);
        CollectionAssert.AreEqual(new object?[] { 2.5, null, 0.125 }, read.Get<object?[]>("losses"));
        CollectionAssert.AreEqual(new byte[] { 0, 1, 254, 255 }, read.Get<byte[]>("digest"));
        var optimizer = read.Get<IReadOnlyDictionary<string, object?>>("optimizer")!;
        Assert.AreEqual("adam", optimizer["name"]);
        Assert.IsNull(optimizer["learning_rate"]);
    }

    [TestMethod]
    public async Task Missing_weights_and_missing_optional_values_round_trip_as_missing()
    {
        var row = new ModelRow(TrainingRow, weights: null, values: new Dictionary<string, object?>
        {
            ["optimizer"] = new Dictionary<string, object?> { ["name"] = "sgd", ["learning_rate"] = 0.01 },
        });

        var read = await TestFiles.ReadAsync(await TestFiles.WriteToBytesAsync(row), TrainingRow);

        Assert.IsNull(read.Weights);
        Assert.IsNull(read.ArchitectureVersion);
        Assert.IsNull(read["epoch"]);
        Assert.IsNull(read["losses"]);
        Assert.AreEqual(0.01, read.Get<IReadOnlyDictionary<string, object?>>("optimizer")!["learning_rate"]);
    }

    [TestMethod]
    public async Task Rows_are_written_to_and_read_from_forward_only_streams()
    {
        var row = TestFiles.SmallRow(TrainingRow, i => (double)i, TrainingValues());
        using var sink = new MemoryStream();

        await ModelRowFile.WriteAsync(new ForwardOnlyStream(sink), row);
        var read = await ModelRowFile.ReadAsync(new ForwardOnlyStream(new MemoryStream(sink.ToArray())), TrainingRow);

        CollectionAssert.AreEqual(await TestFiles.WriteToBytesAsync(row), sink.ToArray(), "the same bytes as to a seekable stream");
        CollectionAssert.AreEqual(row.Weights![2].GetValues<double>().ToArray(), read.Weights![2].GetValues<double>().ToArray());

        // A file that starts further inside a stream (after a header of another format, say).
        var embedded = new MemoryStream([.. "head"u8, .. sink.ToArray()]) { Position = 4 };
        Assert.AreEqual(42L, (await ModelRowFile.ReadAsync(embedded, TrainingRow))["epoch"]);
    }

    [TestMethod]
    public async Task A_write_to_a_path_that_fails_leaves_the_old_file_whole_and_no_partial_file()
    {
        var folder = TestFiles.NewTemporaryFolder();
        var path = Path.Combine(folder, "run.training.model.arrow");
        await ModelRowFile.WriteAsync(path, TestFiles.SmallRow(TrainingRow, i => (float)i, TrainingValues()));
        var before = await File.ReadAllBytesAsync(path);

        var replacement = new ModelRow(TrainingRow, ModelWeights.Create(WeightArray.FromRowMajor<float>(new float[1], 1)), values: TrainingValues());
        await Assert.ThrowsAsync<OperationCanceledException>(() => ModelRowFile.WriteAsync(path, replacement, new CancellationToken(canceled: true)));

        CollectionAssert.AreEqual(before, await File.ReadAllBytesAsync(path));
        Assert.HasCount(1, Directory.GetFiles(folder), "no partial file is left behind");
    }

    [TestMethod]
    public async Task A_child_row_reads_as_its_parent_and_as_itself_through_a_registry()
    {
        var bytes = await TestFiles.WriteToBytesAsync(TestFiles.SmallRow(TrainingRow, i => (float)i, TrainingValues()));

        var asParent = await TestFiles.ReadAsync(bytes, ModelRowSchemas.ModelV1);
        var asDeclared = await ModelRowFile.ReadAsync(new MemoryStream(bytes), new RowSchemaRegistry(TrainingRow));

        Assert.AreSame(ModelRowSchemas.ModelV1, asParent.Schema);
        Assert.HasCount(3, asParent.Weights!);
        Assert.AreSame(TrainingRow, asDeclared.Schema);
        Assert.AreEqual(42L, asDeclared["epoch"]);
    }

    /// <summary>A stream that can only go forward, like a network response or a pipe.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
