using System.Diagnostics;
using ModelStore.Testing;

namespace ModelStore.Cli.Tests;

/// <summary>
/// Before any test: the packed tool, installed. <c>MODELSTORE_TEST_TOOL</c> names one already installed
/// (<c>build/test.sh</c> packs it once before the tests); otherwise <c>build/pack-tool.sh</c> packs and installs it
/// into a temporary folder, removed after the run.
/// </summary>
[TestClass]
public static class PackedTool
{
    public const string Variable = "MODELSTORE_TEST_TOOL";

    private static string? _folder;

    [AssemblyInitialize]
    public static void Install(TestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var given = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(given))
        {
            ModelStoreTool.Executable = File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException($"{Variable} names no file.", given);
            return;
        }

        _folder = Directory.CreateTempSubdirectory("modelstore-native-tool-").FullName;
        var start = new ProcessStartInfo("bash", [Path.Combine(ModelStoreTool.RepositoryRoot, "build", "pack-tool.sh"), _folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var pack = Process.Start(start)!;
        var output = pack.StandardOutput.ReadToEndAsync(context.CancellationToken);
        var error = pack.StandardError.ReadToEndAsync(context.CancellationToken);
        pack.WaitForExit();
        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException($"build/pack-tool.sh failed ({pack.ExitCode}): {error.Result}");
        }

        ModelStoreTool.Executable = output.Result.Trim().Split('\n')[^1];
    }

    [AssemblyCleanup]
    public static void Remove()
    {
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
