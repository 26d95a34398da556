using System.Buffers.Binary;
using System.Text;
using ModelStore.TorchSharp.Formats;
using ModelStore.TorchSharp.IO;

namespace ModelStore.TorchSharp.PyTorch;

/// <summary>One entry of a zip archive, with the absolute offset of its bytes (only stored entries are ever read).</summary>
internal sealed record ZipEntry(string Name, long DataOffset, long Size, int Method = 0);

/// <summary>
/// Reads a zip archive's central directory (zip64 included) and locates each entry's bytes, validating
/// every offset and size against the file before anything is allocated. Only stored (uncompressed)
/// entries are read (<see cref="RequireStored"/>): that is what <c>torch.save</c> writes, and it lets storages be read
/// in place. Compressed entries are listed so the archive can be recognised first (TorchScript compresses its code).
/// </summary>
internal static class ZipDirectory
{
    private const uint EndOfCentralDirectory = 0x06054b50;
    private const uint Zip64EndOfCentralDirectory = 0x06064b50;
    private const uint Zip64Locator = 0x07064b50;
    private const uint CentralHeader = 0x02014b50;
    private const uint LocalHeader = 0x04034b50;
    private const int MaxCentralDirectory = 256 << 20;

    public static Dictionary<string, ZipEntry> Read(RandomAccessSource source)
    {
        var length = source.Length;
        var (cdOffset, cdSize, count) = FindCentralDirectory(source, length);
        if (cdSize > MaxCentralDirectory || count > cdSize / 46)
        {
            throw Corrupt("the central directory declares more entries than it can hold");
        }

        var directory = new byte[cdSize];
        if (!source.TryReadExactly(cdOffset, directory))
        {
            throw Truncated("the central directory lies beyond the end of the file");
        }

        var entries = new Dictionary<string, ZipEntry>(StringComparer.Ordinal);
        var position = 0;
        for (var i = 0L; i < count; i++)
        {
            var header = directory.AsSpan(position);
            if (header.Length < 46 || BinaryPrimitives.ReadUInt32LittleEndian(header) != CentralHeader)
            {
                throw Corrupt($"central directory entry #{i} is malformed");
            }

            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
            if (46 + nameLength + extraLength + commentLength > header.Length)
            {
                throw Corrupt($"central directory entry #{i} runs past the directory");
            }

            var name = Encoding.UTF8.GetString(header.Slice(46, nameLength));
            ReadZip64Extra(header.Slice(46 + nameLength, extraLength), ref size, ref compressed, ref localOffset);
            position += 46 + nameLength + extraLength + commentLength;

            if ((flags & 1) != 0)
            {
                throw new StateFormatException(StateFormatError.UnsupportedFeature, $"Zip entry '{name}' is encrypted.");
            }

            var stored = method == 0 && compressed == size;
            var dataOffset = LocateData(source, name, localOffset, length);
            if ((stored ? size : compressed) > length - dataOffset)
            {
                throw new StateFormatException(
                    StateFormatError.SizeMismatch,
                    $"Zip entry '{name}' declares {size} bytes at offset {dataOffset}, but the file is {length} bytes long.");
            }

            if (!entries.TryAdd(name, new ZipEntry(name, dataOffset, size, stored ? 0 : Math.Max((int)method, 1))))
            {
                throw Corrupt($"the entry '{name}' appears twice");
            }
        }

        return entries;
    }

    /// <summary>Refuses the archive when one of its entries is compressed.</summary>
    public static void RequireStored(Dictionary<string, ZipEntry> entries)
    {
        foreach (var entry in entries.Values)
        {
            if (entry.Method != 0)
            {
                throw new StateFormatException(
                    StateFormatError.UnsupportedFeature,
                    $"Zip entry '{entry.Name}' is compressed (method {entry.Method}); torch.save stores entries uncompressed, which lets tensors be read in place.");
            }
        }
    }

    private static (long Offset, long Size, long Count) FindCentralDirectory(RandomAccessSource source, long length)
    {
        // The end record is 22 bytes plus a comment of at most 65535 bytes, at the very end of the file.
        var tailLength = (int)Math.Min(length, 22 + 65535 + 20);
        var tail = new byte[tailLength];
        if (tailLength < 22 || !source.TryReadExactly(length - tailLength, tail))
        {
            throw Truncated("the file is too short to be a zip archive");
        }

        for (var i = tailLength - 22; i >= 0; i--)
        {
            var record = tail.AsSpan(i);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != EndOfCentralDirectory
                || i + 22 + BinaryPrimitives.ReadUInt16LittleEndian(record[20..]) != tailLength)
            {
                continue;
            }

            var eocdPosition = length - tailLength + i;
            long count = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
            if (count == 0xFFFF || size == 0xFFFFFFFF || offset == 0xFFFFFFFF)
            {
                (offset, size, count, eocdPosition) = ReadZip64End(source, tail, i, length - tailLength);
            }

            if (offset < 0 || size < 0 || offset > eocdPosition || size > eocdPosition - offset)
            {
                throw Truncated("the central directory lies outside the file");
            }

            return (offset, size, count);
        }

        throw Truncated("no end-of-central-directory record (the archive is truncated or not a zip)");
    }

    private static (long Offset, long Size, long Count, long End) ReadZip64End(RandomAccessSource source, byte[] tail, int eocdIndex, long tailStart)
    {
        if (eocdIndex < 20 || BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocdIndex - 20)) != Zip64Locator)
        {
            throw Corrupt("the zip64 locator is missing");
        }

        var recordOffset = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(eocdIndex - 20 + 8));
        var record = new byte[56];
        if (recordOffset < 0 || recordOffset > tailStart + eocdIndex - 20 - 56 || !source.TryReadExactly(recordOffset, record)
            || BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndOfCentralDirectory)
        {
            throw Corrupt("the zip64 end record is missing or out of range");
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(48)),
            BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(40)),
            BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(32)),
            recordOffset);
    }

    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long localOffset)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + length > extra.Length)
            {
                throw Corrupt("an extra field runs past its entry");
            }

            var field = extra.Slice(4, length);
            if (id == 1)
            {
                var at = 0;
                size = Next(size, field, ref at);
                compressed = Next(compressed, field, ref at);
                localOffset = Next(localOffset, field, ref at);
            }

            extra = extra[(4 + length)..];
        }

        static long Next(long value, ReadOnlySpan<byte> field, ref int at)
        {
            if (value != 0xFFFFFFFF)
            {
                return value;
            }

            if (at + 8 > field.Length)
            {
                throw Corrupt("a zip64 extra field is too short");
            }

            var wide = BinaryPrimitives.ReadInt64LittleEndian(field[at..]);
            at += 8;
            return wide < 0 ? throw Corrupt("a zip64 size is negative") : wide;
        }
    }

    private static long LocateData(RandomAccessSource source, string name, long localOffset, long length)
    {
        Span<byte> header = stackalloc byte[30];
        if (localOffset < 0 || localOffset > length - 30 || !source.TryReadExactly(localOffset, header))
        {
            throw Truncated($"the local header of '{name}' lies beyond the end of the file");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalHeader)
        {
            throw Corrupt($"the local header of '{name}' is malformed");
        }

        var dataOffset = localOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(header[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        return dataOffset > length
            ? throw Truncated($"the data of '{name}' starts beyond the end of the file")
            : dataOffset;
    }

    private static StateFormatException Corrupt(string what) =>
        new(StateFormatError.Corrupt, $"The PyTorch archive is corrupt: {what}.");

    private static StateFormatException Truncated(string what) =>
        new(StateFormatError.Truncated, $"The PyTorch archive is truncated: {what}.");
}
