using System.Text.Json;
using System.Text.Json.Nodes;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci;

/// <summary>A content descriptor: media type, digest, size and annotations.</summary>
internal sealed record OciDescriptor(string MediaType, string Digest, long Size, string? FilePath);

/// <summary>
/// A ModelPack artifact's manifest, parsed from untrusted bytes: every descriptor is checked (digest form, size, the
/// file path annotation is a relative path without <c>..</c>) before anything is fetched by it.
/// </summary>
internal sealed record OciManifest(string Digest, OciDescriptor Config, IReadOnlyList<OciDescriptor> Layers, string? ArtifactType)
{
    /// <summary>The largest manifest read (distribution refuses more than 4 MiB too).</summary>
    public const int MaxSize = 4 * 1024 * 1024;

    public static OciManifest Parse(byte[] bytes, string digest, string where, StateKey? key)
    {
        try
        {
            var root = JsonNode.Parse(bytes) as JsonObject ?? throw Invalid("it is not a JSON object");
            if (root["schemaVersion"]?.GetValue<int>() != 2)
            {
                throw Invalid("its schemaVersion is not 2");
            }

            if (root["mediaType"]?.GetValue<string>() is { } mediaType && mediaType != ModelPack.ManifestMediaType)
            {
                throw Invalid($"it is a {OciNames.Clip(mediaType)}, not an OCI image manifest (an image index or a Docker manifest is not a model artifact)");
            }

            var config = Descriptor(root["config"] as JsonObject ?? throw Invalid("it has no config"), "config");
            var layers = (root["layers"] as JsonArray ?? throw Invalid("it has no layers")).Select((node, i) => Descriptor(node as JsonObject ?? throw Invalid($"layer {i} is not an object"), $"layer {i}")).ToArray();
            var paths = layers.Where(layer => layer.FilePath is not null).GroupBy(layer => layer.FilePath, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
            if (paths is not null)
            {
                throw Invalid($"two layers have the file path '{OciNames.Clip(paths.Key)}'");
            }

            return new OciManifest(digest, config, layers, root["artifactType"]?.GetValue<string>());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"The manifest {digest} of {where} is malformed: {e.Message}", key, e);
        }

        static OciDescriptor Descriptor(JsonObject node, string what)
        {
            var digest = node["digest"]?.GetValue<string>();
            if (!OciNames.IsDigest(digest))
            {
                throw Invalid($"the {what} digest '{OciNames.Clip(digest)}' is not sha256: and 64 hex digits");
            }

            var size = node["size"]?.GetValue<long>() ?? -1;
            if (size < 0)
            {
                throw Invalid($"the {what} has no valid size");
            }

            var path = (node["annotations"] as JsonObject)?[ModelPack.FilePathAnnotation]?.GetValue<string>();
            if (path is not null && OciNames.FilePathProblem(path) is { } problem)
            {
                throw Invalid($"the {what} file path '{OciNames.Clip(path)}' is unsafe: {problem}");
            }

            return new OciDescriptor(node["mediaType"]?.GetValue<string>() ?? "", digest!, size, path);
        }

        static InvalidOperationException Invalid(string why) => new(why);
    }

    /// <summary>
    /// The layer holding <paramref name="path"/>, or, with no path, the state's file: the layer named
    /// <paramref name="defaultFileName"/>, else the only layer. <see langword="null"/> when there is none.
    /// </summary>
    /// <exception cref="StateStoreException"><see cref="StateStoreError.InvalidContent"/> when no path is given and the artifact holds several files, none of them the default one.</exception>
    public OciDescriptor? FindLayer(string? path, string defaultFileName, string where, StateKey? key)
    {
        if (path is not null)
        {
            return Layers.FirstOrDefault(layer => string.Equals(layer.FilePath, path, StringComparison.Ordinal));
        }

        if (Layers.FirstOrDefault(layer => string.Equals(layer.FilePath, defaultFileName, StringComparison.Ordinal)) is { } named)
        {
            return named;
        }

        return Layers.Count switch
        {
            0 => null,
            1 => Layers[0],
            _ => throw new StateStoreException(StateStoreError.InvalidContent, $"{where} holds {Layers.Count} files ({string.Join(", ", Layers.Take(8).Select(layer => layer.FilePath ?? layer.Digest))}{(Layers.Count > 8 ? ", ..." : "")}) and none is {defaultFileName}: name the file to read with Path.", key),
        };
    }

    /// <summary>The bytes of a ModelPack manifest: config and layers in order, file paths as annotations (deterministic).</summary>
    public static byte[] Write(OciDescriptor config, IEnumerable<OciDescriptor> layers)
    {
        var layerNodes = new JsonArray();
        foreach (var layer in layers)
        {
            layerNodes.Add((JsonNode)DescriptorNode(layer));
        }

        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ModelPack.ManifestMediaType,
            ["artifactType"] = ModelPack.ArtifactType,
            ["config"] = DescriptorNode(config),
            ["layers"] = layerNodes,
        };
        return Utf8(manifest);

        static JsonObject DescriptorNode(OciDescriptor descriptor)
        {
            var node = new JsonObject { ["mediaType"] = descriptor.MediaType, ["digest"] = descriptor.Digest, ["size"] = descriptor.Size };
            if (descriptor.FilePath is not null)
            {
                node["annotations"] = new JsonObject { [ModelPack.FilePathAnnotation] = descriptor.FilePath };
            }

            return node;
        }
    }

    /// <summary>
    /// The bytes of a ModelPack model config (<c>descriptor</c>, <c>config</c>, <c>modelfs</c>) for a state: its key as
    /// the name, its architecture, and the file format when the bytes tell it (a <c>torch.save</c> zip, safetensors).
    /// </summary>
    public static byte[] WriteConfig(StateKey key, string? format, IEnumerable<string> layerDigests)
    {
        var config = new JsonObject { ["architecture"] = key.StateType.Architecture };
        if (format is not null)
        {
            config["format"] = format;
        }

        var diffIds = new JsonArray();
        foreach (var digest in layerDigests)
        {
            diffIds.Add((JsonNode)digest);
        }

        return Utf8(new JsonObject
        {
            ["descriptor"] = new JsonObject { ["name"] = key.ToString() },
            ["config"] = config,
            ["modelfs"] = new JsonObject { ["type"] = "layers", ["diffIds"] = diffIds },
        });
    }

    // The compact UTF-8 text of a JSON tree, as JsonSerializer writes it, without the serializer (no reflection: the
    // modelstore tool on linux-x64 is compiled ahead of time). A manifest's bytes are its digest: they must not change.
    private static byte[] Utf8(JsonNode node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The file format the first bytes of a file show: <c>pytorch</c> (a zip, as <c>torch.save</c> writes), <c>safetensors</c>, or <see langword="null"/>.</summary>
    public static string? SniffFormat(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
        {
            return "pytorch";
        }

        if (head.Length >= 9 && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(head[..8]) is var length && length > 1 && length < 100_000_000 && head[8] == (byte)'{')
        {
            return "safetensors";
        }

        return null;
    }
}
