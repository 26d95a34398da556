using Microsoft.Extensions.Logging;

namespace ModelStore.Cli;

/// <summary>
/// What <c>--verbose</c> shows: the library's log lines (the cache's hits, fetches, sizes and hashes) on the error
/// stream, one line each, prefixed <c>modelstore: info:</c>, so they never mix with a command's results on the output.
/// The messages name keys and store kinds, never addresses or credentials, so nothing is scrubbed here.
/// </summary>
internal sealed class ErrorStreamLogger(TextWriter error) : ILogger
{
    private readonly Lock _gate = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel is not LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var level = logLevel switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            _ => "error",
        };
        lock (_gate)
        {
            error.WriteLine($"modelstore: {level}: {formatter(state, exception)}");
        }
    }
}
