using System.Security.Cryptography;
using ModelStore.IO;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Oci.Registry;

/// <summary>
/// A blob's body, read once from start to end, checked against its descriptor as it reaches the end: the last read
/// throws <see cref="StateStoreError.IntegrityMismatch"/> instead of returning 0 when the size or the sha256 digest
/// differs, so a reader such as the cache discards the bytes.
/// </summary>
internal sealed class DigestVerifyingStream(Stream inner, IDisposable owner, OciDescriptor descriptor, string where, StateKey? key)
    : VerifyingStream(inner, owner, descriptor.Size, IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
{
    protected override void VerifyEnd(long bytesRead, IncrementalHash? hash)
    {
        if (bytesRead != descriptor.Size)
        {
            throw Mismatch($"it ended after {bytesRead} of {descriptor.Size} bytes");
        }

        var digest = "sha256:" + Convert.ToHexStringLower(hash!.GetHashAndReset());
        if (!string.Equals(digest, descriptor.Digest, StringComparison.Ordinal))
        {
            throw Mismatch($"its bytes hash to {digest}");
        }
    }

    protected override void Overrun(long bytesRead) => throw Mismatch($"it is longer than the {descriptor.Size} bytes its descriptor gives");

    private StateStoreException Mismatch(string why) =>
        new(StateStoreError.IntegrityMismatch, $"The blob {descriptor.Digest} of {where} is damaged: {why}.", key);
}
