using System.Text.Json;
using ModelStore.IO;
using ModelStore.States;

namespace ModelStore.Resolution;

/// <summary>
/// Reads, checks and writes <c>modelstates.lock.json</c> (as NuGet's <c>PackagesLockFileFormat</c> does for
/// <c>packages.lock.json</c>): one format for the build, the command line and <see cref="StateResolver"/>.
/// </summary>
/// <remarks>
/// <code>
/// {
///   "version": 1,
///   "states": {
///     "onnx/minilm.l6.v2": { "store": "hub", "path": "onnx/model.onnx", "ref": "main", "revision": "7dbbc903…", "sha256": "…", "size": 1234 },
///     "pytorch/resnet18.cls1000.imagenet": { "store": "url:https://host/r18.pt?sig=***", "url": "https://host/r18.pt?sig=…", "sha256": "…", "size": 1234 },
///     "pytorch/tiny-mlp.digits.v1": { "store": "local", "sha256": "…", "size": 1234 },
///     "onnx/minilm.bundle.v2": { "store": "hub", "ref": "main", "revision": "7dbbc903…", "sha256": "(manifest)", "size": 5678,
///       "patterns": [ "onnx/model.onnx", "*.json" ], "files": [ { "path": "config.json", "sha256": "…", "size": 600 }, … ] }
///   },
///   "stores": { "local": { "kind": "Local", "settings": { "Folder": "states" } } }
/// }
/// </code>
/// Written sorted (states by key, stores by name, settings by name), indented, with <c>\n</c> line ends, so the file
/// only changes when a state does. Every value read is checked (keys, hashes, sizes, names, paths, addresses; no
/// control character); a fault is a <see cref="StateResolutionException"/> of kind
/// <see cref="ResolutionFailureKind.InvalidLockFile"/> naming the file and the entry. Fields this version does not know
/// are ignored, so lock files of later versions with added fields stay readable.
/// </remarks>
public static class StateLockFileFormat
{
    /// <summary>Reads the lock file at <paramref name="path"/>; an absent file is <see cref="StateLockFile.Empty"/>.</summary>
    /// <exception cref="StateResolutionException">The file is not a valid lock file, or cannot be read.</exception>
    public static StateLockFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] content;
        try
        {
            if (!File.Exists(path))
            {
                return StateLockFile.Empty;
            }

            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, $"cannot be read: {e.Message}", e);
        }

        return Parse(content, path);
    }

    /// <summary>Parses and checks a lock file's bytes; <paramref name="path"/> only names it in messages.</summary>
    /// <exception cref="StateResolutionException">The content is not a valid lock file.</exception>
    public static StateLockFile Parse(ReadOnlyMemory<byte> content, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var document = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out var number) || number != StateLockFile.CurrentVersion)
            {
                throw Invalid(path, $"is not a ModelStore lock file of version {StateLockFile.CurrentVersion} (expected a JSON object with \"version\": {StateLockFile.CurrentVersion})");
            }

            var states = new List<StateLockEntry>();
            foreach (var state in Members(root, "states", path, "\"states\""))
            {
                states.Add(ReadEntry(state, path));
            }

            var stores = new List<StateLockStore>();
            foreach (var store in Members(root, "stores", path, "\"stores\""))
            {
                stores.Add(ReadStore(store, path));
            }

            return new StateLockFile(states, stores);
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"is not valid JSON ({e.Message})", e);
        }
        catch (ArgumentException e)
        {
            throw Invalid(path, ResolutionFailure.WithoutParameterName(e), e);
        }
    }

    /// <summary>The file's bytes in the stable form (sorted, indented, <c>\n</c> line ends, a final line end).</summary>
    public static byte[] Format(StateLockFile lockFile)
    {
        ArgumentNullException.ThrowIfNull(lockFile);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", StateLockFile.CurrentVersion);
            writer.WriteStartObject("states");
            foreach (var entry in lockFile.States.Values)
            {
                WriteEntry(writer, entry);
            }

            writer.WriteEndObject();
            if (lockFile.Stores.Count > 0)
            {
                writer.WriteStartObject("stores");
                foreach (var store in lockFile.Stores.Values.OrderBy(store => store.Name, StringComparer.Ordinal))
                {
                    WriteStore(writer, store);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
#if NET9_0_OR_GREATER
        return buffer.ToArray();
#else
        // Before .NET 9 the writer ends lines as the platform does; strings escape their own line ends, so every raw CR is formatting.
        return [.. buffer.ToArray().Where(b => b != (byte)'\r')];
#endif
    }

    // The file is read by people in diffs: addresses keep their '&', keys their letters; control characters stay escaped.
    private static readonly System.Text.Encodings.Web.JavaScriptEncoder ReadableEncoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

#if NET9_0_OR_GREATER
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, NewLine = "\n", Encoder = ReadableEncoder };
#else
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = ReadableEncoder };
#endif

    /// <summary>Writes the lock file atomically (readers see the old or the new file), only when its content changes.</summary>
    /// <returns>Whether the file was written.</returns>
    /// <exception cref="StateResolutionException">The file cannot be written (<see cref="ResolutionFailureKind.InvalidLockFile"/>).</exception>
    public static async Task<bool> WriteAsync(string path, StateLockFile lockFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var content = Format(lockFile);
        try
        {
            if (File.Exists(path) && (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)).AsSpan().SequenceEqual(content))
            {
                return false;
            }

            await AtomicFile.WriteAllBytesAsync(path, content, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, $"cannot be written: {e.Message}", e);
        }
    }

    private static IEnumerable<JsonProperty> Members(JsonElement root, string name, string path, string what)
    {
        if (!root.TryGetProperty(name, out var section))
        {
            return [];
        }

        return section.ValueKind == JsonValueKind.Object
            ? section.EnumerateObject()
            : throw Invalid(path, $"has {what} that is not an object");
    }

    private static StateLockEntry ReadEntry(JsonProperty state, string path)
    {
        var name = StateStoreText(state.Name);
        if (!StateKey.TryParse(state.Name, out var key, out var why))
        {
            throw Invalid(path, $"has the entry \"{name}\", which is not a state key: {why}");
        }

        var value = state.Value;
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, $"has the entry \"{name}\", which is not an object");
        }

        try
        {
            var requested = Optional(value, "ref");
            var resolved = Optional(value, "revision");
            if ((requested is null) != (resolved is null))
            {
                throw new ArgumentException("it must have both \"ref\" and \"revision\", or neither");
            }

            var store = Required(value, "store");
            var url = Optional(value, "url") is { } address
                ? Uri.TryCreate(address, UriKind.Absolute, out var parsed) ? parsed : throw new ArgumentException("its \"url\" is not an absolute address")
                : LegacyUrl(store);
            if (url is not null && !store.StartsWith(UrlStoreIdPrefix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"it has a \"url\" but its store is not a {UrlStoreIdPrefix} store");
            }

            var entry = new StateLockEntry(key, store, Required(value, "sha256"), Size(value))
            {
                Path = Optional(value, "path"),
                Url = url,
                Revision = resolved is null ? null : new StoreRevision(requested!, resolved),
                Patterns = value.TryGetProperty("patterns", out var patterns) ? Strings(patterns, "patterns") : null,
                Files = value.TryGetProperty("files", out var files) ? ReadFiles(files) : null,
            };
            CheckBundle(entry);
            return entry;
        }
        catch (ArgumentException e)
        {
            throw Invalid(path, $"has an invalid entry \"{key}\": {ResolutionFailure.WithoutParameterName(e)}", e);
        }
    }

    private static List<string> Strings(JsonElement array, string name) =>
        array.ValueKind == JsonValueKind.Array
            ? [.. array.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new ArgumentException($"its \"{name}\" holds a value that is not a string"))]
            : throw new ArgumentException($"its \"{name}\" is not an array");

    private static List<BundleFile> ReadFiles(JsonElement array)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException("its \"files\" is not an array");
        }

        var files = new List<BundleFile>();
        foreach (var file in array.EnumerateArray())
        {
            if (file.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("its \"files\" holds a value that is not an object");
            }

            files.Add(new BundleFile(Required(file, "path"), Required(file, "sha256"), Size(file)));
        }

        return files;
    }

    // A bundle entry is whole: patterns and files together, no single-file fields, and its hash and size are its files'.
    private static void CheckBundle(StateLockEntry entry)
    {
        if (entry.Files is null && entry.Patterns is null)
        {
            return;
        }

        if (entry.Files is null || entry.Patterns is null)
        {
            throw new ArgumentException("a bundle has both \"patterns\" and \"files\", or neither");
        }

        if (entry.Path is not null || entry.Url is not null)
        {
            throw new ArgumentException("a bundle has no \"path\" or \"url\"");
        }

        if (BundleFile.ManifestSha256(entry.Files) != entry.Sha256 || entry.Files.Sum(file => file.Size) != entry.Size)
        {
            throw new ArgumentException("its \"sha256\" and \"size\" are not those of its \"files\" (the SHA-256 of their manifest and their total size)");
        }
    }

    // Lock files written before the "url" field kept the address only in the store id: usable when nothing was redacted
    // out of it (a pre-signed address was, so it needs a build to record the address again).
    private static Uri? LegacyUrl(string store) =>
        store.StartsWith(UrlStoreIdPrefix, StringComparison.Ordinal)
        && !store.Contains(Downloads.UrlRedaction.Placeholder, StringComparison.Ordinal)
        && Uri.TryCreate(store[UrlStoreIdPrefix.Length..], UriKind.Absolute, out var address)
            ? address
            : null;

    /// <summary>The prefix of a <c>Url</c> state's store id (<see cref="Stores.UrlStateStore.Id"/>).</summary>
    internal const string UrlStoreIdPrefix = "url:";

    private static StateLockStore ReadStore(JsonProperty store, string path)
    {
        var name = StateStoreText(store.Name);
        var value = store.Value;
        try
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("it is not an object");
            }

            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            if (value.TryGetProperty("settings", out var values))
            {
                if (values.ValueKind != JsonValueKind.Object)
                {
                    throw new ArgumentException("its \"settings\" is not an object");
                }

                foreach (var setting in values.EnumerateObject())
                {
                    settings[setting.Name] = setting.Value.ValueKind == JsonValueKind.String
                        ? setting.Value.GetString()!
                        : throw new ArgumentException($"its setting \"{StateStoreText(setting.Name)}\" is not a string");
                }
            }

            return new StateLockStore(store.Name, Required(value, "kind"), settings) { BaseDirectory = Optional(value, "baseDirectory") };
        }
        catch (ArgumentException e)
        {
            throw Invalid(path, $"has an invalid store \"{name}\": {ResolutionFailure.WithoutParameterName(e)}", e);
        }
    }

    private static void WriteEntry(Utf8JsonWriter writer, StateLockEntry entry)
    {
        writer.WriteStartObject(entry.Key.ToString());
        writer.WriteString("store", entry.Store);
        if (entry.Url is not null)
        {
            writer.WriteString("url", entry.Url.OriginalString);
        }

        if (entry.Path is not null)
        {
            writer.WriteString("path", entry.Path);
        }

        if (entry.Revision is not null)
        {
            writer.WriteString("ref", entry.Revision.Requested);
            writer.WriteString("revision", entry.Revision.Resolved);
        }

        writer.WriteString("sha256", entry.Sha256);
        writer.WriteNumber("size", entry.Size);
        if (entry.Patterns is not null)
        {
            writer.WriteStartArray("patterns");
            foreach (var pattern in entry.Patterns)
            {
                writer.WriteStringValue(pattern);
            }

            writer.WriteEndArray();
        }

        if (entry.Files is not null)
        {
            writer.WriteStartArray("files");
            foreach (var file in entry.Files)
            {
                writer.WriteStartObject();
                writer.WriteString("path", file.Path);
                writer.WriteString("sha256", file.Sha256);
                writer.WriteNumber("size", file.Size);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteStore(Utf8JsonWriter writer, StateLockStore store)
    {
        writer.WriteStartObject(store.Name);
        writer.WriteString("kind", store.Kind);
        if (store.BaseDirectory is not null)
        {
            writer.WriteString("baseDirectory", store.BaseDirectory);
        }

        writer.WriteStartObject("settings");
        foreach (var (name, value) in store.Settings)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string Required(JsonElement value, string name) =>
        Optional(value, name) ?? throw new ArgumentException($"it has no \"{name}\"");

    private static string? Optional(JsonElement value, string name)
    {
        if (!value.TryGetProperty(name, out var property))
        {
            return null;
        }

        return property.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(property.GetString())
            ? property.GetString()
            : throw new ArgumentException($"its \"{name}\" is not a non-empty string");
    }

    private static long Size(JsonElement value) =>
        value.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var bytes) && bytes >= 0
            ? bytes
            : throw new ArgumentException("it has no valid \"size\" (a whole number of bytes)");

    // A name read from the file, shown in a message: one line, escapes visible.
    private static string StateStoreText(string text) => Stores.StateStoreSettings.Printable(text);

    private static StateResolutionException Invalid(string path, string problem, Exception? inner = null) =>
        new(ResolutionFailureKind.InvalidLockFile, $"The lock file '{path}' {problem}. Fix it, or delete it to resolve every state again.", inner);
}
