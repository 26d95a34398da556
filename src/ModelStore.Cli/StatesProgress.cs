using System.Diagnostics;
using System.Globalization;
using ModelStore.Resolution;

namespace ModelStore.Cli;

/// <summary>
/// One progress line for many states (<c>restore</c>): states done out of the total, how many were fetched, found in the
/// cache or failed, and the bytes fetched. Redrawn in place on a terminal; in a log, a line every few seconds, so that a
/// thousand states are a few lines, not a thousand (<c>--verbose</c> lists each state).
/// </summary>
internal sealed class StatesProgress(TextWriter writer, string label, int total, bool interactive) : IProgress<StateResolution>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private TimeSpan? _lastDraw;
    private int _fetched;
    private int _cached;
    private int _failed;
    private long _bytes;

    /// <summary>Counts one outcome (called from the resolver's threads as each state completes).</summary>
    public void Report(StateResolution value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (value.Failure is not null)
            {
                _failed++;
            }
            else if (value.Source == StateSource.Cache)
            {
                _cached++;
            }
            else
            {
                _fetched++;
                _bytes += value.Size;
            }

            var interval = interactive ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(5);
            if (_lastDraw is not { } last || _clock.Elapsed - last >= interval)
            {
                Draw(final: false);
            }
        }
    }

    /// <summary>Ends the line on a terminal (a log needs nothing more: the command's summary follows).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (interactive && _lastDraw is not null)
            {
                Draw(final: true);
            }
        }
    }

    /// <summary>The line as drawn now.</summary>
    internal string Line()
    {
        lock (_gate)
        {
            var done = _fetched + _cached + _failed;
            var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"{label} {done}/{total} states: {_fetched} fetched ({ProgressBar.FormatBytes(_bytes)}, {ProgressBar.FormatBytes(_bytes / seconds)}/s), {_cached} cached, {_failed} failed");
        }
    }

    private void Draw(bool final)
    {
        _lastDraw = _clock.Elapsed;
        var line = Line();
        if (interactive)
        {
            writer.Write("\r" + line + (final ? Environment.NewLine : string.Empty));
        }
        else
        {
            writer.WriteLine(line);
        }
    }
}
