using System.Diagnostics;
using System.Text;

namespace ModelStore.Build.Tests.Integration;

/// <summary>The result of one `dotnet` command.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Output)
{
    public override string ToString() => $"$ {Command} (exit {ExitCode})\n{Output}";

    /// <summary>Fails the test, with the command's output, unless it exited with 0.</summary>
    public void AssertSucceeded() => Assert.AreEqual(0, ExitCode, ToString());
}

/// <summary>Runs the real `dotnet` CLI in a clean environment (no MSBuild variables inherited from the test host).</summary>
internal static class DotNet
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    public static Task<CommandResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunAsync(DefaultTimeout, workingDirectory, environment, arguments);

    /// <summary>Runs `dotnet` with a time limit of its own (a whole clone's restore and pack, for instance).</summary>
    public static async Task<CommandResult> RunAsync(TimeSpan timeout, string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A dotnet started from inside `dotnet test` inherits variables that point MSBuild at the outer build.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("MSBUILD", StringComparison.Ordinal)
                || name is "DOTNET_HOST_PATH" or "TESTINGPLATFORM_UI_LANGUAGE" || name.StartsWith("VSTEST", StringComparison.Ordinal))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Append(output, $"[killed after {timeout}]");
            return new CommandResult($"dotnet {string.Join(' ', arguments)}", -1, Snapshot(output));
        }

        return new CommandResult($"dotnet {string.Join(' ', arguments)}", process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
