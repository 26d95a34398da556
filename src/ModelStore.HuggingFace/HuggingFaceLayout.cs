using ModelStore.States;

namespace ModelStore.HuggingFace;

/// <summary>
/// MoZuMa's S3 layout inside a Hub repository, so that a repository can serve as a team store:
/// <c>{basePath}{backend}/{architecture}[.{extra}...].{trainingId}.pt</c>.
/// </summary>
public static class HuggingFaceLayout
{
    /// <summary>The extension MoZuMa gives state files.</summary>
    public const string Extension = ".pt";

    /// <summary>The path of <paramref name="key"/>'s file under <paramref name="basePath"/> (normalised: empty or ending with <c>/</c>).</summary>
    public static string GetFilePath(string basePath, StateKey key)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(key);
        var type = key.StateType;
        return $"{basePath}{type.Backend}/{string.Join('.', [type.Architecture, .. type.Extras, key.TrainingId])}{Extension}";
    }

    /// <summary>The folder holding every state of <paramref name="stateType"/>'s backend: <c>{basePath}{backend}</c>.</summary>
    public static string GetBackendFolder(string basePath, StateType stateType)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(stateType);
        return basePath + stateType.Backend;
    }

    /// <summary>Turns a file path back into its key; <see langword="null"/> for any file that is not a state under <paramref name="basePath"/>.</summary>
    public static StateKey? TryParseFilePath(string basePath, string path)
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
