using System.Net;

namespace ModelStore.S3;

/// <summary>
/// Amazon S3's naming rules for general purpose buckets, checked before any request: an invalid name would otherwise
/// reach the request path, where <c>..</c> collapses and addresses another bucket.
/// </summary>
public static class S3BucketNames
{
    private static readonly string[] ReservedPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"];
    private static readonly string[] ReservedSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

    /// <summary>
    /// Why <paramref name="bucket"/> is not a valid bucket name, or <see langword="null"/> when it is: 3 to 63
    /// characters of lower-case letters, digits, <c>.</c> and <c>-</c>, starting and ending with a letter or a digit, no
    /// <c>..</c>, not an IP address, none of the reserved prefixes (<c>xn--</c>, <c>sthree-</c>, <c>amzn-s3-demo-</c>) or
    /// suffixes (<c>-s3alias</c>, <c>--ol-s3</c>, <c>.mrap</c>, <c>--x-s3</c>, <c>--table-s3</c>).
    /// </summary>
    public static string? Problem(string? bucket) => bucket switch
    {
        null or "" => "it is empty",
        { Length: < 3 or > 63 } => $"it has {bucket.Length} characters (3 to 63 are allowed)",
        _ when bucket.Any(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')) => "only lower-case letters, digits, '.' and '-' are allowed",
        _ when !char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]) => "it must start and end with a letter or a digit",
        _ when bucket.Contains("..", StringComparison.Ordinal) => "it has two adjacent periods",
        _ when IPAddress.TryParse(bucket, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && bucket.Count(c => c == '.') == 3 => "it is formatted as an IP address",
        _ when ReservedPrefixes.FirstOrDefault(prefix => bucket.StartsWith(prefix, StringComparison.Ordinal)) is { } prefix => $"the prefix '{prefix}' is reserved",
        _ when ReservedSuffixes.FirstOrDefault(suffix => bucket.EndsWith(suffix, StringComparison.Ordinal)) is { } suffix => $"the suffix '{suffix}' is reserved",
        _ => null,
    };

    /// <summary>Checks <paramref name="bucket"/> with <see cref="Problem"/>.</summary>
    /// <exception cref="ArgumentException">The name breaks a rule; the message names it.</exception>
    public static void Validate(string? bucket, string owner)
    {
        if (Problem(bucket) is { } problem)
        {
            throw new ArgumentException($"{owner}: '{new string(bucket?.Select(c => char.IsControl(c) ? '?' : c).ToArray())}' is not a valid S3 bucket name: {problem}. Bucket names are 3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a letter or a digit.", nameof(bucket));
        }
    }
}
