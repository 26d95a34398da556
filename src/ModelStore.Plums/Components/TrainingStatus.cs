namespace ModelStore.Plums;

/// <summary>The status of a training: pending, then running, then finished or failed.</summary>
public enum TrainingStatus
{
    /// <summary>Not started (<c>pending</c>).</summary>
    Pending,

    /// <summary>Started and not ended (<c>running</c>).</summary>
    Running,

    /// <summary>Ended normally (<c>finished</c>).</summary>
    Finished,

    /// <summary>Interrupted (<c>failed</c>).</summary>
    Failed,
}

/// <summary>The PMF spelling of <see cref="TrainingStatus"/>.</summary>
public static class TrainingStatusNames
{
    /// <summary>The lower-case word written in <c>metadata.yaml</c>.</summary>
    public static string ToPmf(this TrainingStatus status) => status switch
    {
        TrainingStatus.Pending => "pending",
        TrainingStatus.Running => "running",
        TrainingStatus.Finished => "finished",
        TrainingStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>Parses the word written in <c>metadata.yaml</c> (exact, lower case).</summary>
    public static bool TryParse(string? text, out TrainingStatus status)
    {
        (var ok, status) = text switch
        {
            "pending" => (true, TrainingStatus.Pending),
            "running" => (true, TrainingStatus.Running),
            "finished" => (true, TrainingStatus.Finished),
            "failed" => (true, TrainingStatus.Failed),
            _ => (false, TrainingStatus.Pending),
        };
        return ok;
    }
}
