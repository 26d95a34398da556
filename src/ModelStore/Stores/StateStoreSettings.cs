using System.Globalization;
using ModelStore.Downloads;

namespace ModelStore.Stores;

/// <summary>
/// A declarative store definition, as written in a project file
/// (<c>&lt;ModelStore Include="team" Kind="S3" Bucket="models" /&gt;</c>) or a CLI option:
/// a name, a kind and free-form settings.
/// </summary>
public sealed class StateStoreSettings
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">The store's name (the item's Include).</param>
    /// <param name="kind">The backend kind, for example <c>Local</c>, <c>S3</c> or <c>GitHub</c>.</param>
    /// <param name="values">The settings (item metadata); names are case-insensitive.</param>
    /// <param name="baseDirectory">The folder relative paths are resolved against (the project's folder).</param>
    /// <exception cref="ArgumentException">
    /// The name, the kind, a setting's name or value holds a control character (a line break would inject a line into the
    /// files the build writes), or a value is a URL carrying a user name or password (a credential in a project file).
    /// The message names the store and the setting, never the secret.
    /// </exception>
    public StateStoreSettings(string name, string kind, IEnumerable<KeyValuePair<string, string>> values, string baseDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        RefuseControlCharacters(name, $"The store name '{Printable(name)}'");
        RefuseControlCharacters(kind, $"Store '{Printable(name)}': the Kind '{Printable(kind)}'");
        Name = name;
        Kind = kind;
        BaseDirectory = baseDirectory;
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            RefuseControlCharacters(key, $"Store '{name}': the setting name '{Printable(key)}'");
            if (!string.IsNullOrWhiteSpace(value))
            {
                var trimmed = value.Trim();
                RefuseControlCharacters(trimmed, $"Store '{name}': setting '{key}'");
                if (Uri.TryCreate(trimmed, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && UrlRedaction.HasUserInfo(url))
                {
                    throw new ArgumentException($"Store '{name}': setting '{key}' is a URL with a user name or password ({UrlRedaction.Redact(url)}). Credentials never go in store settings (they would end up in project files, lock files and logs): remove them from the address and give them the way the store's kind documents (environment variables, a profile).", nameof(values));
                }

                map[key] = trimmed;
            }
        }

        Values = map;
    }

    /// <summary>The store's name.</summary>
    public string Name { get; }

    /// <summary>The backend kind.</summary>
    public string Kind { get; }

    /// <summary>The folder relative paths are resolved against.</summary>
    public string BaseDirectory { get; }

    /// <summary>The non-empty settings, by case-insensitive name.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>A setting, or <see langword="null"/> when absent or empty.</summary>
    public string? Get(string name) => Values.TryGetValue(name, out var value) ? value : null;

    /// <summary>A setting that must be present.</summary>
    /// <exception cref="ArgumentException">The setting is missing; the message names the store, the kind and the setting.</exception>
    public string GetRequired(string name) =>
        Get(name) ?? throw new ArgumentException($"Store '{Name}' of kind {Kind} needs the setting '{name}'.", name);

    /// <summary>A <c>true</c>/<c>false</c> setting, or <see langword="null"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is neither; the message names the store, the kind and the setting.</exception>
    public bool? GetBoolean(string name) => Get(name) switch
    {
        null => null,
        var text when TryParseBoolean(text, out var value) => value,
        var text => throw InvalidValue(name, text, StateStoreSettingType.Boolean),
    };

    /// <summary>A whole-number setting above zero (or zero, with <paramref name="allowZero"/>), or <see langword="null"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is not such a number; the message names the store, the kind and the setting.</exception>
    public int? GetWholeNumber(string name, bool allowZero = false) => Get(name) switch
    {
        null => null,
        var text when TryParseWholeNumber(text, allowZero, out var value) => value,
        var text => throw InvalidValue(name, text, allowZero ? StateStoreSettingType.Count : StateStoreSettingType.WholeNumber),
    };

    /// <summary>A setting of whole seconds above zero (a timeout), or <see langword="null"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is not such a number; the message names the store, the kind and the setting.</exception>
    public TimeSpan? GetSeconds(string name) => Get(name) switch
    {
        null => null,
        var text when TryParseWholeNumber(text, allowZero: false, out var seconds) => TimeSpan.FromSeconds(seconds),
        var text => throw InvalidValue(name, text, StateStoreSettingType.Seconds),
    };

    /// <summary>
    /// Checks these settings against the ones a kind declares: each given setting must be declared (or one of
    /// <see cref="StateStoreSettingDescriptor.Common"/>), must not be a secret, and must hold a value of its declared
    /// type; each required one must be given. An unknown setting names its close matches ("did you mean
    /// RequestTimeoutSeconds?"). <paramref name="declared"/> <see langword="null"/> (a provider that declares nothing)
    /// checks nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is unknown, a secret, of the wrong type or missing; the message names the store, the kind and every such setting, never a secret's value.</exception>
    public void Validate(IEnumerable<StateStoreSettingDescriptor>? declared)
    {
        if (declared is null)
        {
            return;
        }

        var known = new Dictionary<string, StateStoreSettingDescriptor>(StringComparer.OrdinalIgnoreCase);
        foreach (var descriptor in StateStoreSettingDescriptor.Common.Concat(declared))
        {
            known.TryAdd(descriptor.Name, descriptor);
        }

        var problems = new List<string>();
        foreach (var (name, value) in Values.OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (!known.TryGetValue(name, out var descriptor))
            {
                var usable = known.Values.Where(candidate => !candidate.IsSecret).Select(candidate => candidate.Name).ToList();
                var close = CloseMatches.Find(name, usable, count: 1);
                problems.Add(close.Count > 0
                    ? $"the setting '{name}' is unknown: did you mean {close[0]}?"
                    : $"the setting '{name}' is unknown (settings of kind {Kind}: {string.Join(", ", usable.Order(StringComparer.OrdinalIgnoreCase))}).");
            }
            else if (descriptor.IsSecret)
            {
                problems.Add($"'{name}' is a credential, and credentials are never read from settings (they would end up in project files, lock files and logs). {descriptor.Description}");
            }
            else if (TypeProblem(descriptor.Type, value) is { } problem)
            {
                problems.Add($"setting '{name}' {problem}, not '{(descriptor.Type == StateStoreSettingType.Url ? UrlRedaction.RedactText(value) : value)}'.");
            }
        }

        foreach (var required in known.Values.Where(descriptor => descriptor.IsRequired && Get(descriptor.Name) is null))
        {
            problems.Add($"it needs the setting '{required.Name}' ({required.Description.TrimEnd('.')}).");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Store '{Printable(Name)}' of kind {Kind}: {string.Join(" ", problems)}", "settings");
        }
    }

    /// <summary>A path setting resolved against <see cref="BaseDirectory"/>.</summary>
    public string? GetPath(string name) => Get(name) is { } path ? Path.GetFullPath(path, BaseDirectory) : null;

    // The rule of each type, in one place: Validate and the typed getters both apply it.
    private static string? TypeProblem(StateStoreSettingType type, string text) => type switch
    {
        StateStoreSettingType.Boolean when !TryParseBoolean(text, out _) => "must be true or false",
        StateStoreSettingType.WholeNumber or StateStoreSettingType.Bytes when !TryParseWholeNumber(text, allowZero: false, out _) => "must be a positive whole number",
        StateStoreSettingType.Seconds when !TryParseWholeNumber(text, allowZero: false, out _) => "must be a positive whole number of seconds",
        StateStoreSettingType.Count when !TryParseWholeNumber(text, allowZero: true, out _) => "must be a non-negative whole number",
        StateStoreSettingType.Url when !(Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https") => "must be an absolute http(s) address",
        _ => null,
    };

    private static bool TryParseBoolean(string text, out bool value) => bool.TryParse(text, out value);

    private static bool TryParseWholeNumber(string text, bool allowZero, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && (value > 0 || (allowZero && value == 0));

    private ArgumentException InvalidValue(string name, string text, StateStoreSettingType type) =>
        new($"Store '{Name}' of kind {Kind}: setting '{name}' {TypeProblem(type, text)}, not '{text}'.", name);

    /// <summary><paramref name="text"/> with its control characters shown as <c>\uXXXX</c>, safe to put in a one-line message.</summary>
    internal static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}") : c.ToString()));

    private static void RefuseControlCharacters(string text, string what)
    {
        var index = text.AsSpan().IndexOfAnyInRange('\u0000', '\u001F');
        if (index < 0)
        {
            index = text.AsSpan().IndexOfAnyInRange('\u007F', '\u009F');
        }

        if (index >= 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{what} holds the control character U+{(int)text[index]:X4} at position {index}; names and settings of stores are single lines of printable text."));
        }
    }
}
