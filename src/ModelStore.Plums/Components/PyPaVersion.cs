using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace ModelStore.Plums;

/// <summary>
/// A PEP 440 version, format <c>py_pa</c> (Plums' <c>PyPA</c>, backed by <c>packaging.version.Version</c>): parsed
/// leniently (case, <c>v</c> prefix, alternative spellings and separators), written in normal form
/// (<c>1.0-ALPHA.1</c> is <c>1.0a1</c>), ordered and compared as PEP 440 says (<c>1.0 == 1.0.0</c>).
/// </summary>
public sealed partial class PyPaVersion : ProducerVersion
{
    /// <summary>The format identifier, <c>py_pa</c> (Plums derives it from the class name <c>PyPA</c>).</summary>
    public const string FormatName = "py_pa";

    private readonly BigInteger _epoch;
    private readonly BigInteger[] _release;
    private readonly (int Kind, BigInteger Number)? _pre;
    private readonly BigInteger? _post;
    private readonly BigInteger? _dev;
    private readonly string[] _local;

    /// <summary>Parses a PEP 440 version string.</summary>
    /// <exception cref="PlumsException"><see cref="PlumsErrorCode.InvalidVersion"/> when the string is not PEP 440.</exception>
    public PyPaVersion(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var match = Pattern().Match(value.Trim());
        if (!match.Success || value.Trim().Length == 0)
        {
            throw new PlumsException(PlumsErrorCode.InvalidVersion, $"Invalid version: '{value}' is not a PEP 440 version.");
        }

        _epoch = match.Groups["epoch"].Success ? BigInteger.Parse(match.Groups["epoch"].Value, CultureInfo.InvariantCulture) : BigInteger.Zero;
        _release = match.Groups["release"].Value.Split('.').Select(p => BigInteger.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (match.Groups["pre_l"].Success)
        {
            var kind = match.Groups["pre_l"].Value.ToLowerInvariant() switch
            {
                "a" or "alpha" => 0,
                "b" or "beta" => 1,
                _ => 2,
            };
            _pre = (kind, Number(match.Groups["pre_n"]));
        }

        if (match.Groups["post_n1"].Success)
        {
            _post = BigInteger.Parse(match.Groups["post_n1"].Value, CultureInfo.InvariantCulture);
        }
        else if (match.Groups["post_l"].Success)
        {
            _post = Number(match.Groups["post_n2"]);
        }

        if (match.Groups["dev_l"].Success)
        {
            _dev = Number(match.Groups["dev_n"]);
        }

        _local = match.Groups["local"].Success
            ? match.Groups["local"].Value.ToLowerInvariant().Split('.', '_', '-')
            : [];
        Value = Normalise();
    }

    /// <inheritdoc />
    public override string Format => FormatName;

    /// <inheritdoc />
    public override string Value { get; }

    /// <summary>Whether this is a pre-release or a development release.</summary>
    public bool IsPrerelease => _pre is not null || _dev is not null;

    /// <inheritdoc />
    public override bool Equals(ProducerVersion? other) => other is PyPaVersion version && CompareTo(version) == 0;

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(_epoch);
        foreach (var part in TrimmedRelease())
        {
            hash.Add(part);
        }

        hash.Add(_pre);
        hash.Add(_post);
        hash.Add(_dev);
        foreach (var part in _local)
        {
            hash.Add(part);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override int CompareTo(ProducerVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        if (other is not PyPaVersion that)
        {
            throw new ArgumentException($"Cannot order a {FormatName} version against a {other.Format} version.", nameof(other));
        }

        var result = _epoch.CompareTo(that._epoch);
        if (result != 0)
        {
            return result;
        }

        var mine = TrimmedRelease();
        var theirs = that.TrimmedRelease();
        for (var i = 0; i < Math.Min(mine.Count, theirs.Count); i++)
        {
            result = mine[i].CompareTo(theirs[i]);
            if (result != 0)
            {
                return result;
            }
        }

        result = mine.Count.CompareTo(theirs.Count);
        if (result != 0)
        {
            return result;
        }

        result = PreKey().CompareTo(that.PreKey());
        if (result != 0)
        {
            return result;
        }

        result = OptionalKey(_post, missingFirst: true).CompareTo(OptionalKey(that._post, missingFirst: true));
        if (result != 0)
        {
            return result;
        }

        result = OptionalKey(_dev, missingFirst: false).CompareTo(OptionalKey(that._dev, missingFirst: false));
        return result != 0 ? result : CompareLocal(_local, that._local);
    }

    private List<BigInteger> TrimmedRelease()
    {
        var list = _release.ToList();
        while (list.Count > 1 && list[^1].IsZero)
        {
            list.RemoveAt(list.Count - 1);
        }

        return list;
    }

    // A release without pre but with dev sorts before every pre-release; without both, after them.
    private (int, int, BigInteger) PreKey() => _pre switch
    {
        null when _post is null && _dev is not null => (0, 0, BigInteger.Zero),
        null => (2, 0, BigInteger.Zero),
        var (kind, number) => (1, kind, number),
    };

    private static (int, BigInteger) OptionalKey(BigInteger? value, bool missingFirst) =>
        value is { } v ? (1, v) : (missingFirst ? 0 : 2, BigInteger.Zero);

    private static int CompareLocal(string[] left, string[] right)
    {
        if (left.Length == 0 || right.Length == 0)
        {
            return left.Length.CompareTo(right.Length);
        }

        for (var i = 0; i < Math.Min(left.Length, right.Length); i++)
        {
            var leftNumeric = BigInteger.TryParse(left[i], NumberStyles.None, CultureInfo.InvariantCulture, out var l);
            var rightNumeric = BigInteger.TryParse(right[i], NumberStyles.None, CultureInfo.InvariantCulture, out var r);
            var result = (leftNumeric, rightNumeric) switch
            {
                (true, true) => l.CompareTo(r),
                (true, false) => 1,
                (false, true) => -1,
                _ => string.CompareOrdinal(left[i], right[i]),
            };
            if (result != 0)
            {
                return result;
            }
        }

        return left.Length.CompareTo(right.Length);
    }

    private static BigInteger Number(Group group) =>
        group.Success && group.Value.Length > 0 ? BigInteger.Parse(group.Value, CultureInfo.InvariantCulture) : BigInteger.Zero;

    private string Normalise()
    {
        var builder = new StringBuilder();
        if (!_epoch.IsZero)
        {
            builder.Append(_epoch.ToString(CultureInfo.InvariantCulture)).Append('!');
        }

        builder.AppendJoin('.', _release.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        if (_pre is var (kind, number))
        {
            builder.Append(kind switch { 0 => "a", 1 => "b", _ => "rc" }).Append(number.ToString(CultureInfo.InvariantCulture));
        }

        if (_post is { } post)
        {
            builder.Append(".post").Append(post.ToString(CultureInfo.InvariantCulture));
        }

        if (_dev is { } dev)
        {
            builder.Append(".dev").Append(dev.ToString(CultureInfo.InvariantCulture));
        }

        if (_local.Length > 0)
        {
            // Numeric local segments are written without leading zeros, as packaging does.
            builder.Append('+').AppendJoin('.', _local.Select(s =>
                BigInteger.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : s));
        }

        return builder.ToString();
    }

    // PEP 440, Appendix B, written with named groups.
    [GeneratedRegex(
        @"\A[vV]?(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)" +
        @"(?:[-_.]?(?<pre_l>alpha|beta|preview|pre|a|b|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?" +
        @"(?:-(?<post_n1>[0-9]+)|[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?)?" +
        @"(?:[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?" +
        @"(?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\z",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
