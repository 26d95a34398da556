using System.Globalization;
using System.Runtime.InteropServices;
using ModelStore.IO;

namespace ModelStore.Caching;

/// <summary>
/// What the file system says about a blob that was hashed: device, inode, size, mtime and ctime. While all five are
/// unchanged the bytes are the ones hashed: any write, truncate, chmod or rename sets ctime to the current time, and
/// ctime cannot be set back by a user (<c>touch -d</c> sets mtime, and so changes ctime itself).
/// </summary>
/// <remarks>
/// A stamp is kept beside the cache (<c>stamps/sha256/{ab}/{hash}</c>), named by the blob's hash and holding no hash
/// itself: a stamp file copied, edited or planted can only ever let a hash be skipped for a file whose live stat it
/// matches, never change which hash a blob is checked against. A stamp copied from another machine or cache has
/// another device and inode. Only Linux is supported (statx); elsewhere there is no stamp and every check hashes.
/// </remarks>
internal readonly record struct BlobStamp(ulong Device, ulong Inode, long Size, long ModifiedNs, long ChangedNs)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const uint StatxNeeded = 0x1 /* type */ | 0x4 /* nlink */ | 0x40 /* mtime */ | 0x80 /* ctime */ | 0x100 /* ino */ | 0x200 /* size */;
    private const int Version = 1;

    /// <summary>
    /// How close to "now" a ctime may be for a stamp to be recorded: timestamps come from a coarse clock (milliseconds;
    /// a second on some file systems), so a write in the same tick as the stat could leave ctime unchanged.
    /// </summary>
    internal static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    /// <summary>The stamp of the regular file at <paramref name="path"/> (links are not followed), or <see langword="null"/> when there is none.</summary>
    internal static BlobStamp? Read(string path)
    {
        Span<byte> data = stackalloc byte[256];
        if (!TryStatx(path, data))
        {
            return null;
        }

        static long Nanoseconds(ReadOnlySpan<byte> timestamp) =>
            (MemoryMarshal.Read<long>(timestamp) * 1_000_000_000L) + MemoryMarshal.Read<uint>(timestamp[8..]);

        var device = ((ulong)MemoryMarshal.Read<uint>(data[136..]) << 32) | MemoryMarshal.Read<uint>(data[140..]);
        return new BlobStamp(device, MemoryMarshal.Read<ulong>(data[32..]), MemoryMarshal.Read<long>(data[40..]), Nanoseconds(data[112..]), Nanoseconds(data[96..]));
    }

    /// <summary>
    /// How many names the regular file at <paramref name="path"/> has (a blob hard-linked into bundles has more than one),
    /// or 0 when it has no stamp. Not part of the stamp: making a link changes it, never the bytes.
    /// </summary>
    internal static uint LinkCount(string path)
    {
        Span<byte> data = stackalloc byte[256];
        return TryStatx(path, data) ? MemoryMarshal.Read<uint>(data[16..]) : 0;
    }

    // statx of a regular file, links not followed, with every field a stamp needs; false elsewhere than Linux.
    private static unsafe bool TryStatx(string path, Span<byte> data)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            fixed (byte* buffer = data)
            {
                if (NativeMethods.Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
                {
                    return false;
                }
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }

        var mask = MemoryMarshal.Read<uint>(data);
        var mode = MemoryMarshal.Read<ushort>(data[28..]);
        return (mask & StatxNeeded) == StatxNeeded && (mode & 0xF000) == 0x8000;
    }

    /// <summary>
    /// Whether the file changed (ctime) so shortly before <paramref name="takenUtc"/> that a write in the same clock
    /// tick could go unseen (as git's "racily clean" entries): such a stamp is not recorded.
    /// </summary>
    internal bool IsRacy(DateTimeOffset takenUtc, TimeSpan window) =>
        ChangedNs > (takenUtc - window).ToUnixTimeMilliseconds() * 1_000_000L;

    /// <summary>The sidecar's text: one line, versioned.</summary>
    internal string Format() =>
        string.Create(CultureInfo.InvariantCulture, $"{Version} {Device} {Inode} {Size} {ModifiedNs} {ChangedNs}\n");

    /// <summary>Parses a sidecar (untrusted: anything but exactly one well-formed line is no stamp).</summary>
    internal static BlobStamp? Parse(ReadOnlySpan<byte> text)
    {
        if (text.Length is 0 or > 200 || text[^1] != (byte)'\n')
        {
            return null;
        }

        Span<char> chars = stackalloc char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        Span<Range> parts = stackalloc Range[7];
        ReadOnlySpan<char> line = chars[..^1];
        if (line.Split(parts, ' ') != 6
            || !int.TryParse(line[parts[0]], NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version != Version
            || !ulong.TryParse(line[parts[1]], NumberStyles.None, CultureInfo.InvariantCulture, out var device)
            || !ulong.TryParse(line[parts[2]], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
            || !long.TryParse(line[parts[3]], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || !long.TryParse(line[parts[4]], NumberStyles.None, CultureInfo.InvariantCulture, out var modified)
            || !long.TryParse(line[parts[5]], NumberStyles.None, CultureInfo.InvariantCulture, out var changed))
        {
            return null;
        }

        return new BlobStamp(device, inode, size, modified, changed);
    }
}
