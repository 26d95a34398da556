namespace ModelStore.Uploads;

/// <summary>
/// The stream being uploaded failed (not the store): thrown by <see cref="PartitionedUpload"/> so that a store's error
/// translation lets it through, and the store rethrows <see cref="Exception.InnerException"/> to its caller as it was.
/// </summary>
public sealed class SourceStreamException : Exception
{
    /// <summary>Wraps the failure of the source stream.</summary>
    public SourceStreamException(Exception inner)
        : base("The stream being uploaded failed.", inner)
    {
    }
}
