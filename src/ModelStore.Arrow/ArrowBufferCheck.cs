using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace ModelStore.Arrow;

/// <summary>
/// Checks the buffers of every array of a record batch against its type and length before any value is read.
/// Apache.Arrow trusts them: a string whose offsets point past its data is read through an unchecked pointer, which
/// ends the process with an access violation (a fuzzed 4 KB row file did). Validity bitmaps, fixed-width values,
/// offsets (present, non-decreasing, inside the data or the child array) and struct and list children are checked.
/// </summary>
internal static class ArrowBufferCheck
{
    private const int MaxDepth = 64;

    public static void Check(RecordBatch batch)
    {
        for (var i = 0; i < batch.ColumnCount; i++)
        {
            Check(batch.Column(i).Data, batch.Schema.GetFieldByIndex(i).Name, 0);
        }
    }

    private static void Check(ArrayData data, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Malformed(path, "nests too deep");
        }

        var end = (long)data.Offset + data.Length;
        if (data.Offset < 0 || data.Length < 0)
        {
            throw Malformed(path, $"has offset {data.Offset} and length {data.Length}");
        }

        if (data.DataType is NullType)
        {
            return;
        }

        if (data.Buffers.Length == 0 || (data.NullCount != 0 && !data.Buffers[0].IsEmpty && data.Buffers[0].Length * 8L < end))
        {
            throw Malformed(path, "has a validity bitmap shorter than its length");
        }

        switch (data.DataType)
        {
            case BooleanType:
                Require(data, 1, (end + 7) / 8, path);
                break;
            case FixedWidthType fixedWidth:
                Require(data, 1, end * ((fixedWidth.BitWidth + 7) / 8), path);
                break;
            case StringType or BinaryType:
                Require(data, 2, 0, path);
                CheckOffsets(data, end, data.Buffers[2].Length, path);
                break;
            case ListType:
                if (data.Children is not [var values])
                {
                    throw Malformed(path, "is a list without its values");
                }

                CheckOffsets(data, end, values.Length, path);
                Check(values, $"{path}[]", depth + 1);
                break;
            case StructType structType:
                if (data.Children is null || data.Children.Length != structType.Fields.Count)
                {
                    throw Malformed(path, "is a struct whose children do not match its fields");
                }

                for (var i = 0; i < data.Children.Length; i++)
                {
                    if (data.Children[i].Length < end)
                    {
                        throw Malformed($"{path}.{structType.Fields[i].Name}", $"has {data.Children[i].Length} values for a struct of {end}");
                    }

                    Check(data.Children[i], $"{path}.{structType.Fields[i].Name}", depth + 1);
                }

                break;
        }
    }

    /// <summary>Offsets (buffer 1) for elements [Offset, end]: present, non-negative, non-decreasing and at most <paramref name="limit"/>.</summary>
    private static void CheckOffsets(ArrayData data, long end, long limit, string path)
    {
        Require(data, 1, (end + 1) * sizeof(int), path);
        var offsets = MemoryMarshal.Cast<byte, int>(data.Buffers[1].Span);
        var previous = 0;
        for (var i = data.Offset; i <= end; i++)
        {
            var offset = offsets[(int)i];
            if (offset < previous || offset > limit)
            {
                throw Malformed(path, $"has offset {offset} at {i}, outside [{previous}, {limit}]");
            }

            previous = offset;
        }
    }

    private static void Require(ArrayData data, int buffer, long bytes, string path)
    {
        if (data.Buffers.Length <= buffer || data.Buffers[buffer].Length < bytes)
        {
            throw Malformed(path, $"has buffer {buffer} shorter than the {bytes} bytes its length needs");
        }
    }

    private static ModelRowException Malformed(string path, string what) =>
        new(ModelRowError.MalformedFile, $"Column '{path}' {what}; the record batch is corrupt.");
}
