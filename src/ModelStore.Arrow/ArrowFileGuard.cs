using System.Buffers.Binary;

namespace ModelStore.Arrow;

/// <summary>
/// Checks the frame of an Arrow IPC file before Apache.Arrow parses it: the magic at both ends, a footer that
/// lies inside the file, a schema whose field tree is finite (no cycles, bounded depth and size, every offset
/// in range), record batch blocks that lie before the footer, and block messages whose metadata and body lengths
/// fit their blocks. Apache.Arrow trusts these flatbuffers; a mutated one can make it recurse through a field
/// cycle for minutes or exhaust the stack, which no catch block survives, or allocate gigabytes for a message
/// length read from the wrong place (13 bytes inserted into a 4 KB file made it allocate 1.7 GB).
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
        var (nameless, blocks) = CheckFooter(footer, footerStart);
        for (var i = 0; i < blocks.Count; i++)
        {
            await CheckMessageAsync(stream, blocks[i], i, cancellationToken).ConfigureAwait(false);
        }

        stream.Position = 0;
        return nameless.Count == 0 ? stream : FooterNamePatch.Apply(stream, footerStart, footer, nameless);
    }

    /// <summary>Checks the footer; returns the positions of field tables that have no name, and the dictionary and record batch blocks.</summary>
    private static (List<int> Nameless, List<Block> Blocks) CheckFooter(byte[] footer, long footerStart)
    {
        var nameless = new List<int>();
        var found = new List<Block>();
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

                found.Add(new Block(offset, metadataLength, bodyLength));
            }
        }

        return (nameless, found);
    }

    /// <summary>
    /// Apache.Arrow allocates what a block's message declares before reading it: the length of its metadata (after an
    /// optional continuation marker), then the body length inside that metadata. Both must fit the block.
    /// </summary>
    private static async Task CheckMessageAsync(Stream stream, Block block, int index, CancellationToken cancellationToken)
    {
        if (block.MetadataLength < 8)
        {
            throw Malformed($"Block {index} has {block.MetadataLength} bytes of metadata, fewer than a message needs.");
        }

        var metadata = new byte[block.MetadataLength];
        stream.Position = block.Offset;
        await stream.ReadExactlyAsync(metadata, cancellationToken).ConfigureAwait(false);
        var prefix = BinaryPrimitives.ReadInt32LittleEndian(metadata) == -1 ? 8 : 4;
        var length = BinaryPrimitives.ReadInt32LittleEndian(metadata.AsSpan(prefix - 4));
        if (length <= 0 || length > metadata.Length - prefix)
        {
            throw Malformed($"Block {index}'s message declares {length} bytes of metadata, but the block holds {metadata.Length - prefix}.");
        }

        var message = new FlatReader(metadata[prefix..(prefix + length)]);
        var root = message.Root();
        var bodyLength = message.Int64(root, 3) ?? 0;
        if (bodyLength < 0 || bodyLength > block.BodyLength)
        {
            throw Malformed($"Block {index}'s message declares a body of {bodyLength} bytes, but the block holds {block.BodyLength}.");
        }

        // A record batch (header type 3), or the one inside a dictionary batch (type 2): its counts size what Apache.Arrow allocates.
        var header = message.Table(root, 2);
        var batch = message.Byte(root, 1) switch
        {
            3 => header,
            2 when header is { } dictionary => message.Table(dictionary, 1),
            _ => null,
        };
        if (batch is { } recordBatch)
        {
            CheckRecordBatch(message, recordBatch, bodyLength, index);
        }
    }

    /// <summary>A record batch's row count, field nodes (length, null count) and buffers (offset, length inside the body).</summary>
    private static void CheckRecordBatch(FlatReader message, int batch, long bodyLength, int index)
    {
        var rows = message.Int64(batch, 0) ?? 0;
        if (rows < 0 || rows > int.MaxValue)
        {
            throw Malformed($"Block {index} declares {rows} rows.");
        }

        if (message.Vector(batch, 1, 16) is { } nodes)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                var nodeLength = message.Int64At(nodes.Start + (i * 16));
                var nullCount = message.Int64At(nodes.Start + (i * 16) + 8);
                if (nodeLength < 0 || nodeLength > int.MaxValue || nullCount < 0 || nullCount > nodeLength)
                {
                    throw Malformed($"Block {index}'s field node {i} declares {nodeLength} values and {nullCount} nulls.");
                }
            }
        }

        if (message.Vector(batch, 2, 16) is { } buffers)
        {
            for (var i = 0; i < buffers.Count; i++)
            {
                var offset = message.Int64At(buffers.Start + (i * 16));
                var size = message.Int64At(buffers.Start + (i * 16) + 8);
                if (offset < 0 || size < 0 || offset > bodyLength || size > bodyLength - offset)
                {
                    throw Malformed($"Block {index}'s buffer {i} spans [{offset}, +{size}) of a {bodyLength}-byte body.");
                }
            }
        }
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

    /// <summary>A footer block: where a message starts, the length of its metadata (with its prefix) and of its body.</summary>
    private readonly record struct Block(long Offset, int MetadataLength, long BodyLength);

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

        /// <summary>A 1-byte field of a table (a union's type), or null when absent.</summary>
        public byte? Byte(int table, int slot) => Slot(table, slot) is { } position ? Span(position, 1)[0] : null;

        /// <summary>The 8-byte integer at <paramref name="position"/> (inside a vector of structs).</summary>
        public long Int64At(int position) => BinaryPrimitives.ReadInt64LittleEndian(Span(position, 8));

        /// <summary>An 8-byte integer field of a table, or null when absent.</summary>
        public long? Int64(int table, int slot) => Slot(table, slot) is { } position ? BinaryPrimitives.ReadInt64LittleEndian(Span(position, 8)) : null;

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
