using System.Diagnostics;

namespace ModelStore.Testing;

/// <summary>The <c>modelstore</c> tool as users run it: its own build output, or the packed tool, started as its own process.</summary>
public static class ModelStoreTool
{
    /// <summary>
    /// The installed executable of the packed tool (<c>build/pack-tool.sh</c>: on linux-x64 the native AOT build) that
    /// <see cref="StartInfo"/> starts instead of the build output, or <see langword="null"/>. Set once by a test assembly
    /// that tests the packed tool (<c>ModelStore.Cli.NativeTests</c>).
    /// </summary>
    public static string? Executable { get; set; }

    /// <summary>
    /// <c>src/ModelStore.Cli/bin/CONFIGURATION/net10.0/ModelStore.Cli.dll</c>, found from the test's own output folder
    /// (<c>tests/X/bin/CONFIGURATION/net10.0/</c>). Not the copy beside the tests: test folders run on the ASP.NET Core
    /// framework (the test servers), which provides some of the tool's dependencies (Microsoft.Extensions.Logging.Abstractions)
    /// without copying them, so the tool cannot start from there.
    /// </summary>
    public static string DllPath
    {
        get
        {
            var tool = Path.Combine(RepositoryRoot, "src", "ModelStore.Cli", "bin", Configuration, new DirectoryInfo(OutputFolder).Name, "ModelStore.Cli.dll");
            return File.Exists(tool) ? tool : throw new FileNotFoundException($"The modelstore tool is not built at '{tool}'. Build src/ModelStore.Cli first.", tool);
        }
    }

    /// <summary>The repository's root, found from the test's own output folder (<c>tests/X/bin/CONFIGURATION/net10.0/</c>).</summary>
    public static string RepositoryRoot => new DirectoryInfo(OutputFolder).Parent!.Parent!.Parent!.Parent!.Parent!.FullName;

    /// <summary>The build configuration the tests were built in (<c>Release</c>, <c>Debug</c>).</summary>
    public static string Configuration => new DirectoryInfo(OutputFolder).Parent!.Name;

    /// <summary>
    /// How to start the tool with <paramref name="args"/>: the packed <see cref="Executable"/> when one is set, else
    /// <c>dotnet</c> with <see cref="DllPath"/>. Standard output and error are redirected; the environment is this
    /// process's, which the caller may change.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        ProcessStartInfo start;
        if (Executable is { } executable)
        {
            start = new ProcessStartInfo(executable);
        }
        else
        {
            start = new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(DllPath);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return start;
    }

    private static string OutputFolder => AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
}
