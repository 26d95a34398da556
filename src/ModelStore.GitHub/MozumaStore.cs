namespace ModelStore.GitHub;

/// <summary>
/// The store MoZuMa publishes its pretrained states in (MoZuMa's <c>mozuma.stores.Store()</c>): the GitHub releases
/// of <c>mozuma/mozuma</c>, branch <c>model-store</c>, prefix <c>state</c>.
/// </summary>
public static class MozumaStore
{
    /// <summary>The owner of MoZuMa's repository.</summary>
    public const string Owner = "mozuma";

    /// <summary>MoZuMa's repository.</summary>
    public const string Repository = "mozuma";

    /// <summary>The branch MoZuMa's state releases are created on.</summary>
    public const string Branch = "model-store";

    /// <summary>The prefix of MoZuMa's state releases.</summary>
    public const string ReleaseNamePrefix = "state";

    /// <summary>
    /// The library's default store: MoZuMa's states on GitHub. Reading needs no credentials; pass
    /// <paramref name="options"/> to point at a mirror (<see cref="GitHubReleaseStoreOptions.BaseAddress"/>), keep ETags
    /// on disk, or limit state sizes.
    /// </summary>
    public static GitHubReleaseStore Default(GitHubReleaseStoreOptions? options = null) =>
        new(Owner, Repository, Branch, ReleaseNamePrefix, options);
}
