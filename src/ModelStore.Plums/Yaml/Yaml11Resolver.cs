using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace ModelStore.Plums.Yaml;

/// <summary>
/// YAML 1.1 implicit typing of plain scalars, as PyYAML's resolver does it (so <c>yes</c> is a bool, <c>0o7</c> a str,
/// <c>1_000</c> an int, <c>1e5</c> a str and <c>1.0e+5</c> a float).
/// </summary>
internal static partial class Yaml11Resolver
{
    [GeneratedRegex(@"\A(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\z", RegexOptions.CultureInvariant)]
    private static partial Regex BoolPattern();

    [GeneratedRegex(@"\A(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\z", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"\A(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"\A(?:~|null|Null|NULL|)\z", RegexOptions.CultureInvariant)]
    private static partial Regex NullPattern();

    [GeneratedRegex(@"\A(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampPattern();

    /// <summary>Types a plain (unquoted, untagged) scalar. Returns null when PyYAML would refuse it (<c>=</c>, <c>&lt;&lt;</c>).</summary>
    public static YScalar? ResolvePlain(string text)
    {
        if (text.Length > 0)
        {
            switch (text[0])
            {
                case 'y' or 'Y' or 'n' or 'N' or 't' or 'T' or 'f' or 'F' or 'o' or 'O' when BoolPattern().IsMatch(text):
                    return YScalar.Bool(text[0] is 'y' or 'Y' or 't' or 'T' || (text.Length == 2 && text[1] is 'n' or 'N'));
                case '<' when text == "<<":
                case '=' when text == "=":
                    return null;
            }
        }

        if (NullPattern().IsMatch(text))
        {
            return YScalar.Null();
        }

        if (IntPattern().IsMatch(text))
        {
            return YScalar.Int(ParseInt(text));
        }

        if (FloatPattern().IsMatch(text))
        {
            return YScalar.Float(ParseFloat(text));
        }

        if (TimestampPattern().IsMatch(text))
        {
            return YScalar.Timestamp(text);
        }

        return YScalar.String(text);
    }

    /// <summary>Whether a string written plain would be read back as the same string.</summary>
    public static bool ReadsBackAsString(string text) =>
        ResolvePlain(text) is { Kind: YScalarKind.String } resolved && resolved.Text == text;

    public static bool IsInt(string text) => IntPattern().IsMatch(text);

    public static bool IsFloat(string text) => FloatPattern().IsMatch(text);

    public static bool IsBool(string text) => BoolPattern().IsMatch(text);

    public static bool IsNull(string text) => NullPattern().IsMatch(text);

    public static BigInteger ParseInt(string text)
    {
        var value = text.Replace("_", "", StringComparison.Ordinal);
        var sign = BigInteger.One;
        if (value[0] is '-' or '+')
        {
            sign = value[0] == '-' ? BigInteger.MinusOne : BigInteger.One;
            value = value[1..];
        }

        if (value == "0")
        {
            return BigInteger.Zero;
        }

        if (value.StartsWith("0b", StringComparison.Ordinal))
        {
            return sign * ParseBase(value[2..], 2);
        }

        if (value.StartsWith("0x", StringComparison.Ordinal))
        {
            return sign * ParseBase(value[2..], 16);
        }

        if (value[0] == '0')
        {
            return sign * ParseBase(value, 8);
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            var result = BigInteger.Zero;
            foreach (var part in value.Split(':'))
            {
                result = (result * 60) + BigInteger.Parse(part, CultureInfo.InvariantCulture);
            }

            return sign * result;
        }

        return sign * BigInteger.Parse(value, CultureInfo.InvariantCulture);
    }

    private static BigInteger ParseBase(string digits, int radix)
    {
        var result = BigInteger.Zero;
        foreach (var c in digits)
        {
            result = (result * radix) + Convert.ToInt32(c.ToString(), 16);
        }

        return result;
    }

    public static double ParseFloat(string text)
    {
        var value = text.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        var sign = 1.0;
        if (value[0] is '-' or '+')
        {
            sign = value[0] == '-' ? -1 : 1;
            value = value[1..];
        }

        if (value == ".inf")
        {
            return sign * double.PositiveInfinity;
        }

        if (value == ".nan")
        {
            return double.NaN;
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            var result = 0.0;
            foreach (var part in value.Split(':'))
            {
                result = (result * 60) + double.Parse(part, NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            return sign * result;
        }

        return sign * double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
