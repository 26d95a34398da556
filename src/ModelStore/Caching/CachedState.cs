using ModelStore.States;

namespace ModelStore.Caching;

/// <summary>A state held in the machine-wide cache.</summary>
/// <param name="StoreId">The identity of the store it came from (see <see cref="StateCache"/>).</param>
/// <param name="Key">The state's key.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the bytes.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="BlobPath">Where the bytes are; the file is never modified in place.</param>
public sealed record CachedState(string StoreId, StateKey Key, string Sha256, long Size, string BlobPath);
