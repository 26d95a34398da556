using System.Security;

namespace ModelStore.Build.Tests.Integration;

/// <summary>A bundle state (Files) from a local folder store, in a real build against the packed feed.</summary>
[TestClass]
public sealed class BundleIntegrationTests
{
    [TestMethod]
    public async Task A_bundle_resolves_every_file_into_the_lock_file_the_output_tree_and_the_accessor_and_a_file_changed_after_locking_is_MST0004()
    {
        var app = await ConsumerProject.CreateAsync("bundle");
        var folder = Path.Combine(app.Folder, "minilm");
        var files = BundleBuildScenario.CreateFiles();
        foreach (var (path, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, path))!);
            File.WriteAllBytes(Path.Combine(folder, path), bytes);
        }

        var locked = await BundleBuildScenario.RunAsync(app, $"Kind=\"Local\" Folder=\"{SecurityElement.Escape(folder)}\"", files, () =>
            File.WriteAllTextAsync(Path.Combine(folder, "config.json"), """{"hidden_size": 768}"""));

        BundleBuildScenario.AssertChangedFileFails(locked);
    }
}
