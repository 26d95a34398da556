using ModelStore.States;

namespace ModelStore.GitHub;

/// <summary>
/// How MoZuMa's <c>GitHUBReleaseStore</c> lays states out on GitHub: one release per backend and architecture,
/// tagged and named <c>{prefix}.{backend}.{architecture}</c>, holding one asset per state named
/// <c>{extra...}.{trainingId}.state.gzip</c> (the gzip of the state bytes).
/// </summary>
public sealed class GitHubReleaseLayout
{
    /// <summary>The suffix of every state asset.</summary>
    public const string AssetSuffix = ".state.gzip";

    /// <summary>Creates the layout for releases whose names start with <paramref name="releaseNamePrefix"/>.</summary>
    /// <exception cref="ArgumentException">The prefix is not a valid state name (it must not contain a dot).</exception>
    public GitHubReleaseLayout(string releaseNamePrefix)
    {
        StateName.Validate(releaseNamePrefix, "release name prefix", nameof(releaseNamePrefix));
        ReleaseNamePrefix = releaseNamePrefix;
    }

    /// <summary>The prefix of the release names and tags.</summary>
    public string ReleaseNamePrefix { get; }

    /// <summary>The release name and tag holding the states of <paramref name="stateType"/>'s backend and architecture.</summary>
    public string GetTag(StateType stateType)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        return $"{ReleaseNamePrefix}.{stateType.Backend}.{stateType.Architecture}";
    }

    /// <summary>The asset name of <paramref name="key"/> within its release: <c>{extra...}.{trainingId}.state.gzip</c>.</summary>
    public static string GetAssetName(StateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return string.Join('.', [.. key.StateType.Extras, key.TrainingId]) + AssetSuffix;
    }

    /// <summary>
    /// The key an asset of the release of <paramref name="stateType"/> stands for, or <see langword="null"/> when the
    /// asset is not a state (another file, an upload in progress, a name that breaks the naming rule).
    /// </summary>
    public static StateKey? TryParseAssetName(StateType stateType, string assetName)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        ArgumentNullException.ThrowIfNull(assetName);
        if (!assetName.EndsWith(AssetSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = assetName[..^AssetSuffix.Length].Split('.');
        if (!Array.TrueForAll(parts, StateName.IsValid))
        {
            return null;
        }

        return new StateKey(new StateType(stateType.Backend, stateType.Architecture, parts[..^1]), parts[^1]);
    }
}
