namespace ModelStore.Downloads;

/// <summary>
/// What a remote object is when a download starts: its size, a version tag that changes whenever its bytes do
/// (an ETag, a blob version, a commit), and whether it can be read by byte ranges.
/// </summary>
/// <param name="Size">The object's size in bytes.</param>
/// <param name="Version">
/// The version tag; an interrupted download resumes only while the object still has it. <see langword="null"/>
/// when the server gives none: such a download is never resumed, it starts over.
/// </param>
/// <param name="AcceptsRanges">Whether ranged reads work; without them the object is read in one request, from the start.</param>
public sealed record RemoteObject(long Size, string? Version, bool AcceptsRanges = true)
{
    /// <summary>Whether an interrupted download of this object can resume: ranges work and the version is known.</summary>
    public bool IsResumable => AcceptsRanges && !string.IsNullOrEmpty(Version);
}
