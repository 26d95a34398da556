using System.Security.Cryptography;
using ModelStore.IO;
using ModelStore.States;

namespace ModelStore.HuggingFace.Http;

/// <summary>
/// The body of a file download, read once from start to end, that checks size and content hash against the Hub's
/// metadata as it reaches the end: the last read throws <see cref="Stores.StateStoreError.IntegrityMismatch"/> instead
/// of returning 0 when the bytes are not the file's, so a reader such as the cache discards them. The same check
/// covers a file taken from huggingface_hub's cache (no response then), which another program may change at any time.
/// </summary>
internal sealed class HubVerifyingStream(Stream inner, HttpResponseMessage? response, HubFileMetadata metadata, string source, StateKey? key)
    : VerifyingStream(inner, response, metadata.Size, HubContentCheck.StartHash(metadata))
{
    protected override void VerifyEnd(long bytesRead, IncrementalHash? hash) => HubContentCheck.VerifyStream(metadata, bytesRead, hash, source, key);

    protected override void Overrun(long bytesRead) => HubContentCheck.VerifyStream(metadata, bytesRead, null, source, key);
}
