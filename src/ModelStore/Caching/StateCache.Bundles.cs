using System.Text.Json;
using ModelStore.IO;
using ModelStore.Resolution;

namespace ModelStore.Caching;

/// <summary>
/// Bundle folders: <c>bundles/{manifest}/{path...}</c>, one per distinct file list, built in a temporary folder and
/// renamed into place, so a reader sees a whole bundle or none. Each file is a hard link to its verified blob (Linux:
/// the same inode, so readers that refuse links out of a folder, as ONNX Runtime does for external data, read it as a
/// file of the folder); a symbolic link where hard links fail (another file system, EPERM, no statx to tell a hard link
/// from a replaced blob); a copy where neither can be made.
/// </summary>
/// <remarks>
/// A hard link shares the blob's bytes: a write through the bundle path changes the blob, and its ctime, so the next
/// check of the blob hashes it and removes it, and the bundles holding that inode go with it
/// (<c>DropBundlesSharing</c>). A blob replaced by a new file (a repair) leaves the old inode in the bundle, which
/// <c>IsComplete</c> sees (not the blob's inode) and rebuilds.
/// </remarks>
public sealed partial class StateCache
{
    private const string BundlesFolder = "bundles";

    /// <summary>The folder of the bundle whose manifest has SHA-256 <paramref name="manifestSha256"/> (<see cref="BundleFile.ManifestSha256"/>).</summary>
    public string GetBundlePath(string manifestSha256) => Path.Combine(Root, BundlesFolder, NormalizeSha256(manifestSha256)[..32]);

    /// <summary>
    /// The SHA-256 of what the file view <paramref name="fileStoreId"/> (a bundle's file named by path, whose store
    /// identity names that one file) served the last time it was fetched for any bundle, when its blob is still there
    /// with that size; else <see langword="null"/>. Lets a second bundle that shares a file of a store that lists no
    /// hashes (S3, Azure, a local folder) take it from the cache, as a single state is taken under its key.
    /// </summary>
    internal string? TryGetFetchedFile(string fileStoreId, long size)
    {
        var folder = Path.Combine(Root, "index", StoreFolder(fileStoreId));
        if (!Directory.Exists(folder))
        {
            return null;
        }

        foreach (var indexPath in Directory.EnumerateFiles(folder, "*.json"))
        {
            var key = TryReadIndexKey(indexPath);
            if (key is not null && TryGet(fileStoreId, key) is { } cached && cached.Size == size)
            {
                return cached.Sha256;
            }
        }

        return null;
    }

    private static States.StateKey? TryReadIndexKey(string indexPath)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(indexPath), IndexJson.Default.IndexEntry) is { } entry && States.StateKey.TryParse(entry.Key, out var key) ? key : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The folder of <paramref name="files"/>, built from their blobs when it is absent or incomplete (a blob was
    /// removed or replaced). The blobs must be in the cache and verified.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be built.</exception>
    internal Task<string> MaterializeBundleAsync(IReadOnlyList<BundleFile> files, CancellationToken cancellationToken)
    {
        var folder = GetBundlePath(BundleFile.ManifestSha256(files));
        if (IsComplete(folder, files))
        {
            return Task.FromResult(folder);
        }

        var parent = Path.GetDirectoryName(folder)!;
        var temporary = Path.Combine(parent, $".tmp-{Guid.NewGuid():N}");
        try
        {
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var target = Path.Combine(temporary, file.Path.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                LinkOrCopy(GetBlobPath(file.Sha256), target, HardLinkBundles);
            }

            if (Directory.Exists(folder))
            {
                // Incomplete (a blob was cleaned or repaired since).
                RemoveBundleFolder(folder);
            }

            Directory.Move(temporary, folder);
        }
        catch (IOException) when (IsComplete(folder, files))
        {
            // Another process built the same bundle first.
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }

        return Task.FromResult(folder);
    }

    /// <summary>
    /// Whether <paramref name="path"/> is a file of a bundle folder that a cache assembled (<c>{root}/bundles/{id}/...</c>)
    /// as a symbolic link leading, links followed, to a blob of that same cache (<c>{root}/blobs/sha256/{ab}/{abcdef...}</c>).
    /// Readers that keep the files a folder names inside that folder (a shard index, an ONNX graph's external data) follow
    /// such a link out of it: the cache made it, to bytes it verified. Bundles are made of hard links where the file
    /// system allows, which are files of the folder and need no such exception; symbolic links are the fallback.
    /// </summary>
    /// <param name="path">A file, for example a shard named by an index inside <c>ModelStates.X.Directory</c>.</param>
    /// <returns><see langword="false"/> for any other file, a link elsewhere, or links that loop.</returns>
    public static bool IsBundleFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            // The real paths of both ends: a planted link named blobs or bundles cannot stand in for the cache's own folders.
            var target = ConfinedPath.GetRealPath(path);
            for (var folder = ConfinedPath.GetRealPath(Path.GetDirectoryName(Path.GetFullPath(path))!); Path.GetDirectoryName(folder) is { } parent; folder = parent)
            {
                if (Path.GetFileName(parent) == BundlesFolder && Path.GetFileName(folder) is { Length: 32 } id && id.All(char.IsAsciiHexDigitLower) && Path.GetDirectoryName(parent) is { } root)
                {
                    var name = Path.GetFileName(target);
                    return IsSha256(name) && string.Equals(target, Path.Combine(root, "blobs", "sha256", name[..2], name), StringComparison.Ordinal) && File.Exists(target);
                }
            }

            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Where hard links are tried first (tests turn it off to build the symbolic-link fallback).</summary>
    internal bool HardLinkBundles { get; init; } = true;

    // Complete when every file is there and is its blob: a symbolic link to it, or (where statx tells) its very inode, or
    // without statx a copy of its size. A hard link to a blob since replaced is another inode: incomplete, rebuilt. Extra
    // files are never written here.
    private bool IsComplete(string folder, IReadOnlyList<BundleFile> files) =>
        Directory.Exists(folder) && files.All(file =>
        {
            var blob = GetBlobPath(file.Sha256);
            var info = new FileInfo(Path.Combine(folder, file.Path.Replace('/', Path.DirectorySeparatorChar)));
            if (!info.Exists || !File.Exists(blob))
            {
                return false;
            }

            if (info.LinkTarget is { } target)
            {
                return string.Equals(target, blob, StringComparison.Ordinal);
            }

            return BlobStamp.Read(info.FullName) is { } here
                ? BlobStamp.Read(blob) is { } there && here.Device == there.Device && here.Inode == there.Inode
                : info.Length == file.Size;
        });

    private static void LinkOrCopy(string blob, string target, bool hardLink)
    {
        // Only where statx can later tell this inode from a replaced blob's (IsComplete).
        if (hardLink && BlobStamp.Read(blob) is not null)
        {
            try
            {
                if (NativeMethods.Link(blob, target) == 0)
                {
                    return;
                }

                // EXDEV (bundles on another file system), EPERM (protected_hardlinks, no hard links), EMLINK: a symbolic link.
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }

        try
        {
            File.CreateSymbolicLink(target, blob);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // Windows without the right to make links: a copy.
            File.Copy(blob, target);
        }
    }

    /// <summary>
    /// Removes every bundle folder holding a hard link to the blob at <paramref name="blob"/>, before the cache deletes
    /// or replaces that blob for its bytes: the link would keep the wrong bytes under the bundle's name. Rare (a blob
    /// that failed its hash, an unreferenced blob cleaned), so a walk of the bundles' inodes is cheap enough.
    /// </summary>
    private void DropBundlesSharing(string blob)
    {
        var bundles = Path.Combine(Root, BundlesFolder);
        if (BlobStamp.Read(blob) is not { } stamp || BlobStamp.LinkCount(blob) < 2 || !Directory.Exists(bundles))
        {
            return;
        }

        foreach (var folder in Directory.EnumerateDirectories(bundles).Where(folder => Path.GetFileName(folder) is { Length: 32 }))
        {
            try
            {
                var shares = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                    .Any(file => BlobStamp.Read(file) is { } other && other.Device == stamp.Device && other.Inode == stamp.Inode);
                if (shares)
                {
                    RemoveBundleFolder(folder);
                }
            }
            catch (IOException) when (!Directory.Exists(folder))
            {
                // Another process removed it first.
            }
        }
    }

    // Moved aside whole, then deleted: a reader sees the whole folder or none.
    private static void RemoveBundleFolder(string folder)
    {
        var stale = Path.Combine(Path.GetDirectoryName(folder)!, $".old-{Guid.NewGuid():N}");
        Directory.Move(folder, stale);
        Directory.Delete(stale, recursive: true);
    }
}
