using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelStore.Diagnostics;

namespace ModelStore.Cli;

/// <summary>
/// Where a command writes: results on the output (text, or one JSON document with <c>--json</c>), progress and notes on
/// the error stream (none with <c>--quiet</c>), errors on the error stream (a JSON object with <c>--json</c>).
/// </summary>
internal sealed class CliOutput(TextWriter output, TextWriter error, bool json, bool quiet)
{
    public bool IsJson => json;

    public TextWriter Error => error;

    /// <summary>Whether a progress bar may be drawn (not quiet, not JSON).</summary>
    public bool ShowsProgress => !quiet && !json;

    /// <summary>Whether the error stream is a terminal (the bar is redrawn in place there).</summary>
    public bool IsInteractive => !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error);

    /// <summary>A result line (text mode only).</summary>
    public Task LineAsync(string line) => json ? Task.CompletedTask : output.WriteLineAsync(Printable(line));

    /// <summary>The command's result as one JSON document (JSON mode only): a record of <see cref="CliJsonContext"/>.</summary>
    public Task JsonAsync<T>(T value) where T : class =>
        json ? output.WriteLineAsync(SecretScrubber.Scrub(Serialize(value))) : Task.CompletedTask;

    /// <summary>A note for people (what happened, what to do), on the error stream; none when quiet or JSON.</summary>
    public Task NoteAsync(string line) => quiet || json ? Task.CompletedTask : error.WriteLineAsync(Printable(line));

    /// <summary>An error: <c>error (Code): message</c>, or a JSON object with the code, the message and the exit code.</summary>
    public Task FailAsync(string? code, string message, int exitCode) =>
        json
            ? error.WriteLineAsync(SecretScrubber.Scrub(Serialize(new ErrorDocument(code ?? (exitCode == 2 ? "Usage" : "Error"), message, exitCode))))
            : error.WriteLineAsync(Printable(code is null ? $"error: {message}" : $"error ({code}): {message}"));

    // Source-generated metadata only: a type missing from the context is a bug, found by the first test that prints it.
    private static string Serialize<T>(T value) =>
        JsonSerializer.Serialize(value, (JsonTypeInfo<T>)(CliJsonContext.Default.GetTypeInfo(typeof(T))
            ?? throw new InvalidOperationException($"{typeof(T).Name} is not in {nameof(CliJsonContext)}.")));

    // Everything printed may quote a server or a lock file: no credential, no terminal control sequence.
    private static string Printable(string text) => SecretScrubber.Scrub(UntrustedText.Sanitize(text, keepLineBreaks: true));
}
