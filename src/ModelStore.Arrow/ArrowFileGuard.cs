using System.Buffers.Binary;

namespace ModelStore.Arrow;

/// <summary>
/// Checks the frame of an Arrow IPC file before Apache.Arrow parses it: the magic at both ends, a footer that
/// lies inside the file, a schema whose field tree is finite (no cycles, bounded depth and size, every offset
/// in range) and record batch blocks that lie before the footer. Apache.Arrow trusts these flatbuffers; a
/// mutated one can make it recurse through a field cycle for minutes or exhaust the stack, which no catch block
/// survives.
/// </summary>
internal static class ArrowFileGuard
{
    private const int MaxDepth = 64;
    private const int MaxFields = 100_000;
    private const int MaxFooterLength = 64 << 20;
    private static readonly byte[] Magic = "ARROW1"u8.ToArray();

    /// <summary>
    /// Checks the file in <paramref name="stream"/> (seekable, the file starting at position 0). Returns the stream
    /// to give Apache.Arrow, positioned at 0: <paramref name="stream"/> itself, or a view of it with a repaired
    /// footer when fields have no name (see <see cref="FooterNamePatch"/>).
    /// </summary>
    public static async Task<Stream> CheckAsync(Stream stream, CancellationToken cancellationToken)
    {
        var length = stream.Length;
        if (length < 8 + 10)
        {
            throw Malformed($"{length} bytes are too few for an Arrow IPC file.");
        }

        var head = new byte[6];
        stream.Position = 0;
        await stream.ReadExactlyAsync(head, cancellationToken).ConfigureAwait(false);
        var tail = new byte[10];
        stream.Position = length - 10;
        await stream.ReadExactlyAsync(tail, cancellationToken).ConfigureAwait(false);
        if (!head.AsSpan().SequenceEqual(Magic) || !tail.AsSpan(4).SequenceEqual(Magic))
        {
            throw Malformed("The Arrow file magic (ARROW1) is missing at its start or end; the file is not Arrow or is truncated.");
        }

        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        var footerStart = length - 10 - footerLength;
        if (footerLength <= 0 || footerLength > MaxFooterLength || footerStart < 8)
        {
            throw Malformed($"The footer length {footerLength} does not fit in the file.");
        }

        var footer = new byte[footerLength];
        stream.Position = footerStart;
        await stream.ReadExactlyAsync(footer, cancellationToken).ConfigureAwait(false);
        var nameless = CheckFooter(footer, footerStart);
        stream.Position = 0;
        return nameless.Count == 0 ? stream : FooterNamePatch.Apply(stream, footerStart, footer, nameless);
    }

    /// <summary>Checks the footer; returns the positions of field tables that have no name.</summary>
    private static List<int> CheckFooter(byte[] footer, long footerStart)
    {
        var nameless = new List<int>();
        var reader = new FlatReader(footer);
        var root = reader.Root();
        if (reader.Table(root, 1) is { } schema)
        {
            if (reader.Vector(schema, 1, 4) is { } fields)
            {
                var visited = new HashSet<int>();
                for (var i = 0; i < fields.Count; i++)
                {
                    CheckField(reader, reader.TableAt(fields.Start + (i * 4)), 1, visited, nameless);
                }
            }

            CheckKeyValues(reader, schema, 2);
        }
        else
        {
            throw Malformed("The footer has no schema.");
        }

        CheckKeyValues(reader, root, 4);
        foreach (var slot in new[] { 2, 3 })
        {
            if (reader.Vector(root, slot, 24) is not { } blocks)
            {
                continue;
            }

            for (var i = 0; i < blocks.Count; i++)
            {
                var block = footer.AsSpan(blocks.Start + (i * 24), 24);
                var offset = BinaryPrimitives.ReadInt64LittleEndian(block);
                var metadataLength = BinaryPrimitives.ReadInt32LittleEndian(block[8..]);
                var bodyLength = BinaryPrimitives.ReadInt64LittleEndian(block[16..]);
                if (offset < 8 || metadataLength <= 0 || bodyLength < 0
                    || offset > footerStart || metadataLength > footerStart - offset || bodyLength > footerStart - offset - metadataLength)
                {
                    throw Malformed($"Block {i} (offset {offset}, {metadataLength} + {bodyLength} bytes) lies outside the file's data.");
                }
            }
        }

        return nameless;
    }

    private static void CheckField(FlatReader reader, int field, int depth, HashSet<int> visited, List<int> nameless)
    {
        if (depth > MaxDepth || visited.Count >= MaxFields || !visited.Add(field))
        {
            throw Malformed("The schema's field tree is too deep, too large or cyclic.");
        }

        if (!reader.String(field, 0))
        {
            nameless.Add(field);
        }

        reader.Table(field, 3);
        if (reader.Table(field, 4) is { } dictionary)
        {
            reader.Table(dictionary, 1);
        }

        if (reader.Vector(field, 5, 4) is { } children)
        {
            for (var i = 0; i < children.Count; i++)
            {
                CheckField(reader, reader.TableAt(children.Start + (i * 4)), depth + 1, visited, nameless);
            }
        }

        CheckKeyValues(reader, field, 6);
    }

    private static void CheckKeyValues(FlatReader reader, int table, int slot)
    {
        if (reader.Vector(table, slot, 4) is not { } pairs)
        {
            return;
        }

        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = reader.TableAt(pairs.Start + (i * 4));
            reader.String(pair, 0);
            reader.String(pair, 1);
        }
    }

    internal static ModelRowException Malformed(string message) => new(ModelRowError.MalformedFile, message);

    /// <summary>Bounds-checked reads of flatbuffer tables, vectors and strings.</summary>
    private readonly struct FlatReader(byte[] buffer)
    {
        public int Root() => TableAt(0);

        /// <summary>The table an offset at <paramref name="position"/> points to.</summary>
        public int TableAt(int position)
        {
            var table = Follow(position);
            var vtable = (long)table - Int32(table);
            if (vtable < 0 || vtable + 4 > buffer.Length)
            {
                throw Malformed("A footer table's vtable lies outside the footer.");
            }

            var vtableSize = UInt16((int)vtable);
            if (vtableSize < 4 || vtableSize % 2 != 0 || vtable + vtableSize > buffer.Length)
            {
                throw Malformed("A footer vtable is malformed.");
            }

            return table;
        }

        public int? Table(int table, int slot) => Slot(table, slot) is { } position ? TableAt(position) : null;

        public (int Start, int Count)? Vector(int table, int slot, int elementSize)
        {
            if (Slot(table, slot) is not { } position)
            {
                return null;
            }

            var vector = Follow(position);
            var count = Int32(vector);
            if (count < 0 || (long)count * elementSize > buffer.Length - vector - 4L)
            {
                throw Malformed("A footer vector runs past the footer.");
            }

            return (vector + 4, count);
        }

        /// <summary>Checks a string field; returns whether it is present.</summary>
        public bool String(int table, int slot) => Vector(table, slot, 1) is not null;

        /// <summary>The position of field <paramref name="slot"/> of a table, or null when absent.</summary>
        private int? Slot(int table, int slot)
        {
            var vtable = table - Int32(table);
            var vtableSize = UInt16(vtable);
            var entry = 4 + (slot * 2);
            if (entry + 2 > vtableSize)
            {
                return null;
            }

            var offset = UInt16(vtable + entry);
            if (offset == 0)
            {
                return null;
            }

            var tableSize = UInt16(vtable + 2);
            if (offset + 4 > tableSize || (long)table + tableSize > buffer.Length)
            {
                throw Malformed("A footer field lies outside its table.");
            }

            return table + offset;
        }

        private int Follow(int position)
        {
            var target = (long)position + UInt32(position);
            if (target < 0 || target + 4 > buffer.Length)
            {
                throw Malformed("A footer offset points outside the footer.");
            }

            return (int)target;
        }

        private int Int32(int position) => BinaryPrimitives.ReadInt32LittleEndian(Span(position, 4));

        private uint UInt32(int position) => BinaryPrimitives.ReadUInt32LittleEndian(Span(position, 4));

        private ushort UInt16(int position) => BinaryPrimitives.ReadUInt16LittleEndian(Span(position, 2));

        private ReadOnlySpan<byte> Span(int position, int size) =>
            position >= 0 && (long)position + size <= buffer.Length
                ? buffer.AsSpan(position, size)
                : throw Malformed("A footer read runs past the footer.");
    }
}
