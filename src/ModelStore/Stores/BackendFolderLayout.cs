using ModelStore.States;

namespace ModelStore.Stores;

/// <summary>
/// MoZuMa's layout for object stores (its <c>S3StateStore</c>): one folder per backend under a base path, one file per
/// state, <c>{basePath}{backend}/{architecture}[.{extra}...].{trainingId}.pt</c>. The S3 store uses it for object names
/// and the Hugging Face store for file paths in a repository, so one repository or bucket layout serves both.
/// </summary>
public static class BackendFolderLayout
{
    /// <summary>The extension MoZuMa gives state files.</summary>
    public const string Extension = ".pt";

    /// <summary>The path of <paramref name="key"/>'s file under <paramref name="basePath"/> (normalised: empty or ending with <c>/</c>).</summary>
    public static string GetPath(string basePath, StateKey key)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(key);
        var type = key.StateType;
        return $"{basePath}{type.Backend}/{string.Join('.', [type.Architecture, .. type.Extras, key.TrainingId])}{Extension}";
    }

    /// <summary>The folder of every state of <paramref name="stateType"/>'s backend: <c>{basePath}{backend}</c> (no trailing slash).</summary>
    public static string GetBackendFolder(string basePath, StateType stateType)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(stateType);
        return basePath + stateType.Backend;
    }

    /// <summary>
    /// The prefix of every state of the type's backend and architecture: <c>{basePath}{backend}/{architecture}.</c>
    /// (the dot keeps <c>clip-image-rn50</c> out of <c>clip</c>).
    /// </summary>
    public static string GetListingPrefix(string basePath, StateType stateType) => $"{GetBackendFolder(basePath, stateType)}/{stateType.Architecture}.";

    /// <summary>Turns a path back into its key; <see langword="null"/> for any file that is not a state under <paramref name="basePath"/>.</summary>
    public static StateKey? TryParsePath(string basePath, string path)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith(basePath, StringComparison.Ordinal) || !path.EndsWith(Extension, StringComparison.Ordinal))
        {
            return null;
        }

        var relative = path[basePath.Length..^Extension.Length];
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
