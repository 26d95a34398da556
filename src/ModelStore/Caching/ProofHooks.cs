using System.Globalization;

namespace ModelStore.Caching;

/// <summary>
/// Pauses for the fault proof suite (<c>build/proof/run.sh</c>), so that its <c>kill -9</c> can land in windows too short
/// to hit at random: <c>MODELSTORE_PROOF_PAUSE=before-commit:3000</c> waits 3 s once a download is complete and flushed,
/// before it is indexed and renamed into the cache. Unset (always, outside the suite), it costs one variable read.
/// </summary>
internal static class ProofHooks
{
    /// <summary>The environment variable: <c>point:milliseconds</c>.</summary>
    public const string Variable = "MODELSTORE_PROOF_PAUSE";

    /// <summary>After a download is complete and flushed, before the index entry and the rename into the blobs.</summary>
    public const string BeforeCommit = "before-commit";

    public static Task PauseAsync(string point, CancellationToken cancellationToken)
    {
        var setting = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(setting) || !setting.StartsWith(point + ":", StringComparison.Ordinal)
            || !int.TryParse(setting.AsSpan(point.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return Task.CompletedTask;
        }

        Console.Error.WriteLine($"[proof] paused {milliseconds} ms at {point}");
        return Task.Delay(milliseconds, cancellationToken);
    }
}
