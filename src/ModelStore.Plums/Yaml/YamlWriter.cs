using System.Globalization;
using System.Text;

namespace ModelStore.Plums.Yaml;

/// <summary>
/// Writes a <see cref="YNode"/> tree the way PyYAML's <c>safe_dump</c> does with its defaults: block style,
/// two-space indentation, keys sorted, indentless sequences, <c>null</c>, Python float <c>repr</c>, strings plain when
/// they read back as strings, else single-quoted, else double-quoted with ASCII escapes.
/// </summary>
internal static class YamlWriter
{
    public static string Write(YNode root)
    {
        var builder = new StringBuilder();
        switch (root)
        {
            case YMapping { Entries.Count: > 0 } mapping:
                WriteMapping(builder, mapping, 0);
                break;
            case YSequence { Items.Count: > 0 } sequence:
                WriteSequence(builder, sequence, 0);
                break;
            case YMapping:
                builder.Append("{}\n");
                break;
            case YSequence:
                builder.Append("[]\n");
                break;
            case YScalar scalar:
                builder.Append(Scalar(scalar)).Append("\n...\n");
                break;
        }

        return builder.ToString();
    }

    private static void WriteMapping(StringBuilder builder, YMapping mapping, int indent)
    {
        var first = true;
        foreach (var (key, value) in Sorted(mapping))
        {
            if (!first)
            {
                builder.Append(' ', indent);
            }

            first = false;
            builder.Append(Scalar(key)).Append(':');
            WriteValue(builder, value, indent, inSequence: false);
        }
    }

    private static void WriteSequence(StringBuilder builder, YSequence sequence, int indent)
    {
        var first = true;
        foreach (var item in sequence.Items)
        {
            if (!first)
            {
                builder.Append(' ', indent);
            }

            first = false;
            builder.Append('-');
            WriteValue(builder, item, indent, inSequence: true);
        }
    }

    private static void WriteValue(StringBuilder builder, YNode value, int indent, bool inSequence)
    {
        switch (value)
        {
            case YMapping { Entries.Count: > 0 } nested when inSequence:
                builder.Append(' ');
                WriteMapping(builder, nested, indent + 2);
                break;
            case YMapping { Entries.Count: > 0 } nested:
                builder.Append('\n').Append(' ', indent + 2);
                WriteMapping(builder, nested, indent + 2);
                break;
            case YSequence { Items.Count: > 0 } nested when inSequence:
                builder.Append(' ');
                WriteSequence(builder, nested, indent + 2);
                break;
            case YSequence { Items.Count: > 0 } nested:
                // PyYAML writes a sequence under a key without extra indentation.
                builder.Append('\n').Append(' ', indent);
                WriteSequence(builder, nested, indent);
                break;
            case YMapping:
                builder.Append(" {}\n");
                break;
            case YSequence:
                builder.Append(" []\n");
                break;
            case YScalar scalar:
                builder.Append(' ').Append(Scalar(scalar)).Append('\n');
                break;
        }
    }

    private static IEnumerable<KeyValuePair<YScalar, YNode>> Sorted(YMapping mapping)
    {
        var entries = mapping.Entries;
        if (entries.TrueForAll(e => e.Key.Kind == YScalarKind.String))
        {
            return entries.OrderBy(e => e.Key.Text, StringComparer.Ordinal);
        }

        if (entries.TrueForAll(e => e.Key.Kind is YScalarKind.Int or YScalarKind.Float or YScalarKind.Bool))
        {
            return entries.OrderBy(e => e.Key.Kind == YScalarKind.Bool ? (e.Key.BoolValue ? 1 : 0) : e.Key.NumberValue);
        }

        // Python cannot order str against int: PyYAML keeps insertion order then.
        return entries;
    }

    public static string Scalar(YScalar scalar) => scalar.Kind switch
    {
        YScalarKind.Null => "null",
        YScalarKind.Bool => scalar.BoolValue ? "true" : "false",
        YScalarKind.Int => scalar.IntValue.ToString(CultureInfo.InvariantCulture),
        YScalarKind.Float => FormatFloat(scalar.FloatValue),
        YScalarKind.Timestamp => scalar.Text,
        _ => QuoteString(scalar.Text),
    };

    /// <summary>Python's <c>repr(float)</c> as PyYAML writes it (always with a dot, so it reads back as a float).</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return ".nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? ".inf" : "-.inf";
        }

        var negative = value < 0 || (value == 0 && double.IsNegative(value));
        var roundTrip = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        // Shortest round-trip digits and the scientific exponent.
        string digits;
        int exponent;
        var e = roundTrip.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? roundTrip : roundTrip[..e];
        var mantissaExponent = e < 0 ? 0 : int.Parse(roundTrip[(e + 1)..], CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integer = dot < 0 ? mantissa : mantissa[..dot];
        var fraction = dot < 0 ? "" : mantissa[(dot + 1)..];
        var all = (integer + fraction).TrimStart('0');
        if (all.Length == 0)
        {
            return negative ? "-0.0" : "0.0";
        }

        var leadingZeros = (integer + fraction).Length - all.Length;
        exponent = integer.Length - 1 - leadingZeros + mantissaExponent;
        digits = all.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var builder = new StringBuilder();
        if (negative)
        {
            builder.Append('-');
        }

        if (exponent is >= -4 and < 16)
        {
            if (exponent >= 0)
            {
                var intDigits = exponent + 1;
                builder.Append(digits.Length > intDigits ? digits[..intDigits] : digits.PadRight(intDigits, '0'));
                builder.Append('.');
                builder.Append(digits.Length > intDigits ? digits[intDigits..] : "0");
            }
            else
            {
                builder.Append("0.").Append('0', -exponent - 1).Append(digits);
            }
        }
        else
        {
            builder.Append(digits[0]).Append('.').Append(digits.Length > 1 ? digits[1..] : "0");
            builder.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    private static string QuoteString(string text)
    {
        if (CanBePlain(text))
        {
            return text;
        }

        if (text.All(c => c is >= ' ' and <= '~'))
        {
            return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        }

        return DoubleQuoted(text);
    }

    private static bool CanBePlain(string text)
    {
        if (text.Length == 0 || text[0] == ' ' || text[^1] == ' ' || text[^1] == ':' ||
            text.StartsWith("---", StringComparison.Ordinal) || text.StartsWith("...", StringComparison.Ordinal))
        {
            return false;
        }

        if ("-?:,[]{}#&*!|>'\"%@`".Contains(text[0], StringComparison.Ordinal))
        {
            return false;
        }

        if (text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal))
        {
            return false;
        }

        return text.All(c => c is > ' ' and <= '~' || c == ' ') && Yaml11Resolver.ReadsBackAsString(text);
    }

    private static string DoubleQuoted(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            var value = rune.Value;
            switch (value)
            {
                case 0: builder.Append("\\0"); break;
                case 0x07: builder.Append("\\a"); break;
                case 0x08: builder.Append("\\b"); break;
                case 0x09: builder.Append("\\t"); break;
                case 0x0A: builder.Append("\\n"); break;
                case 0x0B: builder.Append("\\v"); break;
                case 0x0C: builder.Append("\\f"); break;
                case 0x0D: builder.Append("\\r"); break;
                case 0x1B: builder.Append("\\e"); break;
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case 0x85: builder.Append("\\N"); break;
                case 0xA0: builder.Append("\\_"); break;
                case 0x2028: builder.Append("\\L"); break;
                case 0x2029: builder.Append("\\P"); break;
                case >= 0x20 and <= 0x7E: builder.Append((char)value); break;
                case <= 0xFF: builder.Append("\\x").Append(value.ToString("X2", CultureInfo.InvariantCulture)); break;
                case <= 0xFFFF: builder.Append("\\u").Append(value.ToString("X4", CultureInfo.InvariantCulture)); break;
                default: builder.Append("\\U").Append(value.ToString("X8", CultureInfo.InvariantCulture)); break;
            }
        }

        return builder.Append('"').ToString();
    }
}
