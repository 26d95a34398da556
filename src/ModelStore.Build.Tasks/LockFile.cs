using System.Text.Json;
using ModelStore.Caching;
using ModelStore.IO;

namespace ModelStore.Build.Tasks;

/// <summary>One pinned state in <c>modelstates.lock.json</c>.</summary>
internal sealed record LockEntry(string Key, string Store, string Sha256, long Size)
{
    /// <summary>The store's file the state was read from (metadata <c>Path</c>), or <see langword="null"/> for the layout's name.</summary>
    public string? FilePath { get; init; }

    /// <summary>For a versioned store: the configured revision (<c>ref</c>) and the commit read (<c>revision</c>); absent from older lock files.</summary>
    public StoreRevision? Revision { get; init; }
}

/// <summary>
/// <c>modelstates.lock.json</c>: the exact bytes (SHA-256 and size) each state resolved to, sorted by key so
/// that the file is stable under version control and only changes when a state does.
/// </summary>
/// <remarks>
/// <code>
/// {
///   "version": 1,
///   "states": {
///     "pytorch/tiny-mlp.digits.v1": { "store": "local", "sha256": "…", "size": 1234 },
///     "onnx/minilm.l6.v2": { "store": "hub", "path": "onnx/model.onnx", "ref": "main", "revision": "7dbbc903…", "sha256": "…", "size": 1234 }
///   },
///   "stores": { "local": { "kind": "Local", "settings": { "Folder": "states" } } }
/// }
/// </code>
/// <c>path</c>, <c>ref</c> and <c>revision</c> are optional (a state read by path from a versioned store such as a
/// Hugging Face Hub repository); lock files without them keep their meaning.
/// </remarks>
internal static class LockFile
{
    public const int Version = 1;

    /// <summary>Reads the lock file; an absent file is an empty lock.</summary>
    /// <exception cref="InvalidDataException">The file is not a lock file of a known version; the message says what is wrong.</exception>
    public static IReadOnlyDictionary<string, LockEntry> Read(string path)
    {
        var entries = new Dictionary<string, LockEntry>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return entries;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != Version)
            {
                throw new InvalidDataException($"expected a JSON object with \"version\": {Version}");
            }

            if (root.TryGetProperty("states", out var states))
            {
                if (states.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException("\"states\" must be an object");
                }

                foreach (var state in states.EnumerateObject())
                {
                    entries[state.Name] = ReadEntry(state);
                }
            }

            return entries;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not valid JSON ({e.Message})", e);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>Serializes <paramref name="entries"/> (and the <paramref name="stores"/> they come from) in the stable form (sorted, indented, '\n' line ends).</summary>
    public static byte[] Format(IEnumerable<LockEntry> entries, IReadOnlyList<LockedStore>? stores = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", Version);
            writer.WriteStartObject("states");
            foreach (var entry in entries.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject(entry.Key);
                writer.WriteString("store", entry.Store);
                if (entry.FilePath is not null)
                {
                    writer.WriteString("path", entry.FilePath);
                }

                if (entry.Revision is not null)
                {
                    writer.WriteString("ref", entry.Revision.Requested);
                    writer.WriteString("revision", entry.Revision.Resolved);
                }

                writer.WriteString("sha256", entry.Sha256);
                writer.WriteNumber("size", entry.Size);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            LockedStores.Write(writer, stores ?? []);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Writes the lock file atomically, only when its content changes; returns whether it was written.</summary>
    public static bool Write(string path, IEnumerable<LockEntry> entries, IReadOnlyList<LockedStore>? stores = null)
    {
        var content = Format(entries, stores);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            return false;
        }

        AtomicFile.WriteAllBytesAsync(path, content).GetAwaiter().GetResult();
        return true;
    }

    private static LockEntry ReadEntry(JsonProperty state)
    {
        var value = state.Value;
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"the entry of \"{state.Name}\" must be an object");
        }

        string Text(string name) =>
            value.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(property.GetString())
                ? property.GetString()!
                : throw new InvalidDataException($"the entry of \"{state.Name}\" has no \"{name}\"");

        string sha256;
        try
        {
            sha256 = StateCache.NormalizeSha256(Text("sha256"));
        }
        catch (ArgumentException)
        {
            throw new InvalidDataException($"the entry of \"{state.Name}\" has a \"sha256\" that is not 64 hexadecimal digits");
        }

        if (!value.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var bytes) || bytes < 0)
        {
            throw new InvalidDataException($"the entry of \"{state.Name}\" has no valid \"size\"");
        }

        string? Optional(string name) =>
            !value.TryGetProperty(name, out var property) ? null
            : property.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(property.GetString()) ? property.GetString()
            : throw new InvalidDataException($"the entry of \"{state.Name}\" has a \"{name}\" that is not a non-empty string");

        var requested = Optional("ref");
        var resolved = Optional("revision");
        if ((requested is null) != (resolved is null))
        {
            throw new InvalidDataException($"the entry of \"{state.Name}\" must have both \"ref\" and \"revision\", or neither");
        }

        return new LockEntry(state.Name, Text("store"), sha256, bytes)
        {
            FilePath = Optional("path"),
            Revision = resolved is null ? null : new StoreRevision(requested!, resolved),
        };
    }
}
