namespace ModelStore.Oci;

/// <summary>
/// The CNCF ModelPack media types and annotation (modelpack/model-spec <c>docs/spec.md</c>) this store reads and writes:
/// an OCI image manifest whose <c>artifactType</c> is <see cref="ArtifactType"/>, a config of <see cref="ConfigMediaType"/>,
/// and one raw layer per file named by the <see cref="FilePathAnnotation"/> annotation.
/// </summary>
public static class ModelPack
{
    /// <summary>The OCI image manifest media type the artifact's manifest has.</summary>
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>The manifest's <c>artifactType</c>: a model.</summary>
    public const string ArtifactType = "application/vnd.cncf.model.manifest.v1+json";

    /// <summary>The media type of the model config blob.</summary>
    public const string ConfigMediaType = "application/vnd.cncf.model.config.v1+json";

    /// <summary>The media type of a weight file stored as it is (no tar, no compression).</summary>
    public const string WeightMediaType = "application/vnd.cncf.model.weight.v1.raw";

    /// <summary>The media type of a weight configuration file (a <c>config.json</c>, a tokenizer) stored as it is.</summary>
    public const string WeightConfigMediaType = "application/vnd.cncf.model.weight.config.v1.raw";

    /// <summary>The layer annotation holding the file's path inside the model.</summary>
    public const string FilePathAnnotation = "org.cncf.model.filepath";

    /// <summary>The media type a file gets: a weight configuration for JSON, YAML and text files, else a weight.</summary>
    public static string MediaTypeFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension is ".json" or ".yaml" or ".yml" or ".txt" or ".model" && !path.EndsWith(".safetensors.index.json", StringComparison.OrdinalIgnoreCase)
            ? WeightConfigMediaType
            : WeightMediaType;
    }
}
