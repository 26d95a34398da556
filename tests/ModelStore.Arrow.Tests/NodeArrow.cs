using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace ModelStore.Arrow.Tests;

/// <summary>Runs the apache-arrow scripts in js/ with node (installed by build/prereqs/20-arrow-npm.sh).</summary>
internal static class NodeArrow
{
    private static string NodeModules =>
        typeof(NodeArrow).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NodeModules").Value!;

    /// <summary>What read-row.cjs prints about a file: its metadata, fields and rows.</summary>
    public static async Task<JsonElement> ReadAsync(string path) =>
        JsonDocument.Parse(await RunAsync("read-row.cjs", path)).RootElement;

    public static Task WriteAsync(string path) => RunAsync("write-row.cjs", path);

    private static async Task<string> RunAsync(string script, string argument)
    {
        Assert.IsTrue(Directory.Exists(Path.Combine(NodeModules, "apache-arrow")), $"apache-arrow is not installed in {NodeModules}; run build/prereqs/20-arrow-npm.sh.");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "js", script));
        start.ArgumentList.Add(argument);
        start.Environment["NODE_PATH"] = NodeModules;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.AreEqual(0, process.ExitCode, $"node {script} failed: {await error}");
        return await output;
    }
}
