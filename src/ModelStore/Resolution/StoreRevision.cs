namespace ModelStore.Resolution;

/// <summary>What a versioned store (<see cref="Stores.IRevisionedStore"/>) read: the configured revision and the immutable one it resolved to.</summary>
/// <param name="Requested">The revision as configured: a branch, a tag or a commit (the lock file's <c>ref</c>).</param>
/// <param name="Resolved">The commit it pointed to when the state was resolved (the lock file's <c>revision</c>).</param>
public sealed record StoreRevision(string Requested, string Resolved);
