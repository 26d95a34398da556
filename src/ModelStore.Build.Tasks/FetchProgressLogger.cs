using System.Diagnostics;
using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ModelStore.Build.Tasks;

/// <summary>Logs a long fetch's progress (bytes so far and rate) at normal importance, at most once per interval.</summary>
internal sealed class FetchProgressLogger : IProgress<long>
{
    private readonly TaskLoggingHelper _log;
    private readonly string _what;
    private readonly TimeSpan _interval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan _lastReport;

    public FetchProgressLogger(TaskLoggingHelper log, string what, TimeSpan interval)
    {
        _log = log;
        _what = what;
        _interval = interval;
        _lastReport = TimeSpan.Zero;
    }

    /// <summary>The last byte count reported.</summary>
    public long Bytes { get; private set; }

    /// <summary>The time since the fetch started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public void Report(long value)
    {
        lock (_gate)
        {
            Bytes = value;
            var now = _clock.Elapsed;
            if (now - _lastReport < _interval)
            {
                return;
            }

            _lastReport = now;
            _log.LogMessage(MessageImportance.Normal, "ModelStore: fetching {0}: {1} ({2})", _what, FormatBytes(value), FormatRate(value, now));
        }
    }

    public static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GB"),
    };

    /// <summary>
    /// Seconds with one decimal, as text. Every value a message carries is formatted before it is logged: a message
    /// logged in an MSBuild worker node reaches the central logger with its arguments turned into strings, which a
    /// format item such as <c>{3:0.0}</c> no longer applies to (a multi-node build printed <c>in 0.8351076 s</c>).
    /// </summary>
    public static string FormatSeconds(TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.0} s");

    public static string FormatRate(long bytes, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024) / Math.Max(elapsed.TotalSeconds, 0.001):0.0} MB/s");
}
