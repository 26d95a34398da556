using System.Security.Cryptography;

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

    // Behaviour, not timing: the blob's bytes are changed in place with size and mtime kept. A build that hashed the
    // cached state would notice (wrong SHA-256: removed and fetched again). After `touch app.csproj` nothing notices,
    // because nothing hashes; ModelStoreVerify=full hashes, finds the change and repairs the cache.
    [TestMethod]
    public async Task Touching_the_project_file_hashes_no_cached_state_and_ModelStoreVerify_full_does()
    {
        var app = await ConsumerProject.CreateAsync("touch");
        var sha = app.Publish(Digits, 4 << 20);
        app.WithState(Digits, "Store=\"local\" AccessorName=\"Digits\" CopyToOutputDirectory=\"PreserveNewest\"");
        AssertSucceeded(await app.BuildAsync());
        var blob = Path.Combine(app.Home, "blobs", "sha256", sha[..2], sha);
        var copied = Path.Combine(app.OutputFolder, "modelstates", "pytorch.tiny-mlp.digits.v1.pt");
        Assert.AreEqual(sha, HashOf(copied));

        var modified = File.GetLastWriteTimeUtc(blob);
        var mode = File.GetUnixFileMode(blob);
        File.SetUnixFileMode(blob, mode | UnixFileMode.UserWrite);
        using (var stream = new FileStream(blob, FileMode.Open, FileAccess.Write))
        {
            stream.Write("changed on disk"u8);
        }

        File.SetUnixFileMode(blob, mode);
        File.SetLastWriteTimeUtc(blob, modified);
        File.SetLastWriteTimeUtc(Path.Combine(app.Folder, "app.csproj"), DateTime.UtcNow);
        var touched = await app.BuildAsync("-v:d");
        var afterTouch = HashOf(blob);
        var full = await app.BuildAsync("-v:d", "-p:ModelStoreVerify=full");

        AssertSucceeded(touched);
        StringAssert.Contains(touched.Output, SkippedResolve, touched.ToString());
        Assert.IsFalse(touched.Output.Contains("Task \"ResolveModelStates\"", StringComparison.Ordinal), touched.ToString());
        Assert.AreNotEqual(sha, afterTouch, "the touch build left the changed blob alone: it hashed nothing");
        Assert.AreEqual(sha, HashOf(copied), "the output copy matches the blob's size and time, so it is not copied again");
        AssertSucceeded(full);
        StringAssert.Contains(full.Output, "no longer had SHA-256", full.ToString());
        StringAssert.Contains(full.Output, $"ModelStore: fetched {Digits} from store 'local'", full.ToString());
        Assert.AreEqual(sha, HashOf(blob), "ModelStoreVerify=full hashed the blob, removed it and fetched the state again");
    }

    private static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
