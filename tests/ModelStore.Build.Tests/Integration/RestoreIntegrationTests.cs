using System.Text.Json;
using ModelStore.Cli;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// The lock file a real build writes carries what `modelstore restore` needs (the stores' kinds and settings), so a CI
/// job can fill the cache before the build without MSBuild, and the build then runs offline and locked.
/// </summary>
[TestClass]
public sealed class RestoreIntegrationTests
{
    private const string Digits = "pytorch/tiny-mlp.digits.v1";
    private const string Resnet = "pytorch/resnet18.cls1000.imagenet";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_lock_file_written_by_the_build_restores_an_empty_cache_for_an_offline_locked_build()
    {
        var app = await ConsumerProject.CreateAsync("restore-local");
        var digits = app.Publish(Digits, 25_000);
        var resnet = app.Publish(Resnet, 15_000);
        app.WithState(Digits, "Store=\"local\" AccessorName=\"Digits\"").WithState(Resnet);
        var build = await app.BuildAsync();
        Assert.AreEqual(0, build.ExitCode, build.ToString());

        using (var document = JsonDocument.Parse(File.ReadAllText(app.LockFile)))
        {
            var local = document.RootElement.GetProperty("stores").GetProperty("local");
            Assert.AreEqual("Local", local.GetProperty("kind").GetString());
            Assert.AreEqual("states", local.GetProperty("settings").GetProperty("Folder").GetString(), "A folder inside the project is recorded relative to the lock file.");
            Assert.IsFalse(File.ReadAllText(app.LockFile).Contains(app.Folder, StringComparison.Ordinal), "No machine-specific path in the lock file.");
        }

        Directory.Delete(app.Home, recursive: true);
        var (exit, output, error) = await RestoreAsync(app.Folder, app.Home);

        Assert.AreEqual(0, exit, output + error);
        StringAssert.Contains(output, "2 fetched, 0 already cached, 0 failed");
        var offline = await app.BuildAsync("-p:ModelStoreOffline=true", "-p:ModelStoreLockedMode=true");
        Assert.AreEqual(0, offline.ExitCode, offline.ToString());
        var run = await app.RunAppAsync();
        StringAssert.Contains(run.Output, $"sha256={digits}", run.ToString());
        StringAssert.Contains(run.Output, $"sha256={resnet}", run.ToString());

        var again = await RestoreAsync(Path.Combine(app.Folder, "modelstates.lock.json"), app.Home);
        Assert.AreEqual(0, again.Exit);
        StringAssert.Contains(again.Output, "0 fetched, 2 already cached, 0 failed");
    }

    private async Task<(int Exit, string Output, string Error)> RestoreAsync(string target, string home)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(["restore", target, "--cache", home], output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
