namespace ModelStore.Testing;

/// <summary>The <c>modelstore</c> tool as users run it: its own build output, started as its own process.</summary>
public static class ModelStoreTool
{
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
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = output.Name;
            var configuration = output.Parent!.Name;
            var repository = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
            var tool = Path.Combine(repository, "src", "ModelStore.Cli", "bin", configuration, framework, "ModelStore.Cli.dll");
            return File.Exists(tool) ? tool : throw new FileNotFoundException($"The modelstore tool is not built at '{tool}'. Build src/ModelStore.Cli first.", tool);
        }
    }
}
