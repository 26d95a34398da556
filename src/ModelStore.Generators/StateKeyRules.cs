using System.Collections.Immutable;
using System.Globalization;

namespace ModelStore.Generators;

/// <summary>
/// MoZuMa's state key and valid-name rules, as <c>ModelStore.States.StateName</c> and <c>StateKey.TryParse</c>
/// apply them. The generator runs inside the compiler (netstandard2.0) and cannot load ModelStore.dll, so the
/// rules are restated here; the tests check both agree on the same hostile inputs.
/// </summary>
internal static class StateKeyRules
{
    /// <summary>The longest name accepted, in UTF-16 code units (<c>StateName.MaxLength</c>).</summary>
    public const int MaxNameLength = 100;

    /// <summary>Returns why <paramref name="name"/> is not a valid state name, or <see langword="null"/> when it is.</summary>
    public static string? CheckName(string? name)
    {
        if (name is null)
        {
            return "it is missing";
        }

        if (name.Length == 0)
        {
            return "it is empty; a name needs at least one letter, digit, '_' or '-'";
        }

        if (name.Length > MaxNameLength)
        {
            return $"it is {name.Length} characters long; at most {MaxNameLength} are allowed";
        }

        for (var index = 0; index < name.Length;)
        {
            var width = char.IsSurrogatePair(name, index) ? 2 : 1;
            if (!IsNameCharacter(name, index))
            {
                return $"character {DescribeCharacter(name, index, width)} at position {index} is not allowed; only letters, digits, '_' and '-' are";
            }

            index += width;
        }

        return null;
    }

    /// <summary>
    /// Splits <c>backend/architecture[.extra...].trainingId</c> and checks every part. On success,
    /// <paramref name="nameParts"/> holds the architecture, the extras and the training id, in order.
    /// </summary>
    public static bool TryParseKey(string? text, out ImmutableArray<string> nameParts, out string? error)
    {
        nameParts = default;
        if (text is null)
        {
            error = "it is missing";
            return false;
        }

        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            error = "it has no '/' between the backend and the architecture";
            return false;
        }

        var parts = text.Substring(slash + 1).Split('.');
        if (parts.Length < 2)
        {
            error = "the training id is missing";
            return false;
        }

        var problem = CheckName(text.Substring(0, slash));
        if (problem is not null)
        {
            error = $"its backend is invalid: {problem}";
            return false;
        }

        for (var i = 0; i < parts.Length; i++)
        {
            problem = CheckName(parts[i]);
            if (problem is not null)
            {
                var part = i == 0 ? "architecture" : i == parts.Length - 1 ? "training id" : $"extra #{i}";
                error = $"its {part} is invalid: {problem}";
                return false;
            }
        }

        nameParts = parts.ToImmutableArray();
        error = null;
        return true;
    }

    // Python's \w (str.isalnum() plus '_'), as in MoZuMa, plus '-'. An unpaired surrogate is never valid.
    private static bool IsNameCharacter(string text, int index)
    {
        var c = text[index];
        if (c is '_' or '-')
        {
            return true;
        }

        return CharUnicodeInfo.GetUnicodeCategory(text, index) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            _ => false,
        };
    }

    private static string DescribeCharacter(string text, int index, int width)
    {
        var c = text[index];
        var code = width == 2 ? char.ConvertToUtf32(text, index) : c;
        return c switch
        {
            '\n' => "'\\n' (newline)",
            '\r' => "'\\r' (carriage return)",
            '\t' => "'\\t' (tab)",
            '\0' => "'\\0' (NUL)",
            ' ' => "' ' (space)",
            _ when width == 1 && (char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)) => $"U+{code:X4}",
            _ => $"'{text.Substring(index, width)}' (U+{code:X4})",
        };
    }
}
