using System.Buffers.Binary;

namespace ModelStore.Arrow;

/// <summary>
/// Gives nameless fields an empty name so Apache.Arrow for .NET can read the file. The Arrow format makes a
/// field's name optional and apache-arrow for JavaScript omits empty ones (list children), but Apache.Arrow's
/// <c>Field</c> refuses a null name (apache/arrow issues 32886 and 36588). The footer is rebuilt with, for each
/// nameless field, a new vtable whose name slot points to an appended empty string; the data before the footer
/// is untouched and not copied.
/// </summary>
internal static class FooterNamePatch
{
    public static Stream Apply(Stream file, long footerStart, byte[] footer, IReadOnlyList<int> namelessFields)
    {
        var patched = new List<byte>(footer);
        Pad(patched);
        var emptyString = patched.Count;
        patched.AddRange(new byte[8]); // length 0, the terminating NUL, padding
        foreach (var table in namelessFields)
        {
            var oldVtable = table - BinaryPrimitives.ReadInt32LittleEndian(footer.AsSpan(table));
            var oldSize = BinaryPrimitives.ReadUInt16LittleEndian(footer.AsSpan(oldVtable));

            // The name's offset slot, then the new vtable (slot 0 of a vtable is the name).
            var nameSlot = patched.Count;
            patched.AddRange(BitConverter.GetBytes(emptyString - nameSlot));
            var relative = nameSlot - table;
            if (relative > ushort.MaxValue - 4)
            {
                throw ArrowFileGuard.Malformed("A field without a name cannot be repaired in so large a footer.");
            }

            var newVtable = patched.Count;
            var newSize = Math.Max(oldSize, (ushort)6);
            var vtable = new byte[newSize + (newSize % 4 == 0 ? 0 : 2)];
            footer.AsSpan(oldVtable, oldSize).CopyTo(vtable);
            BinaryPrimitives.WriteUInt16LittleEndian(vtable, newSize);
            BinaryPrimitives.WriteUInt16LittleEndian(vtable.AsSpan(2), (ushort)(relative + 4));
            BinaryPrimitives.WriteUInt16LittleEndian(vtable.AsSpan(4), (ushort)relative);
            patched.AddRange(vtable);

            var soffset = BitConverter.GetBytes(table - newVtable);
            for (var i = 0; i < 4; i++)
            {
                patched[table + i] = soffset[i];
            }
        }

        Pad(patched);
        var tail = new byte[patched.Count + 10];
        patched.CopyTo(tail);
        BinaryPrimitives.WriteInt32LittleEndian(tail.AsSpan(patched.Count), patched.Count);
        "ARROW1"u8.CopyTo(tail.AsSpan(patched.Count + 4));
        return new SplicedStream(file, footerStart, tail);
    }

    private static void Pad(List<byte> bytes)
    {
        while (bytes.Count % 8 != 0)
        {
            bytes.Add(0);
        }
    }
}
