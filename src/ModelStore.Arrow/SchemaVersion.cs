using System.Globalization;

namespace ModelStore.Arrow;

/// <summary>
/// One Legolas schema version, <c>name@version</c>. Names are lowercase letters, digits, <c>-</c> and <c>.</c>
/// (Legolas.jl's rule); versions are non-negative integers.
/// </summary>
public readonly record struct SchemaVersion
{
    /// <summary>Creates a schema version.</summary>
    /// <exception cref="ArgumentException">When the name or version is invalid.</exception>
    public SchemaVersion(string name, int version)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException(
                $"Schema name '{name}' is invalid: use lowercase letters, digits, '-' and '.', at least one character.", nameof(name));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(version);
        Name = name;
        Version = version;
    }

    /// <summary>The schema name, e.g. <c>legolas-flux.model</c>.</summary>
    public string Name { get; }

    /// <summary>The schema version.</summary>
    public int Version { get; }

    /// <summary>Whether <paramref name="name"/> follows Legolas.jl's schema name rule.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c is '-' or '.' or (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    /// <summary>
    /// Parses a (possibly qualified) identifier <c>a@1&gt;b@2&gt;...</c> into its chain, the schema itself first,
    /// then its parent, and so on.
    /// </summary>
    /// <exception cref="ModelRowException">With <see cref="ModelRowError.MalformedSchemaIdentifier"/>.</exception>
    public static IReadOnlyList<SchemaVersion> ParseChain(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var chain = new List<SchemaVersion>();
        foreach (var part in identifier.Split('>'))
        {
            var pieces = part.Trim().Split('@');
            if (pieces.Length != 2
                || !IsValidName(pieces[0])
                || !int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new ModelRowException(
                    ModelRowError.MalformedSchemaIdentifier,
                    $"'{identifier}' is not a valid schema identifier (expected name@version[>name@version...]).");
            }

            chain.Add(new SchemaVersion(pieces[0], version));
        }

        return chain;
    }

    /// <summary>The qualified identifier of a chain, e.g. <c>digits.model@1&gt;legolas-flux.model@1</c>.</summary>
    public static string FormatChain(IEnumerable<SchemaVersion> chain) => string.Join(">", chain);

    /// <summary><c>name@version</c>.</summary>
    public override string ToString() => $"{Name}@{Version.ToString(CultureInfo.InvariantCulture)}";
}
