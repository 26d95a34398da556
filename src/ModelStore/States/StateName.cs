using System.Globalization;
using System.Text;

namespace ModelStore.States;

/// <summary>
/// MoZuMa's valid-name rule (<c>^[\w\-\d]+$</c>): one or more letters, digits, <c>_</c> or <c>-</c>.
/// </summary>
/// <remarks>
/// Python's <c>\w</c> is Unicode-aware, so letters and digits of any script pass, exactly as in MoZuMa.
/// Unlike Python's <c>$</c>, a trailing newline is not tolerated. Names become parts of file names and
/// object keys, so a length limit keeps every store's full name within common file-system limits.
/// </remarks>
public static class StateName
{
    /// <summary>The longest name accepted, in UTF-16 code units.</summary>
    public const int MaxLength = 100;

    /// <summary>Returns whether <paramref name="name"/> is a valid state name.</summary>
    public static bool IsValid(string? name) => Check(name) is null;

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="part"/> when the name is invalid.</summary>
    /// <param name="name">The candidate name.</param>
    /// <param name="part">What the name is (for example <c>backend</c>), used in the message.</param>
    /// <param name="parameterName">The parameter the name came from.</param>
    /// <returns>The validated name.</returns>
    public static string Validate(string? name, string part, string? parameterName = null)
    {
        var problem = Check(name);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid {part} {Describe(name)}: {problem}.", parameterName ?? part);
        }

        return name!;
    }

    /// <summary>Returns why <paramref name="name"/> is invalid, or <see langword="null"/> when it is valid.</summary>
    internal static string? Check(string? name)
    {
        if (name is null)
        {
            return "it is missing";
        }

        if (name.Length == 0)
        {
            return "it is empty; a name needs at least one letter, digit, '_' or '-'";
        }

        if (name.Length > MaxLength)
        {
            return $"it is {name.Length} characters long; at most {MaxLength} are allowed";
        }

        var index = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (!IsNameRune(rune))
            {
                return $"character {DescribeRune(rune)} at position {index} is not allowed; only letters, digits, '_' and '-' are";
            }

            index += rune.Utf16SequenceLength;
        }

        return null;
    }

    private static bool IsNameRune(Rune rune)
    {
        if (rune.Value is '_' or '-')
        {
            return true;
        }

        // Python's \w: characters for which str.isalnum() holds (letters and numbers of any script), plus '_'.
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            _ => false,
        };
    }

    private static string DescribeRune(Rune rune) => rune.Value switch
    {
        '\n' => "'\\n' (newline)",
        '\r' => "'\\r' (carriage return)",
        '\t' => "'\\t' (tab)",
        0 => "'\\0' (NUL)",
        ' ' => "' ' (space)",
        _ when Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) => $"U+{rune.Value:X4}",
        _ => $"'{rune}' (U+{rune.Value:X4})",
    };

    private static string Describe(string? name)
    {
        if (name is null)
        {
            return "(null)";
        }

        var shown = name.Length > 40 ? string.Concat(name.AsSpan(0, 40), "…") : name;
        var builder = new StringBuilder("\"");
        foreach (var ch in shown)
        {
            builder.Append(ch switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                '"' => "\\\"",
                _ when char.IsControl(ch) => $"\\u{(int)ch:X4}",
                _ => ch.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
