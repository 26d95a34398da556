using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Http;

/// <summary>What the Hub could not find (its <c>X-Error-Code</c>).</summary>
internal enum HubMissing
{
    /// <summary><c>RevisionNotFound</c>: no such branch, tag or commit.</summary>
    Revision,

    /// <summary><c>EntryNotFound</c> (or a bare 404): no such file or folder at that revision.</summary>
    Entry,
}

/// <summary>
/// A <see cref="StateStoreError.NotFound"/> answer of the Hub, kept apart so the store can complete the message with
/// close matches (branches and tags, or files) before the user sees it.
/// </summary>
internal sealed class HubMissingException(HubMissing missing, string message, string? commit, StateKey? key)
    : StateStoreException(StateStoreError.NotFound, message, key)
{
    public HubMissing Missing { get; } = missing;

    /// <summary>The commit the revision resolved to, when the Hub said (<c>X-Repo-Commit</c> of a missing file).</summary>
    public string? Commit { get; } = commit;
}
