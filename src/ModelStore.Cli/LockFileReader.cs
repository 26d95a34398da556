using System.Text.Json;
using ModelStore.Caching;
using ModelStore.States;

namespace ModelStore.Cli;

/// <summary>One state pinned in a lock file, as <c>modelstore restore</c> needs it.</summary>
internal sealed record LockedState(StateKey Key, string Store, string Sha256, long Size, string? FilePath, string? Revision);

/// <summary>One store definition recorded in a lock file: its kind and non-secret settings.</summary>
internal sealed record LockedStoreDefinition(string Name, string Kind, IReadOnlyDictionary<string, string> Settings, string? BaseDirectory);

/// <summary>
/// Reads <c>modelstates.lock.json</c> as the build writes it: <c>states</c> (key → store, sha256, size, and the optional
/// <c>path</c> and <c>revision</c>) and <c>stores</c> (name → kind, settings, optional baseDirectory). Unknown fields are
/// ignored, so lock files from newer builds stay readable.
/// </summary>
internal static class LockFileReader
{
    public static (IReadOnlyList<LockedState> States, IReadOnlyDictionary<string, LockedStoreDefinition>? Stores) Read(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The lock file '{path}' is not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 1)
            {
                throw new InvalidDataException($"The lock file '{path}' is not a ModelStore lock file of version 1.");
            }

            var states = new List<LockedState>();
            if (root.TryGetProperty("states", out var stateEntries) && stateEntries.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in stateEntries.EnumerateObject())
                {
                    if (!StateKey.TryParse(entry.Name, out var key, out var why))
                    {
                        throw new InvalidDataException($"The lock file '{path}' has an entry '{entry.Name}' that is not a state key: {why}");
                    }

                    var value = entry.Value;
                    var sha256 = StateCache.NormalizeSha256(Text(value, "sha256") ?? throw Missing(path, entry.Name, "sha256"));
                    var size = value.TryGetProperty("size", out var bytes) && bytes.TryGetInt64(out var length) ? length : throw Missing(path, entry.Name, "size");
                    states.Add(new LockedState(key, Text(value, "store") ?? throw Missing(path, entry.Name, "store"), sha256, size, Text(value, "path"), Text(value, "revision")));
                }
            }

            if (!root.TryGetProperty("stores", out var storeEntries) || storeEntries.ValueKind != JsonValueKind.Object)
            {
                return (states, null);
            }

            var stores = new Dictionary<string, LockedStoreDefinition>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in storeEntries.EnumerateObject())
            {
                var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                if (entry.Value.TryGetProperty("settings", out var values) && values.ValueKind == JsonValueKind.Object)
                {
                    foreach (var setting in values.EnumerateObject().Where(setting => setting.Value.ValueKind == JsonValueKind.String))
                    {
                        settings[setting.Name] = setting.Value.GetString()!;
                    }
                }

                stores[entry.Name] = new LockedStoreDefinition(entry.Name, Text(entry.Value, "kind") ?? throw Missing(path, entry.Name, "kind"), settings, Text(entry.Value, "baseDirectory"));
            }

            return (states, stores);
        }
    }

    private static string? Text(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(property.GetString())
            ? property.GetString()
            : null;

    private static InvalidDataException Missing(string path, string entry, string field) =>
        new($"The lock file '{path}': the entry '{entry}' has no \"{field}\".");
}
