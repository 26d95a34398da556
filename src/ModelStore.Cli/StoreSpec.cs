using ModelStore.Stores;

namespace ModelStore.Cli;

/// <summary>
/// Turns the <c>--store</c> text into store settings: <c>local:FOLDER</c> (or a plain folder path),
/// <c>s3://BUCKET[/BASE/PATH]</c>, <c>az://CONTAINER[/BASE/PATH]</c> (Azure Blob; the account from <c>--setting ServiceUri=...</c>
/// or <c>AccountName=...</c>, or from <c>AZURE_STORAGE_CONNECTION_STRING</c>), <c>github:OWNER/REPOSITORY</c>, <c>hf:ORG/NAME</c>
/// (<c>hf:datasets/ORG/NAME</c> for a dataset repository on the Hugging Face Hub), <c>oci://REGISTRY/REPOSITORY[:TAG|@DIGEST]</c>
/// (an OCI registry: every state a tag, or with a tag or digest one artifact; <c>--setting Insecure=true</c> for plain http). Extra settings come from
/// <c>--setting Name=Value</c>, exactly as the metadata of a <c>ModelStore</c> item in a project file.
/// </summary>
internal static class StoreSpec
{
    public static StateStoreSettings Parse(string spec, IEnumerable<string> extraSettings, string baseDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (Resolution.StateRequest.LooksLikeUrl(spec))
        {
            // Not a folder named "https:": an address holds one file, read with pull --url (or mirror --from with --lock).
            throw new ArgumentException($"\"{Downloads.UrlRedaction.RedactText(spec)}\" is a web address, not a store. Fetch a file on the web with 'pull KEY --url URL'.");
        }

        var values = new List<KeyValuePair<string, string>>();
        string kind;
        if (spec.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            kind = "S3";
            AddContainerAndBasePath(values, "Bucket", spec["s3://".Length..]);
        }
        else if (spec.StartsWith("az://", StringComparison.OrdinalIgnoreCase))
        {
            kind = "AzureBlob";
            AddContainerAndBasePath(values, "Container", spec["az://".Length..]);
        }
        else if (spec.StartsWith("github:", StringComparison.OrdinalIgnoreCase))
        {
            kind = "GitHub";
            var parts = spec["github:".Length..].Split('/');
            if (parts.Length != 2 || parts.Any(string.IsNullOrWhiteSpace))
            {
                throw new ArgumentException($"\"{spec}\" is not a GitHub store: expected github:OWNER/REPOSITORY.");
            }

            values.Add(new("Owner", parts[0]));
            values.Add(new("Repository", parts[1]));
        }
        else if (spec.StartsWith("hf:", StringComparison.OrdinalIgnoreCase))
        {
            kind = "HuggingFace";
            var repository = spec["hf:".Length..];
            if (repository.StartsWith("datasets/", StringComparison.OrdinalIgnoreCase))
            {
                values.Add(new("RepoType", "dataset"));
                repository = repository["datasets/".Length..];
            }

            if (repository.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                throw new ArgumentException($"\"{spec}\" is not a Hugging Face store: expected hf:ORG/NAME (or hf:datasets/ORG/NAME).");
            }

            values.Add(new("Repository", repository));
        }
        else if (spec.StartsWith("oci://", StringComparison.OrdinalIgnoreCase))
        {
            kind = "Oci";
            AddOciAddress(values, spec);
        }
        else
        {
            kind = "Local";
            values.Add(new("Folder", spec.StartsWith("local:", StringComparison.OrdinalIgnoreCase) ? spec["local:".Length..] : spec));
        }

        foreach (var setting in extraSettings)
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"\"{setting}\" is not a store setting: expected Name=Value.");
            }

            values.Add(new(setting[..equals].Trim(), setting[(equals + 1)..].Trim()));
        }

        return new StateStoreSettings(spec, kind, values, baseDirectory);
    }

    // CONTAINER[/BASE/PATH]: the bucket or container, then the base path if any.
    // oci://REGISTRY/REPOSITORY, with :TAG or @DIGEST for one artifact (the provider checks each part by the OCI rules).
    private static void AddOciAddress(List<KeyValuePair<string, string>> values, string spec)
    {
        var rest = spec["oci://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            throw new ArgumentException($"\"{spec}\" is not an OCI store: expected oci://REGISTRY/REPOSITORY (optionally :TAG or @DIGEST).");
        }

        var repository = rest[(slash + 1)..];
        string? reference = null;
        if (repository.IndexOf('@', StringComparison.Ordinal) is var at and > 0)
        {
            reference = repository[(at + 1)..];
            repository = repository[..at];
        }
        else if (repository.LastIndexOf(':') is var colon and > 0)
        {
            reference = repository[(colon + 1)..];
            repository = repository[..colon];
        }

        values.Add(new("Registry", rest[..slash]));
        values.Add(new("Repository", repository));
        if (reference is not null)
        {
            values.Add(new("Reference", reference));
        }
    }

    private static void AddContainerAndBasePath(List<KeyValuePair<string, string>> values, string containerSetting, string rest)
    {
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        values.Add(new(containerSetting, slash < 0 ? rest : rest[..slash]));
        if (slash >= 0 && slash < rest.Length - 1)
        {
            values.Add(new("BasePath", rest[(slash + 1)..]));
        }
    }
}
