using System.Diagnostics;
using System.Globalization;
using ModelStore.Downloads;

namespace ModelStore.Cli;

/// <summary>
/// A one-line progress bar on the error stream: redrawn in place on a terminal, a line every few seconds
/// otherwise (so logs stay readable).
/// </summary>
internal sealed class ProgressBar(TextWriter writer, string label, long? total, bool interactive) : IDownloadProgress
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private TimeSpan? _lastDraw;
    private long _current;
    private long _drawn = -1;

    public void ReportTotal(long totalBytes)
    {
        lock (_gate)
        {
            total = totalBytes;
        }
    }

    // Parallel downloads report from several threads: one draws at a time, and a report never goes backwards.
    public void Report(long value)
    {
        lock (_gate)
        {
            _current = Math.Max(_current, value);
            var interval = interactive ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(5);
            if (_lastDraw is not { } last || _clock.Elapsed - last >= interval)
            {
                Draw(final: false);
            }
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            // A log already holds the final line when the last report drew it; a terminal needs the newline.
            if (interactive || _drawn != _current)
            {
                Draw(final: true);
            }
        }
    }

    internal static string FormatBytes(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        var unit = 0;
        while (bytes >= 1000 && unit < units.Length - 1)
        {
            bytes /= 1000;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {units[unit]}");
    }

    private void Draw(bool final)
    {
        _lastDraw = _clock.Elapsed;
        _drawn = _current;
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var rate = $"{FormatBytes(_current / seconds)}/s";
        string line;
        if (total is > 0 and var size)
        {
            var fraction = Math.Clamp((double)_current / size, 0, 1);
            var filled = (int)Math.Round(fraction * Width);
            line = string.Create(CultureInfo.InvariantCulture, $"{label} [{new string('#', filled)}{new string('-', Width - filled)}] {fraction * 100,3:0}% {FormatBytes(_current)} / {FormatBytes(size)} {rate}");
        }
        else
        {
            line = $"{label} {FormatBytes(_current)} {rate}";
        }

        if (interactive)
        {
            writer.Write('\r' + line + (final ? Environment.NewLine : string.Empty));
        }
        else
        {
            writer.WriteLine(line);
        }
    }
}
