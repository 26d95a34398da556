using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelStore.Generators;

/// <summary>How a state's member of <c>ModelStates</c> is named, and which names are acceptable.</summary>
internal static class AccessorNaming
{
    /// <summary>The generated class's own name and the member listing every state.</summary>
    public const string ClassName = "ModelStates";
    public const string AllMemberName = "All";

    // Names a member of the static class cannot take: its own members, its name, and object's members (hiding
    // one is a warning, an error in projects that treat warnings as errors).
    private static readonly HashSet<string> ReservedNames = new(System.StringComparer.Ordinal)
    {
        AllMemberName, ClassName, "Equals", "GetHashCode", "GetType", "ToString", "ReferenceEquals", "MemberwiseClone", "Finalize",
    };

    private static readonly char[] Separators = { '-', '_', '.' };

    /// <summary>
    /// PascalCase of the architecture, extras and training id split on '-', '_' and '.':
    /// <c>tiny-mlp</c>, <c>digits</c>, <c>v1</c> → <c>TinyMlpDigitsV1</c>. A leading digit gets a '_' prefix.
    /// </summary>
    /// <param name="nameParts">The key's architecture, extras and training id, in order.</param>
    public static string FromKeyParts(IEnumerable<string> nameParts)
    {
        var builder = new StringBuilder();
        foreach (var part in nameParts)
        {
            foreach (var word in part.Split(Separators, System.StringSplitOptions.RemoveEmptyEntries))
            {
                var firstWidth = char.IsSurrogatePair(word, 0) ? 2 : 1;
                builder.Append(word.Substring(0, firstWidth).ToUpperInvariant()).Append(word, firstWidth, word.Length - firstWidth);
            }
        }

        if (builder.Length > 0 && CharUnicodeInfo.GetUnicodeCategory(builder.ToString(), 0) == UnicodeCategory.DecimalDigitNumber)
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    /// <summary>Returns why <paramref name="name"/> cannot name a member of <c>ModelStates</c>, or <see langword="null"/> when it can.</summary>
    public static string? Check(string name)
    {
        if (name.Length == 0)
        {
            return "is empty (the key has no letter or digit to build a name from)";
        }

        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None)
        {
            return "is a C# keyword";
        }

        if (name[0] == '@' || !SyntaxFacts.IsValidIdentifier(name))
        {
            return "is not a C# identifier (letters, digits and '_', not starting with a digit)";
        }

        if (ReservedNames.Contains(name))
        {
            return $"clashes with a member of the generated {ClassName} class ('{name}' is taken)";
        }

        return null;
    }
}
