namespace ModelStore.Build.Tests.Integration;

// What re-runs the resolution: the declared states, stores and lock file, not an edit of the project file; and
// ModelStoreVerify=full, which hashes every cached state on every build.
public sealed partial class BuildIntegrationTests
{
    [TestMethod]
    public async Task An_unrelated_project_edit_skips_resolution_and_ModelStoreVerify_full_always_resolves()
    {
        var app = await ConsumerProject.CreateAsync("incremental");
        app.Publish(Digits, 30_000);
        app.WithState(Digits, "Store=\"local\" AccessorName=\"Digits\"");
        AssertSucceeded(await app.BuildAsync());
        var project = Path.Combine(app.Folder, "app.csproj");

        File.AppendAllText(project, "\n<!-- an edit that declares nothing -->\n");
        var edited = await app.BuildAsync("-v:d");
        var full = await app.BuildAsync("-v:d", "-p:ModelStoreVerify=full");
        var fullAgain = await app.BuildAsync("-v:d", "-p:ModelStoreVerify=full");
        var wrong = await app.BuildAsync("-p:ModelStoreVerify=sometimes");
        app.WithState(Resnet, "Store=\"local\"");
        app.Publish(Resnet);
        var declared = await app.BuildAsync("-v:d");

        AssertSucceeded(edited);
        StringAssert.Contains(edited.Output, SkippedResolve, edited.ToString());
        foreach (var run in new[] { full, fullAgain })
        {
            AssertSucceeded(run);
            Assert.IsFalse(run.Output.Contains(SkippedResolve, StringComparison.Ordinal), run.ToString());
            StringAssert.Contains(run.Output, "Task \"ResolveModelStates\"", run.ToString());
        }

        AssertFailedWith(wrong, "MST0011");
        StringAssert.Contains(wrong.Output, "ModelStoreVerify is 'sometimes'", wrong.ToString());
        AssertSucceeded(declared);
        StringAssert.Contains(declared.Output, $"ModelStore: fetched {Resnet} from store 'local'", declared.ToString());
    }
}
