using System.Text.Json;
using ModelStore.Caching;
using ModelStore.IO;

namespace ModelStore.TorchSharp.Formats;

/// <summary>
/// A shard index as Hugging Face writes it beside sharded weights (<c>model.safetensors.index.json</c>,
/// <c>pytorch_model.bin.index.json</c>): <c>{"metadata": {...}, "weight_map": {"tensor name": "shard file"}}</c>.
/// The index is untrusted data: every shard it names must be a relative path that stays inside the index's folder,
/// also once symbolic links are followed (or, when the index itself is a link, as in a huggingface_hub cache snapshot,
/// inside the folder its target is in; or, in a bundle folder the cache assembled, a link to one of that cache's
/// blobs: <see cref="StateCache.IsBundleFile"/>).
/// </summary>
internal sealed class ShardIndex
{
    /// <summary>Far more than any real index (a 400-billion-parameter model's is a few hundred kilobytes).</summary>
    public const long MaxIndexSize = 64L << 20;

    private ShardIndex(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<(string Name, string File)> weightMap, IReadOnlyList<string> shards)
    {
        Metadata = metadata;
        WeightMap = weightMap;
        Shards = shards;
    }

    /// <summary>The index's <c>metadata</c> (string values as they are, others as their JSON text, e.g. <c>total_size</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Each tensor and the full path of its shard, in index order.</summary>
    public IReadOnlyList<(string Name, string File)> WeightMap { get; }

    /// <summary>The full paths of the distinct shards, in order of first mention.</summary>
    public IReadOnlyList<string> Shards { get; }

    /// <summary>Whether a file's first bytes are a JSON object (a shard index), which no weight format starts with.</summary>
    public static bool LooksLikeIndex(ReadOnlySpan<byte> prefix)
    {
        var trimmed = prefix.TrimStart(" \t\r\n"u8);
        if (trimmed.StartsWith("\uFEFF"u8))
        {
            trimmed = trimmed[3..].TrimStart(" \t\r\n"u8);
        }

        return !trimmed.IsEmpty && trimmed[0] == (byte)'{';
    }

    /// <summary>Reads and validates the index at <paramref name="indexPath"/>, resolving every shard it names.</summary>
    /// <exception cref="StateFormatException">The index is malformed, names an unsafe path, or a shard is missing.</exception>
    public static ShardIndex Read(string indexPath)
    {
        var fullIndex = Path.GetFullPath(indexPath);
        var length = new FileInfo(fullIndex).Length;
        if (length > MaxIndexSize)
        {
            throw Fail(StateFormatError.UnsupportedFeature, $"it is {length} bytes long, more than the {MaxIndexSize}-byte limit");
        }

        JsonDocument document;
        try
        {
            var bytes = File.ReadAllBytes(fullIndex).AsMemory();
            document = JsonDocument.Parse(bytes.Span.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new StateFormatException(StateFormatError.Corrupt, $"The shard index is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw Fail(StateFormatError.Corrupt, "it has no \"weight_map\" object");
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
            {
                foreach (var item in meta.EnumerateObject())
                {
                    metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : item.Value.GetRawText();
                }
            }

            var folder = Path.GetDirectoryName(fullIndex)!;
            string[] roots = [folder, Path.GetDirectoryName(FollowingLinks(() => ConfinedPath.GetRealPath(fullIndex)))!];
            var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
            var weightMap = new List<(string, string)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (!names.Add(entry.Name))
                {
                    throw Fail(StateFormatError.Corrupt, $"tensor '{entry.Name}' is listed twice");
                }

                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw Fail(StateFormatError.Corrupt, $"the shard of tensor '{entry.Name}' is not a string");
                }

                var relative = entry.Value.GetString()!;
                if (!resolved.TryGetValue(relative, out var shard))
                {
                    shard = resolved[relative] = ResolveShard(folder, roots, relative);
                }

                weightMap.Add((entry.Name, shard));
            }

            if (weightMap.Count == 0)
            {
                throw Fail(StateFormatError.Corrupt, "its weight_map is empty");
            }

            return new ShardIndex(metadata, weightMap, [.. resolved.Values]);
        }
    }

    /// <summary>The full path of a shard named in the index, refused unless it is a plain relative path that stays inside the allowed folders.</summary>
    private static string ResolveShard(string folder, string[] roots, string relative)
    {
        var shown = Sanitize(relative);
        if (!ConfinedPath.IsPlainRelative(relative))
        {
            throw new StateFormatException(StateFormatError.UnsafePath, $"The shard index names '{shown}': a shard must be a relative path inside the index's folder, without '..', '.', empty parts or backslashes.");
        }

        var full = Path.GetFullPath(Path.Combine(folder, relative));
        if (!File.Exists(full))
        {
            throw new StateFormatException(StateFormatError.Truncated, $"The shard index names '{shown}', which is not in the index's folder: the shard set is incomplete.");
        }

        // A bundle the cache assembled is a folder of links to its blobs: those links may lead out of the folder.
        if (!FollowingLinks(() => ConfinedPath.IsInside(full, roots)) && !StateCache.IsBundleFile(full))
        {
            throw new StateFormatException(StateFormatError.UnsafePath, $"The shard index names '{shown}', a symbolic link that leads outside the index's folder.");
        }

        return full;
    }

    /// <summary>Runs a link-following check, reporting a loop of links as an unsafe path.</summary>
    private static T FollowingLinks<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (IOException e)
        {
            throw new StateFormatException(StateFormatError.UnsafePath, $"The shard index was refused: {e.Message}", e);
        }
    }

    private static string Sanitize(string text) =>
        new([.. text.Take(200).Select(c => char.IsControl(c) ? '?' : c)]);

    private static StateFormatException Fail(StateFormatError error, string what) => new(error, $"The shard index was refused: {what}.");
}
