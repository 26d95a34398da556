using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// MoZuMa's layout of states in an object store (its <c>S3StateStore</c>'s), shared by the S3 and Azure Blob stores:
/// <c>{basePath}{backend}/{architecture}[.{extra}...].{trainingId}.pt</c>, where the base path is a prefix such as
/// <c>pretrained-models/</c>.
/// </summary>
public static class ObjectStoreLayout
{
    /// <summary>The extension MoZuMa gives state objects.</summary>
    public const string Extension = ".pt";

    /// <summary>Turns a user-written base path into the prefix form: no leading slash, one trailing slash, or empty.</summary>
    public static string NormalizeBasePath(string? basePath)
    {
        var trimmed = (basePath ?? string.Empty).Trim().TrimStart('/');
        return trimmed.Length == 0 || trimmed.EndsWith('/') ? trimmed : trimmed + "/";
    }

    /// <summary>The object name of <paramref name="key"/> under <paramref name="basePath"/> (already normalised).</summary>
    public static string GetObjectName(string basePath, StateKey key)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(key);
        var type = key.StateType;
        return $"{basePath}{type.Backend}/{string.Join('.', [type.Architecture, .. type.Extras, key.TrainingId])}{Extension}";
    }

    /// <summary>
    /// The listing prefix of every state of the type's backend and architecture:
    /// <c>{basePath}{backend}/{architecture}.</c> (the dot keeps <c>clip-image-rn50</c> out of <c>clip</c>).
    /// </summary>
    public static string GetListingPrefix(string basePath, StateType stateType)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(stateType);
        return $"{basePath}{stateType.Backend}/{stateType.Architecture}.";
    }

    /// <summary>Turns an object name back into its key; <see langword="null"/> for any object that is not a state under <paramref name="basePath"/>.</summary>
    public static StateKey? TryParseObjectName(string basePath, string objectName)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(objectName);
        if (!objectName.StartsWith(basePath, StringComparison.Ordinal) || !objectName.EndsWith(Extension, StringComparison.Ordinal))
        {
            return null;
        }

        var relative = objectName[basePath.Length..^Extension.Length];
        var slash = relative.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        var backend = relative[..slash];
        var parts = relative[(slash + 1)..].Split('.');
        if (parts.Length < 2 || !StateName.IsValid(backend) || !Array.TrueForAll(parts, StateName.IsValid))
        {
            return null;
        }

        return new StateKey(new StateType(backend, parts[0], parts[1..^1]), parts[^1]);
    }
}
