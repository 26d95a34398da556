using ModelStore.Testing;

namespace ModelStore.Cli.Tests;

/// <summary>
/// Runs a command of the tool for a test: in this process (<see cref="CliApp.RunAsync"/>), or, when the test assembly
/// tests the packed tool (<see cref="ModelStoreTool.Executable"/>: <c>ModelStore.Cli.NativeTests</c>, the same tests
/// against the native AOT build users install on linux-x64), as that executable's own process with this process's
/// environment and current folder. Either way the exit code comes back and the output and error streams land in the
/// writers.
/// </summary>
internal static class CliHost
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (ModelStoreTool.Executable is null)
        {
            return await CliApp.RunAsync(args, output, error, cancellationToken).ConfigureAwait(false);
        }

        using var process = System.Diagnostics.Process.Start(ModelStoreTool.StartInfo(args))!;
        var standardOutput = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var standardError = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await output.WriteAsync(await standardOutput.ConfigureAwait(false)).ConfigureAwait(false);
        await error.WriteAsync(await standardError.ConfigureAwait(false)).ConfigureAwait(false);
        return process.ExitCode;
    }
}
