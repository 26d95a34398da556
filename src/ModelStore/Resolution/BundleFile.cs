using System.Security.Cryptography;
using System.Text;

namespace ModelStore.Resolution;

/// <summary>One file of a bundle state: its path in the bundle (and the store), and the exact bytes it resolved to.</summary>
public sealed record BundleFile
{
    /// <summary>Creates a file entry.</summary>
    /// <param name="path">The path relative to the bundle's root: <c>/</c>-separated, no <c>.</c> or <c>..</c>, not absolute, no control character.</param>
    /// <param name="sha256">The SHA-256 of its bytes.</param>
    /// <param name="size">Its size in bytes.</param>
    /// <exception cref="ArgumentException">A value breaks the lock file's rules; the message says which.</exception>
    public BundleFile(string path, string sha256, long size)
    {
        Path = LockFileRules.FilePath(path);
        Sha256 = LockFileRules.Sha256(sha256);
        Size = size >= 0 ? size : throw new ArgumentOutOfRangeException(nameof(size), size, "A size is zero or more bytes.");
    }

    /// <summary>The path relative to the bundle's root, <c>/</c>-separated.</summary>
    public string Path { get; }

    /// <summary>Lower-case hexadecimal SHA-256 of the bytes.</summary>
    public string Sha256 { get; }

    /// <summary>The size of the bytes.</summary>
    public long Size { get; }

    /// <summary>
    /// The identity of a bundle's content: the SHA-256 of its manifest, one <c>{sha256}  {path}\n</c> line per file sorted
    /// by path (what <c>sha256sum</c> prints, so <c>sha256sum -c</c> checks a materialised bundle). A lock entry's
    /// <c>sha256</c> for a bundle is this.
    /// </summary>
    /// <exception cref="ArgumentException">Two files share a path, or there is none.</exception>
    public static string ManifestSha256(IEnumerable<BundleFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var sorted = files.OrderBy(file => file.Path, StringComparer.Ordinal).ToList();
        if (sorted.Count == 0)
        {
            throw new ArgumentException("A bundle has at least one file.", nameof(files));
        }

        var manifest = new StringBuilder();
        for (var i = 0; i < sorted.Count; i++)
        {
            if (i > 0 && sorted[i - 1].Path == sorted[i].Path)
            {
                throw new ArgumentException($"The file '{sorted[i].Path}' is listed twice.", nameof(files));
            }

            manifest.Append(sorted[i].Sha256).Append("  ").Append(sorted[i].Path).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest.ToString())));
    }
}
