using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace ModelStore.HuggingFace.Testing;

/// <summary>
/// The JavaScript client <c>@huggingface/hub</c> (installed by <c>build/prereqs/20-arrow-npm.sh</c>), run by node
/// through <c>js/hf-hub-cache.cjs</c> against a Hub: a client nobody here wrote that reads and writes huggingface_hub's
/// cache layout.
/// </summary>
public static class HuggingFaceHubJs
{
    /// <summary>Where <c>build/prereqs/20-arrow-npm.sh</c> installs the client.</summary>
    public static string NodeModules =>
        typeof(HuggingFaceHubJs).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "HfHubNodeModules").Value!;

    /// <summary>
    /// <c>snapshot REPOSITORY REVISION</c> (<c>snapshotDownload</c>), <c>file REPOSITORY REVISION PATH</c>
    /// (<c>downloadFileToCacheDir</c>) or <c>resolve REPOSITORY BRANCH PATH</c> (the cache alone: <c>scanCacheDir</c>'s
    /// refs, then the file at that commit) against <paramref name="hub"/>, with <paramref name="cacheDir"/> as
    /// huggingface_hub's cache; returns what the script printed last: <c>{"path": ..., "sha256": ...}</c>
    /// (<c>resolve</c> adds <c>"commit"</c> and <c>"warnings"</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The client is not installed, or it failed (its error output is in the message).</exception>
    public static async Task<JsonElement> RunAsync(Uri hub, string cacheDir, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Path.Combine(NodeModules, "@huggingface", "hub")))
        {
            throw new InvalidOperationException($"@huggingface/hub is not installed in {NodeModules}; run build/prereqs/20-arrow-npm.sh.");
        }

        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "js", "hf-hub-cache.cjs"));
        start.ArgumentList.Add(arguments[0]);
        start.ArgumentList.Add(hub.AbsoluteUri.TrimEnd('/'));
        start.ArgumentList.Add(cacheDir);
        foreach (var argument in arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NODE_PATH"] = NodeModules;
        start.Environment.Remove("HF_TOKEN");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node hf-hub-cache.cjs {string.Join(' ', arguments)} failed: {await error}");
        }

        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return JsonDocument.Parse(lines[^1]).RootElement.Clone();
    }
}
