using System.Net;

namespace ModelStore.GitHub.Http;

/// <summary>
/// A request body read from the caller's stream, from its current position, without taking ownership of it:
/// the caller can rewind and send it again (a retried upload) and disposes it itself.
/// </summary>
internal sealed class BorrowedStreamContent(Stream source) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        source.CopyToAsync(stream, 1 << 16, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = source.CanSeek ? source.Length - source.Position : 0;
        return source.CanSeek;
    }
}
