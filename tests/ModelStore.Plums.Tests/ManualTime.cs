namespace ModelStore.Plums.Tests;

/// <summary>A clock the test moves by hand (Unix seconds).</summary>
internal sealed class ManualTime(double seconds) : TimeProvider
{
    public double Seconds { get; set; } = seconds;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(Seconds * TimeSpan.TicksPerSecond));
}
