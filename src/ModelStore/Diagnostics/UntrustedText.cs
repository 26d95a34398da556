using System.Globalization;
using System.Text;

namespace ModelStore.Diagnostics;

/// <summary>
/// Makes text from outside (a server's error body or header, a value read from a lock file, a cache index or a
/// descriptor file in obj/) safe to print: control characters (ESC sequences that would drive the terminal, carriage
/// returns and line breaks that would forge lines of a build log, NUL...) and the Unicode bidirectional overrides that
/// would reorder what is shown become visible escapes such as <c>\x1B</c> or <c>\u202E</c>.
/// </summary>
public static class UntrustedText
{
    /// <summary><paramref name="text"/> with every control and bidirectional-override character escaped (see <see cref="UntrustedText"/>).</summary>
    public static string Sanitize(string? text) => Sanitize(text, keepLineBreaks: false);

    /// <summary>As <see cref="Sanitize(string?)"/>, keeping <c>\n</c> (and tabs) when <paramref name="keepLineBreaks"/> is set, for text of our own that spans lines.</summary>
    public static string Sanitize(string? text, bool keepLineBreaks)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        if (!text.Any(c => IsUnsafe(c, keepLineBreaks)))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!IsUnsafe(c, keepLineBreaks))
            {
                builder.Append(c);
            }
            else if (c <= '\u00FF')
            {
                builder.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static bool IsUnsafe(char c, bool keepLineBreaks) =>
        (char.IsControl(c) && !(keepLineBreaks && c is '\n' or '\t'))
        || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';
}
