using System.Text.Json.Serialization;

namespace ModelStore.Cli;

// The documents `--json` prints (docs/cli.md), one record per shape. Property names are written in camelCase and a null
// property is left out, so a record's positional order is the order of the document's fields. They are serialized by
// the source-generated CliJsonContext: the tool on linux-x64 is compiled ahead of time (no reflection over types).

/// <summary><c>list</c>: the store's states compatible with a type.</summary>
internal sealed record ListDocument(string Store, string Type, IEnumerable<string> Keys);

/// <summary><c>pull</c> of one file.</summary>
internal sealed record PullDocument(string Key, string Store, string? Sha256, long Size, string? Path, string? Revision);

/// <summary><c>pull</c> of a bundle (several files of one state).</summary>
internal sealed record BundlePullDocument(string Key, string Store, string? Sha256, long Size, string Path, string? Revision, IEnumerable<BundleFileDocument> Files);

/// <summary>One file of a pulled bundle.</summary>
internal sealed record BundleFileDocument(string Path, string Sha256, long Size);

/// <summary><c>pull --dry-run</c> of a bundle: what would be fetched.</summary>
internal sealed record BundlePlanDocument(string Key, string? Revision, IEnumerable<BundlePlannedFileDocument> Files);

/// <summary>One file a bundle pull would fetch.</summary>
internal sealed record BundlePlannedFileDocument(string Path, long Size);

/// <summary><c>push</c>.</summary>
internal sealed record PushDocument(string Key, string Store, long Size);

/// <summary><c>export</c>.</summary>
internal sealed record ExportDocument(string Key, string Store, string Sha256, long Size, string Path);

/// <summary><c>cache</c>: the cached states and the total on disk.</summary>
internal sealed record CacheDocument(string Root, IReadOnlyList<CacheRowDocument> States, int Count, long SizeOnDisk);

/// <summary>One cached state.</summary>
internal sealed record CacheRowDocument(string Key, string Store, string Sha256, long Size, DateTimeOffset? FetchedUtc, DateTimeOffset LastUsedUtc, string Path);

/// <summary><c>rm</c>: the entries removed and the bytes freed.</summary>
internal sealed record RemoveDocument(IEnumerable<RemovedStateDocument> Removed, long Freed);

/// <summary>One removed cache entry.</summary>
internal sealed record RemovedStateDocument(string Key, string Store);

/// <summary><c>verify</c>: every entry checked.</summary>
internal sealed record VerifyDocument(IReadOnlyList<VerifyRowDocument> States, int Verified, int Corrupt);

/// <summary>One checked entry (<see cref="Key"/> is null for an entry whose key cannot be read).</summary>
internal sealed record VerifyRowDocument(string? Key, string? Store, string Status, bool Ok);

/// <summary><c>clean</c>.</summary>
internal sealed record CleanDocument(string Root, long Freed);

/// <summary><c>env</c>.</summary>
internal sealed record EnvDocument(string Version, string CacheRoot, string CacheRootSource, IReadOnlyList<string> StoreKinds, IReadOnlyList<EnvVariableDocument> Variables);

/// <summary>A credential or endpoint variable, and only whether it is set.</summary>
internal sealed record EnvVariableDocument(string Name, bool Set);

/// <summary><c>restore</c>: every state of the lock file, and the counts.</summary>
internal sealed record RestoreDocument(string LockFile, IReadOnlyList<RestoreRowDocument> States, int Fetched, int Copied, int Cached, int Failed);

/// <summary>One restored state: <see cref="Sha256"/> and <see cref="Path"/> when it is in the cache, <see cref="Error"/> and <see cref="Message"/> when it failed.</summary>
internal sealed record RestoreRowDocument(string Key, string Store, string? Sha256, string Result, string? Path, string? Error, string? Message);

/// <summary><c>mirror</c>: every state copied, skipped or failed.</summary>
internal sealed record MirrorDocument(string From, string To, string? LockFile, IReadOnlyList<CliApp.MirrorResult> States, int Copied, int Skipped, int Failed);

/// <summary>An error, with <c>--json</c>: the error stream's one document.</summary>
internal sealed record ErrorDocument(string Error, string Message, int ExitCode);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ListDocument))]
[JsonSerializable(typeof(PullDocument))]
[JsonSerializable(typeof(BundlePullDocument))]
[JsonSerializable(typeof(BundlePlanDocument))]
[JsonSerializable(typeof(PushDocument))]
[JsonSerializable(typeof(ExportDocument))]
[JsonSerializable(typeof(CacheDocument))]
[JsonSerializable(typeof(RemoveDocument))]
[JsonSerializable(typeof(VerifyDocument))]
[JsonSerializable(typeof(CleanDocument))]
[JsonSerializable(typeof(EnvDocument))]
[JsonSerializable(typeof(RestoreDocument))]
[JsonSerializable(typeof(MirrorDocument))]
[JsonSerializable(typeof(ErrorDocument))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
