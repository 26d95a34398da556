using System.Buffers.Binary;
using System.Text;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>Receives one piece of an entry's data (a delegate, because <c>Action&lt;ReadOnlySpan&lt;byte&gt;&gt;</c> needs C# 13's ref-struct type arguments, which net8.0 lacks).</summary>
internal delegate void SpanWriter(ReadOnlySpan<byte> data);

/// <summary>
/// Writes a zip archive of stored (uncompressed) entries front to back, as PyTorch's writer does:
/// each entry's data aligned to 64 bytes with a padding extra field, zip64 records when sizes or
/// offsets need them. The destination need not seek: CRCs and sizes are known before each entry.
/// </summary>
internal sealed class ZipWriter(Stream output)
{
    private const int Alignment = 64;
    private const ushort PaddingFieldId = 0x4246; // "FB", as PyTorch's writer uses
    private readonly List<(byte[] Name, uint Crc, long Size, long Offset)> _central = [];
    private long _position;

    public void AddEntry(string name, uint crc, long size, Action<SpanWriter> writeData)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var offset = _position;
        var zip64 = size >= 0xFFFFFFFF;
        var zip64Length = zip64 ? 20 : 0;
        var unpadded = offset + 30 + nameBytes.Length + zip64Length + 4;
        var padding = (int)((Alignment - (unpadded % Alignment)) % Alignment);

        var header = new byte[30 + nameBytes.Length + zip64Length + 4 + padding];
        var span = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], zip64 ? (ushort)45 : (ushort)20);
        BinaryPrimitives.WriteUInt16LittleEndian(span[12..], 0x0021); // 1980-01-01: deterministic output
        BinaryPrimitives.WriteUInt32LittleEndian(span[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[18..], zip64 ? 0xFFFFFFFF : (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(span[22..], zip64 ? 0xFFFFFFFF : (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(span[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[28..], (ushort)(zip64Length + 4 + padding));
        nameBytes.CopyTo(span[30..]);
        var extra = span[(30 + nameBytes.Length)..];
        if (zip64)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(extra, 1);
            BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 16);
            BinaryPrimitives.WriteInt64LittleEndian(extra[4..], size);
            BinaryPrimitives.WriteInt64LittleEndian(extra[12..], size);
            extra = extra[20..];
        }

        BinaryPrimitives.WriteUInt16LittleEndian(extra, PaddingFieldId);
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)padding);
        Write(header);

        var written = 0L;
        writeData(chunk =>
        {
            Write(chunk);
            written += chunk.Length;
        });
        if (written != size)
        {
            throw new InvalidOperationException($"Zip entry '{name}' was declared {size} bytes long but {written} were written.");
        }

        _central.Add((nameBytes, crc, size, offset));
    }

    public void AddEntry(string name, ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        AddEntry(name, Crc32Of(bytes), bytes.Length, write => write(bytes));
    }

    public void Finish()
    {
        var directoryOffset = _position;
        foreach (var (name, crc, size, offset) in _central)
        {
            var needs = (size >= 0xFFFFFFFF ? 2 : 0) + (offset >= 0xFFFFFFFF ? 1 : 0);
            var zip64Length = needs == 0 ? 0 : 4 + (8 * needs);
            var header = new byte[46 + name.Length + zip64Length];
            var span = header.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(span[6..], needs == 0 ? (ushort)20 : (ushort)45);
            BinaryPrimitives.WriteUInt16LittleEndian(span[14..], 0x0021);
            BinaryPrimitives.WriteUInt32LittleEndian(span[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(span[20..], size >= 0xFFFFFFFF ? 0xFFFFFFFF : (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(span[24..], size >= 0xFFFFFFFF ? 0xFFFFFFFF : (uint)size);
            BinaryPrimitives.WriteUInt16LittleEndian(span[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(span[30..], (ushort)zip64Length);
            BinaryPrimitives.WriteUInt32LittleEndian(span[42..], offset >= 0xFFFFFFFF ? 0xFFFFFFFF : (uint)offset);
            name.CopyTo(span[46..]);
            if (needs > 0)
            {
                var extra = span[(46 + name.Length)..];
                BinaryPrimitives.WriteUInt16LittleEndian(extra, 1);
                BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)(8 * needs));
                var at = 4;
                if (size >= 0xFFFFFFFF)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(extra[at..], size);
                    BinaryPrimitives.WriteInt64LittleEndian(extra[(at + 8)..], size);
                    at += 16;
                }

                if (offset >= 0xFFFFFFFF)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(extra[at..], offset);
                }
            }

            Write(header);
        }

        var directorySize = _position - directoryOffset;
        var count = _central.Count;
        if (count >= 0xFFFF || directoryOffset >= 0xFFFFFFFF || directorySize >= 0xFFFFFFFF)
        {
            var zip64End = _position;
            var record = new byte[56 + 20];
            var span = record.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, 0x06064b50);
            BinaryPrimitives.WriteInt64LittleEndian(span[4..], 44);
            BinaryPrimitives.WriteUInt16LittleEndian(span[12..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(span[14..], 45);
            BinaryPrimitives.WriteInt64LittleEndian(span[24..], count);
            BinaryPrimitives.WriteInt64LittleEndian(span[32..], count);
            BinaryPrimitives.WriteInt64LittleEndian(span[40..], directorySize);
            BinaryPrimitives.WriteInt64LittleEndian(span[48..], directoryOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(span[56..], 0x07064b50);
            BinaryPrimitives.WriteInt64LittleEndian(span[64..], zip64End);
            BinaryPrimitives.WriteUInt32LittleEndian(span[72..], 1);
            Write(record);
        }

        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)Math.Min(count, 0xFFFF));
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)Math.Min(count, 0xFFFF));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)Math.Min(directorySize, 0xFFFFFFFF));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)Math.Min(directoryOffset, 0xFFFFFFFF));
        Write(end);
    }

    private static uint Crc32Of(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);

    private void Write(ReadOnlySpan<byte> data)
    {
        output.Write(data);
        _position += data.Length;
    }
}
