using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ModelStore.Plums;

/// <summary>The MD5 file checksums PMF records: 32 lower-case hexadecimal digits.</summary>
public static partial class Md5
{
    /// <summary>Whether <paramref name="hash"/> is a syntactically valid PMF checksum (<c>^[a-f0-9]{32}$</c>).</summary>
    public static bool IsValid(string? hash) => hash is not null && Pattern().IsMatch(hash);

    /// <summary>The checksum of a file, streamed.</summary>
    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }

    /// <summary>Copies <paramref name="source"/> to a new file <paramref name="destination"/> and returns the checksum of the bytes copied.</summary>
    public static string CopyFile(string source, string destination)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            md5.AppendData(buffer, 0, read);
            output.Write(buffer, 0, read);
        }

        output.Flush(flushToDisk: true);
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    [GeneratedRegex("\\A[a-f0-9]{32}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
